"""Two-factor sign-in with real TOTP codes computed from the device's key, as an
authenticator app computes them."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from theodoi.api.tokens import TokenError, create_token

PASSWORD = "mat-khau-thu"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an app shows now (or ``steps_ahead`` periods of 30 s later: each code is
    accepted once, so a second sign-in in the same half-minute uses the next one; the device
    tolerates one step of clock difference)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, steps_ahead=n) for n in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in right)


def sign_in(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("web:login"), data)


def enrol(client: Client, user) -> TOTPDevice:
    """Enrol through the page: read the secret shown, confirm with a first code."""
    page = client.get(reverse("web:two_factor"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<path" in html  # the QR code, inline
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert (
        base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
        == device.bin_key
    )
    response = client.post(
        reverse("web:two_factor"), {"action": "confirm", "code": code_for(device)}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def signed_in_as(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


@pytest.mark.django_db
def test_enrol_then_sign_in_needs_the_code(users):
    monitor = users["monitor"]
    monitor.is_staff = True  # enters the admin
    monitor.save()
    client = Client()
    client.force_login(monitor)
    device = enrol(client, monitor)
    # The enrolling session is verified and keeps working.
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert client.get("/admin/").status_code == 200
    client.post(reverse("web:logout"))

    client = Client()
    response = sign_in(client, "monitor", next_url=reverse("web:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login_code"))
    assert signed_in_as(client) is None  # not signed in before the code
    assert client.get(reverse("web:dashboard")).status_code == 302

    wrong = client.post(response["Location"], {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert "Mã xác thực không đúng" in wrong.content.decode()
    assert signed_in_as(client) is None

    # Right after a wrong code the device waits a second (django-otp's throttling), and says so.
    right = code_for(device, steps_ahead=1)
    throttled = client.post(response["Location"], {"code": right})
    assert "hãy đợi" in throttled.content.decode()
    assert signed_in_as(client) is None

    time.sleep(1.1)
    done = client.post(response["Location"], {"code": right})
    assert done.status_code == 302 and done["Location"] == reverse("web:dashboard")
    assert signed_in_as(client) == str(monitor.pk)
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert client.get("/admin/").status_code == 200  # a verified session enters the admin


@pytest.mark.django_db
def test_a_code_is_not_accepted_twice_and_malformed_codes_do_not_count(users):
    staff = users["staff"]
    client = Client()
    client.force_login(staff)  # anyone may enrol
    device = enrol(client, staff)
    client.post(reverse("web:logout"))

    client = Client()
    step = sign_in(client, "staff")["Location"]
    malformed = client.post(step, {"code": "12a45"})
    assert "6 chữ số" in malformed.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    # The code used to confirm the enrolment cannot sign in (replay).
    replay = client.post(step, {"code": code_for(device)})
    assert signed_in_as(client) is None
    assert "không đúng" in replay.content.decode()


@pytest.mark.django_db
def test_too_many_wrong_codes_ask_for_the_password_again(users):
    staff = users["staff"]
    client = Client()
    client.force_login(staff)
    device = enrol(client, staff)
    client.post(reverse("web:logout"))

    client = Client()
    step = sign_in(client, "staff")["Location"]
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        last = client.post(step, {"code": wrong_code(device)})
    assert last.status_code == 302 and last["Location"].startswith(reverse("web:login"))
    # The waiting session is gone: even the right code now sends back to the password.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    again = client.post(step, {"code": code_for(device, steps_ahead=1)})
    assert again.status_code == 302 and again["Location"].startswith(reverse("web:login"))
    assert signed_in_as(client) is None


@pytest.mark.django_db
def test_wrong_password_never_reaches_the_code_step(users):
    staff = users["staff"]
    client = Client()
    client.force_login(staff)
    enrol(client, staff)
    client.post(reverse("web:logout"))
    client = Client()
    response = client.post(reverse("web:login"), {"username": "staff", "password": "sai"})
    assert response.status_code == 200
    assert client.get(reverse("web:login_code")).status_code == 302
    assert signed_in_as(client) is None


@pytest.mark.django_db
def test_without_a_device_sign_in_is_one_step_and_half_enrolment_does_not_count(users):
    client = Client()
    client.force_login(users["head"])
    client.get(reverse("web:two_factor"))  # a secret shown, never confirmed
    assert TOTPDevice.objects.filter(user=users["head"], confirmed=False).exists()
    client.post(reverse("web:logout"))
    client = Client()
    response = sign_in(client, "head")
    assert response.status_code == 302 and not response["Location"].startswith(
        reverse("web:login_code")
    )
    assert signed_in_as(client) == str(users["head"].pk)


@pytest.mark.django_db
def test_disable_needs_a_current_code(users):
    staff = users["staff"]
    client = Client()
    client.force_login(staff)
    device = enrol(client, staff)
    refused = client.post(
        reverse("web:two_factor"), {"action": "disable", "code": wrong_code(device)}
    )
    assert "không đúng" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    time.sleep(1.1)
    client.post(
        reverse("web:two_factor"),
        {"action": "disable", "code": code_for(device, steps_ahead=1)},
    )
    assert not TOTPDevice.objects.filter(user=staff).exists()
    client.post(reverse("web:logout"))
    client = Client()
    sign_in(client, "staff")
    assert signed_in_as(client) == str(staff.pk)


@pytest.mark.django_db
def test_a_session_from_before_enrolment_keeps_working_but_not_in_the_admin(users):
    monitor = users["monitor"]
    monitor.is_staff = True
    monitor.save()
    earlier = Client()
    earlier.force_login(monitor)  # signed in, say, on another computer
    phone = Client()
    phone.force_login(monitor)
    device = enrol(phone, monitor)
    assert earlier.get(reverse("web:dashboard")).status_code == 200
    admin = earlier.get("/admin/")
    assert admin.status_code == 302
    # The admin's login sends the session to the code step, then back to the admin.
    to_code = earlier.get(admin["Location"])
    assert to_code["Location"].startswith(reverse("web:login_code"))
    done = earlier.post(to_code["Location"], {"code": code_for(device, steps_ahead=1)})
    assert done["Location"] == "/admin/"
    assert earlier.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_admin_has_no_sign_in_form_of_its_own(users):
    client = Client()
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    posted = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert signed_in_as(client) is None and posted.status_code == 302


@pytest.mark.django_db
@override_settings(THEODOI_REQUIRE_2FA=("monitor", "admin"))
def test_mandatory_for_a_monitor(users):
    client = Client()
    response = sign_in(client, "monitor", next_url=reverse("web:review"))
    assert response.status_code == 302
    # Signed in, but every page leads to enrolment until it is done.
    for path in (reverse("web:dashboard"), reverse("web:review"), "/admin/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked["Location"].startswith(reverse("web:two_factor")), path
    assert client.get("/api/programs").status_code == 403
    page = client.get(reverse("web:two_factor"))
    assert "bắt buộc" in page.content.decode()
    device = enrol(client, users["monitor"])
    assert client.get(reverse("web:dashboard")).status_code == 200
    # It cannot be turned off.
    refused = client.post(
        reverse("web:two_factor"),
        {"action": "disable", "code": code_for(device, steps_ahead=1)},
    )
    assert "không thể tắt" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=users["monitor"], confirmed=True).exists()
    # Staff of a body are not asked.
    staff = Client()
    sign_in(staff, "staff")
    assert staff.get(reverse("web:my_work")).status_code == 200


@pytest.mark.django_db
@override_settings(THEODOI_REQUIRE_2FA=("monitor",))
def test_api_tokens_do_not_go_round_mandatory_two_factor(users):
    """No token for a role that must use two-factor until its device is confirmed; then a
    token is its own secret (tests/api/test_tokens.py: refused at use without a device)."""
    with pytest.raises(TokenError, match="xác thực hai bước"):
        create_token(user=users["monitor"], name="báo cáo")
    client = Client()
    client.force_login(users["monitor"])
    enrol(client, users["monitor"])
    _, secret = create_token(user=users["monitor"], name="báo cáo")
    response = Client().get("/api/programs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_lost_phone_is_reset_from_the_command_line(users):
    from django.core.management import CommandError, call_command

    staff = users["staff"]
    client = Client()
    client.force_login(staff)
    enrol(client, staff)
    call_command("twofactor", "reset", "staff")
    assert not TOTPDevice.objects.filter(user=staff).exists()
    fresh = Client()
    sign_in(fresh, "staff")
    assert signed_in_as(fresh) == str(staff.pk)  # the password alone, until enrolled again
    with pytest.raises(CommandError, match="không có người dùng"):
        call_command("twofactor", "reset", "nobody")

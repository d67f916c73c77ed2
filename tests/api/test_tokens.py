"""API tokens: made by their owner only (the secret shown once; never for someone else, not by
an administrator nor by the command), listed (never the secret) and revoked (refused at once)
by their owner or an administrator, through the API, the web page and the command; two-factor
roles get none without a device and cannot use one; making them is limited; and tokens are
kept out of the logs."""

from __future__ import annotations

import logging

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from theodoi.api.models import ApiToken
from theodoi.api.tokens import TokenError, create_token, revoke_token


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_made_once_listed_without_secret_and_revoked_at_once(api_as, users):
    api = api_as("staff")
    made = api.post("/api/tokens", {"name": "  bảng   tính  "})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert secret.startswith("td_") and made.json()["name"] == "bảng tính"
    row = ApiToken.objects.get(pk=made.json()["id"])
    assert secret not in str(vars(row))  # only the hash is stored

    listed = api.get("/api/tokens")
    assert made.json()["prefix"] in listed.content.decode()
    assert secret not in listed.content.decode() and row.token_hash not in listed.content.decode()
    assert "token" not in listed.json()[0]

    assert Client().get("/api/programs", **bearer(secret)).status_code == 200
    revoked = api.post(f"/api/tokens/{row.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    refused = Client().get("/api/programs", **bearer(secret))
    assert refused.status_code == 401
    assert "khóa API" in refused.json()["detail"]

    assert api.post("/api/tokens", {"name": "   "}).status_code == 422
    before = ApiToken.objects.count()
    for name in ("bảng\x00tính", "bảng\ud800tính"):  # NUL, a lone surrogate: refused, not stored
        assert api.post("/api/tokens", {"name": name}).status_code == 422
    assert ApiToken.objects.count() == before
    with pytest.raises(TokenError, match="không hợp lệ"):  # the service itself, for every face
        create_token(users["staff"], "bảng\x00tính")
    decomposed = api.post("/api/tokens", {"name": "ba\u0309ng ti\u0301nh"}).json()["name"]
    assert decomposed == "bảng tính"  # typed decomposed, stored NFC


def test_nobody_mints_a_token_for_someone_else(api_as, users):
    """Not even an administrator: the token would act, and be audited, as that person."""
    before = ApiToken.objects.filter(user=users["staff"]).count()
    refused = api_as("admin").post("/api/tokens", {"name": "cho cán bộ", "user": "staff"})
    assert refused.status_code == 403
    assert "tự tạo khóa API" in refused.json()["detail"]
    assert api_as("outsider").post("/api/tokens", {"name": "x", "user": "staff"}).status_code == 403
    assert ApiToken.objects.filter(user=users["staff"]).count() == before
    # Naming oneself is the same as naming nobody.
    own = api_as("admin").post("/api/tokens", {"name": "của tôi", "user": "admin"})
    assert own.status_code == 201 and own.json()["user"] == "admin"
    # The service holds the rule for every face.
    with pytest.raises(TokenError, match="tự tạo khóa API"):
        create_token(users["staff"], "hộ", by=users["admin"])


def test_an_administrator_lists_and_revokes_anyones_tokens_and_nobody_else_does(api_as, users):
    row = ApiToken.objects.get(user=users["staff"])
    listed = api_as("admin").get("/api/tokens", {"user": "staff"})
    assert [t["id"] for t in listed.json()] == [row.pk]

    outsider = api_as("outsider")
    assert outsider.get("/api/tokens", {"user": "staff"}).status_code == 403
    assert outsider.post(f"/api/tokens/{row.pk}/revoke").status_code == 404
    assert ApiToken.objects.get(pk=row.pk).revoked_at is None
    assert api_as("admin").post(f"/api/tokens/{row.pk}/revoke").status_code == 200
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert api_as("admin").get("/api/tokens", {"user": "khong-co"}).status_code == 422


def test_unauthenticated_and_bad_tokens_get_401(users, secrets_for):
    for headers in ({}, bearer("td_abc"), bearer(secrets_for["staff"] + "x"),
                    {"HTTP_AUTHORIZATION": "Basic abc"}):  # fmt: skip
        response = Client().get("/api/programs", **headers)
        assert response.status_code == 401, headers
        assert response["WWW-Authenticate"] == "Bearer"
    users["staff"].is_active = False
    users["staff"].save()
    assert Client().get("/api/programs", **bearer(secrets_for["staff"])).status_code == 401


def test_tokens_never_reach_the_logs(users, secrets_for, caplog):
    secret = secrets_for["staff"]
    wrong = secret[:-4] + "abcd"
    with caplog.at_level(logging.DEBUG):
        assert Client().get("/api/programs", **bearer(wrong)).status_code == 401
        assert Client().get("/api/programs", **bearer(secret)).status_code == 200
        assert Client().get("/api/tasks/999999", **bearer(secret)).status_code == 404
    assert caplog.records, "the 401 and 404 are logged: the check must see them"
    logged = "\n".join(
        f"{r.getMessage()} {r.args} {getattr(r, 'request', '')!r}" for r in caplog.records
    )
    assert secret not in logged and wrong not in logged
    # the random part whole: token_urlsafe may itself hold "_", and a short piece of it
    # could be in any log line by chance
    assert secret.split("_", 2)[2] not in logged


# --- The web page ------------------------------------------------------------------------------


def test_the_web_page_makes_shows_once_lists_and_revokes(client_for, users):
    client = client_for("staff")
    assert "/account/tokens/" in client.get("/work/").content.decode()  # the user menu
    made = client.post("/account/tokens/", {"action": "create", "name": "Bảng tính"})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret in made.content.decode() and "chỉ hiện một lần" in made.content.decode()
    assert made["Cache-Control"].startswith("max-age=0")
    again = client.get("/account/tokens/")
    row = ApiToken.objects.get(user=users["staff"])
    assert secret not in again.content.decode() and row.prefix in again.content.decode()

    other = create_token(users["head"], "của thủ trưởng")[0]
    assert (
        client.post("/account/tokens/", {"action": "revoke", "token": other.pk}).status_code == 404
    )
    assert client.post("/account/tokens/", {"action": "revoke", "token": row.pk}).status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None

    empty = client.post("/account/tokens/", {"action": "create", "name": ""})
    assert empty.status_code == 422 and "Hãy đặt tên" in empty.content.decode()


def test_an_administrator_sees_and_revokes_anyones_token_on_the_web_page(client_for, users):
    row, _secret = create_token(users["staff"], "bảng tính của Ban")
    admin = client_for("admin")
    page = admin.get("/account/tokens/").content.decode()
    assert row.prefix in page and "bảng tính của Ban" in page
    assert 'name="user"' not in page  # nothing to make one for somebody else with
    assert row.prefix not in client_for("head").get("/account/tokens/").content.decode()
    answer = admin.post("/account/tokens/", {"action": "revoke", "token": row.pk})
    assert answer.status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    made = admin.post("/account/tokens/", {"action": "create", "name": "x", "user": "staff"})
    assert made.status_code == 200
    assert ApiToken.objects.get(name="x").user == users["admin"]


# --- Two-factor and limits on making tokens ----------------------------------------------------


@pytest.fixture
def monitor_needs_2fa(settings):
    settings.THEODOI_REQUIRE_2FA = ("monitor",)


def test_no_token_for_a_two_factor_role_without_a_device(users, monitor_needs_2fa, client_for):
    with pytest.raises(TokenError, match="xác thực hai bước"):
        create_token(users["monitor"], "báo cáo")
    assert not ApiToken.objects.filter(user=users["monitor"]).exists()
    # Other roles are not asked; with a confirmed device the monitor may.
    create_token(users["staff"], "báo cáo")
    TOTPDevice.objects.create(user=users["monitor"], name="theodoi", confirmed=True)
    create_token(users["monitor"], "báo cáo")


def test_a_token_of_a_two_factor_role_without_a_device_is_refused_at_use(users, settings):
    """A token made before the rule was turned on, or before the device was reset."""
    _row, secret = create_token(users["monitor"], "báo cáo")
    assert Client().get("/api/programs", **bearer(secret)).status_code == 200
    settings.THEODOI_REQUIRE_2FA = ("monitor",)
    refused = Client().get("/api/programs", **bearer(secret))
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert "xác thực hai bước" in detail and "/account/two-factor/" in detail
    TOTPDevice.objects.create(user=users["monitor"], name="theodoi", confirmed=False)
    assert Client().get("/api/programs", **bearer(secret)).status_code == 403
    TOTPDevice.objects.filter(user=users["monitor"]).update(confirmed=True)
    assert Client().get("/api/programs", **bearer(secret)).status_code == 200


def test_making_tokens_is_limited_per_hour(api_as, users, settings):
    settings.THEODOI_TOKENS_PER_HOUR = 3
    api = api_as("staff")  # the fixture made one for staff already this hour
    first = api.post("/api/tokens", {"name": "một"})
    assert first.status_code == 201
    # A revoked token still counts: making and revoking does not get round the limit.
    assert api.post(f"/api/tokens/{first.json()['id']}/revoke").status_code == 200
    assert api.post("/api/tokens", {"name": "hai"}).status_code == 201
    refused = api.post("/api/tokens", {"name": "ba"})
    assert refused.status_code == 429
    assert "3 khóa API trong một giờ" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert not ApiToken.objects.filter(name="ba").exists()
    # Each person has their own count; the web page says the same.
    assert api_as("head").post("/api/tokens", {"name": "ba"}).status_code == 201
    page = Client()
    page.force_login(users["staff"])
    answer = page.post("/account/tokens/", {"action": "create", "name": "bốn"})
    assert answer.status_code == 429 and "trong một giờ" in answer.content.decode()


def test_live_tokens_per_person_are_capped(users, settings):
    settings.THEODOI_TOKENS_LIVE = 2
    first, _ = create_token(users["staff"], "một")
    create_token(users["staff"], "hai")
    with pytest.raises(TokenError, match="2 khóa API còn hiệu lực"):
        create_token(users["staff"], "ba")
    revoke_token(first, by=users["staff"])
    create_token(users["staff"], "ba")


def test_the_web_page_needs_its_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["staff"])
    assert client.post("/account/tokens/", {"action": "create", "name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert Client().get("/account/tokens/").status_code == 302  # signed out: to the login page


# --- The command -------------------------------------------------------------------------------


def test_the_command_lists_and_revokes_and_makes_no_token_for_anyone(users, capsys):
    """The operator on the server is nobody's account: the command does not mint a token a
    person's calls would then be audited under; it lists and revokes, and the revocation is
    recorded as the command's."""
    with pytest.raises(SystemExit) as exit:
        call_command("token", "create", "staff", "--name", "máy chủ báo cáo")
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "tự tạo khóa API" in err and "/account/tokens/" in err
    assert not ApiToken.objects.exists()

    row, secret = create_token(users["staff"], "máy chủ báo cáo")
    call_command("token", "list", "staff")
    listed = capsys.readouterr().out
    assert f"td_{row.prefix}" in listed and "còn hiệu lực" in listed and secret not in listed

    call_command("token", "revoke", f"td_{row.prefix}")
    assert "Đã thu hồi" in capsys.readouterr().out
    assert Client().get("/api/programs", **bearer(secret)).status_code == 401
    revoked = LogEntry.objects.get_for_object(row).filter(action=LogEntry.Action.UPDATE).get()
    assert revoked.actor is None and revoked.additional_data["via"] == "cli"


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "khong-co", "--name", "x"], "tự tạo khóa API"),
        (["revoke", "td_zzzzzzzz"], "Không có khóa API mã “zzzzzzzz”"),
        (["list", "khong-co"], "Không có người dùng khong-co"),
    ],
)
def test_the_command_says_what_is_wrong(users, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        call_command("token", *args)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err

"""Two-factor sign-in: a 6-digit code from an authenticator app (TOTP, django-otp).

Anyone may turn it on; ``THEODOI_REQUIRE_2FA`` (roles, e.g. ``monitor,admin``) makes it
mandatory for those roles: after the password they must enrol, and can open nothing else
until they have. A device counts only once a first code has confirmed it, so a half-finished
enrolment never locks anyone out. After the password, a person with a device is not signed
in yet: the session only remembers who is waiting for the second step (for a few minutes and
a few tries), and the sign-in happens when the code is right. django-otp's throttling doubles
the wait after each wrong code, for every session at once, so guessing is slow everywhere.

API tokens do not go round it: where it is mandatory, a person without a confirmed device gets
no token and cannot use one they hold (``theodoi.api.tokens``); with a device, a token is a
secret of its own and needs no code per call.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from theodoi.tracking.policy import actor_of

__all__ = [
    "TwoFactorError",
    "TwoFactorMiddleware",
    "begin_second_step",
    "confirm_enrolment",
    "confirmed_device",
    "disable",
    "enrolment_device",
    "forget_second_step",
    "pending_user",
    "qr_svg",
    "required_for",
    "satisfied",
    "secret_text",
    "verify_login",
    "verify_session",
]

DEVICE_NAME = "theodoi"
PENDING_KEY = "theodoi_2fa_pending"
PENDING_SECONDS = 300  # the second step must follow the password within five minutes
PENDING_TRIES = 5  # then the password again
_CODE = re.compile(r"\d{6}")


class TwoFactorError(ValueError):
    """A code that was not accepted; the message says what to do (Vietnamese)."""


# --- Who needs what -----------------------------------------------------------------------------


def required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "THEODOI_REQUIRE_2FA", ()))


def required_for(user: AbstractBaseUser) -> bool:
    """Whether two-factor is mandatory for ``user``'s role (``THEODOI_REQUIRE_2FA``)."""
    roles = required_roles()
    if not roles:
        return False
    actor = actor_of(user)
    return actor is not None and actor.role.value in roles


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any (one per user)."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def satisfied(user: AbstractBaseUser) -> bool:
    """Whether a signed-in session of ``user`` has done what two-factor asks of it.

    With a device: the session was verified with a code. Without: fine, unless the role must
    have one. (A session that began before its user enrolled is not verified; the site lets it
    carry on, the admin site and mandatory roles do not.)
    """
    if confirmed_device(user) is not None:
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
    return not required_for(user)


# --- Enrolment ----------------------------------------------------------------------------------


def enrolment_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same one (and secret) until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code: attributes only, no style
    element or attribute, so a strict Content-Security-Policy shows it."""
    code = segno.make(device.config_url, error="m")  # issuer: OTP_TOTP_ISSUER
    return code.svg_inline(scale=5, border=4, dark="#000", light="#fff", svgclass="qr")


def confirm_enrolment(request: HttpRequest, code: str) -> TOTPDevice:
    """Confirm the enrolment with the first code from the app: the device counts from now on,
    and this session is verified with it (the person just proved they hold it)."""
    user = request.user
    if confirmed_device(user) is not None:
        raise TwoFactorError(_("Xác thực hai bước đã được bật cho tài khoản này."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise TwoFactorError(_("Chưa có mã bí mật; hãy tải lại trang để bắt đầu."))
    with transaction.atomic():
        checked = _verify(user, device, code)
        checked.confirmed = True
        checked.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    otp_login(request, checked)
    return checked


def disable(request: HttpRequest, code: str) -> None:
    """Turn two-factor off, with a current code (so a session left open is not enough).
    Refused where the role must keep it."""
    user = request.user
    device = confirmed_device(user)
    if device is None:
        raise TwoFactorError(_("Xác thực hai bước chưa được bật."))
    if required_for(user):
        raise TwoFactorError(
            _(
                "Vai trò của bạn bắt buộc dùng xác thực hai bước; không thể tắt. Nếu mất điện "
                "thoại, đề nghị quản trị viên xóa thiết bị để đăng ký lại."
            )
        )
    with transaction.atomic():
        _verify(user, device, code)
        TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


# --- Verifying a code ---------------------------------------------------------------------------


def _verify(user: AbstractBaseUser, device: TOTPDevice, code: str) -> TOTPDevice:
    """The device if ``code`` is its current code; else ``TwoFactorError`` saying why.

    A code not of six digits is refused without counting as a try. A wrong code counts: the
    device then refuses every code for 1, 2, 4, 8... seconds (django-otp's throttling), and
    says how long. A code already used cannot be used again.
    """
    code = "".join((code or "").split())
    if not _CODE.fullmatch(code):
        raise TwoFactorError(_("Mã xác thực gồm 6 chữ số, lấy từ ứng dụng xác thực."))
    device.refresh_from_db()
    allowed, details = device.verify_is_allowed()
    if not allowed:
        raise TwoFactorError(_wait_message(details))
    verified = otp_verify_token(user, device.persistent_id, code)
    if verified is None:
        raise TwoFactorError(
            _("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trong ứng dụng.")
        )
    return verified


def _wait_message(details: dict | None) -> str:
    until = (details or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return ngettext(
        "Đã nhập sai mã nhiều lần; hãy đợi %(n)d giây rồi thử lại.",
        "Đã nhập sai mã nhiều lần; hãy đợi %(n)d giây rồi thử lại.",
        seconds,
    ) % {"n": seconds}


def verify_session(request: HttpRequest, code: str) -> TOTPDevice:
    """Verify an already signed-in session (one that began before its user enrolled)."""
    device = confirmed_device(request.user)
    if device is None:
        raise TwoFactorError(_("Xác thực hai bước chưa được bật."))
    checked = _verify(request.user, device, code)
    otp_login(request, checked)
    return checked


# --- The second step of signing in ---------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: AbstractBaseUser
    backend: str
    tries: int


def begin_second_step(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Remember, in the not-yet-signed-in session, who gave the right password."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", ""),  # set by authenticate()
        "at": time.time(),
        "tries": 0,
    }


def forget_second_step(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def pending_user(request: HttpRequest) -> Pending | None:
    """Who is waiting for the second step in this session; None when nobody is, or when the
    wait is over (too long, or too many tries)."""
    entry = request.session.get(PENDING_KEY)
    if not isinstance(entry, dict):
        return None
    if time.time() - float(entry.get("at", 0)) > PENDING_SECONDS:
        forget_second_step(request)
        return None
    user = get_user_model().objects.filter(pk=entry.get("user"), is_active=True).first()
    if user is None or confirmed_device(user) is None:
        forget_second_step(request)
        return None
    return Pending(user=user, backend=str(entry.get("backend", "")), tries=int(entry["tries"]))


def verify_login(request: HttpRequest, pending: Pending, code: str) -> None:
    """Check the code of the person waiting; sign them in with a verified session when it is
    right. After ``PENDING_TRIES`` wrong codes the password is asked for again."""
    from django.contrib.auth import login as auth_login

    device = confirmed_device(pending.user)
    try:
        checked = _verify(pending.user, device, code)
    except TwoFactorError:
        entry = request.session.get(PENDING_KEY, {})
        entry["tries"] = pending.tries + 1
        if entry["tries"] >= PENDING_TRIES:
            forget_second_step(request)
            raise TwoFactorError(
                _("Nhập sai mã quá nhiều lần; hãy đăng nhập lại từ đầu.")
            ) from None
        request.session[PENDING_KEY] = entry
        raise
    forget_second_step(request)
    auth_login(request, pending.user, backend=pending.backend or None)
    otp_login(request, checked)


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is an address on this site, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- Mandatory two-factor ------------------------------------------------------------------------


class TwoFactorMiddleware:
    """Where two-factor is mandatory for a role: a signed-in session of that role that has not
    enrolled is sent to enrol, one that has a device but no code yet to the code step; nothing
    else opens until then. Signing out, the language switch, static files, calendar feeds
    (their own secret) and API calls with a token are left alone."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if required_roles() and not self._exempt(request):
            user = request.user
            if user.is_authenticated and required_for(user) and not satisfied(user):
                return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path_info
        free = (
            reverse("web:two_factor"),
            reverse("web:login"),
            reverse("web:login_code"),
            reverse("web:logout"),
            reverse("set_language"),
            "/" + settings.STATIC_URL.lstrip("/"),
            "/calendar/",
        )
        if path.startswith(free):
            return True
        return path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META

    @staticmethod
    def _refuse(request: HttpRequest, user) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Tài khoản phải bật xác thực hai bước trước khi dùng hệ thống.")},
                status=403,
            )
        target = "web:two_factor" if confirmed_device(user) is None else "web:login_code"
        url = f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)

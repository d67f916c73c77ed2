"""Making, revoking and checking API tokens. The token is ``td_<prefix>_<secret>``; only its
SHA-256 is stored (a token is long and random, so a slow hash adds nothing), and the lookup is
by that hash, so a wrong guess teaches nothing about a right one.

The rules, the same on every face (the API, the web page, the command):
- A person makes their own tokens only. Not even an administrator makes one for somebody
  else: its calls would act, and be audited, as that person. An administrator lists and
  revokes anyone's; the server's operator (the command line) lists and revokes, makes none.
- Where two-factor is mandatory for a role (``THEODOI_REQUIRE_2FA``), a person of that role
  without a confirmed device gets no token, and a token they hold is refused at use (made
  before the rule was turned on, or before the device was reset): tokens do not go round it.
- A person makes at most ``THEODOI_TOKENS_PER_HOUR`` tokens an hour (revoked ones count) and
  keeps at most ``THEODOI_TOKENS_LIVE`` live at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from theodoi.acting import acting
from theodoi.tracking.policy import actor_of
from theodoi.web.twofactor import confirmed_device, required_for

from .models import ApiToken

_SHAPE = re.compile(r"td_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{30,64}")


class TokenError(ValueError):
    """A token that cannot be made or revoked as asked; the message says why (Vietnamese)."""


class TokenLimit(TokenError):
    """Too many tokens made within the hour: ``retry_after`` seconds until the next may be."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenRefused(TokenError):
    """A live token that may not be used now; the message says why and what to do."""


def not_for_someone_else() -> str:
    """The refusal of a token asked for somebody else, for every face to answer."""
    return _(
        "Mỗi người tự tạo khóa API của mình, khi đã đăng nhập (trang Khóa API, /account/tokens/): "
        "khóa tạo hộ sẽ nhân danh và được ghi nhật ký là của người kia. Quản trị viên xem và "
        "thu hồi được khóa của người khác, không tạo khóa cho họ."
    )


def refused_for(user: AbstractBaseUser) -> str | None:
    """Why ``user`` may hold and use no token now (mandatory two-factor), or None."""
    if required_for(user) and confirmed_device(user) is None:
        return _(
            "Vai trò của tài khoản %(name)s bắt buộc xác thực hai bước nhưng tài khoản chưa "
            "bật: khóa API của tài khoản không dùng được cho đến khi đăng nhập web và bật xác "
            "thực hai bước ở trang /account/two-factor/."
        ) % {"name": user.get_username()}
    return None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create_token(
    user: AbstractBaseUser, name: str, *, by: AbstractBaseUser | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``, and its secret: the only time the secret is readable.

    ``by``, where a face knows it, is who asks: it must be ``user`` (a person makes their
    own tokens only, see the module's rules).
    """
    if by is not None and by.pk != user.pk:
        raise TokenError(not_for_someone_else())
    name = unicodedata.normalize("NFC", " ".join((name or "").split()))
    if not name:
        raise TokenError(_("Hãy đặt tên cho khóa API (ví dụ: tên hệ thống sẽ dùng nó)."))
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise TokenError(_("Tên khóa API có ký tự điều khiển hoặc không hợp lệ; hãy gõ lại tên."))
    if len(name) > 100:
        raise TokenError(_("Tên khóa API dài quá 100 ký tự."))
    if not user.is_active:
        raise TokenError(_("Tài khoản %(name)s đã bị khóa.") % {"name": user.get_username()})
    if actor_of(user) is None:
        raise TokenError(
            _(
                "Người dùng %(name)s chưa được gán cơ quan và vai trò "
                "(theodoi member TÊN MÃ_CƠ_QUAN --role VAI_TRÒ)."
            )
            % {"name": user.get_username()}
        )
    refusal = refused_for(user)
    if refusal:
        raise TokenError(refusal)
    prefix = "".join(secrets.choice("abcdefghijkmnopqrstuvwxyz23456789") for _place in range(8))
    token = f"td_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic(), acting(user):
        # One maker at a time per person, so two requests at once cannot both pass the limits.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        now = timezone.now()
        _check_limits(user, now)
        row = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            token_hash=_hash(token),
            created_at=now,
            created_by=user,
        )
    return row, token


def _check_limits(user: AbstractBaseUser, now: dt.datetime) -> None:
    per_hour = settings.THEODOI_TOKENS_PER_HOUR
    hour_ago = now - dt.timedelta(hours=1)
    recent = list(
        ApiToken.objects.filter(user=user, created_at__gt=hour_ago)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_hour]
    )
    if len(recent) >= per_hour:
        # The next may be made when the oldest of the last ``per_hour`` is an hour old.
        wait = max(1, math.ceil((recent[-1] - hour_ago).total_seconds()))
        minutes = max(1, math.ceil(wait / 60))
        raise TokenLimit(
            ngettext(
                "Mỗi người tạo được tối đa %(count)d khóa API trong một giờ (kể cả khóa đã thu "
                "hồi); hãy thử lại sau %(minutes)d phút, hoặc dùng lại một khóa còn hiệu lực.",
                "Mỗi người tạo được tối đa %(count)d khóa API trong một giờ (kể cả khóa đã thu "
                "hồi); hãy thử lại sau %(minutes)d phút, hoặc dùng lại một khóa còn hiệu lực.",
                per_hour,
            )
            % {"count": per_hour, "minutes": minutes},
            retry_after=wait,
        )
    live = settings.THEODOI_TOKENS_LIVE
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= live:
        raise TokenError(
            ngettext(
                "Bạn đã có %(count)d khóa API còn hiệu lực, mức tối đa; hãy thu hồi khóa không "
                "còn dùng rồi tạo khóa mới.",
                "Bạn đã có %(count)d khóa API còn hiệu lực, mức tối đa; hãy thu hồi khóa không "
                "còn dùng rồi tạo khóa mới.",
                live,
            )
            % {"count": live}
        )


def revoke_token(token: ApiToken, *, by: AbstractBaseUser | None) -> ApiToken:
    """Revoke ``token`` at once; its owner or an administrator may. ``by=None`` is the
    server's operator (the command line), recorded as such in the audit log."""
    if by is not None and by.pk != token.user_id and not is_admin(by):
        raise TokenError(_("Chỉ người dùng hoặc quản trị viên mới thu hồi được khóa API của họ."))
    if token.revoked_at is None:
        with transaction.atomic(), acting(by):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def user_for_token(token: str) -> tuple[AbstractBaseUser, ApiToken] | None:
    """The user a live token signs in, with the token's row; ``None`` for anything else
    (unknown, revoked, malformed, or a user who may no longer do anything). A live token its
    user may not use now (mandatory two-factor, not enrolled) raises ``TokenRefused``."""
    if not isinstance(token, str) or not _SHAPE.fullmatch(token):
        return None
    row = (
        ApiToken.objects.select_related("user__membership__organization")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active or actor_of(row.user) is None:
        return None
    refusal = refused_for(row.user)
    if refusal:
        raise TokenRefused(refusal)
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        # At most one write a minute per token: the list shows when it was last used.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row.user, row


def is_admin(user: AbstractBaseUser) -> bool:
    """Administrators list and revoke anyone's tokens (and make only their own)."""
    actor = actor_of(user)
    return actor is not None and actor.role == "admin"


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """A user's tokens, newest first, revoked ones included (they say when)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_by_prefix(prefix: str) -> ApiToken:
    """The token a prefix names (what lists show, with or without ``td_``), or a
    ``TokenError`` that says why not."""
    prefix = (prefix or "").strip().removeprefix("td_").split("_")[0]
    found = list(ApiToken.objects.select_related("user").filter(prefix=prefix)[:2])
    if not found:
        raise TokenError(_("Không có khóa API mã “%(prefix)s”.") % {"prefix": prefix})
    if len(found) > 1:
        raise TokenError(
            _("Có nhiều khóa API mã “%(prefix)s”; hãy thu hồi trên trang Khóa API.")
            % {"prefix": prefix}
        )
    return found[0]

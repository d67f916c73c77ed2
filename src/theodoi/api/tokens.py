"""Making, revoking and checking API tokens. The token is ``td_<prefix>_<secret>``; only its
SHA-256 is stored (a token is long and random, so a slow hash adds nothing), and the lookup is
by that hash, so a wrong guess teaches nothing about a right one."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from theodoi.tracking.policy import actor_of

from .models import ApiToken

_SHAPE = re.compile(r"td_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{30,64}")


class TokenError(ValueError):
    """A token that cannot be made or revoked as asked; the message says why (Vietnamese)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create_token(
    user: AbstractBaseUser, name: str, *, by: AbstractBaseUser | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``, and its secret: the only time the secret is readable.

    ``by`` is who made it (the user themself or an administrator); anyone else is refused.
    """
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("Hãy đặt tên cho khóa API (ví dụ: tên hệ thống sẽ dùng nó).")
    if len(name) > 100:
        raise TokenError("Tên khóa API dài quá 100 ký tự.")
    if not user.is_active:
        raise TokenError(f"Tài khoản {user.get_username()} đã bị khóa.")
    if actor_of(user) is None:
        raise TokenError(
            f"Người dùng {user.get_username()} chưa được gán cơ quan và vai trò "
            "(theodoi member TÊN MÃ_CƠ_QUAN --role VAI_TRÒ)."
        )
    if by is not None and by.pk != user.pk and not _is_admin(by):
        raise TokenError("Chỉ người dùng hoặc quản trị viên mới tạo được khóa API cho họ.")
    prefix = "".join(secrets.choice("abcdefghijkmnopqrstuvwxyz23456789") for _ in range(8))
    token = f"td_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            token_hash=_hash(token),
            created_at=timezone.now(),
            created_by=by or user,
        )
    return row, token


def revoke_token(token: ApiToken, *, by: AbstractBaseUser) -> ApiToken:
    """Revoke ``token`` at once; its owner or an administrator may."""
    if by.pk != token.user_id and not _is_admin(by):
        raise TokenError("Chỉ người dùng hoặc quản trị viên mới thu hồi được khóa API của họ.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_token(token: str) -> tuple[AbstractBaseUser, ApiToken] | None:
    """The user a live token signs in, with the token's row; ``None`` for anything else
    (unknown, revoked, malformed, or a user who may no longer do anything)."""
    if not isinstance(token, str) or not _SHAPE.fullmatch(token):
        return None
    row = (
        ApiToken.objects.select_related("user__membership__organization")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active or actor_of(row.user) is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        # At most one write a minute per token: the list shows when it was last used.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row.user, row


def is_admin(user: AbstractBaseUser) -> bool:
    """Administrators list, make and revoke anyone's tokens."""
    actor = actor_of(user)
    return actor is not None and actor.role == "admin"


_is_admin = is_admin


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """A user's tokens, newest first, revoked ones included (they say when)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_by_prefix(prefix: str) -> ApiToken:
    """The token a prefix names (what lists show, with or without ``td_``), or a
    ``TokenError`` that says why not."""
    prefix = (prefix or "").strip().removeprefix("td_").split("_")[0]
    found = list(ApiToken.objects.select_related("user").filter(prefix=prefix)[:2])
    if not found:
        raise TokenError(f"Không có khóa API mã “{prefix}”.")
    if len(found) > 1:
        raise TokenError(f"Có nhiều khóa API mã “{prefix}”; hãy thu hồi trên trang Khóa API.")
    return found[0]

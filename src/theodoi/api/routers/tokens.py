"""Khóa API: a user lists, makes and revokes their own tokens; an administrator also lists and
revokes anyone's, and makes none for anybody else (a token made for someone would act, and be
audited, as them). The secret is answered once, when the token is made; lists never carry it
(nor its hash). The rules are ``theodoi.api.tokens``'s, shared with the web page and the
command."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ..models import ApiToken
from ..schemas import InvalidInput, Problem, TokenCreated, TokenIn, TokenOut
from ..tokens import (
    TokenError,
    TokenLimit,
    create_token,
    is_admin,
    not_for_someone_else,
    revoke_token,
    tokens_of,
)

router = Router(tags=["tokens"])

ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: InvalidInput, 429: Problem}


def _owner(request: HttpRequest, username: str | None):
    """Whose tokens to list: the caller's, or (administrators only) the user named."""
    if not username or username == request.user.get_username():
        return request.user
    if not is_admin(request.user):
        raise PermissionDenied(_("Chỉ quản trị viên mới xem, thu hồi khóa API của người khác."))
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise ValidationError(_("user: không có người dùng “%(name)s”.") % {"name": username})
    return found


def _visible(request: HttpRequest) -> QuerySet[ApiToken]:
    rows = ApiToken.objects.select_related("user", "created_by")
    return rows if is_admin(request.user) else rows.filter(user=request.user)


@router.get("", response={200: list[TokenOut], **ERRORS})
def list_tokens(
    request: HttpRequest,
    user: str | None = Query(None, max_length=150, description="another user (administrators)"),
):
    """The caller's tokens (or, for an administrator, the named user's), newest first."""
    return list(tokens_of(_owner(request, user)).select_related("user", "created_by"))


@router.post("", response={201: TokenCreated, **ERRORS})
def make_token(request: HttpRequest, payload: TokenIn, response: HttpResponse):
    """A new token of the caller's own; ``token`` in the answer is its secret, shown this once.
    Naming another user is refused (403), also for an administrator; past the limit of
    tokens made in an hour the answer is 429 with Retry-After."""
    if payload.user and payload.user != request.user.get_username():
        raise PermissionDenied(not_for_someone_else())
    try:
        row, secret = create_token(request.user, payload.name, by=request.user)
    except TokenLimit as error:
        response["Retry-After"] = str(error.retry_after)
        return Status(429, {"detail": str(error)})
    except TokenError as error:
        raise ValidationError(str(error)) from None
    row.token = secret
    return Status(201, row)


@router.post("/{int:token_id}/revoke", response={200: TokenOut, **ERRORS})
def revoke(request: HttpRequest, token_id: int):
    """Revoke a token at once: calls signed with it are refused from now on (401)."""
    row = get_object_or_404(_visible(request), pk=token_id)
    try:
        revoke_token(row, by=request.user)
    except TokenError as error:
        raise PermissionDenied(str(error)) from None
    return row

"""Khóa API: a signed-in member makes, lists and revokes their own API tokens; an administrator
also sees everyone's and revokes any (and makes none for anybody else: the page has no field
to name someone). The secret is shown once, on the answer to the request that made it (never
stored, never put in the session or a redirect); the rules are ``theodoi.api.tokens``'s, as
the API's and the command's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from theodoi.api.models import ApiToken
from theodoi.api.tokens import (
    TokenError,
    TokenLimit,
    create_token,
    is_admin,
    revoke_token,
    tokens_of,
)

from .common import member_required


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The list, the form to make one, and (after making one) its secret, this once; for an
    administrator, everyone else's live tokens too, each with its revoke button."""
    admin = is_admin(request.user)
    context: dict = {"error": None, "secret": None, "made": None, "name": ""}
    status, retry_after = 200, None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            rows = ApiToken.objects.all() if admin else ApiToken.objects.filter(user=request.user)
            row = get_object_or_404(rows, pk=_pk(request.POST.get("token")))
            try:
                revoke_token(row, by=request.user)
            except TokenError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Đã thu hồi khóa %(prefix)s.") % {"prefix": row.prefix})
            return redirect("web:tokens")
        name = request.POST.get("name", "")
        try:
            made, secret = create_token(request.user, name, by=request.user)
        except TokenLimit as error:
            context.update(error=str(error), name=name)
            status, retry_after = 429, error.retry_after
        except TokenError as error:
            context.update(error=str(error), name=name)
            status = 422
        else:
            context.update(made=made, secret=secret)
    context["rows"] = tokens_of(request.user)
    context["others"] = (
        ApiToken.objects.select_related("user")
        .exclude(user=request.user)
        .filter(revoked_at__isnull=True)
        .order_by("user__username", "-created_at")
        if admin
        else None
    )
    response = render(request, "web/tokens.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else 0

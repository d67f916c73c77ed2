"""Khóa API: a signed-in member makes, lists and revokes their own API tokens. The secret is
shown once, on the answer to the request that made it (never stored, never put in the session
or a redirect); the rules are ``theodoi.api.tokens``'s, as the API's and the command's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from theodoi.api.models import ApiToken
from theodoi.api.tokens import TokenError, create_token, revoke_token, tokens_of

from .common import member_required


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The list, the form to make one, and (after making one) its secret, this once."""
    context: dict = {"error": None, "secret": None, "made": None, "name": ""}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            row = get_object_or_404(ApiToken, pk=_pk(request.POST.get("token")), user=request.user)
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
        except TokenError as error:
            context.update(error=str(error), name=name)
        else:
            context.update(made=made, secret=secret)
    context["rows"] = tokens_of(request.user)
    return render(request, "web/tokens.html", context, status=422 if context["error"] else 200)


def _pk(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else 0

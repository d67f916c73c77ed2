"""Who is calling: a bearer token (``Authorization: Bearer td_…``) or the web's own session
(with its CSRF token on anything that changes data). Both end at a Django user, and every
endpoint then asks the same permission policy as the web. A token's calls are recorded as
through that token ("api:<prefix>", ``theodoi.acting``), from the request's address."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from theodoi.acting import API, narrow

from .tokens import TokenRefused, user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the request then acts as the token's user. A live
    token its user may not use now (mandatory two-factor not set up) is answered 403 with
    what to do, not 401: the token is right, the account is not ready."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            found = user_for_token(token)
        except TokenRefused as refusal:
            raise PermissionDenied(str(refusal)) from None
        if found is None:
            return None
        user, row = found
        request.user = user
        request.api_token = row
        narrow(f"{API}{row.prefix}", actor=user)
        return row


class WebSession(SessionAuth):
    """The signed-in web session, for the pages' own calls; CSRF is checked on writes."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        return user

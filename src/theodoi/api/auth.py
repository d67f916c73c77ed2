"""Who is calling: a bearer token (``Authorization: Bearer td_…``) or the web's own session
(with its CSRF token on anything that changes data). Both end at a Django user, and every
endpoint then asks the same permission policy as the web. A token's calls are recorded as
through that token ("api:<prefix>", ``theodoi.acting``), from the request's address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from theodoi.acting import API, narrow

from .tokens import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the request then acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = user_for_token(token)
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

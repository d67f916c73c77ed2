"""The API's rate limit: so many calls a window per token (``THEODOI_API_RATE``, e.g.
"600/m"; "s", "m", "h", "d" windows), counted in Django's cache. The cache is a table of the database,
so that several server processes count together; each
token has its own count, and a web session counts as its user."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from .models import ApiToken

DEFAULT_RATE = "600/m"


class TokenRate(SimpleRateThrottle):
    """One window per token (per user for the web's own session calls)."""

    scope = "token"
    cache_format = "theodoi_api_rate_%(ident)s"

    def __init__(self) -> None:
        super().__init__(rate=DEFAULT_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The setting is read on each call, so a changed setting (or a test's) takes effect.
        self.rate = getattr(settings, "THEODOI_API_RATE", DEFAULT_RATE) or DEFAULT_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiToken):
            ident = f"token_{auth.pk}"
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            ident = f"user_{request.user.pk}"
        else:
            ident = "ip_" + hashlib.sha256(str(self.get_ident(request)).encode()).hexdigest()
        return self.cache_format % {"ident": ident}

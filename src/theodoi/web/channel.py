"""Every request's channel (``theodoi.acting``): "web", the client's address and the signed-in
user, for the audit entries and report revisions written while it is answered. It takes the
place of django-auditlog's middleware, which took the first X-Forwarded-For entry, one the
client may write itself; the address here is ``web.security.client_ip``'s (the entry the
nearest of ``THEODOI_PROXY_COUNT`` proxies appended, else the connection's)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from auditlog.cid import set_cid
from django.http import HttpRequest, HttpResponse

from theodoi.acting import WEB, through

from .security import client_ip


def request_address(request: HttpRequest) -> str | None:
    """The client's address, or None where there is none to record (a Unix socket)."""
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return None
    return None if address.is_unspecified else str(address)


class ChannelMiddleware:
    """Sets the channel for the request; the API's token authentication narrows it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        set_cid(request)  # auditlog's correlation id, as its own middleware did
        actor = getattr(request, "user", None)
        with through(WEB, address=request_address(request), actor=actor):
            return self.get_response(request)

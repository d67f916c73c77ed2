"""Request-level security pieces the settings point at: sessions that end after a spell of
inactivity, the client's address that login throttling counts, the lockout page, and the
Permissions-Policy header."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# A session in use has its expiry pushed forward at most this often (seconds): the idle limit
# (SESSION_COOKIE_AGE) holds to within these minutes, and a page costs no session write.
SESSION_REFRESH_SECONDS = 300
_REFRESHED = "_theodoi_refreshed"


@receiver(user_logged_in)
def _mark_fresh_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[_REFRESHED] = int(time.time())


class SessionRefreshMiddleware:
    """Sign out after SESSION_COOKIE_AGE without a request, as SESSION_SAVE_EVERY_REQUEST would,
    but write the session once every few minutes instead of on every page and htmx call
    (each write takes SQLite's one write lock)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and response.status_code < 500:
            now = int(time.time())
            if now - session.get(_REFRESHED, 0) >= SESSION_REFRESH_SECONDS:
                session[_REFRESHED] = now  # modified: SessionMiddleware saves it, new expiry
        return response


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address a sign-in comes from. X-Forwarded-For is read only behind the proxies
    THEODOI_PROXY_COUNT says are there, and then the entry the nearest of them appended:
    whatever came before it was written by the client and proves nothing."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    count = settings.THEODOI_PROXY_COUNT
    if count:
        forwarded = [
            p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= count:
            return _address(forwarded[-count]) or remote
    return remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The page a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE): how long to wait
    and whom to ask, with 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "web/locked_out.html",
        {"minutes": minutes, "failures": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class PermissionsPolicyMiddleware:
    """Tell the browser no page of ours uses the camera, microphone, location, payments or USB,
    so a script that got in somehow cannot ask for them either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on everything theodoi answers itself: signed-in
    pages, htmx parts, API answers, downloads (reports, exports, evidence files). A browser
    or a proxy then keeps no copy of someone's work to show the next person at that computer
    after sign-out. Static files never get here (WhiteNoise, above, answers them with its own
    long-lived caching). A view that chose its own Cache-Control keeps it: the calendar feed
    says ``private, max-age=900``, because a calendar application subscribes to keep a copy of
    the events anyway and polls the same secret address; ``private`` keeps shared caches out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response

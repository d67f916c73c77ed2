"""The API's rate limit: so many calls a window per token (``THEODOI_API_RATE``, e.g. "600/m";
"s", "m", "h", "d" windows); a web session counts as its user.

The count is a row per caller (``RateCount``) moved on by one UPDATE that adds the call only
while the window has room (``count < limit``) or starts a new window when the old one is over.
The database applies such UPDATEs one after another on a row (PostgreSQL locks it and
re-reads it; SQLite takes its write lock), so exactly ``limit`` calls pass a window however
many threads and server processes call at once. (ninja's stock throttle read the list of
calls from the cache, added one and wrote it back: under 16 threads 954 calls passed a
600-a-minute limit.) A window starts with its first call, not at the clock's minute, so no
burst straddling two windows passes twice the limit within one window's length."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, PositiveIntegerField, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone
from ninja.throttling import SimpleRateThrottle

from .models import ApiToken, RateCount

DEFAULT_RATE = "600/m"


@dataclass(frozen=True)
class Taken:
    """Whether a call passed, and if not, the seconds until its window ends."""

    allowed: bool
    wait: float = 0.0


def take(key: str, *, limit: int, seconds: int, now: dt.datetime | None = None) -> Taken:
    """Count one call of ``key`` against ``limit`` calls a window of ``seconds``."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=seconds)
    current = Q(started__gt=cutoff)
    for _attempt in range(2):
        moved = (
            RateCount.objects.filter(key=key)
            .filter(~current | Q(count__lt=limit))
            .update(
                count=Case(
                    When(current, then=F("count") + 1),
                    default=Value(1),
                    output_field=PositiveIntegerField(),
                ),
                started=Case(
                    When(current, then=F("started")),
                    default=Value(now),
                    output_field=DateTimeField(),
                ),
            )
        )
        if moved:
            return Taken(True)
        started = RateCount.objects.filter(key=key).values_list("started", flat=True).first()
        if started is not None:
            return Taken(False, max(0.0, (started - cutoff).total_seconds()))
        try:
            with transaction.atomic():
                RateCount.objects.create(key=key, started=now, count=1)
        except IntegrityError:
            continue  # another call made the row first: count against it
        return Taken(True)
    return Taken(False, float(seconds))  # the row came and went twice: a rarity, refuse


class TokenRate(SimpleRateThrottle):
    """One window per token (per user for the web's own session calls). One instance serves
    every thread, so the answer for ``wait`` is kept per thread."""

    scope = "token"

    def __init__(self) -> None:
        super().__init__(rate=DEFAULT_RATE)
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        # The setting is read on each call, so a changed setting (or a test's) takes effect.
        rate = getattr(settings, "THEODOI_API_RATE", DEFAULT_RATE) or DEFAULT_RATE
        limit, seconds = self.parse_rate(rate)
        taken = take(self._key(request), limit=limit, seconds=seconds)
        self._last.wait = taken.wait
        return taken.allowed

    def wait(self) -> float | None:
        return getattr(self._last, "wait", None) or None

    def _key(self, request: HttpRequest) -> str:
        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiToken):
            return f"token_{auth.pk}"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user_{user.pk}"
        return "ip_" + hashlib.sha256(str(self.get_ident(request)).encode()).hexdigest()[:40]

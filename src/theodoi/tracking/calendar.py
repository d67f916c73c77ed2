"""The iCal feed of due dates: one calendar per body, read through a secret address per person.

Calendar programs (Outlook, Google Calendar, Thunderbird, a phone) subscribe to an address and
fetch it on their own, without signing in, so the address carries a secret: whoever has it
reads what its owner may read. Only a hash of the secret is stored (``CalendarFeed``); it is
shown once when made, and rotating it makes the old address stop working at once.

What a feed holds: one all-day event per occurrence of a body's work that is still open as
of today, on its due date in force (after approved extensions). Overdue open work stays, on
its past date, so the calendar shows what is late; work confirmed done, withdrawn work, and
"Thường xuyên" periods already reported drop out. Only programs in force (status active)
count. A body's head and staff follow their own body; the office, leaders and administrators
may follow any body: the permission policy decides, as it does for the web pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from theodoi.orgs.models import Organization
from theodoi.programs.models import DOING_ROLES, ROLE_FIELDS, Assignment, Occurrence, Program

from .models import CalendarFeed
from .policy import Action, actor_of, allows, check, visible_occurrences
from .reminders import task_path
from .status import OccurrenceStatus, statuses

__all__ = [
    "CalendarError",
    "feed_for",
    "feed_url",
    "has_feed",
    "issue_feed",
    "may_follow",
    "user_for_token",
]

TIME_ZONE = "Asia/Ho_Chi_Minh"
PRODID = "-//theodoi//Lịch hạn nhiệm vụ//VI"
SUMMARY_TASK_CHARS = 80
DESCRIPTION_TASK_CHARS = 600
# secrets.token_urlsafe(32) gives 43 characters; anything unlike a token is refused unread.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


class CalendarError(ValueError):
    """A calendar address that cannot be issued as asked; the message says why (Vietnamese)."""


# --- The secret address ------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_feed(user: AbstractBaseUser) -> str:
    """Make the user's secret, or replace it, and return it: the only time it is readable.

    Rotating replaces the stored hash, so the old address stops working at once. A user the
    policy answers nothing for (inactive, no body) gets none: the address would only 404.
    """
    if not user.is_active:
        raise CalendarError(f"Tài khoản {user.get_username()} đã bị khóa.")
    if actor_of(user) is None:
        raise CalendarError(
            f"Người dùng {user.get_username()} chưa được gán cơ quan và vai trò "
            "(theodoi member TÊN MÃ_CƠ_QUAN --role VAI_TRÒ)."
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user=user, defaults={"token_hash": _hash(token), "created_at": timezone.now()}
        )
    return token


def has_feed(user: AbstractBaseUser) -> bool:
    """Whether the user has a secret address already (its secret cannot be shown again)."""
    return CalendarFeed.objects.filter(user=user).exists()


def user_for_token(token: str) -> User | None:
    """The person whose secret ``token`` is, if they may still read anything; else ``None``.

    The lookup is by the secret's hash, never by the secret, so the time a lookup takes says
    nothing about how close a guess was. Inactive users and users without a body get None,
    the same answer as an unknown token.
    """
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    feed = (
        CalendarFeed.objects.select_related("user__membership__organization")
        .filter(token_hash=_hash(token))
        .first()
    )
    if feed is None or actor_of(feed.user) is None:
        return None
    return feed.user


def feed_url(token: str, organization: Organization | None = None) -> str:
    """The absolute address of a feed: the user's own body's, or ``organization``'s."""
    if organization is None:
        path = reverse("tracking:calendar", kwargs={"token": token})
    else:
        path = reverse("tracking:calendar-body", kwargs={"token": token, "code": organization.code})
    return settings.THEODOI_SITE_URL.rstrip("/") + path


# --- Who may follow which body -----------------------------------------------------------------


def may_follow(user: AbstractBaseUser | None, organization: Organization) -> bool:
    """Whether the policy lets ``user`` see ``organization``'s occurrences.

    The policy answers about one occurrence; an unsaved occurrence of that body stands for all
    of them, so a body with no work yet is answered like any other.
    """
    return allows(user, Action.VIEW_OCCURRENCE, _probe(organization))


def _probe(organization: Organization) -> Occurrence:
    return Occurrence(assignment=Assignment(organization=organization))


# --- The calendar ------------------------------------------------------------------------------


def feed_for(
    user: AbstractBaseUser,
    organization: Organization,
    *,
    today: dt.date,
    now: dt.datetime | None = None,
) -> bytes:
    """The VCALENDAR of ``organization``'s open due dates as of ``today``, as ``user`` sees them.

    Raises ``PermissionDenied`` when the policy does not let ``user`` see that body's work.
    ``now`` is the DTSTAMP (the time the feed was made); UIDs stay the same from one fetch to
    the next, so a calendar program updates its events instead of duplicating them.
    """
    check(user, Action.VIEW_OCCURRENCE, _probe(organization))
    now = now or timezone.now()
    rows = list(_owed(user, organization))
    # The status gives the due date in force (the latest approved extension, in bulk for all
    # rows, the rule of ``extensions.effective_due``) and whether the work is done as of today.
    status_of = statuses(rows, as_of=today)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _nfc(f"Hạn nhiệm vụ: {organization.name}"))
    calendar.add("x-wr-timezone", TIME_ZONE)
    calendar.add("x-wr-caldesc", _nfc(f"Các hạn chưa hoàn thành của {organization.name} (theodoi)"))
    events = [
        _event(occurrence, status_of[occurrence.pk], organization, today=today, now=now)
        for occurrence in rows
        if _still_owed(status_of[occurrence.pk])
    ]
    events.sort(key=lambda e: (e.decoded("dtstart"), str(e["uid"])))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def _owed(user: AbstractBaseUser, organization: Organization):
    """The body's occurrences that it owes and that are not withdrawn, in programs in force.

    A body owes an occurrence when its assignment advises, implements, leads or coordinates,
    or, on a task that names no such body, when it directs or issues it (the importer's
    ``owing`` rule); a group's own row, with no body, owes nothing.
    """
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    named_doers = Assignment.objects.filter(
        task=OuterRef("assignment__task"), organization__isnull=False
    )
    any_doer = Q()
    for role in DOING_ROLES:
        any_doer |= Q(**{role: True})
    return (
        visible_occurrences(user)
        .filter(assignment__organization=organization)
        .filter(assignment__task__program__status=Program.Status.ACTIVE)
        .exclude(status=Occurrence.Status.WITHDRAWN)
        .filter(doing | ~Exists(named_doers.filter(any_doer)))
        .select_related("assignment__task__program")
        .order_by("due_date", "pk")
    )


def _still_owed(status: OccurrenceStatus) -> bool:
    """Open work as of today: not withdrawn, not confirmed done, and for "Thường xuyên" (no
    deadline) not yet reported for its period."""
    if status.bucket == "withdrawn" or status.done:
        return False
    return not (status.bucket == "no_deadline" and status.reported)


def _event(
    occurrence: Occurrence,
    status: OccurrenceStatus,
    organization: Organization,
    *,
    today: dt.date,
    now: dt.datetime,
) -> Event:
    task = occurrence.assignment.task
    summary = f"Hạn: {_short(task.text, SUMMARY_TASK_CHARS)} ({occurrence.label})"
    event = Event()
    event.add("uid", f"occurrence-{occurrence.pk}@theodoi")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", status.due)
    event.add("dtend", status.due + dt.timedelta(days=1))
    event.add("summary", _nfc(summary))
    event.add("description", _nfc(_description(occurrence, status, organization, today=today)))
    event.add("url", f"{settings.THEODOI_SITE_URL.rstrip('/')}{task_path(task.pk)}")
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: it does not make anyone busy
    event.add("categories", [_nfc(status.label)])
    return event


def _description(
    occurrence: Occurrence, status: OccurrenceStatus, organization: Organization, *, today: dt.date
) -> str:
    assignment = occurrence.assignment
    task = assignment.task
    roles = ", ".join(
        str(Assignment._meta.get_field(role).verbose_name)
        for role in ROLE_FIELDS
        if getattr(assignment, role)
    )
    lines = [
        f"Nhiệm vụ {task.key}: {_short(task.text, DESCRIPTION_TASK_CHARS)}",
        f"Vai trò của {organization.name}: {roles}",
        f"Kỳ: {occurrence.label}",
    ]
    if occurrence.scope:
        lines.append(f"Phạm vi: {occurrence.scope}")
    if status.extended:
        lines.append(
            f"Hạn ban đầu: {status.original_due:%d/%m/%Y}; đã gia hạn đến {status.due:%d/%m/%Y}."
        )
    if status.bucket == "no_deadline":
        lines.append("Nhiệm vụ thường xuyên: ngày này là cuối kỳ báo cáo.")
    lines.append(f"Tình trạng ngày {today:%d/%m/%Y}: {status.label} ({status.workflow_label}).")
    lines.append(f"Chương trình: {task.program.number}")
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    """The text on one line, cut at a word within ``limit`` characters."""
    text = " ".join(_nfc(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") or text[: limit - 1]
    return cut + "…"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)

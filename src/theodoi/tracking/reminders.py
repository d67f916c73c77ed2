"""Reminders (đôn đốc, nhắc việc): who must hear what about their deadlines, told once, in one
email per person per day, and in the app.

``run_reminders(today=day)`` is what ``theodoi remind`` does, in two steps:

1. ``collect(day)`` stores the day's notifications. For each occurrence a body still owes
   (not done, not withdrawn, not reported done and awaiting confirmation, as of the day), the
   body's staff and head hear that it comes due in N days (``THEODOI_REMIND_DAYS``, default
   7, 3, 1: only on those days, not every day in between), that it is due today, and, on the
   weekly day (``THEODOI_OVERDUE_WEEKDAY``, default Monday), that it is overdue. Work with no
   deadline ("Thường xuyên") is reminded before its reporting period ends while the period is
   unreported, never as overdue. The due date is the one in force that day (extensions
   count). Monitors get one daily notice of what was reported the day before, what awaits
   confirmation and which extension requests await a decision; nothing to tell, no notice.
2. ``send_digests(day)`` mails each person with an address one digest listing their
   unmailed notifications: never one mail per task, never an empty mail, at most one a day.

Safe to run every few minutes and from two machines at once: a notification is unique per
recipient, kind, day and subject (the database refuses a second), a digest unique per person
and day, and a run sends a digest only after claiming it (``claimed_until``) in one UPDATE
that only one run can win. A failed send (one address refused) is recorded on the digest and
does not stop the others; the next run retries it. A mail server that cannot be reached stops
the run's sending at once (every other mail would fail the same way): the command says so,
exits 1, and the next run sends what is owed.

Each digest is its own few autocommitted steps, in this order: claim (commit), send, mark sent
(commit). So the guarantee is *at least once*: a run killed (or a database lost) after the
server accepted a mail and before it was marked sent leaves a claim that expires after
``THEODOI_REMIND_CLAIM_SECONDS`` (default 600, longer than a send can take), and a later run
sends that digest again. A run killed at any other point sends nothing twice: a claimed digest
not yet sent is sent by the first run after its claim expires, never skipped; digests not yet
claimed are sent by the next run. Reminders err towards a second copy rather than none. Notifications that
arrive after the day's digest went out wait for the next day's, and a digest that could not
be sent on its day is folded into the next day's, so nothing is lost and nothing is sent
twice. ``--today`` after an outage tells only that day's reminders: stale ones are not made
up for the missed days.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from theodoi.programs.models import DOING_ROLES, Occurrence

from . import status as status_rules
from .models import (
    Digest,
    Extension,
    Membership,
    Notification,
    ProgressReport,
    ReportRevision,
    ReportState,
    ReportStatus,
    Role,
)

__all__ = ["RunSummary", "collect", "remind_days", "run_reminders", "send_digests"]

log = logging.getLogger(__name__)

CLAIM_SECONDS = 600  # how long a run may take to send one digest (THEODOI_REMIND_CLAIM_SECONDS)
FOLD_DAYS = 7  # unsent notifications older than this are no longer worth a mail
_BODY_ROLES = (Role.STAFF, Role.HEAD)  # who hears about a body's deadlines
_KIND_ORDER = [
    Notification.Kind.OVERDUE,
    Notification.Kind.DUE_TODAY,
    Notification.Kind.DUE_SOON,
    Notification.Kind.MONITOR_DAILY,
]
_HEADINGS = {
    Notification.Kind.OVERDUE: "QUÁ HẠN",
    Notification.Kind.DUE_TODAY: "ĐẾN HẠN HÔM NAY",
    Notification.Kind.DUE_SOON: "SẮP ĐẾN HẠN",
    Notification.Kind.MONITOR_DAILY: "TỔNG HỢP CHO VĂN PHÒNG",
}


@dataclass
class RunSummary:
    """What one run did, for the command's output."""

    day: dt.date
    created: int = 0
    sent: list[str] = field(default_factory=list)  # addresses
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, error)
    busy: int = 0  # digests another run was sending
    unreachable: str = ""  # why the mail server could not be reached, if it could not
    left: int = 0  # people not mailed this run because the server could not be reached


class MailServerDown(Exception):
    """The mail server cannot be reached: every other send of the run would fail as well."""


# Refusals of one message; any other OSError (SMTPException is one) is the server's or the
# network's: refused connection, timeout, disconnection, failed greeting or login.
_ONE_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def claim_time() -> dt.timedelta:
    """How long a run holds a digest it is sending; a killed run's claim lapses after it."""
    return dt.timedelta(
        seconds=int(getattr(settings, "THEODOI_REMIND_CLAIM_SECONDS", CLAIM_SECONDS))
    )


def remind_days() -> tuple[int, ...]:
    """Days before a due date on which to remind (``THEODOI_REMIND_DAYS``, e.g. "7,3,1")."""
    return tuple(getattr(settings, "THEODOI_REMIND_DAYS", (7, 3, 1)))


def overdue_weekday() -> int:
    """The weekday overdue work is reminded (0 Monday ... 6 Sunday)."""
    return int(getattr(settings, "THEODOI_OVERDUE_WEEKDAY", 0))


def run_reminders(*, today: dt.date, now: dt.datetime | None = None) -> RunSummary:
    """Store the day's notifications, then mail the digests."""
    summary = RunSummary(day=today)
    summary.created = collect(today, now=now)
    send_digests(today, now=now, summary=summary)
    return summary


# -- collecting ---------------------------------------------------------------------------------


def collect(today: dt.date, *, now: dt.datetime | None = None) -> int:
    """Store the notifications of ``today``; returns how many were new."""
    now = now or timezone.now()
    rows = _deadline_notifications(today, now) + _monitor_notifications(today, now)
    if not rows:
        return 0
    existing = set(
        Notification.objects.filter(day=today).values_list("recipient_id", "kind", "key")
    )
    new = [n for n in rows if (n.recipient_id, n.kind, n.key) not in existing]
    # Another run may insert the same rows meanwhile: the unique constraint keeps one.
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return len(new)


def _candidates(today: dt.date) -> QuerySet[Occurrence]:
    """Occurrences that may need a reminder today: owed by a body, not withdrawn, and due on
    one of the reminder days, or overdue on the weekly day. An approved extension may move a
    due date, so occurrences with one are looked at too; the status settles it.

    Work its body has settled by the end of the day (its report confirmed, or sent as done
    and awaiting the office) gets no reminder, so it is left out here already when nothing
    in its report's history is dated after that: on the weekly day a country's past work is
    a million rows, nearly all of it settled."""
    targets = [today + dt.timedelta(days=n) for n in (0, *remind_days())]
    when = Q(due_date__in=targets)
    extended = Extension.objects.filter(occurrence=OuterRef("pk"), status=Extension.Status.APPROVED)
    when |= Q(Exists(extended))
    if today.weekday() == overdue_weekday():
        when |= Q(due_date__lt=today)
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    later = ReportRevision.objects.filter(
        report=OuterRef("pk"), at__gte=status_rules.end_of_day(today)
    )
    settled = (
        ProgressReport.objects.filter(
            occurrence=OuterRef("pk"), organization=OuterRef("assignment__organization")
        )
        .filter(
            Q(status=ReportStatus.CONFIRMED)
            | Q(status=ReportStatus.SUBMITTED, state=ReportState.DONE)
        )
        .exclude(Exists(later))
    )
    return (
        Occurrence.objects.filter(when, doing, assignment__organization__isnull=False)
        .exclude(status=Occurrence.Status.WITHDRAWN)
        .exclude(Exists(settled))
        .select_related("assignment__task", "assignment__organization")
    )


_CHUNK = 5000  # ids per query (PostgreSQL takes at most 65,535 parameters)


def _deadline_notifications(today: dt.date, now: dt.datetime) -> list[Notification]:
    candidates = _candidates(today)
    found = status_rules.statuses(candidates, as_of=today)  # plain values, however many
    kinds = {pk: kind for pk, state in found.items() if (kind := _kind(state, today))}
    if not kinds:
        return []
    # Only the occurrences someone is told about are loaded whole.
    pks = sorted(kinds)
    told = [
        (occurrence, kinds[pk], found[pk])
        for start in range(0, len(pks), _CHUNK)
        for pk, occurrence in candidates.order_by().in_bulk(pks[start : start + _CHUNK]).items()
    ]
    told.sort(key=lambda item: (item[0].due_date, item[0].pk))
    people = _people_of({o.assignment.organization_id for o, _, _ in told})
    return [
        Notification(
            recipient_id=user_id,
            kind=kind,
            day=today,
            key=f"occurrence:{occurrence.pk}",
            occurrence=occurrence,
            due=state.due,
            text=_deadline_text(occurrence, kind, state, today),
            link=task_path(occurrence.assignment.task_id),
            created_at=now,
        )
        for occurrence, kind, state in told
        for user_id in people.get(occurrence.assignment.organization_id, ())
    ]


def _kind(state: status_rules.OccurrenceStatus, today: dt.date) -> str | None:
    """Which reminder, if any, an occurrence in this state gets today."""
    if state.done or state.bucket == status_rules.WITHDRAWN:
        return None
    if state.workflow in (status_rules.AWAITING_CONFIRMATION, status_rules.CONFIRMED):
        return None  # the body did its part; the office owes the next step
    days = (state.due - today).days
    if state.bucket == status_rules.NO_DEADLINE and (state.reported or days < 0):
        return None  # a period reported, or over: nothing to chase
    if days == 0:
        return Notification.Kind.DUE_TODAY
    if days in remind_days():
        return Notification.Kind.DUE_SOON
    if days < 0 and today.weekday() == overdue_weekday():
        return Notification.Kind.OVERDUE
    return None


def _people_of(organizations: set[int]) -> dict[int, list[int]]:
    """The active staff and heads of each body."""
    people: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in Membership.objects.filter(
        organization_id__in=organizations, role__in=_BODY_ROLES, user__is_active=True
    ).values_list("organization_id", "user_id"):
        people[org_id].append(user_id)
    return people


def _monitor_notifications(today: dt.date, now: dt.datetime) -> list[Notification]:
    """One notice per monitor: yesterday's reports, what awaits confirmation, and pending
    extension requests, as of the end of ``today``'s previous day for the first and the
    start of the run's day for the others (so ``--today`` in the past reads the past)."""
    monitors = list(
        Membership.objects.filter(role=Role.MONITOR, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if not monitors:
        return []
    start = status_rules.end_of_day(today - dt.timedelta(days=1))
    yesterday_start = status_rules.end_of_day(today - dt.timedelta(days=2))
    reported = list(
        ReportRevision.objects.filter(
            status=ReportStatus.SUBMITTED, at__gte=yesterday_start, at__lt=start
        )
        .select_related("report__occurrence__assignment__task", "report__organization")
        .order_by("at", "pk")
    )
    awaiting = _awaiting_confirmation(start)
    pending = Extension.objects.filter(requested_at__lt=start).filter(
        Q(status=Extension.Status.PENDING) | Q(decided_at__gte=start)
    )
    pending_count = pending.count()
    if not reported and not awaiting and not pending_count:
        return []
    yesterday = today - dt.timedelta(days=1)
    lines = [
        f"Ngày {yesterday:%d/%m/%Y}: {len(reported)} báo cáo gửi đến Văn phòng; "
        f"{awaiting} báo cáo chờ xác nhận; {pending_count} đề nghị gia hạn chờ quyết định."
    ]
    seen: set[int] = set()
    for revision in reported:
        if revision.report_id in seen:
            continue
        seen.add(revision.report_id)
        report = revision.report
        task = report.occurrence.assignment.task
        state = "đã hoàn thành" if revision.state == ReportState.DONE else "đang thực hiện"
        lines.append(
            f"- {report.organization.name}: {_short(task.text)} ({report.occurrence.label}) — "
            f"báo cáo {state}"
        )
    return [
        Notification(
            recipient_id=user_id,
            kind=Notification.Kind.MONITOR_DAILY,
            day=today,
            key="monitor",
            text="\n".join(lines),
            link="/review/",
            created_at=now,
        )
        for user_id in monitors
    ]


def _awaiting_confirmation(cutoff: dt.datetime) -> int:
    """Reports whose latest revision before ``cutoff`` is submitted, awaiting the office.

    Only reports submitted now, or changed since ``cutoff``, can be: any other report's
    latest revision before the cutoff is its latest of all, which is not "submitted". So the
    history read is that of a few reports, not of every report in the country."""
    candidates = ProgressReport.objects.filter(
        Q(status=ReportStatus.SUBMITTED) | Q(updated_at__gte=cutoff)
    ).values("pk")
    latest: dict[int, tuple] = {}
    rows = ReportRevision.objects.filter(report__in=candidates, at__lt=cutoff).values_list(
        "report_id", "at", "version", "status"
    )
    for report_id, at, version, status in rows:
        known = latest.get(report_id)
        if known is None or (at, version) > known[:2]:
            latest[report_id] = (at, version, status)
    return sum(1 for *_key, status in latest.values() if status == ReportStatus.SUBMITTED)


def _deadline_text(
    occurrence: Occurrence, kind: str, state: status_rules.OccurrenceStatus, today: dt.date
) -> str:
    task = occurrence.assignment.task
    due = f"hạn {state.due:%d/%m/%Y}"
    if state.extended:
        due += f" (đã gia hạn từ {state.original_due:%d/%m/%Y})"
    days = (state.due - today).days
    if kind == Notification.Kind.DUE_TODAY:
        when = "đến hạn hôm nay"
    elif kind == Notification.Kind.DUE_SOON:
        when = f"còn {days} ngày"
    else:
        when = f"quá hạn {-days} ngày"
    what = "kỳ báo cáo" if state.bucket == status_rules.NO_DEADLINE else "kỳ"
    return f"{task.key}. {_short(task.text)} — {what} {occurrence.label}, {due}, {when}."


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def task_path(task_id: int) -> str:
    """Where a task is shown in the web application."""
    return f"/tasks/{task_id}/"


# -- sending ------------------------------------------------------------------------------------


def send_digests(
    today: dt.date, *, now: dt.datetime | None = None, summary: RunSummary | None = None
) -> RunSummary:
    """Mail each person with an address the digest of ``today``: their unmailed notifications
    of the last ``FOLD_DAYS`` days, those of earlier digests that failed included."""
    now = now or timezone.now()
    summary = summary or RunSummary(day=today)
    connection = get_connection()
    waiting = list(_waiting_recipients(today))
    try:
        for position, user in enumerate(waiting):
            try:
                _send_one(user, today, now, connection, summary)
            except MailServerDown as down:
                summary.unreachable = str(down)
                summary.left = len(waiting) - position - 1
                break
    finally:
        _reset(connection)
    return summary


def _window(today: dt.date) -> Q:
    return Q(day__gt=today - dt.timedelta(days=FOLD_DAYS), day__lte=today)


def _unmailed(today: dt.date) -> Q:
    """Notifications not yet mailed: in no digest, or in an earlier day's unsent one."""
    return _window(today) & (
        Q(digest__isnull=True) | Q(digest__sent_at__isnull=True, digest__day__lt=today)
    )


def _waiting_recipients(today: dt.date) -> QuerySet:
    users = get_user_model()
    waiting = Notification.objects.filter(_unmailed(today), recipient=OuterRef("pk"))
    unsent = Digest.objects.filter(recipient=OuterRef("pk"), day=today, sent_at__isnull=True)
    return (
        users.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(Exists(waiting)) | Q(Exists(unsent)))
        .order_by("pk")
    )


def _send_one(user, today: dt.date, now: dt.datetime, connection, summary: RunSummary) -> None:
    digest = _claim(user, today, now)
    if digest is None:
        summary.busy += 1
        return
    items = list(digest.notifications.select_related("occurrence").order_by("kind", "due", "pk"))
    if not items:
        digest.delete()  # never an empty mail
        return
    message = _message(user, digest, items, connection)
    try:
        message.send()
    except Exception as error:  # any failure: record it, go on, retry next run
        text = f"{type(error).__name__}: {error}"
        Digest.objects.filter(pk=digest.pk).update(last_error=text[:2000], claimed_until=None)
        summary.failed.append((digest.address, text))
        log.warning("digest %s to user %s not sent: %s", digest.pk, user.pk, text)
        _reset(connection)
        if isinstance(error, OSError) and not isinstance(error, _ONE_MESSAGE):
            raise MailServerDown(text) from error
        return
    Digest.objects.filter(pk=digest.pk).update(
        sent_at=timezone.now(), claimed_until=None, last_error="", subject=message.subject
    )
    summary.sent.append(digest.address)


def _claim(user, today: dt.date, now: dt.datetime) -> Digest | None:
    """The user's digest of ``today``, claimed by this run with its notifications gathered;
    None when it was sent already or another run holds it."""
    try:
        with transaction.atomic():
            digest, _ = Digest.objects.get_or_create(
                recipient=user,
                day=today,
                defaults={"address": user.email, "created_at": now},
            )
    except IntegrityError:  # another run made it first
        digest = Digest.objects.get(recipient=user, day=today)
    if digest.sent_at is not None:
        return None
    claimed_at = timezone.now()
    won = (
        Digest.objects.filter(pk=digest.pk, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=claimed_at))
        .update(
            claimed_until=claimed_at + claim_time(), attempts=F("attempts") + 1, address=user.email
        )
    )
    if not won:
        return None
    Notification.objects.filter(_unmailed(today), recipient=user).update(digest=digest)
    digest.refresh_from_db()
    return digest


def _message(user, digest: Digest, items: list[Notification], connection) -> EmailMessage:
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    counts = ", ".join(
        f"{len(by_kind[k])} {Notification.Kind(k).label.lower()}"
        for k in _KIND_ORDER
        if by_kind.get(k) and k != Notification.Kind.MONITOR_DAILY
    )
    subject = f"[theodoi] Nhắc việc ngày {digest.day:%d/%m/%Y}"
    if counts:
        subject += f": {counts}"
    site = getattr(settings, "THEODOI_SITE_URL", "").rstrip("/")
    name = user.get_full_name() or user.get_username()
    lines = [f"Kính gửi {name},", ""]
    for kind in _KIND_ORDER:
        if not by_kind.get(kind):
            continue
        lines.append(_HEADINGS[kind])
        for item in by_kind[kind]:
            lines.append(f"- {item.text}" if kind != Notification.Kind.MONITOR_DAILY else item.text)
            if item.link and site:
                lines.append(f"  {site}{item.link}")
        lines.append("")
    if site:
        lines.append(f"Xem và báo cáo tại {site}/")
    lines.append("Thư này do theodoi gửi tự động, mỗi ngày một thư tổng hợp.")
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        to=[digest.address],
        connection=connection,
    )


def _reset(connection) -> None:
    """After a failure the SMTP session may be unusable: start the next send afresh."""
    try:
        connection.close()
    except Exception:
        log.debug("closing a broken mail connection failed", exc_info=True)


# -- in the app ---------------------------------------------------------------------------------


def unread(user) -> QuerySet[Notification]:
    """A person's notifications not yet seen in the app, newest first."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).order_by(
        "-day", "kind", "due", "pk"
    )


def mark_read(user, ids: list[int] | None = None, *, now: dt.datetime | None = None) -> int:
    """Mark some (or all) of a person's notifications as seen; only their own."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=now or timezone.now())

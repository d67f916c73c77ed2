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
and day, and a run sends a digest only after claiming it (``claimed_until``), which only one
run can win. A failed send (one address refused) is recorded on the digest and does not stop
the others; the next run retries it. A mail server that cannot be reached stops the run's
sending at once (every other mail would fail the same way): the command says so and how many
people were left, exits 1, and the next run sends what is owed.

Digests go out in batches of ``THEODOI_REMIND_BATCH`` people (default 200), so the weekly
overdue day of a whole country costs a few queries a batch, not a few a digest, in bounded
memory. For a batch a run makes the missing digests (one INSERT), claims those neither sent
nor held by a live claim (one short transaction: on PostgreSQL it locks the rows and skips
rows another run has locked; SQLite runs one writing transaction at a time), moves the
claimed people's unmailed notifications into their digests (one UPDATE) and reads them (one
query). A digest left empty (another run took its notifications) is deleted, never mailed.
Then it mails the batch one digest at a time over one SMTP session, marking each sent (its
own commit, which on PostgreSQL does not wait for the disk) as soon as the server took it,
before the next mail. On PostgreSQL a run mails ``THEODOI_REMIND_WORKERS`` batches at once
(default 4), each in a thread of its own with its own database connection and SMTP session:
a mail spends most of its time waiting for the server and the database, which threads wait
for together; each thread claims, mails and marks its batch exactly as a run alone would. A
claim lasts ``THEODOI_REMIND_CLAIM_SECONDS`` (default 600) and is renewed while the batch is
sent whenever less than half of it is left, so a slow server never lets a second run send
the same digests (one mail takes far less than half a claim: the SMTP timeout is 30
seconds); a run stopped by an error gives up the claims on what it did not mail, so the next
run sends those at once.

So the guarantee is *at least once*: a run killed (or a database lost) after the server
accepted a mail and before it was marked sent leaves that digest claimed until the claim
lapses, and a later run sends it again; so does a database that crashes in the moment after
a mark and forgets it. A run killed at any other point sends nothing twice: the digests of
its batch not yet sent stay claimed until the claim lapses (at most one batch) and are then
sent by the next run, never skipped; later batches are sent by the next run. Reminders err
towards a second copy rather than none. Notifications that arrive after the day's digest
went out wait for the next day's, and a digest that could not be sent on its day is folded
into the next day's, so nothing is lost and nothing is sent twice. ``--today`` after an
outage tells only that day's reminders: stale ones are not made up for the missed days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from theodoi.programs.models import DOING_ROLES, Occurrence

from . import mailing
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
from .scope import Scope, scope_for_body

__all__ = ["RunSummary", "collect", "remind_days", "run_reminders", "send_digests"]

log = logging.getLogger(__name__)

CLAIM_SECONDS = 600  # how long a run holds digests it sends (THEODOI_REMIND_CLAIM_SECONDS)
BATCH = 200  # people whose digests a run claims and reads at once (THEODOI_REMIND_BATCH)
WORKERS = 4  # batches a run mails at once on PostgreSQL (THEODOI_REMIND_WORKERS)
FOLD_DAYS = 7  # unsent notifications older than this are no longer worth a mail
_BODY_ROLES = (Role.STAFF, Role.HEAD)  # who hears about a body's deadlines
_KIND_ORDER = [
    Notification.Kind.URGED,
    Notification.Kind.REPORT_RETURNED,
    Notification.Kind.EXTENSION_REFUSED,
    Notification.Kind.EXTENSION_APPROVED,
    Notification.Kind.REPORT_CONFIRMED,
    Notification.Kind.LEAD_DESIGNATED,
    Notification.Kind.TASK_ASSIGNED,
    Notification.Kind.TASK_AMENDED,
    Notification.Kind.OVERDUE,
    Notification.Kind.DUE_TODAY,
    Notification.Kind.DUE_SOON,
    Notification.Kind.MONITOR_DAILY,
]
_HEADINGS = {
    Notification.Kind.URGED: "ĐÔN ĐỐC",
    Notification.Kind.REPORT_RETURNED: "BÁO CÁO BỊ TRẢ LẠI",
    Notification.Kind.EXTENSION_REFUSED: "GIA HẠN KHÔNG ĐƯỢC CHẤP THUẬN",
    Notification.Kind.EXTENSION_APPROVED: "GIA HẠN ĐƯỢC CHẤP THUẬN",
    Notification.Kind.REPORT_CONFIRMED: "BÁO CÁO ĐƯỢC XÁC NHẬN",
    Notification.Kind.LEAD_DESIGNATED: "ĐƯỢC GIAO CHỦ TRÌ",
    Notification.Kind.TASK_ASSIGNED: "ĐƯỢC GIAO NHIỆM VỤ",
    Notification.Kind.TASK_AMENDED: "NHIỆM VỤ ĐƯỢC ĐIỀU CHỈNH",
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
    busy: int = 0  # digests of the day, not sent, that another run holds
    unreachable: str = ""  # why the mail server could not be reached, if it could not
    left: int = 0  # people not mailed this run because the server could not be reached
    seconds: dict[str, float] = field(default_factory=dict)  # "collect", "send": wall time
    workers: int = 0  # batches mailed at once


class MailServerDown(Exception):
    """The mail server cannot be reached: every other send of the run would fail as well."""


def claim_time() -> dt.timedelta:
    """How long a run holds a digest it is sending; a killed run's claim lapses after it."""
    return dt.timedelta(
        seconds=int(getattr(settings, "THEODOI_REMIND_CLAIM_SECONDS", CLAIM_SECONDS))
    )


def batch_size() -> int:
    """How many people's digests a run claims, gathers and reads at once: few queries a
    digest, memory bounded however many people, and a killed run holds at most this many."""
    return max(1, int(getattr(settings, "THEODOI_REMIND_BATCH", BATCH)))


def workers() -> int:
    """How many batches a run mails at once. One on SQLite (one writer at a time), and when
    the caller is inside a transaction (other connections would not see its rows)."""
    database = transaction.get_connection()
    if database.vendor != "postgresql" or database.in_atomic_block:
        return 1
    return max(1, int(getattr(settings, "THEODOI_REMIND_WORKERS", WORKERS)))


def remind_days() -> tuple[int, ...]:
    """Days before a due date on which to remind (``THEODOI_REMIND_DAYS``, e.g. "7,3,1")."""
    return tuple(getattr(settings, "THEODOI_REMIND_DAYS", (7, 3, 1)))


def overdue_weekday() -> int:
    """The weekday overdue work is reminded (0 Monday ... 6 Sunday)."""
    return int(getattr(settings, "THEODOI_OVERDUE_WEEKDAY", 0))


def run_reminders(*, today: dt.date, now: dt.datetime | None = None) -> RunSummary:
    """Store the day's notifications, then mail the digests."""
    summary = RunSummary(day=today)
    started = time.monotonic()
    summary.created = collect(today, now=now)
    summary.seconds["collect"] = time.monotonic() - started
    started = time.monotonic()
    send_digests(today, now=now, summary=summary)
    summary.seconds["send"] = time.monotonic() - started
    return summary


@contextlib.contextmanager
def _postgres_local(**values: str) -> Iterator[None]:
    """A transaction with these PostgreSQL settings for it alone (``SET LOCAL``: nothing
    outlives it in a pooled session). Other databases: no transaction, no setting."""
    database = transaction.get_connection()
    if database.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with database.cursor() as cursor:
            for name, value in values.items():
                cursor.execute(f"SET LOCAL {name} TO {value}")
        yield


# -- collecting ---------------------------------------------------------------------------------


def collect(today: dt.date, *, now: dt.datetime | None = None) -> int:
    """Store the notifications of ``today``; returns how many were new.

    The reads run without PostgreSQL's JIT compiler: the planner's guesses for the weekly
    day's queries (a country's past work) are far off, and compiling took 2 of their 5
    seconds. The rows are written in one commit that does not wait for the disk: a
    database that crashes and forgets them forgets all that followed as well, and the next
    run stores them again."""
    now = now or timezone.now()
    with _postgres_local(jit="off"):
        rows = _deadline_notifications(today, now) + _monitor_notifications(today, now)
        if not rows:
            return 0
        existing = set(
            Notification.objects.filter(day=today).values_list("recipient_id", "kind", "key")
        )
    new = [n for n in rows if (n.recipient_id, n.kind, n.key) not in existing]
    with _postgres_local(synchronous_commit="off"):
        _store(new)
    return len(new)


class _Notice(NamedTuple):
    """A notification to store, as the plain values of its row."""

    recipient_id: int
    kind: str
    day: dt.date
    key: str
    occurrence_id: int | None
    due: dt.date | None
    text: str
    link: str
    created_at: dt.datetime


def _store(notices: list[_Notice]) -> None:
    """Write new notifications. On PostgreSQL with COPY: the weekly day's 50,000 rows cost a
    third of what INSERTs cost, most of which went to making model instances and preparing
    their values. Another run may have written some of them meanwhile (two machines at
    once): the unique constraint then refuses the COPY, and INSERT ... ON CONFLICT DO
    NOTHING writes the others."""
    database = transaction.get_connection()
    if notices and database.vendor == "postgresql":
        meta = Notification._meta
        columns = ", ".join(
            database.ops.quote_name(meta.get_field(name).column) for name in _Notice._fields
        )
        try:
            with transaction.atomic(), database.wrap_database_errors, database.cursor() as cursor:
                table = database.ops.quote_name(meta.db_table)
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for notice in notices:
                        copy.write_row(notice)
            return
        except IntegrityError:
            pass  # rolled back to before the COPY
    Notification.objects.bulk_create(
        [Notification(**notice._asdict()) for notice in notices],
        ignore_conflicts=True,  # written by another run meanwhile: the constraint keeps one
        batch_size=5000,
    )


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
    )


@dataclass(frozen=True)
class _Told:
    """What a deadline notice says of its occurrence, read as plain values."""

    pk: int
    due_date: dt.date
    label: str
    organization_id: int
    task_id: int
    task_key: str
    task_text: str


_TOLD = (
    "pk", "due_date", "label", "assignment__organization_id", "assignment__task_id",
    "assignment__task__key", "assignment__task__text",
)  # fmt: skip


def _id_chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in lists a query can take (SQLite counts its parameters). PostgreSQL takes a
    country's candidates at once: each list costs its queries a scan of every occurrence."""
    limit = transaction.get_connection().features.max_query_params
    size = max(1, limit - 10) if limit else 200_000
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _deadline_notifications(today: dt.date, now: dt.datetime) -> list[_Notice]:
    """The candidates are read once, with what a notice says of them; their statuses are
    judged from their ids (the candidates' conditions again, as a subquery of the histories'
    query, made PostgreSQL loop over every report in the country)."""
    candidates = {row[0]: _Told(*row) for row in _candidates(today).order_by().values_list(*_TOLD)}
    found: dict[int, status_rules.OccurrenceStatus] = {}
    for chunk in _id_chunks(sorted(candidates)):
        found.update(status_rules.statuses(Occurrence.objects.filter(pk__in=chunk), as_of=today))
    told = [
        (candidates[pk], kind, state)
        for pk, state in found.items()
        if (kind := _kind(state, today))
    ]
    if not told:
        return []
    told.sort(key=lambda item: (item[0].due_date, item[0].pk))
    people = _people_of({occurrence.organization_id for occurrence, _, _ in told})
    notifications = []
    for occurrence, kind, state in told:
        text = _deadline_text(occurrence, kind, state, today)
        link = task_path(occurrence.task_id)
        key = f"occurrence:{occurrence.pk}"
        notifications += [
            _Notice(user_id, kind, today, key, occurrence.pk, state.due, text, link, now)
            for user_id in people.get(occurrence.organization_id, ())
        ]
    return notifications


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


def _monitor_notifications(today: dt.date, now: dt.datetime) -> list[_Notice]:
    """One notice per monitor, on its own committee's programs: yesterday's reports, what
    awaits confirmation, and pending extension requests, as of the end of ``today``'s previous day for the first and the
    start of the run's day for the others (so ``--today`` in the past reads the past)."""
    by_body: dict[int, list[int]] = defaultdict(list)
    for user_id, body in Membership.objects.filter(
        role=Role.MONITOR, user__is_active=True
    ).values_list("user_id", "organization_id"):
        by_body[body].append(user_id)
    # Each office hears of its own committee's programs only (theodoi.tracking.scope).
    by_scope: dict[Scope, list[int]] = defaultdict(list)
    for body, users in by_body.items():
        by_scope[scope_for_body(body)].extend(users)
    notices = []
    for scope, users in by_scope.items():
        notices += _monitor_notices(scope, sorted(users), today, now)
    return notices


def _monitor_notices(
    scope: Scope, monitors: list[int], today: dt.date, now: dt.datetime
) -> list[_Notice]:
    """The same notice for every monitor of one committee."""
    start = status_rules.end_of_day(today - dt.timedelta(days=1))
    yesterday_start = status_rules.end_of_day(today - dt.timedelta(days=2))
    reported = list(
        ReportRevision.objects.filter(
            scope.programs_q("report__occurrence__assignment__task__program_id"),
            status=ReportStatus.SUBMITTED, at__gte=yesterday_start, at__lt=start,
        )
        .select_related("report__occurrence__assignment__task", "report__organization")
        .order_by("at", "pk")
    )  # fmt: skip
    awaiting = _awaiting_confirmation(
        start, scope.programs_q("occurrence__assignment__task__program_id")
    )
    pending = Extension.objects.filter(
        scope.programs_q("occurrence__assignment__task__program_id"), requested_at__lt=start
    ).filter(Q(status=Extension.Status.PENDING) | Q(decided_at__gte=start))
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
    kind, text = Notification.Kind.MONITOR_DAILY, "\n".join(lines)
    return [
        _Notice(user_id, kind, today, "monitor", None, None, text, "/review/", now)
        for user_id in monitors
    ]


def _awaiting_confirmation(cutoff: dt.datetime, within: Q | None = None) -> int:
    """Reports whose latest revision before ``cutoff`` is submitted, awaiting the office.

    Only reports submitted now, or changed since ``cutoff``, can be: any other report's
    latest revision before the cutoff is its latest of all, which is not "submitted". So the
    history read is that of a few reports, not of every report in the country."""
    candidates = (
        ProgressReport.objects.filter(within or Q())
        .filter(Q(status=ReportStatus.SUBMITTED) | Q(updated_at__gte=cutoff))
        .values("pk")
    )
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
    occurrence: _Told, kind: str, state: status_rules.OccurrenceStatus, today: dt.date
) -> str:
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
    return (
        f"{occurrence.task_key}. {_short(occurrence.task_text)} — {what} {occurrence.label}, "
        f"{due}, {when}."
    )


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
    of the last ``FOLD_DAYS`` days, those of earlier digests that failed included. People are
    taken a batch at a time (``batch_size()``), in the order of their ids, ``workers()``
    batches at once."""
    summary = summary or RunSummary(day=today)
    waiting = list(_waiting_recipients(today).values_list("pk", flat=True))
    size = batch_size()
    batches = [waiting[start : start + size] for start in range(0, len(waiting), size)]
    sending = _Sending(today, now or timezone.now(), summary, batches)
    summary.workers = min(workers(), len(batches))
    if summary.workers <= 1:
        sending.work()
    else:
        sending.in_threads(summary.workers)
    if sending.down:
        summary.unreachable = sending.down
        summary.left = len(waiting) - sending.reached
    return summary


def _window(today: dt.date) -> Q:
    return Q(day__gt=today - dt.timedelta(days=FOLD_DAYS), day__lte=today)


def _unmailed(today: dt.date) -> Q:
    """Notifications not yet mailed: in no digest, or in an earlier day's unsent one."""
    return _window(today) & (
        Q(digest__isnull=True) | Q(digest__sent_at__isnull=True, digest__day__lt=today)
    )


def _mailable() -> QuerySet:
    return get_user_model().objects.filter(is_active=True).exclude(email="")


def _waiting_recipients(today: dt.date) -> QuerySet:
    waiting = Notification.objects.filter(_unmailed(today), recipient=OuterRef("pk"))
    unsent = Digest.objects.filter(recipient=OuterRef("pk"), day=today, sent_at__isnull=True)
    return _mailable().filter(Q(Exists(waiting)) | Q(Exists(unsent))).order_by("pk")


class _Sending:
    """One run's mailing: its batches, taken one at a time by this thread alone or by a few
    threads (each with its own database connection and SMTP session), and what they did.
    The first mail that finds the server down stops them all, each after its current mail;
    so does an error, which the run then raises."""

    def __init__(
        self, today: dt.date, now: dt.datetime, summary: RunSummary, batches: list[list[int]]
    ) -> None:
        self.today, self.now, self.summary = today, now, summary
        self.batches = iter(batches)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.down = ""  # why the server could not be reached
        self.reached = 0  # people gone through (mailed, failed, held by another run, none)
        self.error: BaseException | None = None

    def work(self) -> None:
        """Mail batches until none is left, or the run stops."""
        connection = get_connection()
        try:
            while (ids := self._next()) is not None:
                people = list(
                    _mailable()
                    .filter(pk__in=ids)
                    .select_related("membership__organization")  # whom a mail greets
                    .order_by("pk")
                )
                self._send_batch(people, connection)
        except MailServerDown as down:
            with self.lock:
                self.down = self.down or str(down)
            self.stop.set()
        finally:
            mailing.reset(connection)

    def in_threads(self, count: int) -> None:
        def worker() -> None:
            try:
                self.work()
            except BaseException as error:  # handed to the run's own thread
                with self.lock:
                    self.error = self.error or error
                self.stop.set()
            finally:
                connections.close_all()  # this thread's

        threads = [threading.Thread(target=worker, name=f"remind-{n}") for n in range(count)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        finally:  # interrupted too: the threads finish their mail and give up their claims
            self.stop.set()
            for thread in threads:
                thread.join()
        if self.error is not None:
            raise self.error

    def _next(self) -> list[int] | None:
        with self.lock:
            return None if self.stop.is_set() else next(self.batches, None)

    def _count(self, *, busy: int = 0, reached: int = 0) -> None:
        with self.lock:
            self.summary.busy += busy
            self.reached += reached

    def _send_batch(self, people: list, connection) -> None:
        """Claim the batch's digests, read their notifications at once, and mail them one by
        one over this worker's SMTP session. Whatever stops the batch, the digests not mailed
        yet are given up for the next run to send (a killed run's lapse instead)."""
        claim = _claim(people, self.today, self.now)
        try:
            self._count(busy=claim.busy)
            items = _items(claim.digests.values())
            empty = [pk for pk in claim.digests.values() if pk not in items]
            if empty:  # another run took all their notifications: never an empty mail
                Digest.objects.filter(pk__in=empty).delete()
                claim.digests = {r: pk for r, pk in claim.digests.items() if pk in items}
            for person in people:
                if self.stop.is_set():
                    break
                self._count(busy=claim.keep(), reached=1)
                digest_id = claim.digests.get(person.pk)
                if digest_id is not None:
                    self._send_one(person, digest_id, items[digest_id], connection)
                    del claim.digests[person.pk]
        finally:
            claim.release()

    def _send_one(self, person, digest_id: int, items: list[tuple], connection) -> None:
        """Mail one digest and mark it sent, or record why not (the next run retries it)."""
        try:
            mail = _message(person, self.today, items)
            mailing.deliver(mail, connection)
        except Exception as error:  # any failure: record it, go on, retry next run
            text = f"{type(error).__name__}: {error}"
            _mark(digest_id, person, last_error=text[:2000])
            self.summary.failed.append((person.email, text))
            log.warning("digest %s to user %s not sent: %s", digest_id, person.pk, text)
            mailing.reset(connection)
            if isinstance(error, OSError) and not isinstance(error, mailing.ONE_MESSAGE):
                raise MailServerDown(text) from error
            return
        _mark_sent(digest_id, person, mail.subject)
        self.summary.sent.append(person.email)


class _Claim:
    """The digests of a batch this run holds, and until when: no other run sends them before
    ``until`` (another run takes only a lapsed claim)."""

    def __init__(self, digests: dict[int, int], until: dt.datetime, busy: int = 0) -> None:
        self.digests = digests  # recipient id -> digest id, held and not mailed yet
        self.until = until
        self.busy = busy  # the batch's unsent digests another run held

    def keep(self) -> int:
        """Renew the claim once less than half of it is left, so a batch slower to send than
        the claim lasts is never sent by two runs; how many digests were lost meanwhile (a
        run paused beyond its claim: another run took them)."""
        now = timezone.now()
        if now < self.until - claim_time() / 2 or not self.digests:
            return 0
        held = Digest.objects.filter(
            pk__in=self.digests.values(), sent_at__isnull=True, claimed_until=self.until
        )  # any other run that took one wrote a later time
        until = now + claim_time()
        kept = _take(held, until)
        lost = len(self.digests) - len(kept)
        self.digests, self.until = kept, until
        return lost

    def release(self) -> None:
        """Give up the digests not mailed, so the next run sends them at once."""
        if not self.digests:
            return
        try:
            Digest.objects.filter(
                pk__in=self.digests.values(), sent_at__isnull=True, claimed_until=self.until
            ).update(claimed_until=None)
        except DatabaseError:
            log.warning("claims on %s digests kept until they lapse", len(self.digests))


def _claimable(now: dt.datetime) -> Q:
    return Q(sent_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def _claim(people: list, today: dt.date, now: dt.datetime) -> _Claim:
    """Make the batch's missing digests of ``today`` (one INSERT), claim those neither sent
    nor held by another run (one short transaction), and gather each claimed person's
    unmailed notifications into their digest (one UPDATE)."""
    Digest.objects.bulk_create(
        [Digest(recipient=p, day=today, address=p.email, created_at=now) for p in people],
        ignore_conflicts=True,  # another run made some first
    )
    claimed_at = timezone.now()
    batch = Digest.objects.filter(recipient__in=people, day=today)
    won = _take(batch.filter(_claimable(claimed_at)), claimed_at + claim_time())
    busy = 0
    if len(won) < len(people):
        busy = batch.filter(sent_at__isnull=True).exclude(pk__in=won.values()).count()
    own = Digest.objects.filter(recipient=OuterRef("recipient"), day=today).values("pk")
    Notification.objects.filter(_unmailed(today), recipient__in=list(won)).update(
        digest=Subquery(own)
    )
    return _Claim(won, claimed_at + claim_time(), busy)


def _take(digests: QuerySet[Digest], until: dt.datetime) -> dict[int, int]:
    """Claim ``digests`` until ``until``; those won, recipient id -> digest id. Only one run
    can win a digest: on PostgreSQL the rows are locked, and rows another run has locked are
    skipped (that run's claim decides them); SQLite runs one writing transaction at a time."""
    with transaction.atomic():
        won = dict(digests.select_for_update(skip_locked=True).values_list("recipient_id", "pk"))
        Digest.objects.filter(pk__in=won.values()).update(claimed_until=until)
    return won


def _items(digest_ids) -> dict[int, list[tuple]]:
    """The notifications of these digests, each in the order its mail lists them, as
    (kind, text, link)."""
    items: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        Notification.objects.filter(digest__in=list(digest_ids))
        .order_by("kind", "due", "pk")
        .values_list("digest_id", "kind", "text", "link")
    )
    for digest_id, *item in rows:
        items[digest_id].append(tuple(item))
    return dict(items)


def _mark(digest_id: int, person, **outcome) -> None:
    """Record a send's outcome and end the claim, in a commit of its own.

    On PostgreSQL that commit does not wait for the disk (``synchronous_commit`` off for this
    transaction only, so nothing outlives it in a pooled session): the wait cost more than
    the mail. A run killed loses nothing by it; a database that crashes may forget its last
    moment of commits, in order, and what it forgets here is marks of mails sent, which are
    sent again: at least once, as when the database is lost before a mark."""
    outcome.update(claimed_until=None, address=person.email, attempts=F("attempts") + 1)
    with _postgres_local(synchronous_commit="off"):
        Digest.objects.filter(pk=digest_id).update(**outcome)


def _mark_sent(digest_id: int, person, subject: str) -> None:
    """``_mark`` of a mail the server took, the one statement a digest costs: on PostgreSQL
    the setting and the UPDATE go as one message, a transaction of their own, so a mark is
    one round trip to the database, not four (begin, set, update, commit), and no query is
    built anew each time (0.2 ms a mark instead of 1 ms, the most of a mail's time)."""
    database = transaction.get_connection()
    sent_at = timezone.now()
    if database.vendor != "postgresql" or database.in_atomic_block or _server_binding(database):
        _mark(digest_id, person, sent_at=sent_at, last_error="", subject=subject)
        return
    with database.cursor() as cursor:
        cursor.execute(_mark_sent_statement(), [sent_at, subject, person.email, digest_id])


@functools.cache
def _mark_sent_statement() -> str:
    """The setting and the UPDATE of ``_mark_sent``, named from the model."""
    meta, name = Digest._meta, transaction.get_connection().ops.quote_name
    table, column = name(meta.db_table), {f.attname: name(f.column) for f in meta.concrete_fields}
    return (
        "SET LOCAL synchronous_commit TO OFF; "
        f"UPDATE {table} SET {column['sent_at']} = %s, {column['last_error']} = '', "
        f"{column['subject']} = %s, {column['claimed_until']} = NULL, "
        f"{column['address']} = %s, {column['attempts']} = {column['attempts']} + 1 "
        f"WHERE {column['id']} = %s"
    )


def _server_binding(database) -> bool:
    """Parameters bound by the server take one statement a message (psycopg's option)."""
    return bool(database.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def person_name(user) -> str:
    """How a mail addresses a person: their full name as written (a Vietnamese name is kept
    whole, family name first, in ``first_name``), else their role and body; never the login."""
    name = " ".join(user.get_full_name().split())
    if name:
        return name
    try:
        membership = user.membership
    except Membership.DoesNotExist:
        membership = None
    if membership is None:
        return "anh/chị"
    return f"{membership.get_role_display()}, {membership.organization.name}"


def _message(user, day: dt.date, items: list[tuple]) -> mailing.Mail:
    """The digest: a heading per kind of notice, each notice with its link (``items`` as
    ``_items`` reads them)."""
    by_kind: dict[str, list[tuple]] = defaultdict(list)
    for kind, text, link in items:
        by_kind[kind].append((text, link))
    counts = ", ".join(
        f"{len(by_kind[k])} {Notification.Kind(k).label.lower()}"
        for k in _KIND_ORDER
        if by_kind.get(k) and k != Notification.Kind.MONITOR_DAILY
    )
    subject = f"[theodoi] Nhắc việc ngày {day:%d/%m/%Y}"
    if counts:
        subject += f": {counts}"
    site = getattr(settings, "THEODOI_SITE_URL", "").rstrip("/")
    lines = [f"Kính gửi {person_name(user)},", ""]
    for kind in _KIND_ORDER:
        if not by_kind.get(kind):
            continue
        lines.append(_HEADINGS[kind])
        for text, link in by_kind[kind]:
            lines.append(f"- {text}" if kind != Notification.Kind.MONITOR_DAILY else text)
            if link and site:
                lines.append(f"  {site}{link}")
        lines.append("")
    if site:
        lines.append(f"Xem và báo cáo tại {site}/")
    lines.append("Thư này do theodoi gửi tự động, mỗi ngày một thư tổng hợp.")
    return mailing.Mail(to=user.email, subject=subject, body="\n".join(lines))


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

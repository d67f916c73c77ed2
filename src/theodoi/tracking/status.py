"""An occurrence's status as of any date, read from the stored history only.

``occurrence_status(occurrence, as_of=day)`` says where one occurrence stood at the end of
``day``; ``statuses(occurrences, as_of=day)`` does the same for many in a few queries;
``tally(...)`` counts statuses and gives the completion rate offices publish. The status at
the end of Q2/2021 computed in 2026 is the one computed on 30/06/2021, because only dated
records are read:

- The history is the ``ReportRevision`` rows with ``at`` before the end of the day, the
  ``Extension`` rows decided (``decided_at``) before the end of the day, and the day an
  occurrence was withdrawn (``Occurrence.withdrawn_on``). "The end of the day" is midnight
  at the start of the next day in the project's time zone (``TIME_ZONE``,
  Asia/Ho_Chi_Minh), not the time zone of whoever asks. ``ProgressReport``'s current fields
  and ``Occurrence.status`` "done" are never read for an answer: they describe today.

Whose reports count
- An occurrence is judged by the reports on that occurrence itself from its own
  assignment's body (``report.occurrence == occurrence`` and ``report.organization ==
  occurrence.assignment.organization``). A lead's occurrence is judged by the lead's
  report: a coordinating body's report on it, even confirmed as done, does not make it done;
  a coordinating body's own occurrences are judged by its own reports. So a task's status as
  its lead decides it is the tally of the occurrences of the lead's assignment; a tally of
  all the task's occurrences counts every body's share of the work.
- A reorganised body: occurrences that moved to a successor are judged where they are now,
  by the successor's reports (a report the predecessor filed on such a row before the move
  no longer counts: the successor owes that work now); occurrences that stayed with the
  predecessor (due before the effective date, or finished) are judged by the predecessor's.

Workflow (where the report is in its review), from the latest revision as of the day
(latest by ``at``, then ``version``):
- no revision yet: "not_started" (chưa thực hiện);
- draft or awaiting the head's sign-off: by its state, "not_started" or "in_progress"; a
  draft that says done but has not reached the office is still "in_progress";
- submitted: state done -> "awaiting_confirmation" (chờ xác nhận); otherwise by its state,
  "not_started" or "in_progress";
- returned -> "returned" (trả lại); confirmed -> "confirmed" (đã xác nhận), whatever the state
  (the office may accept a progress report that is not "done").

Done, on time or late
- Work counts as done once the office has confirmed it: the latest office decision as of the
  day (the latest revision with status confirmed or returned) is "confirmed" with state
  "done". A report reported done but not yet confirmed is still open (in time or overdue by
  the day), workflow "awaiting_confirmation", even if it is confirmed later. A confirmation
  the office later returns stops counting from the day it is returned; a body's edits after
  a confirmation (no office decision) do not undo it.
- ``done_on`` is the date the work was done, from the confirmed revision. When that revision
  has none, the date the body submitted it as done (the latest submitted-done revision before
  the confirmation), else the day of the confirmation.
- On time when ``done_on <= due`` (the effective due date), late otherwise; when the office
  confirms it does not matter.

Due dates and extensions
- ``original_due`` is the occurrence's ``due_date``. ``due`` is the new date of the latest
  approved extension decided on or before the day (latest ``decided_at``, then the latest
  created); pending and rejected extensions, and approvals decided after the day, change
  nothing. On time and overdue are judged against ``due``.
- Open work is overdue from the day after its due date: due on 30/6, on 30/6 it is still in
  time, on 1/7 overdue.

No deadline ("Thường xuyên")
- The occurrences of a continuous task (``time_kind`` "continuous", source "period"), and the
  period occurrences of a compound task whose only recurring parts are continuous, have no
  deadline: bucket "no_deadline" (Không hạn), never overdue, never due soon. Milestones of
  such a task (source "milestone") have dates and are judged like deadlines.
- ``reported`` says whether the period was reported: some revision as of the day has status
  submitted or confirmed, whatever its state (a report returned afterwards was still
  reported). It is computed the same way for every occurrence; only for no-deadline work
  does it decide anything.
- No-deadline occurrences are counted (``Tally.no_deadline``) but stay out of the completion
  rate, numerator and denominator alike: they are never "due".

Withdrawn
- An occurrence with status "withdrawn" (its task withdrawn by an amendment, its body
  abolished, a split's originals, a duplicate) and ``withdrawn_on`` W is judged like any
  other as of the days before W (it was owed then: overdue counts against the body, a done
  report counts for it) and is in bucket "withdrawn" (Không còn thực hiện) from W on,
  whatever was reported, out of the rate. W is the amendment's adoption date or the
  reorganisation's effective date: from that day the work is no longer asked.
- A withdrawn occurrence without ``withdrawn_on`` (withdrawn before the date was recorded)
  is "withdrawn" on every date: nothing says since when, and guessing would rewrite history.

Due soon (sắp đến hạn)
- ``due_soon``: not done, not withdrawn, not no-deadline, and
  ``0 <= (due - as_of).days <= warn_days`` (default 5): only open work in time can be.

Rate and roll-ups
- Two on-time figures: ``Tally.on_time_rate`` (done on time against the extended deadline ÷
  done) and ``Tally.original_on_time_rate`` (done by the original deadline ÷ done).
- No-deadline periods: ``Tally.no_deadline_reported`` and ``no_deadline_unreported``.
- ``Tally.rate`` is done ÷ due, where done = on time + late and due = done + open overdue;
  work not yet due is not in the denominator. None when nothing is due yet.
- A task, body, section or program rolls up by tallying its occurrences' statuses (counts,
  then the rate; never an average of rates). Tallies add up: ``tally(a) + tally(b)``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_noop

from theodoi.programs.models import Assignment, Occurrence, Task

from .models import Extension, ReportRevision, ReportState, ReportStatus

__all__ = [
    "BUCKETS",
    "BUCKET_LABELS",
    "DUE_SOON_LABEL",
    "WARN_DAYS",
    "WORKFLOWS",
    "WORKFLOW_LABELS",
    "OccurrenceStatus",
    "Tally",
    "end_of_day",
    "occurrence_status",
    "statuses",
    "tally",
]

WARN_DAYS = 5

DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
OPEN_IN_TIME = "open_in_time"
OPEN_OVERDUE = "open_overdue"
NO_DEADLINE = "no_deadline"
WITHDRAWN = "withdrawn"
BUCKETS = (DONE_ON_TIME, DONE_LATE, OPEN_IN_TIME, OPEN_OVERDUE, NO_DEADLINE, WITHDRAWN)
BUCKET_LABELS = {
    DONE_ON_TIME: gettext_noop("Đã hoàn thành đúng hạn"),
    DONE_LATE: gettext_noop("Đã hoàn thành quá hạn"),
    OPEN_IN_TIME: gettext_noop("Chưa hoàn thành trong hạn"),
    OPEN_OVERDUE: gettext_noop("Chưa hoàn thành quá hạn"),
    NO_DEADLINE: gettext_noop("Không hạn"),
    WITHDRAWN: gettext_noop("Không còn thực hiện"),
}
DUE_SOON_LABEL = gettext_noop("Sắp đến hạn")

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
AWAITING_CONFIRMATION = "awaiting_confirmation"
RETURNED = "returned"
CONFIRMED = "confirmed"
WORKFLOWS = (NOT_STARTED, IN_PROGRESS, AWAITING_CONFIRMATION, RETURNED, CONFIRMED)
WORKFLOW_LABELS = {
    NOT_STARTED: gettext_noop("Chưa thực hiện"),
    IN_PROGRESS: gettext_noop("Đang thực hiện"),
    AWAITING_CONFIRMATION: gettext_noop("Chờ xác nhận"),
    RETURNED: gettext_noop("Trả lại"),
    CONFIRMED: gettext_noop("Đã xác nhận"),
}

_DECISIONS = (ReportStatus.RETURNED, ReportStatus.CONFIRMED)  # what the office decides
_REPORTED = (ReportStatus.SUBMITTED, ReportStatus.CONFIRMED)  # what reached the office
_PERIOD_KINDS = ("recurring", "ongoing", "continuous")  # time kinds that make periods
_REVISION_FIELDS = ("at", "version", "state", "status", "done_on", "report")
_REPORT_FIELDS = ("report__occurrence", "report__organization")


@dataclass(frozen=True)
class OccurrenceStatus:
    """Where one occurrence stood at the end of one day (see the module's rules)."""

    bucket: str  # one of BUCKETS
    workflow: str  # one of WORKFLOWS
    due: dt.date  # effective due date as of that day
    original_due: dt.date
    done_on: dt.date | None  # set when done (confirmed) as of that day
    due_soon: bool
    reported: bool
    label: str  # BUCKET_LABELS[bucket]

    @property
    def done(self) -> bool:
        return self.done_on is not None

    @property
    def extended(self) -> bool:
        return self.due != self.original_due

    @property
    def workflow_label(self) -> str:
        return WORKFLOW_LABELS[self.workflow]


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the project's time zone: records strictly before it
    are known "as of" ``day``."""
    _check_day(day)
    zone = timezone.get_default_timezone()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def occurrence_status(
    occurrence: Occurrence,
    *,
    as_of: dt.date,
    warn_days: int = WARN_DAYS,
    reports: Iterable[ReportRevision] | None = None,
    extensions: Iterable[Extension] | None = None,
) -> OccurrenceStatus:
    """The status of ``occurrence`` at the end of ``as_of``.

    ``reports`` and ``extensions`` let a caller that loaded them already save the queries:
    ``ReportRevision`` rows (with ``report`` loaded) and ``Extension`` rows. Rows of other
    occurrences, of other bodies, or recorded after the day are ignored, so a whole history
    can be passed. Left None, they are read from the database (two queries).
    """
    if warn_days < 0:
        raise ValueError("warn_days phải là số ngày không âm")
    cutoff = end_of_day(as_of)
    body = occurrence.assignment.organization_id
    if reports is None:
        reports = _revisions(Q(report__occurrence=occurrence), cutoff).filter(
            report__organization_id=body
        )
    if extensions is None:
        extensions = _extensions(Q(occurrence=occurrence), cutoff)
    history = sorted(
        (
            r
            for r in reports
            if r.report.occurrence_id == occurrence.pk
            and r.report.organization_id == body
            and r.at < cutoff
        ),
        key=lambda r: (r.at, r.version),
    )
    approved = [
        e
        for e in extensions
        if e.occurrence_id == occurrence.pk
        and e.status == Extension.Status.APPROVED
        and e.decided_at is not None
        and e.decided_at < cutoff
    ]
    latest = max(approved, key=lambda e: (e.decided_at, e.pk or 0), default=None)
    return _judge(
        as_of=as_of,
        warn_days=warn_days,
        original_due=occurrence.due_date,
        withdrawn=_withdrawn(occurrence, as_of),
        no_deadline=_without_deadline(occurrence),
        history=history,
        new_due=latest.new_due if latest is not None else None,
    )


def _judge(
    *,
    as_of: dt.date,
    warn_days: int,
    original_due: dt.date,
    withdrawn: bool,
    no_deadline: bool,
    history: Sequence[Any],
    new_due: dt.date | None,
) -> OccurrenceStatus:
    """The module's rules, on plain values: ``history`` the revisions as of the day in order
    (anything with ``at``, ``version``, ``state``, ``status``, ``done_on``), ``new_due`` the
    latest approved extension's date as of the day."""
    due = new_due or original_due
    done_on = _done_on(history)
    if withdrawn:
        bucket = WITHDRAWN
    elif no_deadline:
        bucket = NO_DEADLINE
    elif done_on is not None:
        bucket = DONE_ON_TIME if done_on <= due else DONE_LATE
    else:
        bucket = OPEN_OVERDUE if as_of > due else OPEN_IN_TIME
    return OccurrenceStatus(
        bucket=bucket,
        workflow=_workflow(history[-1] if history else None),
        due=due,
        original_due=original_due,
        done_on=done_on,
        due_soon=bucket == OPEN_IN_TIME and (due - as_of).days <= warn_days,
        reported=any(r.status in _REPORTED for r in history),
        label=BUCKET_LABELS[bucket],
    )


def statuses(
    occurrences: QuerySet[Occurrence] | Sequence[Occurrence],
    *,
    as_of: dt.date,
    warn_days: int = WARN_DAYS,
) -> dict[int, OccurrenceStatus]:
    """The status of each occurrence at the end of ``as_of``, by occurrence id.

    A queryset costs four queries whatever its size (the occurrences' fields, the revisions,
    the extensions, the times of compound tasks); the rows are read as plain values, not
    model instances, which is what keeps a province's 30,000 occurrences under a second. A
    list of occurrences costs the revisions and extensions in batches of ids, plus two
    queries for the assignments and tasks not already loaded.
    """
    if warn_days < 0:
        raise ValueError("warn_days phải là số ngày không âm")
    cutoff = end_of_day(as_of)
    if isinstance(occurrences, QuerySet) and not occurrences.query.is_sliced:
        rows = _plain_rows(occurrences.order_by())
        ids = occurrences.order_by().values("pk")
        filters = [(Q(report__occurrence__in=ids), Q(occurrence__in=ids))]
    else:
        items = list(occurrences)
        missing = [o for o in items if not _loaded(o)]
        if missing:
            prefetch_related_objects(missing, "assignment__task")
        rows = [
            (o.pk, o.due_date, _withdrawn_on(o.status, o.withdrawn_on), _without_deadline(o))
            for o in items
        ]
        pks = [o.pk for o in items]
        size = _batch_size()
        filters = [
            (Q(report__occurrence__in=chunk), Q(occurrence__in=chunk))
            for chunk in (pks[i : i + size] for i in range(0, len(pks), size))
        ]
    histories: dict[int, list[_Revision]] = defaultdict(list)
    extended: dict[int, tuple] = {}
    for on_revisions, on_extensions in filters:
        revisions = (
            ReportRevision.objects.filter(on_revisions, at__lt=cutoff)
            .filter(report__organization_id=F("report__occurrence__assignment__organization_id"))
            .order_by()
            .values_list("report__occurrence_id", "at", "version", "state", "status", "done_on")
        )
        for occurrence_id, *values in revisions:
            histories[occurrence_id].append(_Revision(*values))
        decided = (
            Extension.objects.filter(
                on_extensions, status=Extension.Status.APPROVED, decided_at__lt=cutoff
            )
            .order_by()
            .values_list("occurrence_id", "decided_at", "pk", "new_due")
        )
        for occurrence_id, *values in decided:
            known = extended.get(occurrence_id)
            if known is None or (values[0], values[1]) > (known[0], known[1]):
                extended[occurrence_id] = tuple(values)
    found = {}
    for pk, original_due, withdrawn_on, no_deadline in rows:
        history = histories.get(pk, [])
        history.sort(key=_revision_order)
        extension = extended.get(pk)
        found[pk] = _judge(
            as_of=as_of,
            warn_days=warn_days,
            original_due=original_due,
            withdrawn=_withdrawn_by(withdrawn_on, as_of),
            no_deadline=no_deadline,
            history=history,
            new_due=extension[2] if extension is not None else None,
        )
    return found


class _Revision(NamedTuple):
    at: dt.datetime
    version: int
    state: str
    status: str
    done_on: dt.date | None


def _revision_order(revision: _Revision) -> tuple:
    return (revision.at, revision.version)


# ``withdrawn_on`` of an occurrence that is not withdrawn (None means "withdrawn, date unknown").
_NOT_WITHDRAWN: Any = object()


def _withdrawn_on(status: str, withdrawn_on: dt.date | None) -> Any:
    """``withdrawn_on`` when withdrawn (None: date unknown), else ``_NOT_WITHDRAWN``."""
    return withdrawn_on if status == Occurrence.Status.WITHDRAWN else _NOT_WITHDRAWN


def _withdrawn_by(withdrawn_on: Any, as_of: dt.date) -> bool:
    """Withdrawn as of the day: from its ``withdrawn_on`` on, or always when it has none."""
    if withdrawn_on is _NOT_WITHDRAWN:
        return False
    return withdrawn_on is None or as_of >= withdrawn_on


def _plain_rows(occurrences: QuerySet[Occurrence]) -> list[tuple]:
    """(pk, due date, ``_withdrawn_on``, no deadline) of each occurrence, read as values."""
    values = list(
        occurrences.values_list(
            "pk", "due_date", "status", "withdrawn_on", "source",
            "assignment__task__time_kind", "assignment__task_id",
        )
    )  # fmt: skip
    compound = {row[6] for row in values if row[5] == "compound" and row[4] == "period"}
    times = dict(Task.objects.filter(pk__in=compound).values_list("pk", "time")) if compound else {}
    return [
        (
            pk,
            due,
            _withdrawn_on(status, withdrawn_on),
            _no_deadline(source, kind, times.get(task_id)),
        )
        for pk, due, status, withdrawn_on, source, kind, task_id in values
    ]


@dataclass
class Tally:
    """Counts of statuses by bucket, and how many are due soon; the rate follows from them."""

    done_on_time: int = 0
    done_late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0
    no_deadline: int = 0
    withdrawn: int = 0
    due_soon: int = 0
    # Done by the first deadline, before any extension (``done_on <= original_due``): the
    # stricter of the two on-time figures; ``done_on_time`` is judged against the extended one.
    # Out of equality: a tally compares by its buckets, as it did before these were kept.
    done_by_original: int = field(default=0, compare=False)
    no_deadline_reported: int = field(default=0, compare=False)  # of ``no_deadline``, reported

    @property
    def no_deadline_unreported(self) -> int:
        return self.no_deadline - self.no_deadline_reported

    @property
    def on_time_rate(self) -> float | None:
        """Done on time (against the extended deadline) ÷ done; None when nothing is done."""
        return self.done_on_time / self.done if self.done else None

    @property
    def original_on_time_rate(self) -> float | None:
        """Done by the original deadline ÷ done; None when nothing is done."""
        return self.done_by_original / self.done if self.done else None

    @property
    def extended_done(self) -> int:
        """Done on time only thanks to an extension."""
        return self.done_on_time - self.done_by_original

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def due(self) -> int:
        """What should be done by now: done, plus unfinished past its due date."""
        return self.done + self.open_overdue

    @property
    def total(self) -> int:
        return sum(getattr(self, bucket) for bucket in BUCKETS)

    @property
    def rate(self) -> float | None:
        """done ÷ due; None when nothing is due yet."""
        return self.done / self.due if self.due else None

    def add(self, status: OccurrenceStatus) -> None:
        setattr(self, status.bucket, getattr(self, status.bucket) + 1)
        if status.due_soon:
            self.due_soon += 1
        if status.bucket in (DONE_ON_TIME, DONE_LATE) and status.done_on <= status.original_due:
            self.done_by_original += 1
        if status.bucket == NO_DEADLINE and status.reported:
            self.no_deadline_reported += 1

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return Tally(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def tally(statuses: Iterable[OccurrenceStatus] | Mapping[Any, OccurrenceStatus]) -> Tally:
    """Count the statuses (a mapping such as ``statuses()``'s answer counts its values)."""
    if isinstance(statuses, Mapping):
        statuses = statuses.values()
    result = Tally()
    for status in statuses:
        result.add(status)
    return result


def _check_day(day: dt.date) -> None:
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"as_of phải là một ngày (datetime.date), không phải {day!r}")


def _revisions(where: Q, cutoff: dt.datetime) -> QuerySet[ReportRevision]:
    return (
        ReportRevision.objects.filter(where, at__lt=cutoff)
        .select_related("report")
        .only(*_REVISION_FIELDS, *_REPORT_FIELDS)
        .order_by()
    )


def _extensions(where: Q, cutoff: dt.datetime) -> QuerySet[Extension]:
    return (
        Extension.objects.filter(where, status=Extension.Status.APPROVED, decided_at__lt=cutoff)
        .only("occurrence", "status", "decided_at", "new_due")
        .order_by()
    )


def _loaded(occurrence: Occurrence) -> bool:
    return Occurrence.assignment.is_cached(occurrence) and Assignment.task.is_cached(
        occurrence.assignment
    )


def _batch_size() -> int:
    limit = connection.features.max_query_params
    return max(1, limit - 10) if limit else 10_000


def _workflow(latest: ReportRevision | None) -> str:
    if latest is None:
        return NOT_STARTED
    if latest.status == ReportStatus.RETURNED:
        return RETURNED
    if latest.status == ReportStatus.CONFIRMED:
        return CONFIRMED
    if latest.status == ReportStatus.SUBMITTED and latest.state == ReportState.DONE:
        return AWAITING_CONFIRMATION
    if latest.state == ReportState.NOT_STARTED:
        return NOT_STARTED
    return IN_PROGRESS


def _done_on(history: list[ReportRevision]) -> dt.date | None:
    """The day the work was done, when the latest office decision confirms it done."""
    decided = [i for i, r in enumerate(history) if r.status in _DECISIONS]
    if not decided:
        return None
    decision = history[decided[-1]]
    if decision.status != ReportStatus.CONFIRMED or decision.state != ReportState.DONE:
        return None
    if decision.done_on is not None:
        return decision.done_on
    for earlier in reversed(history[: decided[-1]]):
        if earlier.status == ReportStatus.SUBMITTED and earlier.state == ReportState.DONE:
            return _local_day(earlier.at)
    return _local_day(decision.at)


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _withdrawn(occurrence: Occurrence, as_of: dt.date) -> bool:
    return _withdrawn_by(_withdrawn_on(occurrence.status, occurrence.withdrawn_on), as_of)


def _without_deadline(occurrence: Occurrence) -> bool:
    task = occurrence.assignment.task
    return _no_deadline(occurrence.source, task.time_kind, task.time)


def _no_deadline(source: str, time_kind: str, time: Any) -> bool:
    if source != "period":
        return False
    if time_kind == "continuous":
        return True
    if time_kind == "compound":
        kinds = _period_kinds(time)
        return bool(kinds) and kinds <= {"continuous"}
    return False


def _period_kinds(spec: Any, depth: int = 0) -> set[str]:
    """The kinds of the parts of a time spec (as stored on the task) that make periods."""
    if not isinstance(spec, Mapping) or depth > 8:
        return set()
    kind = spec.get("kind")
    if kind == "compound":
        parts = spec.get("parts") or []
        return set().union(*(_period_kinds(p, depth + 1) for p in parts)) if parts else set()
    return {kind} if kind in _PERIOD_KINDS else set()

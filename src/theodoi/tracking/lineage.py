"""Lower-level programs as the parent program sees them, as of a date: which bodies that must
build a program of their own have issued it, when, on time or late, and which have not
(``obligations``); and how the issued programs themselves are doing (``lower_levels``).

Who must issue: the bodies that owe the parent's issuing task (``programs.lineage.
issuing_tasks``: B.II.1 of the example), which are the members of the groups it names
("các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc ..."), each with its own occurrences
(``Assignment.via_group``). A body is counted for a task while it owes an occurrence of it
that is not withdrawn as of the day, so a body merged away drops out from the day its work
passed to its successor, and the successor, which now owes it, comes in.

Issued: a program whose ``parent_program`` is the parent, whose ``parent_task`` is that task
(or unset), and whose issuer is the body or, after a reorganisation, one of its successors;
issued on its document's date (else the day it was imported), and only as of that day.
On time when that day is on or before the body's due date for the task (its earliest
occurrence, moved by an approved extension as ``tracking.status`` reads it).

The roll-up is a separate table, never added into the parent's own figures: each lower
program's tally is its own occurrences' statuses (``tracking.rollup.program_tallies``, kept by ``tracking.rollup_cache``), and
the total adds those tallies. The parent's figures stay those of its own tasks; a body's
report on the parent task (B.II.1) is what makes the parent task done, as for any task.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from theodoi.orgs.models import Organization
from theodoi.programs.lineage import issuing_tasks
from theodoi.programs.models import Occurrence, Program, Task
from theodoi.programs.succession import Successions

from . import rollup_cache
from .status import WITHDRAWN, Tally, statuses

__all__ = [
    "ISSUED_LATE",
    "ISSUED_ON_TIME",
    "MISSING_IN_TIME",
    "MISSING_OVERDUE",
    "STATE_BADGES",
    "STATE_LABELS",
    "Issued",
    "LowerLevels",
    "LowerRow",
    "Obligation",
    "TaskObligations",
    "issued_on",
    "lower_levels",
    "lower_programs",
    "obligations",
]

ISSUED_ON_TIME = "issued_on_time"
ISSUED_LATE = "issued_late"
MISSING_OVERDUE = "missing_overdue"
MISSING_IN_TIME = "missing_in_time"
# Worst first: the order the rows are shown in.
STATES = (MISSING_OVERDUE, MISSING_IN_TIME, ISSUED_LATE, ISSUED_ON_TIME)
# The badge each state is shown with (web/static/web/theodoi.css).
STATE_BADGES = {
    ISSUED_ON_TIME: "ok",
    ISSUED_LATE: "late",
    MISSING_OVERDUE: "overdue",
    MISSING_IN_TIME: "open",
}
STATE_LABELS = {
    ISSUED_ON_TIME: gettext_noop("Đã ban hành đúng hạn"),
    ISSUED_LATE: gettext_noop("Đã ban hành quá hạn"),
    MISSING_OVERDUE: gettext_noop("Chưa ban hành, quá hạn"),
    MISSING_IN_TIME: gettext_noop("Chưa ban hành, còn trong hạn"),
}


@dataclass(frozen=True)
class Issued:
    """A lower-level program as issued: its day, and whether that day was on time."""

    program: Program
    day: dt.date
    dated: bool  # False: the document carries no date; ``day`` is the day it was imported
    on_time: bool | None = None  # against the body's due date; None where none applies


@dataclass
class Obligation:
    """One body that must issue a program under one parent task, as of a day."""

    body: Organization
    due: dt.date
    as_of: dt.date
    issued: list[Issued] = field(default_factory=list)

    @property
    def first(self) -> Issued | None:
        return self.issued[0] if self.issued else None

    @property
    def state(self) -> str:
        if self.first is not None:
            return ISSUED_ON_TIME if self.first.on_time else ISSUED_LATE
        return MISSING_OVERDUE if self.as_of > self.due else MISSING_IN_TIME

    @property
    def label(self) -> str:
        return gettext(STATE_LABELS[self.state])

    @property
    def badge(self) -> str:
        return STATE_BADGES[self.state]

    @property
    def days_late(self) -> int:
        """Days past the due date: of the issue when issued late, of the day when missing."""
        end = self.first.day if self.first is not None else self.as_of
        return max((end - self.due).days, 0)


@dataclass
class TaskObligations:
    """A parent task that asks bodies to build programs, and where each of them stands."""

    task: Task
    rows: list[Obligation]

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.state == state)

    @property
    def counts(self) -> dict[str, int]:
        return {state: self.count(state) for state in STATES}

    @property
    def issued(self) -> int:
        return self.count(ISSUED_ON_TIME) + self.count(ISSUED_LATE)

    @property
    def missing(self) -> int:
        return self.count(MISSING_OVERDUE) + self.count(MISSING_IN_TIME)


def issued_on(program: Program) -> tuple[dt.date, bool]:
    """The day a program was issued: its document's date; else (an undated document) the
    day its first version was imported, in the project's time zone. And whether dated."""
    if program.date is not None:
        return program.date, True
    first = min(program.versions.all(), key=lambda v: v.number, default=None)
    moment = first.imported_at if first is not None else program.created_at
    return timezone.localtime(moment, timezone.get_default_timezone()).date(), False


def lower_programs(program: Program, *, as_of: dt.date) -> list[tuple[Program, Issued]]:
    """The programs imported under ``program`` and issued by the end of ``as_of``, with
    their issue, oldest first."""
    children = (
        Program.objects.filter(parent_program=program)
        .select_related("issuer", "parent_task")
        .prefetch_related("versions")
    )
    found = []
    for child in children:
        day, dated = issued_on(child)
        if day <= as_of:
            found.append((child, Issued(program=child, day=day, dated=dated)))
    found.sort(key=lambda pair: (pair[1].day, pair[0].number))
    return found


def obligations(
    program: Program, *, as_of: dt.date, children: list[tuple[Program, Issued]] | None = None
) -> list[TaskObligations]:
    """For each of ``program``'s issuing tasks, every body that must issue a program under it
    and where it stands at the end of ``as_of`` (see the module's docstring), worst first.
    ``children``: ``lower_programs(program, as_of=as_of)``, when the caller has it already."""
    tasks = issuing_tasks(program)
    if not tasks:
        return []
    chosen = Occurrence.objects.filter(
        assignment__task__in=tasks, assignment__organization__isnull=False
    ).select_related("assignment__organization", "assignment__task")
    found = statuses(chosen, as_of=as_of)
    occurrences = list(chosen)
    due: dict[tuple[int, int], dt.date] = {}
    bodies: dict[int, Organization] = {}
    for occurrence in occurrences:
        state = found.get(occurrence.pk)
        if state is None or state.bucket == WITHDRAWN:
            continue
        body = occurrence.assignment.organization
        bodies[body.pk] = body
        key = (occurrence.assignment.task_id, body.pk)
        due[key] = min(due.get(key, state.due), state.due)
    if children is None:
        children = lower_programs(program, as_of=as_of)
    # Reorganisations are read only when a body that owes the task had ended by the day.
    ended = any(body.valid_to is not None and body.valid_to < as_of for body in bodies.values())
    successions = Successions() if ended and children else None
    by_issuer: dict[int, list[tuple[Program, Issued]]] = defaultdict(list)
    for child, issued in children:
        if child.issuer_id is not None:
            by_issuer[child.issuer_id].append((child, issued))
    result = []
    for task in tasks:
        rows = []
        for (task_id, body_id), body_due in due.items():
            if task_id != task.pk:
                continue
            body = bodies[body_id]
            row = Obligation(body=body, due=body_due, as_of=as_of)
            issuers = [body.pk] + [s.pk for s in _successors(successions, body, as_of)]
            for issuer in issuers:
                for child, issued in by_issuer.get(issuer, ()):
                    if child.parent_task_id in (None, task.pk):
                        row.issued.append(
                            Issued(
                                program=child,
                                day=issued.day,
                                dated=issued.dated,
                                on_time=issued.day <= body_due,
                            )
                        )
            row.issued.sort(key=lambda item: (item.day, item.program.number))
            rows.append(row)
        rows.sort(key=lambda row: (STATES.index(row.state), row.body.name_key))
        result.append(TaskObligations(task=task, rows=rows))
    return result


def _successors(successions: Successions | None, body: Organization, day: dt.date) -> tuple:
    if successions is None:
        return ()
    succession = successions.on(body, day)
    return succession.successors if succession is not None else ()


@dataclass
class LowerRow:
    """One lower-level program in the parent's roll-up: its own figures as of the day."""

    program: Program
    issued: Issued
    tally: Tally
    tasks: int  # live tasks
    linked: int  # of them, linked to a task of the parent


@dataclass
class LowerLevels:
    """The lower-level programs' own figures, and their sum: a table of its own, never
    added into the parent's figures."""

    rows: list[LowerRow]
    total: Tally
    tasks: int
    linked: int


def lower_levels(
    program: Program, *, as_of: dt.date, children: list[tuple[Program, Issued]] | None = None
) -> LowerLevels:
    """Each program issued under ``program`` by the end of ``as_of``, with its own tally
    (every body's occurrences of its own tasks) and the total of those tallies.
    ``children``: ``lower_programs(program, as_of=as_of)``, when the caller has it already."""
    if children is None:
        children = lower_programs(program, as_of=as_of)
    if not children:
        return LowerLevels(rows=[], total=Tally(), tasks=0, linked=0)
    ids = [child.pk for child, _ in children]
    tallies = rollup_cache.tallies(ids, as_of=as_of)
    task_counts: dict[int, int] = defaultdict(int)
    linked_counts: dict[int, int] = defaultdict(int)
    live = Task.objects.filter(program_id__in=ids, withdrawn_in__isnull=True)
    for program_id, parent_id in live.values_list("program_id", "parent_task_id"):
        task_counts[program_id] += 1
        if parent_id is not None:
            linked_counts[program_id] += 1
    rows = [
        LowerRow(
            program=child,
            issued=issued,
            tally=tallies.get(child.pk, Tally()),
            tasks=task_counts[child.pk],
            linked=linked_counts[child.pk],
        )
        for child, issued in children
    ]
    total = sum((row.tally for row in rows), Tally())
    return LowerLevels(
        rows=rows,
        total=total,
        tasks=sum(row.tasks for row in rows),
        linked=sum(row.linked for row in rows),
    )

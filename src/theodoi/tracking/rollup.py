"""Where a program stands as of a date, rolled up from its occurrences: overall, by area, by
body, what is overdue and what comes due next. The dashboard, the organisation pages and the
periodic reports all read it, so they agree.

Counts roll up, rates follow from the counts (never an average of averages): a section's
rate is done ÷ due over every occurrence below it. Every body's share of the work counts
(a lead's and a coordinating body's occurrences alike), as offices count assignments.

The areas are the program's parts as a reader sees them: starting from the top-level
sections, a section that holds more than half of all tasks is replaced by its children (the
example's "B. Nội dung", then "III. Giải pháp chủ yếu ..."), so the areas of the example are
I, II and the six parts of III. Tasks outside every area (none in the example) fall in an
"other" row so the rows always add up to the whole.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from theodoi.orgs.models import Organization
from theodoi.programs.models import Occurrence, Program, Section

from .status import OPEN_OVERDUE, OccurrenceStatus, Tally, statuses

__all__ = ["Overview", "Row", "areas", "overview", "program_occurrences"]

UPCOMING_DAYS = 30


@dataclass
class Row:
    """One line of a breakdown: what it is, and its tally."""

    key: str  # section number or organisation code ("" for the "other" row)
    label: str
    tally: Tally
    pk: int | None = None


@dataclass
class Overview:
    program: Program
    as_of: dt.date
    total: Tally
    by_area: list[Row]
    by_body: list[Row]
    overdue: list[tuple[Occurrence, OccurrenceStatus]]
    upcoming: list[tuple[Occurrence, OccurrenceStatus]]
    by_quarter: list[tuple[str, int]] = field(default_factory=list)  # due dates per quarter
    overdue_count: int = 0  # all of them, when ``overdue`` lists only the first few
    upcoming_count: int = 0


def program_occurrences(program: Program) -> QuerySet[Occurrence]:
    """Every occurrence of a program's tasks owed by a body."""
    return Occurrence.objects.filter(
        assignment__task__program=program, assignment__organization__isnull=False
    ).select_related("assignment__task", "assignment__organization")


def areas(program: Program, *, sections: list[Section] | None = None) -> list[Section]:
    """The program's areas (see the module's docstring), in document order. ``sections``: the
    program's sections already loaded, in document order."""
    if sections is None:
        sections = list(Section.objects.filter(program=program).order_by("position"))
    children: dict[int | None, list[Section]] = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)
    counts = _task_counts(program, sections, children)
    total = sum(counts[s.pk] for s in children[None])
    level = list(children[None])
    while True:
        big = next((s for s in level if children[s.pk] and counts[s.pk] * 2 > total), None)
        if big is None:
            break
        at = level.index(big)
        level[at : at + 1] = children[big.pk]
    return [s for s in level if counts[s.pk]]


def _task_counts(
    program: Program, sections: list[Section], children: dict[int | None, list[Section]]
) -> dict[int, int]:
    own: dict[int, int] = defaultdict(int)
    for section_id in program.tasks.filter(withdrawn_in__isnull=True).values_list(
        "section_id", flat=True
    ):
        if section_id is not None:
            own[section_id] += 1
    counts: dict[int, int] = {}

    def count(section: Section) -> int:
        if section.pk not in counts:
            counts[section.pk] = own[section.pk] + sum(count(c) for c in children[section.pk])
        return counts[section.pk]

    for section in sections:
        count(section)
    return counts


def area_of_sections(program: Program) -> tuple[list[Section], dict[int, int]]:
    """The areas, and for every section id the id of the area it lies in (if any)."""
    sections = list(Section.objects.filter(program=program).order_by("position"))
    found = areas(program, sections=sections)
    parent = {s.pk: s.parent_id for s in sections}
    area_ids = {s.pk for s in found}
    mapping: dict[int, int] = {}
    for section_id in parent:
        at: int | None = section_id
        while at is not None and at not in area_ids:
            at = parent.get(at)
        if at is not None:
            mapping[section_id] = at
    return found, mapping


def overview(
    program: Program,
    *,
    as_of: dt.date,
    occurrences: QuerySet[Occurrence] | None = None,
    upcoming_days: int = UPCOMING_DAYS,
    listed: int | None = None,
    judged: dict[int, OccurrenceStatus] | None = None,
) -> Overview:
    """The program as of the end of ``as_of`` (see ``theodoi.tracking.status``).

    The counts read plain values, not model instances, so a program with tens of thousands
    of occurrences stays quick; only the occurrences listed as overdue or upcoming are loaded
    whole, at most ``listed`` of each when given (``overdue_count`` and ``upcoming_count``
    count them all). ``judged``: the statuses of these occurrences as of the day, when the
    caller has them already."""
    chosen = occurrences if occurrences is not None else program_occurrences(program)
    chosen = chosen.order_by()
    found = judged if judged is not None else statuses(chosen, as_of=as_of)
    area_list, area_of = area_of_sections(program)
    total = Tally()
    by_area: dict[int | None, Tally] = defaultdict(Tally)
    by_body: dict[int, Tally] = defaultdict(Tally)
    overdue, upcoming = [], []
    quarters: dict[str, int] = defaultdict(int)
    horizon = as_of + dt.timedelta(days=upcoming_days)
    rows = chosen.values_list(
        "pk", "assignment__organization_id", "assignment__task__section_id",
        "assignment__task__position",
    )  # fmt: skip
    for pk, body_id, section_id, position in rows:
        state = found.get(pk)
        if state is None:  # changed between the two reads
            continue
        total.add(state)
        by_area[area_of.get(section_id)].add(state)
        by_body[body_id].add(state)
        if state.bucket == OPEN_OVERDUE:
            overdue.append((state.due, position, pk))
        elif not state.done and state.bucket != "withdrawn" and as_of <= state.due <= horizon:
            upcoming.append((state.due, position, pk))
        if state.bucket != "withdrawn":
            quarters[f"{state.due.year}-Q{(state.due.month - 1) // 3 + 1}"] += 1
    overdue.sort()
    upcoming.sort()
    shown = {pk for *_k, pk in overdue[:listed]} | {pk for *_k, pk in upcoming[:listed]}
    loaded = Occurrence.objects.select_related(
        "assignment__task", "assignment__organization"
    ).in_bulk(shown)
    bodies = Organization.objects.only("code", "name").in_bulk(list(by_body))
    area_rows = [
        Row(key=s.number, label=s.title, tally=by_area[s.pk], pk=s.pk)
        for s in area_list
        if by_area[s.pk].total
    ]
    if by_area.get(None) and by_area[None].total:
        area_rows.append(Row(key="", label="Khác", tally=by_area[None]))
    body_rows = sorted(
        (
            Row(key=bodies[pk].code, label=bodies[pk].name, tally=t, pk=pk)
            for pk, t in by_body.items()
        ),
        key=lambda r: (-r.tally.open_overdue, r.label),
    )
    return Overview(
        program=program,
        as_of=as_of,
        total=total,
        by_area=area_rows,
        by_body=body_rows,
        overdue=[(loaded[pk], found[pk]) for *_k, pk in overdue[:listed]],
        upcoming=[(loaded[pk], found[pk]) for *_k, pk in upcoming[:listed]],
        by_quarter=sorted(quarters.items()),
        overdue_count=len(overdue),
        upcoming_count=len(upcoming),
    )


# --- The program tree: each task as its lead stands, each section rolled up ------------------

# The order "worst first" in which a task's badge picks one bucket from its tally: work overdue
# now, then work done late (a fault already made), then open work still in time, then
# no-deadline periods, then work done on time; "withdrawn" only when nothing else is left.
WORST_FIRST = ("open_overdue", "done_late", "open_in_time", "no_deadline", "done_on_time",
               "withdrawn")  # fmt: skip


def worst_bucket(tally: Tally) -> str | None:
    """The bucket a tally is shown by (see ``WORST_FIRST``); None for an empty tally."""
    return next((bucket for bucket in WORST_FIRST if getattr(tally, bucket)), None)


@dataclass
class TreeTallies:
    """A program's tree as of a date, as counts.

    - ``tasks``: a task's status is its lead's (``Task.lead``): the tally of the lead body's
      occurrences. A task with no lead, or whose lead owes no occurrence (it only directs),
      is judged by every body's occurrences instead.
    - ``by_lead``: the tasks judged by their lead's occurrences (the others by everyone's).
    - ``reported``: of those occurrences, how many no-deadline periods were reported.
    - ``sections``: every body's occurrences of every task at or below the section (as
      ``overview`` counts an area), so a section's rate is done ÷ due over all of them.
    """

    tasks: dict[int, Tally]
    by_lead: set[int]
    reported: dict[int, int]
    sections: dict[int, Tally]
    total: Tally


def tree_tallies(program: Program, *, as_of: dt.date) -> TreeTallies:
    """The tallies of a program's tasks and sections as of the end of ``as_of``, in a fixed
    number of queries whatever the program's size."""
    occurrences = Occurrence.objects.filter(
        assignment__task__program=program, assignment__organization__isnull=False
    )
    found = statuses(occurrences, as_of=as_of)
    everyone: dict[int, Tally] = defaultdict(Tally)
    lead: dict[int, Tally] = defaultdict(Tally)
    lead_reported: dict[int, int] = defaultdict(int)
    all_reported: dict[int, int] = defaultdict(int)
    own: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    rows = occurrences.values_list(
        "pk", "assignment__organization_id", "assignment__task_id", "assignment__task__lead_id",
        "assignment__task__section_id",
    )  # fmt: skip
    for pk, org_id, task_id, lead_id, section_id in rows:
        state = found.get(pk)
        if state is None:  # changed between the two reads
            continue
        total.add(state)
        everyone[task_id].add(state)
        reported = int(state.bucket == "no_deadline" and state.reported)
        all_reported[task_id] += reported
        if org_id == lead_id:
            lead[task_id].add(state)
            lead_reported[task_id] += reported
        if section_id is not None:
            own[section_id].add(state)
    tasks, reported_by_task, by_lead = {}, {}, set()
    for task_id, tally in everyone.items():
        if lead.get(task_id) is not None and lead[task_id].total:
            tasks[task_id], reported_by_task[task_id] = lead[task_id], lead_reported[task_id]
            by_lead.add(task_id)
        else:
            tasks[task_id], reported_by_task[task_id] = tally, all_reported[task_id]
    parent = dict(Section.objects.filter(program=program).values_list("pk", "parent_id"))
    sections: dict[int, Tally] = {pk: Tally() for pk in parent}
    for section_id, tally in own.items():
        at: int | None = section_id
        seen: set[int] = set()
        while at is not None and at in sections and at not in seen:
            seen.add(at)
            sections[at] = sections[at] + tally
            at = parent.get(at)
    return TreeTallies(
        tasks=tasks, by_lead=by_lead, reported=reported_by_task, sections=sections, total=total
    )


def program_tallies(programs: QuerySet[Program], *, as_of: dt.date) -> dict[int, Tally]:
    """Each program's tally (every body's occurrences) as of the end of ``as_of``, by program
    id, in a fixed number of queries whatever the number of programs."""
    occurrences = Occurrence.objects.filter(
        assignment__task__program__in=programs, assignment__organization__isnull=False
    )
    found = statuses(occurrences, as_of=as_of)
    result: dict[int, Tally] = defaultdict(Tally)
    for pk, program_id in occurrences.values_list("pk", "assignment__task__program_id"):
        if pk in found:
            result[program_id].add(found[pk])
    return dict(result)

"""The Q2/2021 figures recomputed straight from the database, without theodoi.tracking's
status or rollup code: every occurrence, its own body's report revisions and the approved
extensions recorded by the end of 30/06/2021, judged by the rules of the design notes
(done = the office's latest decision confirms it done; on time against the due date in force;
overdue from the day after; "Thường xuyên" periods have no deadline). Done in the quarter:
done by 30/06 and not yet by 31/03."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from theodoi.programs.models import Occurrence, Program
from theodoi.tracking.models import Extension, ReportRevision

QUARTER_START, QUARTER_END = dt.date(2021, 4, 1), dt.date(2021, 6, 30)


@dataclass
class Expected:
    buckets: Counter = field(default_factory=Counter)
    by_body: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    tasks: set[int] = field(default_factory=set)
    done_in_quarter: set[int] = field(default_factory=set)
    done_ids: set[int] = field(default_factory=set)
    overdue: dict[int, int] = field(default_factory=dict)  # occurrence id -> days late
    extensions_in_quarter: int = 0

    @property
    def done(self) -> int:
        return self.buckets["done_on_time"] + self.buckets["done_late"]

    @property
    def due(self) -> int:
        return self.done + self.buckets["open_overdue"]

    @property
    def rate_text(self) -> str:
        return f"{self.done / self.due * 100:.1f}".replace(".", ",") + "%"


def _kinds(spec) -> set[str]:
    if not isinstance(spec, dict):
        return set()
    if spec.get("kind") == "compound":
        found = set()
        for part in spec.get("parts") or []:
            found |= _kinds(part)
        return found
    return {spec["kind"]} if spec.get("kind") in ("recurring", "ongoing", "continuous") else set()


def expected_q2(program: Program) -> Expected:
    result = _judge(program, QUARTER_END)
    before = _judge(program, QUARTER_START - dt.timedelta(days=1))
    result.done_in_quarter = result.done_ids - before.done_ids
    return result


def _judge(program: Program, day: dt.date) -> Expected:
    zone = timezone.get_default_timezone()
    cutoff = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    result = Expected()
    occurrences = Occurrence.objects.filter(
        assignment__task__program=program, assignment__organization__isnull=False
    ).select_related("assignment__task", "assignment__organization")
    revisions = defaultdict(list)
    for revision in ReportRevision.objects.filter(
        report__occurrence__assignment__task__program=program, at__lt=cutoff
    ).select_related("report__occurrence__assignment"):
        report = revision.report
        if report.organization_id == report.occurrence.assignment.organization_id:
            revisions[report.occurrence_id].append(revision)
    due_in_force = {}
    for extension in Extension.objects.filter(
        occurrence__assignment__task__program=program, status="approved", decided_at__lt=cutoff
    ).order_by("decided_at", "pk"):
        due_in_force[extension.occurrence_id] = extension.new_due
        if extension.decided_at >= dt.datetime.combine(QUARTER_START, dt.time(), tzinfo=zone):
            result.extensions_in_quarter += 1
    for occ in occurrences:
        task = occ.assignment.task
        history = sorted(revisions[occ.pk], key=lambda r: (r.at, r.version))
        decisions = [r for r in history if r.status in ("confirmed", "returned")]
        done_on = None
        if decisions and decisions[-1].status == "confirmed" and decisions[-1].state == "done":
            done_on = decisions[-1].done_on
        due = due_in_force.get(occ.pk, occ.due_date)
        continuous = occ.source == "period" and (
            task.time_kind == "continuous"
            or (task.time_kind == "compound" and _kinds(task.time) == {"continuous"})
        )
        if occ.status == "withdrawn" and (occ.withdrawn_on is None or occ.withdrawn_on <= day):
            bucket = "withdrawn"
        elif continuous:
            bucket = "no_deadline"
        elif done_on is not None:
            bucket = "done_on_time" if done_on <= due else "done_late"
        elif day > due:
            bucket = "open_overdue"
            result.overdue[occ.pk] = (day - due).days
        else:
            bucket = "open_in_time"
        result.buckets[bucket] += 1
        result.by_body[occ.assignment.organization.name][bucket] += 1
        if bucket != "withdrawn":
            result.tasks.add(task.pk)
        if bucket in ("done_on_time", "done_late"):
            result.done_ids.add(occ.pk)
    return result

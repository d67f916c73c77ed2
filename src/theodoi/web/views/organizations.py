"""Organisations: the bodies that have work in a program, with their figures as of a date, and
one body's page (its assignments, their occurrences and statuses, its reports).

The figures are ``theodoi.tracking.rollup.overview``'s, over the occurrences the permission
policy lets the person see (``visible_occurrences``): the office and leaders see every body's,
a body's head and staff their own body's only. Which tasks a body was given is the program's
text, open to every member; the roles and progress are shown where the policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from theodoi.orgs.models import Organization
from theodoi.programs.models import ROLE_FIELDS, Assignment, Occurrence, Program, Task
from theodoi.tracking.policy import (
    Action,
    allows,
    visible_assignments,
    visible_occurrences,
    visible_reports,
)
from theodoi.tracking.rollup import overview, program_occurrences
from theodoi.tracking.status import OccurrenceStatus, Tally, statuses, tally

from .common import member_required, program_as_of

SORTS = ("overdue", "name", "rate", "total")
REPORTS_SHOWN = 50


@dataclass
class BodyRow:
    organization: Organization
    tasks: int
    tally: Tally | None  # None: the person may not see this body's progress


@member_required
def organizations(request: HttpRequest) -> HttpResponse:
    context = program_as_of(request)
    program, day = context["program"], context["as_of"]
    sort = request.GET.get("sort", "overdue")
    if sort not in SORTS:
        sort = "overdue"
    context |= {
        "sort": sort,
        "sorts": [
            ("overdue", _("Quá hạn nhiều nhất trước")),
            ("rate", _("Tỷ lệ hoàn thành thấp nhất trước")),
            ("total", _("Nhiều kỳ thực hiện nhất trước")),
            ("name", _("Theo tên cơ quan")),
        ],
    }
    if program is not None:
        rows = body_rows(request, program, day)
        context["rows"] = sorted(rows, key=SORT_KEYS[sort])
        context["hidden"] = sum(1 for row in rows if row.tally is None)
        context["urge_ids"] = _urgeable(request, rows)
    return render(request, "web/organizations.html", context)


def _urgeable(request: HttpRequest, rows: list[BodyRow]) -> set[int]:
    """The bodies in the list with overdue or soon-due work that the user may urge (đôn đốc)."""
    if not allows(request.user, Action.URGE):
        return set()
    return {
        row.organization.pk
        for row in rows
        if row.tally is not None
        and (row.tally.open_overdue or row.tally.due_soon)
        and allows(request.user, Action.URGE, row.organization)
    }


def body_rows(request: HttpRequest, program: Program, day) -> list[BodyRow]:
    """Every body with an assignment in ``program``: its number of tasks, and its tally when
    the person may see its progress."""
    seen = program_occurrences(program) & visible_occurrences(request.user)
    view = overview(program, as_of=day, occurrences=seen)
    tallies = {row.pk: row.tally for row in view.by_body}
    open_to = set(
        visible_assignments(request.user)
        .filter(task__program=program, organization__isnull=False)
        .values_list("organization_id", flat=True)
    )
    bodies = (
        Organization.objects.filter(assignments__task__program=program)
        .annotate(tasks=Count("assignments__task", distinct=True))
        .order_by("name_key")
    )
    return [
        BodyRow(
            organization=body,
            tasks=body.tasks,
            tally=tallies.get(body.pk, Tally()) if body.pk in open_to else None,
        )
        for body in bodies
    ]


def _rate_key(row: BodyRow) -> tuple:
    rate = row.tally.rate if row.tally is not None else None
    return (rate is None, rate if rate is not None else 0, row.organization.name_key)


SORT_KEYS = {
    "overdue": lambda r: (
        r.tally is None,
        -(r.tally.open_overdue if r.tally else 0),
        r.organization.name_key,
    ),
    "rate": _rate_key,
    "total": lambda r: (
        r.tally is None,
        -(r.tally.total if r.tally else 0),
        r.organization.name_key,
    ),
    "name": lambda r: r.organization.name_key,
}


@dataclass
class AssignmentRow:
    assignment: Assignment
    task: Task
    roles: list[str]  # labels; empty when the person may not see the assignment
    visible: bool
    occurrences: list[tuple[Occurrence, OccurrenceStatus]]


@member_required
def organization(request: HttpRequest, code: str) -> HttpResponse:
    body = get_object_or_404(Organization, code=code)
    context = {"body": body, **program_as_of(request)}
    context["can_urge"] = allows(request.user, Action.URGE, body)
    program, day = context["program"], context["as_of"]
    if program is not None:
        context.update(_body_page(request, body, program, day))
    return render(request, "web/organization.html", context)


def _body_page(request: HttpRequest, body: Organization, program: Program, day) -> dict:
    user = request.user
    assignments = list(
        Assignment.objects.filter(organization=body, task__program=program)
        .select_related("task", "task__section", "via_group")
        .order_by("task__position", "pk")
    )
    occurrences = list(
        (program_occurrences(program) & visible_occurrences(user)).filter(
            assignment__organization=body
        )
    )
    states = statuses(occurrences, as_of=day)
    by_assignment: dict[int, list] = {}
    for occurrence in occurrences:
        by_assignment.setdefault(occurrence.assignment_id, []).append(
            (occurrence, states[occurrence.pk])
        )
    labels = {role: Assignment._meta.get_field(role).verbose_name for role in ROLE_FIELDS}
    rows = []
    for assignment in assignments:
        visible = allows(user, Action.VIEW_ASSIGNMENT, assignment)
        rows.append(
            AssignmentRow(
                assignment=assignment,
                task=assignment.task,
                roles=[labels[r] for r in assignment.roles] if visible else [],
                visible=visible,
                occurrences=by_assignment.get(assignment.pk, []),
            )
        )
    sees_progress = any(row.visible for row in rows) or bool(occurrences)
    reports = (
        visible_reports(user)
        .filter(organization=body, occurrence__assignment__task__program=program)
        .select_related("occurrence__assignment__task")
        .order_by("-updated_at", "-pk")
    )
    return {
        "rows": rows,
        "tasks": len({row.task.pk for row in rows}),
        "total": tally(states),
        "sees_progress": sees_progress,
        "reports": reports[:REPORTS_SHOWN],
        "report_count": reports.count(),
    }

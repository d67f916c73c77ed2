"""A body's work list: what it owes, in the order it should be done, and what "send" means
for the person who presses it.

- The list holds the occurrences of the body's assignments that owe work (advise,
  implement, lead or coordinate: ``Assignment.owes_work``), each with its status as of a day,
  the body's own report on it and its latest extension request.
- "open" is what the body may still report on (``Occurrence.Status.OPEN``, the policy's
  notion), "done" what the office has confirmed done, "all" everything, withdrawn included.
- Order: overdue first, then by the due date in force (after approved extensions), then as
  created. Among the overdue, the oldest due date comes first.
- Sending a report: a head signs off and sends (a report waiting for the head's sign-off is
  signed off; a draft or returned one goes straight to the office). Staff send to the office,
  or to their head first where sign-off is required (``settings.THEODOI_HEAD_SIGN_OFF``,
  on by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from theodoi.programs.models import DOING_ROLES, Occurrence

from .models import Extension, ProgressReport, ReportStatus, Role
from .policy import actor_of, visible_occurrences
from .reports import sign_off_report, submit_report
from .status import OPEN_OVERDUE, OccurrenceStatus, statuses

__all__ = [
    "SHOWS",
    "Send",
    "WorkItem",
    "body_report",
    "head_sign_off_required",
    "owed_occurrences",
    "send_report",
    "send_step",
    "work_item",
    "work_items",
]

Show = Literal["open", "done", "all"]
SHOWS: tuple[Show, ...] = ("open", "done", "all")
Send = Literal["submit", "submit_for_sign_off", "sign_off"]


@dataclass
class WorkItem:
    """One occurrence on a body's list, with what the page shows about it."""

    occurrence: Occurrence
    status: OccurrenceStatus
    report: ProgressReport | None
    extension: Extension | None  # the latest request, whatever its decision

    @property
    def is_open(self) -> bool:
        return self.occurrence.status == Occurrence.Status.OPEN

    @property
    def role_label(self) -> str:
        assignment = self.occurrence.assignment
        if assignment.leads:
            return _("chủ trì")
        if assignment.coordinates:
            return _("phối hợp")
        if assignment.implements:
            return _("thực hiện")
        return _("tham mưu")

    @property
    def pending_extension(self) -> Extension | None:
        if self.extension is not None and self.extension.status == Extension.Status.PENDING:
            return self.extension
        return None


def owed_occurrences(user) -> QuerySet[Occurrence]:
    """The occurrences the user's body owes work on, among those the user may see."""
    actor = actor_of(user)
    if actor is None:
        return Occurrence.objects.none()
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    return (
        visible_occurrences(user)
        .filter(doing, assignment__organization_id=actor.organization_id)
        .select_related("assignment__task", "assignment__organization")
    )


def work_items(user, *, as_of: dt.date, show: Show = "open") -> list[WorkItem]:
    """The user's body's work as of ``as_of``, filtered by ``show``, overdue first."""
    return _items(user, _shown(user, show), as_of=as_of)


def work_page(
    user, *, as_of: dt.date, show: Show = "open", number: Any = 1, per_page: int = 50
) -> Page:
    """One page of ``work_items``, in the same order: the statuses of all the body's work
    are read as plain values to sort it, and only the page's rows are loaded whole, so a body
    with a thousand periods owed gets its first page as fast as one with ten."""
    rows = _shown(user, show)
    found = statuses(rows, as_of=as_of)
    order = sorted(found, key=lambda pk: _order(found[pk], pk))
    page = Paginator(order, per_page).get_page(number)
    items = _items(user, rows.filter(pk__in=list(page.object_list)), as_of=as_of, found=found)
    page.object_list = items
    return page


def _shown(user, show: Show) -> QuerySet[Occurrence]:
    rows = owed_occurrences(user)
    if show == "open":
        return rows.filter(status=Occurrence.Status.OPEN)
    if show == "done":
        return rows.filter(status=Occurrence.Status.DONE)
    return rows


def _order(state: OccurrenceStatus, pk: int) -> tuple:
    """Overdue first, then by due date: the work list's order."""
    return (state.bucket != OPEN_OVERDUE, state.due, pk)


def work_item(user, occurrence: Occurrence, *, as_of: dt.date) -> WorkItem:
    """One occurrence as a work-list row (the caller has checked the user may see it)."""
    rows = Occurrence.objects.filter(pk=occurrence.pk).select_related(
        "assignment__task", "assignment__organization"
    )
    return _items(user, rows, as_of=as_of)[0]


def _items(
    user,
    rows: QuerySet[Occurrence],
    *,
    as_of: dt.date,
    found: dict[int, OccurrenceStatus] | None = None,
) -> list[WorkItem]:
    actor = actor_of(user)
    if found is None:
        found = statuses(rows, as_of=as_of)
    occurrences = {o.pk: o for o in rows}
    org = actor.organization_id if actor is not None else None
    reports = {
        r.occurrence_id: r
        for r in ProgressReport.objects.filter(
            occurrence__in=occurrences.keys(), organization_id=org
        ).prefetch_related("files")
    }
    extensions: dict[int, Extension] = {}
    for e in Extension.objects.filter(occurrence__in=occurrences.keys()).order_by(
        "requested_at", "pk"
    ):
        extensions[e.occurrence_id] = e  # the latest wins
    items = [
        WorkItem(
            occurrence=o,
            status=found[pk],
            report=reports.get(pk),
            extension=extensions.get(pk),
        )
        for pk, o in occurrences.items()
        if pk in found
    ]
    items.sort(key=lambda i: _order(i.status, i.occurrence.pk))
    return items


def body_report(user, occurrence: Occurrence) -> ProgressReport | None:
    """The report the user's body made on ``occurrence``, if any."""
    actor = actor_of(user)
    if actor is None:
        return None
    return ProgressReport.objects.filter(
        occurrence=occurrence, organization_id=actor.organization_id
    ).first()


def head_sign_off_required() -> bool:
    """Whether staff's reports wait for their head's sign-off before reaching the office."""
    return bool(getattr(settings, "THEODOI_HEAD_SIGN_OFF", True))


def send_step(user, report: ProgressReport | None) -> Send:
    """What pressing "send" does for ``user`` on ``report`` (None: a report not yet written)."""
    actor = actor_of(user)
    signs = actor is not None and actor.role in (Role.HEAD, Role.ADMIN)
    if signs and report is not None and report.status == ReportStatus.AWAITING_SIGNOFF:
        return "sign_off"
    if not signs and head_sign_off_required():
        return "submit_for_sign_off"
    return "submit"


def send_report(
    *, user, report: ProgressReport, expected_version: int, now: dt.datetime | None = None
) -> ProgressReport:
    """Send ``report`` on as ``send_step`` says: to the office, or to the head first."""
    step = send_step(user, report)
    if step == "sign_off":
        return sign_off_report(user=user, report=report, expected_version=expected_version, now=now)
    return submit_report(
        user=user,
        report=report,
        expected_version=expected_version,
        sign_off=step == "submit_for_sign_off",
        now=now,
    )

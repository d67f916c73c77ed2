"""Search with statuses: the occurrences that match the search filters
(``theodoi.programs.search``) and, when asked, a status bucket as of a date or a due-date
range judged after extensions. The web's search page and the API's occurrence list both call
``find_occurrences``, so the same question gets the same rows.

The database does the text, area, body, role and written due-date filters; statuses are not
in the database, so when a status or a due range is asked every row those filters leave is
judged (``theodoi.tracking.status.statuses``) and only the ones that fit are kept. Without
either, the rows stay a queryset to paginate, and only the shown page needs judging.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from theodoi.programs.models import Occurrence
from theodoi.programs.search import Criteria, matching_occurrences

from .models import Extension
from .status import (
    BUCKET_LABELS,
    BUCKETS,
    DUE_SOON_LABEL,
    NO_DEADLINE,
    OccurrenceStatus,
    statuses,
)

__all__ = ["DUE_SOON", "STATUS_FILTERS", "find_occurrences", "fits", "judge"]

DUE_SOON = "due_soon"
# The periods of work with no deadline ("Thường xuyên"), reported or not as of the day.
NO_DEADLINE_REPORTED = "no_deadline_reported"
NO_DEADLINE_UNREPORTED = "no_deadline_unreported"
# What a status filter may ask for: a bucket, the warning band "due soon", or the
# no-deadline periods reported or not (as ``Tally.no_deadline_reported`` counts them).
STATUS_FILTERS = (*BUCKETS, DUE_SOON, NO_DEADLINE_REPORTED, NO_DEADLINE_UNREPORTED)
STATUS_FILTER_LABELS = {
    **BUCKET_LABELS,
    DUE_SOON: DUE_SOON_LABEL,
    NO_DEADLINE_REPORTED: gettext_noop("Thường xuyên: đã báo cáo"),
    NO_DEADLINE_UNREPORTED: gettext_noop("Thường xuyên: chưa báo cáo"),
}


def find_occurrences(
    rows: QuerySet[Occurrence],
    criteria: Criteria,
    *,
    status: str | None = None,
    as_of: dt.date,
) -> tuple[QuerySet[Occurrence] | Rows, dict[int, OccurrenceStatus] | None]:
    """``rows`` (the ones the policy lets the caller see) narrowed by ``criteria`` and
    ``status`` (one of ``STATUS_FILTERS``) as of ``as_of``, in the order of the due date and
    the task's place in the program.

    Returns the rows (a queryset, or ``Rows`` when a text, a status or a due range was
    asked) and, when they had to be judged to filter them, their statuses by id (``None``
    otherwise: the caller judges the page it shows with ``judge``).
    """
    if status is not None and status not in STATUS_FILTERS:
        raise ValueError(f"unknown status filter {status!r}")
    due_also = None
    if criteria.due_from or criteria.due_to:
        # An approved extension may move a due date into (or out of) the range: keep those
        # rows for the status rules to judge.
        moved = Extension.objects.filter(status=Extension.Status.APPROVED).values("occurrence")
        due_also = Q(pk__in=moved)
    found = matching_occurrences(rows, criteria, due_also=due_also)
    found = (
        found.select_related("assignment__task", "assignment__organization")
        .defer("assignment__task__text_key", "assignment__task__milestones")
        .order_by("due_date", "assignment__task__position", "pk")
    )
    if not status and due_also is None:
        if criteria.text.strip():
            # Listed once, in order: the database starts from the tasks the text index finds.
            # Asked for a count and then one page, PostgreSQL walks every occurrence in due
            # order hoping to meet the matches early, a second for a phrase of a few thousand
            # tasks nationally (they meet late: "tổng kết" work is due at the end).
            return Rows(found, list(found.values_list("pk", flat=True))), None
        return found, None
    # Judged as plain values (a country's overdue work is a million rows); only the page
    # shown is loaded whole (``Rows``).
    states = statuses(found, as_of=as_of)
    kept = [
        pk
        for pk in found.values_list("pk", flat=True)
        if pk in states and fits(states[pk], status=status, criteria=criteria)
    ]
    return Rows(found, kept), {pk: states[pk] for pk in kept}


class Rows:
    """The occurrences of ``pks`` in that order, loaded from ``rows`` only when sliced or
    iterated: what a paginator needs (``len`` and slices) without loading every row."""

    def __init__(
        self,
        rows: QuerySet[Occurrence],
        pks: list[int],
        states: dict[int, OccurrenceStatus] | None = None,
    ) -> None:
        self.rows = rows.order_by()
        self.pks = pks
        self.states = states

    def paired(self, states: dict[int, OccurrenceStatus]) -> Rows:
        """The same rows as (occurrence, status) pairs."""
        return Rows(self.rows, self.pks, states)

    def __len__(self) -> int:
        return len(self.pks)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._load(self.pks[index])
        return self._load([self.pks[index]])[0]

    def __iter__(self) -> Iterator[Occurrence]:
        for start in range(0, len(self.pks), 500):
            yield from self._load(self.pks[start : start + 500])

    def _load(self, pks: list[int]) -> list:
        found = self.rows.in_bulk(pks)
        if self.states is not None:
            return [(found[pk], self.states[pk]) for pk in pks if pk in found]
        return [found[pk] for pk in pks if pk in found]


def judge(
    shown: Sequence[Occurrence],
    judged: dict[int, OccurrenceStatus] | None,
    *,
    as_of: dt.date,
) -> dict[int, OccurrenceStatus]:
    """The statuses of the rows shown: those ``find_occurrences`` judged, else judged now."""
    if judged is not None:
        return {o.pk: judged[o.pk] for o in shown}
    return statuses(list(shown), as_of=as_of)


def fits(state: OccurrenceStatus, *, status: str | None, criteria: Criteria) -> bool:
    """Whether an occurrence with ``state`` answers the status and effective due range."""
    if status == DUE_SOON and not state.due_soon:
        return False
    if status in (NO_DEADLINE_REPORTED, NO_DEADLINE_UNREPORTED):
        if state.bucket != NO_DEADLINE or state.reported != (status == NO_DEADLINE_REPORTED):
            return False
    elif status and status != DUE_SOON and state.bucket != status:
        return False
    if criteria.due_from and state.due < criteria.due_from:
        return False
    return not (criteria.due_to and state.due > criteria.due_to)

"""Every top-level program side by side as of a date (for a country, each province's program):
its own figures and its lower-level programs' figures, added up from each program's kept
tally (``tracking.rollup_cache.tallies``), so the page reads a few thousand stored rows,
not a million occurrences, once the tallies are kept."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from theodoi.programs.models import Program

from . import rollup_cache
from .status import Tally

__all__ = ["NationalRow", "national_overview"]


@dataclass
class NationalRow:
    program: Program
    own: Tally  # the program's own tasks
    lower: Tally  # every program below it, at every level
    lower_programs: int

    @property
    def all(self) -> Tally:
        return self.own + self.lower


def national_overview(*, as_of: dt.date) -> tuple[list[NationalRow], NationalRow | None]:
    """One row per top-level program issued by the end of ``as_of`` (worst completion rate
    first), and their total (None when there is none). A lower program counts from its
    issue date, as on the dashboard (undated ones from their import)."""
    issued = Q(date__lte=as_of) | Q(date__isnull=True, created_at__date__lte=as_of)
    programs = Program.objects.ordinary().filter(issued)
    parent_of = dict(programs.values_list("pk", "parent_program_id"))
    root_of: dict[int, int] = {}
    for pk in parent_of:
        at, seen = pk, set()
        while parent_of.get(at) is not None and at not in seen:
            seen.add(at)
            at = parent_of[at]
        if parent_of.get(at, 0) is None:  # a chain that ends at an issued top-level program
            root_of[pk] = at
    tallies = rollup_cache.tallies(root_of, as_of=as_of)
    lower: dict[int, Tally] = defaultdict(Tally)
    counts: dict[int, int] = defaultdict(int)
    for pk, root in root_of.items():
        if pk != root:
            lower[root] = lower[root] + tallies[pk]
            counts[root] += 1
    roots = Program.objects.filter(pk__in=set(root_of.values())).select_related("issuer")
    rows = [
        NationalRow(program=p, own=tallies[p.pk], lower=lower[p.pk], lower_programs=counts[p.pk])
        for p in roots
    ]
    rows.sort(key=lambda r: (_rate(r.all), r.program.issuer_name or "", r.program.number))
    if not rows:
        return [], None
    total = NationalRow(
        program=None,  # type: ignore[arg-type]
        own=sum((r.own for r in rows), Tally()),
        lower=sum((r.lower for r in rows), Tally()),
        lower_programs=sum(r.lower_programs for r in rows),
    )
    return rows, total


def _rate(tally: Tally) -> float:
    return tally.rate if tally.rate is not None else 2.0  # nothing due yet: last

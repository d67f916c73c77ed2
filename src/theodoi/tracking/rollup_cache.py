"""Roll-ups computed once and kept until the data under them changes.

A province's dashboard reads tens of thousands of occurrences and their history; the
national overview reads a million. Both are asked far more often than the data changes, so
what they compute is kept in the database (``RollupCache``, shared by every server process)
per program, day and kind, stamped with two generation counters (``RollupGeneration``):
the program's own (scope ``p<id>``) and everything's (scope ``all``). A row is used only
while both are still current.

Invalidation happens in the writer's transaction, so it commits or rolls back with the
change:

- saving or deleting a report revision, an extension, an occurrence, an assignment, a task,
  a section, a version or a program moves the generation of its program and of the programs
  above it (a parent's dashboard shows its lower programs' figures); signal receivers here;
- changes that touch many programs at once (importing, reorganisations, resolving a name,
  restoring a backup, bodies and groups, whose names the dashboards show) move the global
  generation: ``forget_all()``, called by those services and by receivers here.

A computation that overlaps a change stores its result under the generations it read
before it started, so a result made from data older than a committed change never matches
afterwards. Nothing is ever served that a fresh computation would not give, except within
the one transaction that is still making the change.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from theodoi.orgs.models import Alias, Organization, OrgGroup, Reorganization
from theodoi.programs.models import (
    Assignment,
    Occurrence,
    Program,
    ProgramVersion,
    Section,
    Task,
)

from .models import Extension, ReportRevision, RollupCache, RollupGeneration
from .status import Tally

__all__ = ["cached", "cached_many", "connect", "forget", "forget_all", "tallies"]

T = TypeVar("T")
_ALL = "all"
_BATCH = 200  # programs whose statuses are computed at once: bounds the memory a cold
# national overview takes
_DEPTH = 6  # levels of programs above a program: province, commune... never this deep


def cached(kind: str, program: Program, as_of: dt.date, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for ``program`` as of ``as_of``, from the cache when current."""
    return cached_many(kind, [program.pk], as_of, lambda _missing: {program.pk: compute()})[
        program.pk
    ]


def cached_many(
    kind: str,
    program_ids: Iterable[int],
    as_of: dt.date,
    compute: Callable[[list[int]], dict[int, Any]],
) -> dict[int, Any]:
    """For each program id, its value of ``kind`` as of ``as_of``: current cached values as
    they are, the others from ``compute(missing_ids)`` (stored for the next time)."""
    ids = sorted(set(program_ids))
    if not ids:
        return {}
    generations = _generations(ids)
    everything = generations.get(_ALL, 0)
    found: dict[int, Any] = {}
    rows = RollupCache.objects.filter(kind=kind, as_of=as_of, program_id__in=ids).values_list(
        "program_id", "generation", "global_generation", "value"
    )
    for program_id, generation, global_generation, value in rows:
        if generation == generations.get(f"p{program_id}", 0) and global_generation == everything:
            found[program_id] = pickle.loads(value)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        made = compute(missing)
        now = timezone.now()
        RollupCache.objects.bulk_create(
            [
                RollupCache(
                    program_id=pk,
                    as_of=as_of,
                    kind=kind,
                    generation=generations.get(f"p{pk}", 0),
                    global_generation=everything,
                    value=pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                    computed_at=now,
                )
                for pk, value in made.items()
            ],
            update_conflicts=True,
            unique_fields=["program", "as_of", "kind"],
            update_fields=["generation", "global_generation", "value", "computed_at"],
            batch_size=500,
        )
        found.update(made)
    return found


def tallies(program_ids: Iterable[int], *, as_of: dt.date) -> dict[int, Tally]:
    """Each program's own tally as of ``as_of`` (``rollup.program_tallies``), kept: what
    the roll-ups of lower-level programs and the national overview add up."""
    from .rollup import program_tallies

    def compute(missing: list[int]) -> dict[int, Tally]:
        found: dict[int, Tally] = {}
        for start in range(0, len(missing), _BATCH):
            chunk = missing[start : start + _BATCH]
            made = program_tallies(Program.objects.filter(pk__in=chunk), as_of=as_of)
            found.update({pk: made.get(pk, Tally()) for pk in chunk})
        return found

    return cached_many("tally", program_ids, as_of, compute)


def _generations(ids: list[int]) -> dict[str, int]:
    scopes = [_ALL, *(f"p{pk}" for pk in ids)]
    found: dict[str, int] = {}
    for start in range(0, len(scopes), 900):  # SQLite's limit on parameters
        found.update(
            RollupGeneration.objects.filter(scope__in=scopes[start : start + 900]).values_list(
                "scope", "n"
            )
        )
    return found


def forget(program_ids: Iterable[int]) -> None:
    """The figures of these programs, and of the programs above them, changed."""
    ids = {pk for pk in program_ids if pk is not None}
    frontier = set(ids)
    for _level in range(_DEPTH):
        parents = set(
            Program.objects.filter(pk__in=frontier, parent_program__isnull=False).values_list(
                "parent_program_id", flat=True
            )
        )
        frontier = parents - ids
        if not frontier:
            break
        ids |= frontier
    _move([f"p{pk}" for pk in ids])


def forget_all() -> None:
    """Every program's figures may have changed (bodies renamed, a whole import...)."""
    _move([_ALL])


def _move(scopes: list[str]) -> None:
    if not scopes:
        return
    # Create what is missing, then move everything: two writers racing on a new scope both
    # end up moving it, never leave it where a reader saw it.
    RollupGeneration.objects.bulk_create(
        [RollupGeneration(scope=s, n=0) for s in scopes], ignore_conflicts=True
    )
    RollupGeneration.objects.filter(scope__in=scopes).update(n=F("n") + 1)


# --- What moves which generation -----------------------------------------------------------


def _program_of_revision(revision: ReportRevision) -> list[int]:
    return list(
        Program.objects.filter(tasks__assignments__occurrences__reports=revision.report_id)
        .values_list("pk", flat=True)
        .distinct()
    )


def _program_of_occurrence_id(occurrence_id: int) -> list[int]:
    return list(
        Task.objects.filter(assignments__occurrences=occurrence_id).values_list(
            "program_id", flat=True
        )
    )


_PROGRAM_OF: dict[type, Callable[[Any], list[int]]] = {
    ReportRevision: _program_of_revision,
    Extension: lambda e: _program_of_occurrence_id(e.occurrence_id),
    Occurrence: lambda o: list(
        Task.objects.filter(assignments=o.assignment_id).values_list("program_id", flat=True)
    ),
    Assignment: lambda a: list(
        Task.objects.filter(pk=a.task_id).values_list("program_id", flat=True)
    ),
    Task: lambda t: [t.program_id],
    Section: lambda s: [s.program_id],
    ProgramVersion: lambda v: [v.program_id],
    Program: lambda p: [p.pk, p.parent_program_id],
}
_EVERYTHING = (Organization, OrgGroup, Alias, Reorganization)


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # loading fixtures or a backup: the loader forgets everything
        return
    programs = _PROGRAM_OF[sender](instance)
    forget(programs)


def _changed_everything(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    forget_all()


def connect() -> None:
    """Listen for the changes that make cached roll-ups stale (called once, at start-up)."""
    for model in _PROGRAM_OF:
        post_save.connect(_changed, sender=model, dispatch_uid=f"rollup-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"rollup-delete-{model.__name__}")
    for model in _EVERYTHING:
        post_save.connect(
            _changed_everything, sender=model, dispatch_uid=f"rollup-all-{model.__name__}"
        )
        post_delete.connect(
            _changed_everything, sender=model, dispatch_uid=f"rollup-all-del-{model.__name__}"
        )
    for through in (OrgGroup.members.through, OrgGroup.member_groups.through):
        m2m_changed.connect(
            _changed_everything, sender=through, dispatch_uid=f"rollup-m2m-{through.__name__}"
        )
    for through in (Reorganization.predecessors.through, Reorganization.successors.through):
        m2m_changed.connect(
            _changed_everything, sender=through, dispatch_uid=f"rollup-m2m-{through.__name__}"
        )

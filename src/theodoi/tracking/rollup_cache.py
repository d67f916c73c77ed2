"""Roll-ups computed once and kept until the data under them changes.

A province's dashboard reads tens of thousands of occurrences and their history; the
national overview reads a million. Both are asked far more often than the data changes, so
what they compute is kept in the database (``RollupCache``, shared by every server process)
per program, day and kind, stamped with two generation counters (``RollupGeneration``):
the program's own (scope ``p<id>``) and everything's (scope ``all``). A row is used only
while both are still current.

Invalidation happens in the writer's transaction, so it commits or rolls back with the
change:

- saving or deleting a report or its revision, an extension, an occurrence, an assignment,
  a task or a section moves the generation of its program and of the programs above it (a
  parent's dashboard shows its lower programs' figures), and of the bodies whose work it is
  (scope ``b<id>``: a body's work list, kept as rendered text by ``cached_text``); signal
  receivers here;
- importing a program writes hundreds of rows of one program: ``changing_programs()``
  around it quiets the per-row receivers (five queries a row otherwise) and moves, once,
  that program, the programs above it and the bodies with work in it, before and after;
- changes that touch many programs at once (reorganisations, resolving a name, restoring a
  backup, bodies and groups, whose names the dashboards show, a program's own fields and
  versions edited outside an import, which are rare) move the global generation:
  ``forget_all()``, called by receivers here, or ``changing_everything()`` around a service
  that writes hundreds of rows (a reorganisation), which also quiets the receivers.

A computation that overlaps a change stores its result under the generations it read
before it started, so a result made from data older than a committed change never matches
afterwards. Nothing is ever served that a fresh computation would not give, except within
the one transaction that is still making the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
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

from .models import Extension, ProgressReport, ReportRevision, RollupCache, RollupGeneration
from .status import Tally

__all__ = [
    "body_scope",
    "cached",
    "cached_many",
    "cached_text",
    "changing_everything",
    "changing_programs",
    "connect",
    "forget",
    "forget_all",
    "program_scope",
    "tallies",
]

T = TypeVar("T")
_ALL = "all"
_BATCH = 200  # programs whose statuses are computed at once: bounds the memory a cold
# national overview takes
_DEPTH = 6  # levels of programs above a program: province, commune... never this deep
_TEXT_SECONDS = 24 * 3600  # kept texts of generations that moved on expire by themselves
_everything_changing: ContextVar[bool] = ContextVar("rollup_everything_changing", default=False)


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
        if (
            generation == generations.get(program_scope(program_id), 0)
            and global_generation == everything
        ):
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
                    generation=generations.get(program_scope(pk), 0),
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
    return _generations_of([_ALL, *(program_scope(pk) for pk in ids)])


def _generations_of(scopes: list[str]) -> dict[str, int]:
    # Written out: every kept page asks this, and the ORM took longer to compose the
    # question than the database took to answer it.
    table = connection.ops.quote_name(RollupGeneration._meta.db_table)
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(scopes), 900):  # SQLite's limit on parameters
            chunk = scopes[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT scope, n FROM {table} WHERE scope IN ({marks})", chunk)
            found.update(cursor.fetchall())
    return found


def forget(program_ids: Iterable[int], *, bodies: Iterable[int] = ()) -> None:
    """The figures of these programs, and of the programs above them, changed; and the
    work lists of these bodies."""
    ids = {pk for pk in program_ids if pk is not None}
    _forget(ids, above=ids, bodies=bodies)


def _forget(ids: set[int], *, above: set[int], bodies: Iterable[int]) -> None:
    """Move ``ids``, the programs above those of ``above`` (looked up), and ``bodies``."""
    ids, frontier = set(ids), set(above)
    for _level in range(_DEPTH):
        if not frontier:
            break
        parents = set(
            Program.objects.filter(pk__in=frontier, parent_program__isnull=False).values_list(
                "parent_program_id", flat=True
            )
        )
        frontier = parents - ids
        ids |= frontier
    _move(
        [program_scope(pk) for pk in ids] + [body_scope(pk) for pk in set(bodies) if pk is not None]
    )


def program_scope(program_id: int) -> str:
    """The generation scope of a program's figures (its own data and its lower programs')."""
    return f"p{program_id}"


def body_scope(organization_id: int) -> str:
    """The generation scope of a body's work list (its occurrences, reports, extensions)."""
    return f"b{organization_id}"


def cached_text(key: str, scopes: Iterable[str], render: Callable[[], str]) -> str:
    """``render()``'s text, kept in Django's cache while the generations of ``scopes`` (and
    the global one) stay where they were when it was rendered: a page fragment such as a
    body's work list, rendered once per change instead of at every request."""
    wanted = sorted({_ALL, *scopes})
    generations = _generations_of(wanted)
    stamp = ",".join(f"{scope}:{generations.get(scope, 0)}" for scope in wanted)
    digest = hashlib.sha256(f"{key}|{stamp}".encode()).hexdigest()
    name = f"theodoi:text:{digest}"
    text = cache.get(name)
    if text is None:
        text = render()
        cache.set(name, text, _TEXT_SECONDS)
    return text


def forget_all() -> None:
    """Every program's figures may have changed (bodies renamed, a whole import...)."""
    _move([_ALL])


@contextmanager
def changing_everything() -> Iterator[None]:
    """Around a change to many programs at once, inside its transaction: every program's
    figures are forgotten once, and the receivers leave the rows saved meanwhile alone."""
    forget_all()
    with _receivers_quiet():
        yield


@contextmanager
def _receivers_quiet() -> Iterator[None]:
    """The per-row receivers leave the rows saved meanwhile alone: the caller moves the
    generations itself."""
    token = _everything_changing.set(True)
    try:
        yield
    finally:
        _everything_changing.reset(token)


class ProgramChanges:
    """What ``changing_programs()`` moves when it ends: the programs named here (with those
    above them) and the bodies with work in them, before the change and after it."""

    def __init__(self) -> None:
        self.programs: set[int] = set()
        self.bodies: set[int] = set()
        self.figures: set[int] = set()

    def program(self, program_id: int) -> None:
        """This program's rows change: name it before changing it (its bodies as they were)
        and once it exists (a new program)."""
        self.programs.add(program_id)
        self.bodies |= _bodies_of(program_id)

    def figures_of(self, program_id: int) -> None:
        """Only this program's figures change (it loses a lower program, say)."""
        self.figures.add(program_id)


def _bodies_of(program_id: int) -> set[int]:
    return set(
        Assignment.objects.filter(task__program_id=program_id, organization__isnull=False)
        .values_list("organization_id", flat=True)
        .distinct()
    )


@contextmanager
def changing_programs() -> Iterator[ProgramChanges]:
    """Around a change to one program's rows (an import, inside its transaction): the rows'
    receivers keep quiet, and at the end that program's figures, those of the programs
    above it, and its bodies' work lists are forgotten once. Every other kept figure stays:
    after a program is imported, the national overview recomputes a few tallies, not all."""
    changes = ProgramChanges()
    with _receivers_quiet():
        yield changes
    for pk in changes.programs:
        changes.bodies |= _bodies_of(pk)
    programs = changes.programs | changes.figures
    _forget(programs, above=programs, bodies=changes.bodies)


def _move(scopes: list[str]) -> None:
    """One statement per 500 scopes: create the missing ones at 1, move the others on. In
    a fixed order, so two writers moving the same scopes lock them in the same order."""
    table = connection.ops.quote_name(RollupGeneration._meta.db_table)
    ordered = sorted(set(scopes))
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} (scope, n) VALUES {', '.join(['(%s, 1)'] * len(chunk))}"
                f" ON CONFLICT (scope) DO UPDATE SET n = {table}.n + 1",
                chunk,
            )


# --- What moves which generation -----------------------------------------------------------


# What a row changes: programs (its own and the two above it, read in the same query), bodies,
# and the programs from which to look further up (the rare third level).
Affected = tuple[set[int], set[int], set[int]]
_CHAIN = ("program_id", "program__parent_program_id", "program__parent_program__parent_program_id")


def _affected(rows: Iterable[tuple]) -> Affected:
    programs: set[int] = set()
    bodies: set[int] = set()
    beyond: set[int] = set()
    for program, parent, grandparent, body in rows:
        programs.update(pk for pk in (program, parent, grandparent) if pk is not None)
        if grandparent is not None:
            beyond.add(grandparent)
        if body is not None:
            bodies.add(body)
    return programs, bodies, beyond


def _of_occurrences(**where: Any) -> Affected:
    chain = [f"assignment__task__{name}" for name in _CHAIN]
    rows = Occurrence.objects.filter(**where).values_list(*chain, "assignment__organization_id")
    return _affected(rows)


def _of_assignments(**where: Any) -> Affected:
    chain = [f"task__{name}" for name in _CHAIN]
    return _affected(Assignment.objects.filter(**where).values_list(*chain, "organization_id"))


def _of_tasks(*, body: int | None = None, **where: Any) -> Affected:
    """``body``: the one body (a deleted assignment's); else the bodies of the tasks' work."""
    tasks = Task.objects.filter(**where)
    if body is None:
        return _affected(tasks.values_list(*_CHAIN, "assignments__organization_id"))
    return _affected((*chain, body) for chain in tasks.values_list(*_CHAIN))


# What a saved or deleted row changes: the figures of these programs, the work lists of
# these bodies.
_AFFECTED: dict[type, Callable[[Any], Affected]] = {
    ReportRevision: lambda r: _of_occurrences(reports=r.report_id),
    ProgressReport: lambda r: _of_occurrences(pk=r.occurrence_id),
    Extension: lambda e: _of_occurrences(pk=e.occurrence_id),
    Occurrence: lambda o: _of_assignments(pk=o.assignment_id),
    Assignment: lambda a: _of_tasks(pk=a.task_id, body=a.organization_id),
    Task: lambda t: _of_tasks(pk=t.pk),
    Section: lambda s: ({s.program_id}, set(), {s.program_id}),
}
# A program's own fields (closed, its term, its parent) reach every list and figure of its
# bodies; they change rarely.
_EVERYTHING = (Program, ProgramVersion, Organization, OrgGroup, Alias, Reorganization)


def _changed(sender, instance, **kwargs) -> None:
    # Loading fixtures or a backup (raw), or inside changing_everything(): forgotten already.
    if kwargs.get("raw") or _everything_changing.get():
        return
    programs, bodies, beyond = _AFFECTED[sender](instance)
    _forget(programs, above=beyond, bodies=bodies)


def _changed_everything(sender, **kwargs) -> None:
    if kwargs.get("raw") or _everything_changing.get():
        return
    forget_all()


def connect() -> None:
    """Listen for the changes that make cached roll-ups stale (called once, at start-up)."""
    for model in _AFFECTED:
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

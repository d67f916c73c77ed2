"""`theodoi import`: a program document into the database, in one transaction.

The first import of a document creates the program (version 1). Importing the same content
again changes nothing. Importing an amended document (điều chỉnh, bổ sung) makes a new
version: its tasks are matched to the previous ones (same section and similar text), matched
tasks keep their identity and history, and tasks no longer in the document are marked
withdrawn by that version, never deleted.

An amendment speaks as of its own day (``_amendment_day``): what it no longer asks is
withdrawn from that day (``Occurrence.withdrawn_on``), and a name it still gives to a body
that a reorganisation ended before that day means the body's successors (the document was
drafted from the old text; the reorganisation already decided who owes the work). Such
names are listed in the version's warnings. A new program dated after a reorganisation is
read the same way. Nobody is given a period again that it, or a body whose work it took
over, already owes or did, and nobody owes a period due outside the time it owes work
(``Assignment.active_from``/``active_to``, the body's ``valid_from``/``valid_to``): so
re-importing after a reorganisation leaves one open occurrence per body, task and period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from rapidfuzz import fuzz

from theodoi.orgs.models import Organization, OrgGroup
from theodoi.orgs.registry import registry_from_database
from theodoi.orgs.resolve import resolve_name
from theodoi.parsing import Limits, parse_file
from theodoi.parsing.model import ProgramDraft, TaskDraft
from theodoi.parsing.text import fold

from .models import (
    DOING_ROLES,
    ROLE_FIELDS,
    Assignment,
    Occurrence,
    Program,
    ProgramVersion,
    Reference,
    Section,
    Task,
)
from .occurrences import Period, periods_for
from .signals import program_imported
from .succession import Succession, Successions

# Two tasks of the same section whose folded texts score at least this are one task reworded.
SAME_TASK_IN_SECTION = 80
# A task that moved to another section must read almost the same.
SAME_TASK_ELSEWHERE = 92
PROGRESS_EVERY = 50


class ProgramImportError(Exception):
    """An import that cannot go on; the message says why, for a person."""


def read_limits() -> Limits:
    """The bounds every face reads a program document within: the readers' defaults, with
    the setting THEODOI_IMPORT_LIMITS (THEODOI_IMPORT_MAX_* in the environment) over them."""
    return Limits.from_settings(getattr(settings, "THEODOI_IMPORT_LIMITS", None))


@dataclass
class ImportSummary:
    program: str
    version: int
    number_derived: bool = False
    unchanged: bool = False
    sections: int = 0
    tasks: int = 0
    assignments: int = 0
    occurrences: int = 0
    unresolved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary of `theodoi import --format json`: counts, as the issue asks."""
        return {
            "program": self.program,
            "version": self.version,
            "number_derived": self.number_derived,
            "unchanged": self.unchanged,
            "sections": self.sections,
            "tasks": self.tasks,
            "assignments": self.assignments,
            "occurrences": self.occurrences,
            "unresolved": len(self.unresolved),
            "warnings": len(self.warnings),
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }


def import_program(
    *,
    path: str | Path | None = None,
    draft: ProgramDraft | None = None,
    source_name: str | None = None,
    digest: str | None = None,
    author: Any = None,
    corrections: list[dict[str, Any]] | None = None,
    number: str | None = None,
    amends: str | None = None,
    parent: str | None = None,
    parent_task: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Store a program document: a new program, nothing (same content), or a new version.

    The document is ``draft`` (as the office corrected it, ``theodoi.programs.drafts``) or
    ``path``, parsed here. ``digest`` fingerprints what the document itself says (the
    parser's draft before corrections, so the same file uploaded again is the same content);
    by default the draft's. ``source_name``, ``author`` and ``corrections`` are recorded on
    the version.

    ``parent`` (a program number) and ``parent_task`` (a task key in it, such as "B.II.1")
    link a lower-level program to the program and task it implements; it takes the parent's
    term when it states none.

    Raises theodoi.parsing.ParseError for a document that cannot be read and ProgramImportError
    for one that cannot be stored as asked; either way nothing is written.
    """
    from theodoi.tracking.rollup_cache import changing_programs

    if draft is None:
        if path is None:
            raise ValueError("import_program needs a path or a draft")
        draft = parse_file(path, registry=registry_from_database(), limits=read_limits())
    digest = digest or content_digest(draft)
    recorded = {
        "source_name": (source_name or (Path(path).name if path else ""))[:400],
        "author": author if getattr(author, "pk", None) else None,
        "corrections": corrections or [],
    }
    # The figures of this program and of those above it (before and after a new parent)
    # change, and its bodies' work lists; no other program's.
    with transaction.atomic(), changing_programs() as changes:
        links = _parent_links(parent, parent_task)
        if draft.term is None and links["parent_program"] is not None:
            upper = links["parent_program"]
            if upper.term_start and upper.term_end:
                draft.term = (upper.term_start, upper.term_end)
        program = existing_program(draft, number=number, amends=amends)
        if program is not None and links["parent_program"] is not None:
            _check_not_below(program, links["parent_program"])
        if program is not None:
            changes.program(program.pk)
            if parent:
                if program.parent_program_id is not None:
                    changes.figures_of(program.parent_program_id)
                Program.objects.filter(pk=program.pk).update(**links)
            latest = program.current_version
            if latest is not None and latest.source_sha256 == digest:
                return _summary_of(program, latest, unchanged=True)
            summary = _Importer(draft, progress, recorded).amend(program, digest)
            _tell_bodies(program, summary)
            return summary
        chosen, derived = _number_for(draft, number)
        summary = _Importer(draft, progress, recorded).create(chosen, derived, digest)
        Program.objects.filter(number=chosen).update(**links)
        changes.program(Program.objects.get(number=chosen).pk)
        _tell_bodies(Program.objects.get(number=chosen), summary)
        return summary


def _tell_bodies(program: Program, summary: ImportSummary) -> None:
    """Which bodies the imported version gave tasks to (all of a new program's) or changed
    tasks for, by body: the tracking layer tells them (``signals.program_imported``)."""
    version = program.versions.filter(number=summary.version).first()
    if version is None or summary.unchanged:
        return
    tasks = program.tasks.filter(withdrawn_in__isnull=True)
    added = tasks if summary.version == 1 else tasks.filter(key__in=summary.added)
    changed = tasks.filter(key__in=summary.changed) if summary.version > 1 else tasks.none()
    owing = Q()
    for role in DOING_ROLES:
        owing |= Q(**{role: True})
    bodies: dict[int, list[int]] = {}
    for index, chosen in enumerate((added, changed)):
        rows = (
            Assignment.objects.filter(owing, task__in=chosen, organization__isnull=False)
            .values_list("organization_id", "task_id")
            .distinct()
        )
        for body, _task in rows:
            bodies.setdefault(body, [0, 0])[index] += 1
    program_imported.send(
        sender=Program, version=version, bodies={b: tuple(n) for b, n in bodies.items()}
    )


def _parent_links(parent: str | None, parent_task: str | None) -> dict[str, Any]:
    if parent is None:
        if parent_task:
            raise ProgramImportError("--parent-task cần --parent (số chương trình cấp trên)")
        return {"parent_program": None, "parent_task": None}
    upper = Program.objects.filter(number=parent).first()
    if upper is None:
        raise ProgramImportError(f"không có chương trình cấp trên số {parent}")
    task = None
    if parent_task:
        task = upper.tasks.filter(key=parent_task, withdrawn_in__isnull=True).first()
        if task is None:
            raise ProgramImportError(f"chương trình {parent} không có nhiệm vụ {parent_task}")
    return {"parent_program": upper, "parent_task": task}


def _check_not_below(program: Program, upper: Program) -> None:
    """A program cannot be put under itself or under a program below it."""
    seen: set[int] = set()
    at: Program | None = upper
    while at is not None and at.pk not in seen:
        if at.pk == program.pk:
            raise ProgramImportError(
                f"chương trình {upper.number} là chính chương trình này hoặc là chương trình"
                " cấp dưới của nó, không thể là chương trình cấp trên"
            )
        seen.add(at.pk)
        at = at.parent_program


def content_digest(draft: ProgramDraft) -> str:
    """A fingerprint of what the document says, not of its bytes or layout: the same program
    saved as .docx or .md, or with lines moved by a page break, is the same content."""
    data = draft.to_dict()
    data.pop("warnings", None)

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "line"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    canonical = json.dumps(strip(data), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def existing_program(
    draft: ProgramDraft, *, number: str | None, amends: str | None
) -> Program | None:
    """The program importing ``draft`` would write into: the one it amends, or the one of
    its number (given, read, or derived); None for a new program."""
    if amends:
        program = Program.objects.filter(number=amends).first()
        if program is None:
            raise ProgramImportError(f"không có chương trình số {amends} để điều chỉnh")
        return program
    wanted = number or draft.number
    if wanted:
        return Program.objects.filter(number=wanted).first()
    derived, _ = _derived_number(draft)
    return Program.objects.filter(number=derived).first()


def _number_for(draft: ProgramDraft, number: str | None) -> tuple[str, bool]:
    if number:
        return number, False
    if draft.number:
        return draft.number, False
    return _derived_number(draft)


def _derived_number(draft: ProgramDraft) -> tuple[str, bool]:
    """A stable number for a document that carries none: issuer, kind and date (or term).

    "CTHD-TINHUY-2020-2025" for the example: the same document always gets the same number,
    so importing it again finds the program. Another unnumbered program of the same issuer
    and term, with a different title, must not pass for an amendment of the first: it gets
    its title's fingerprint added.
    """
    base = _base_number(draft)
    taken = Program.objects.filter(number=base).first()
    if taken is None or fuzz.token_sort_ratio(fold(taken.title), fold(draft.title)) >= 90:
        return base, True
    return f"{base}-{hashlib.sha256(fold(draft.title).encode()).hexdigest()[:6]}", True


def _base_number(draft: ProgramDraft) -> str:
    issuer = re.sub(r"[^A-Z0-9]+", "", fold(draft.issuer or "KHONGRO").upper()) or "KHONGRO"
    kind = "".join(word[:1] for word in fold(draft.kind or "van ban").split()).upper()
    if draft.date:
        when = draft.date.strftime("%Y%m%d")
    elif draft.term:
        when = f"{draft.term[0]}-{draft.term[1]}"
    else:
        when = hashlib.sha256(fold(draft.title).encode()).hexdigest()[:8]
    return f"{kind}-{issuer}-{when}"


def _summary_of(program: Program, version: ProgramVersion, *, unchanged: bool) -> ImportSummary:
    tasks = program.tasks.filter(withdrawn_in__isnull=True)
    assignments = Assignment.objects.filter(task__in=tasks, organization__isnull=False)
    return ImportSummary(
        program=program.number,
        version=version.number,
        number_derived=program.number_derived,
        unchanged=unchanged,
        sections=program.sections.count(),
        tasks=tasks.count(),
        assignments=assignments.count(),
        occurrences=Occurrence.objects.filter(assignment__in=assignments)
        .exclude(status=Occurrence.Status.WITHDRAWN)
        .count(),
        unresolved=sorted(
            {a.organization.name for a in assignments.filter(organization__unresolved=True)}
        ),
        warnings=list(version.warnings),
    )


class _Importer:
    """One import: the draft, the version being written, and the names resolved so far."""

    def __init__(
        self,
        draft: ProgramDraft,
        progress: Callable[[str], None] | None,
        recorded: dict[str, Any] | None = None,
    ) -> None:
        self.draft = draft
        self.recorded = recorded or {"source_name": ""}
        self.progress = progress or (lambda message: None)
        self.warnings: list[str] = [
            f"dòng {w.line}: {w.message}" if w.line else w.message for w in draft.warnings
        ]
        self.resolved: dict[tuple[str, str | None], Organization | OrgGroup] = {}
        self.unresolved: set[str] = set()
        # The day the document speaks for: the date of a new program, the day an amendment
        # takes effect. Names are read as of it; None: as written (an undated new program).
        self.day: dt.date | None = None
        self.withdrawal_day: dt.date = timezone.localdate()
        self._successions: Successions | None = None
        self._succession_of: dict[int, Succession | None] = {}
        self._renamed: dict[int, tuple[Succession, dict[str, None]]] = {}

    # ---- first import ----

    def create(self, number: str, derived: bool, digest: str) -> ImportSummary:
        draft = self.draft
        self.day = draft.date
        issuer = self._resolve(draft.issuer, None) if draft.issuer else None
        program = Program.objects.create(
            number=number,
            number_derived=derived,
            title=draft.title or self.recorded["source_name"] or number,
            kind=draft.kind or "",
            issuer=issuer if isinstance(issuer, Organization) else None,
            issuer_name=draft.issuer or "",
            date=draft.date,
            resolution=draft.resolution or "",
            term_start=draft.term[0] if draft.term else None,
            term_end=draft.term[1] if draft.term else None,
            signer=draft.signer.to_dict(),
            preamble=draft.preamble,
            recipients=draft.recipients,
        )
        if not draft.term:
            self.warnings.append(
                "Văn bản không ghi nhiệm kỳ: các kỳ định kỳ chỉ tính trong năm đầu."
            )
        version = self._version(program, 1, digest)
        sections = self._sections(program)
        for position, item in enumerate(draft.tasks):
            task = Task(program=program, added_in=version, position=position)
            self._fill(task, item, sections)
            task.save()
            self._assign(task, item)
            if (position + 1) % PROGRESS_EVERY == 0:
                self.progress(f"Đã lưu {position + 1}/{len(draft.tasks)} nhiệm vụ")
        self._references(program)
        summary = self._finish(program, version)
        summary.added = [t.id for t in draft.tasks]
        return summary

    # ---- amendments ----

    def amend(self, program: Program, digest: str) -> ImportSummary:
        self.day = self.withdrawal_day = _amendment_day(self.draft, program)
        self._update_header(program)
        latest = program.current_version
        version = self._version(program, (latest.number if latest else 0) + 1, digest)
        sections = self._sections(program)
        old = list(program.tasks.filter(withdrawn_in__isnull=True))
        pairs = match_tasks(old, self.draft.tasks)
        added, removed, changed = [], [], []
        matched_old = set()
        for position, item in enumerate(self.draft.tasks):
            task = pairs.get(position)
            if task is None:
                task = Task(program=program, added_in=version, position=position)
                self._fill(task, item, sections)
                task.save()
                self._assign(task, item)
                added.append(item.id)
                continue
            matched_old.add(task.pk)
            before = _task_signature(task)
            task.position = position
            self._fill(task, item, sections)
            if _task_signature(task) != before or self._assignments_differ(task, item):
                task.changed_in = version
                changed.append(item.id)
            task.save()
            self._reassign(task, item)
        for task in old:
            if task.pk not in matched_old:
                task.withdrawn_in = version
                task.save(update_fields=["withdrawn_in"])
                Occurrence.objects.filter(
                    assignment__task=task, status=Occurrence.Status.OPEN
                ).update(status=Occurrence.Status.WITHDRAWN, withdrawn_on=self.withdrawal_day)
                removed.append(task.key)
        self._references(program)
        summary = self._finish(program, version)
        summary.added, summary.removed, summary.changed = added, removed, changed
        return summary

    def _update_header(self, program: Program) -> None:
        """What the amended document says about itself replaces what the last one said;
        the number stays (it is the program's identity)."""
        draft = self.draft
        program.title = draft.title or program.title
        program.kind = draft.kind or program.kind
        program.date = draft.date or program.date
        program.resolution = draft.resolution or program.resolution
        if draft.term:
            program.term_start, program.term_end = draft.term
        program.signer = draft.signer.to_dict()
        program.preamble = draft.preamble
        program.recipients = draft.recipients
        program.save()

    def _assignments_differ(self, task: Task, item: TaskDraft) -> bool:
        """Whether the bodies named on the task, with their roles, differ from the stored
        ones. A body named twice is one row with both roles, as ``_assign`` makes it; the
        rows of a body that no longer exists are history, not what the task asks now."""
        current: dict[tuple[int | None, int | None], set[str]] = {}
        rows = task.assignments.filter(via_group__isnull=True, active_to__isnull=True)
        for a in rows.select_related("organization"):
            if a.organization is None or self._succession(a.organization) is None:
                current.setdefault((a.organization_id, a.group_id), set()).update(a.roles)
        wanted: dict[tuple[int | None, int | None], set[str]] = {}
        for entry in item.assignments:
            target = self._resolve(entry.org, entry.id)
            roles = {r for r in ROLE_FIELDS if r in entry.roles}
            if isinstance(target, OrgGroup):
                wanted.setdefault((None, target.pk), set()).update(roles)
                continue
            for body, _ in self._carriers(target, task):
                wanted.setdefault((body.pk, None), set()).update(roles)
        return current != wanted

    def _reassign(self, task: Task, item: TaskDraft) -> None:
        """A matched task's bodies and occurrences brought up to the new version: what the
        new version no longer asks is withdrawn (kept), what it newly asks is added.

        Only the work of bodies that still exist can be taken back: the rows a reorganisation
        ended, or of a body it ended, keep what they owed until then (their history), and a
        successor's rows are the reorganisation's to decide."""
        keep: set[int] = set()
        for assignment in self._assign(task, item, reuse=True):
            keep.add(assignment.pk)
        candidates = (
            task.assignments.exclude(pk__in=keep)
            .filter(transferred_from__isnull=True, active_to__isnull=True)
            .select_related("organization")
        )
        stale = [
            a.pk
            for a in candidates
            if a.organization is None or self._succession(a.organization) is None
        ]
        Occurrence.objects.filter(assignment__in=stale, status=Occurrence.Status.OPEN).update(
            status=Occurrence.Status.WITHDRAWN, withdrawn_on=self.withdrawal_day
        )

    # ---- shared steps ----

    def _version(self, program: Program, number: int, digest: str) -> ProgramVersion:
        return ProgramVersion.objects.create(
            program=program, number=number, source_sha256=digest, **self.recorded
        )

    def _sections(self, program: Program) -> dict[str, Section]:
        existing = {s.number: s for s in program.sections.all()}
        for position, item in enumerate(self.draft.sections):
            section = existing.get(item.number) or Section(program=program, number=item.number)
            section.title = item.title
            section.position = position
            section.text = item.text
            section.parent = existing.get(item.parent) if item.parent else None
            section.save()
            existing[item.number] = section
        return existing

    def _fill(self, task: Task, item: TaskDraft, sections: dict[str, Section]) -> None:
        task.key = item.id
        task.section = sections.get(item.section)
        task.text = item.text
        task.time = item.time.to_dict()
        task.time_text = item.time.text[:500]
        task.time_kind = item.time.kind
        task.needs_time = item.time.kind == "unknown"
        task.milestones = [m.to_dict() for m in item.milestones]
        task.product = (item.product or "")[:500]
        task.line = item.line

    def _resolve(self, name: str, code: str | None) -> Organization | OrgGroup:
        key = (fold(name), code)
        target = self.resolved.get(key)
        if target is None:
            target = self.resolved[key] = resolve_name(name=name, code=code)
        if isinstance(target, Organization) and target.unresolved:
            self.unresolved.add(target.name)
        return target

    def _assign(self, task: Task, item: TaskDraft, *, reuse: bool = False) -> list[Assignment]:
        """The task's assignments: each body named, each group named (a row of its own, the
        source), and each member of a group with fixed members for the doing roles. A body
        a reorganisation ended before the document's day stands for its successors.

        Reusing, a body's current row comes first; else its row a reorganisation ended, so
        that a name read as the old body does not give it a second, owing row."""
        rows: dict[tuple[str, int], Assignment] = {}
        existing: dict[tuple[str, int], Assignment] = {}
        if reuse:
            ordered = task.assignments.order_by(F("active_to").desc(nulls_first=True), "pk")
            for assignment in ordered:
                existing.setdefault(_row_key(assignment), assignment)
        on = self.day or self._program_day()
        for entry in item.assignments:
            target = self._resolve(entry.org, entry.id)
            roles = set(entry.roles)
            if isinstance(target, OrgGroup):
                self._row(rows, existing, task, ("group", target.pk), entry, roles, group=target)
                if target.unnamed:
                    continue
                member_roles = (roles & set(DOING_ROLES)) or roles
                for member in target.all_members(on=on):
                    for body, since in self._carriers(member, task):
                        self._row(
                            rows, existing, task, ("org", body.pk), entry, member_roles,
                            organization=body, via=target, since=since,
                        )  # fmt: skip
            else:
                for body, since in self._carriers(target, task):
                    self._row(
                        rows, existing, task, ("org", body.pk), entry, roles,
                        organization=body, since=since,
                    )  # fmt: skip
        saved = list(rows.values())
        for assignment in saved:
            assignment.save()
        for assignment in owing(saved):
            self._occurrences(task, assignment)
        lead, needs_lead = choose_lead(saved)
        if (task.lead, task.needs_lead) != (lead, needs_lead):
            task.lead, task.needs_lead = lead, needs_lead
            task.save(update_fields=["lead", "needs_lead"])
        return saved

    def _row(
        self, rows, existing, task, key, entry, roles, *, organization=None, group=None, via=None,
        since=None,
    ):  # fmt: skip
        """``since``: a successor standing for a body named as it was before a
        reorganisation owes, on a new row, only from the reorganisation's date."""
        row = rows.get(key)
        if row is None:
            row = existing.get(key) or Assignment(task=task, active_from=since)
            for role in ROLE_FIELDS:
                setattr(row, role, False)
            row.organization, row.group = organization, group
            row.via_group = via
            row.written = entry.written[:400]
            row.inferred = entry.inferred
            rows[key] = row
        else:
            if row.pk is None and since is None:
                row.active_from = None  # also named as itself: it owes the whole task
            if via is None:
                row.via_group = None  # named on the task itself as well as through a group
                row.written = entry.written[:400]
        for role in roles:
            setattr(row, role, True)
        return row

    def _occurrences(self, task: Task, assignment: Assignment) -> None:
        """The assignment's periods brought up to the task's time (``sync_occurrences``)."""
        sync_occurrences(
            assignment, task_periods(task), withdrawal_day=self.withdrawal_day,
            taken_over=self._owed_by_predecessors(task, assignment),
        )  # fmt: skip

    # ---- reorganised bodies ----

    def _successions_loaded(self) -> Successions:
        if self._successions is None:
            self._successions = Successions()
        return self._successions

    def _succession(self, organization: Organization) -> Succession | None:
        """What became of a body no longer valid on the document's day (None: nothing, it is
        valid, or no reorganisation records it). Only such bodies cost a look-up."""
        day = self.day
        if day is None or organization.valid_to is None or organization.valid_to >= day:
            return None
        if organization.pk not in self._succession_of:
            self._succession_of[organization.pk] = self._successions_loaded().on(organization, day)
        return self._succession_of[organization.pk]

    def _carriers(
        self, organization: Organization, task: Task
    ) -> list[tuple[Organization, dt.date | None]]:
        """The bodies that owe what the document gives ``organization`` on ``task``, each with
        the date it owes from (None: as the task says). The body itself; or, when a
        reorganisation ended it before the document's day, its successors from that
        reorganisation's date (none: abolished without successor), noted for the warnings."""
        succession = self._succession(organization)
        if succession is None:
            return [(organization, None)]
        _, keys = self._renamed.setdefault(organization.pk, (succession, {}))
        keys[task.key] = None
        return [(body, succession.since) for body in succession.successors]

    def _owed_by_predecessors(self, task: Task, assignment: Assignment) -> set[tuple]:
        return owed_by_predecessors(task, assignment, self._successions_loaded())

    def _renamed_warnings(self) -> list[str]:
        """One line per old name the document used: what became of the body, and where its
        work went (Vietnamese, for the office)."""
        lines = []
        ordered = sorted(self._renamed.values(), key=lambda item: item[0].body.name_key)
        for succession, keys in ordered:
            tasks = _task_list(list(keys))
            if succession.successors:
                names = ", ".join(body.name for body in succession.successors)
                lines.append(f"{succession.describe()}, giao cho {names}: {tasks}.")
            else:
                lines.append(
                    f"{succession.describe()}, không có cơ quan kế thừa: phần việc văn bản"
                    f" giao cho cơ quan này không giao cho cơ quan nào ({tasks}); cần xem lại."
                )
        return lines

    def _program_day(self) -> dt.date | None:
        if self.draft.date:
            return self.draft.date
        if self.draft.term:
            return dt.date(self.draft.term[0], 12, 31)
        return None

    def _references(self, program: Program) -> None:
        program.references.all().delete()
        Reference.objects.bulk_create(
            Reference(
                program=program, type=r.type, number=r.number or "", date=r.date, text=r.text[:400]
            )
            for r in self.draft.references
        )

    def _finish(self, program: Program, version: ProgramVersion) -> ImportSummary:
        self.warnings.extend(self._renamed_warnings())
        for task in program.tasks.filter(withdrawn_in__isnull=True):
            if not owing(list(task.assignments.all())):
                self.warnings.append(f"Nhiệm vụ {task.key} không có cơ quan nào phải báo cáo.")
            if task.needs_time:
                self.warnings.append(
                    f"Nhiệm vụ {task.key} cần đặt thời hạn (không hiểu thời gian)."
                )
        version.warnings = self.warnings
        summary = _summary_of(program, version, unchanged=False)
        summary.unresolved = sorted(self.unresolved)
        version.summary = summary.to_dict()
        version.save(update_fields=["summary", "warnings"])
        return summary


def task_periods(task: Task) -> list[Period]:
    """The periods the task's time (and milestones) give, as its program counts them: its
    term, its date, its reporting cycle (``theodoi.programs.occurrences.periods_for``)."""
    program = task.program
    term = (program.term_start, program.term_end) if program.term_start else None
    return periods_for(
        task.time, task.milestones, term=term, program_date=program.date,
        cycle=program.reporting_cycle,
    )  # fmt: skip


def sync_occurrences(
    assignment: Assignment,
    periods: list[Period],
    *,
    withdrawal_day: dt.date,
    taken_over: set[tuple] | frozenset[tuple] = frozenset(),
    from_day: dt.date | None = None,
    reopen: bool = False,
) -> None:
    """An assignment's occurrences brought up to ``periods``: those it does not owe yet are
    added, less the ones a body whose work it took over still holds (``taken_over``: a
    successor does not owe a period twice) and those due outside the time it owes work (its
    row's dates, its body's); open ones the periods no longer give are withdrawn from
    ``withdrawal_day`` (kept, with their reports). A period is (due date, label): one per
    assignment.

    An import passes the document's periods as they are. An office amendment
    (``theodoi.programs.amendments``) speaks from its day only: ``from_day`` leaves out new
    periods due before it, and ``reopen`` gives back a period the assignment held before and
    that was withdrawn (the same row, with whatever was reported on it) instead of a second
    one."""
    rows = assignment.occurrences.all()
    if not reopen:
        rows = rows.exclude(status=Occurrence.Status.WITHDRAWN)
    existing = list(rows) if assignment.pk else []
    current = {
        (o.due_date, o.label): o for o in existing if o.status != Occurrence.Status.WITHDRAWN
    }
    withdrawn: dict[tuple, Occurrence] = {}
    for o in existing:  # the latest withdrawn row of a period, if it comes back
        if o.status == Occurrence.Status.WITHDRAWN:
            last_seen = withdrawn.get((o.due_date, o.label))
            if last_seen is None or o.pk > last_seen.pk:
                withdrawn[(o.due_date, o.label)] = o
    first, last = _owing_window(assignment)
    wanted = set()
    new = []
    for period in periods:
        key = (period.due, period.label)
        wanted.add(key)
        if key in current or key in taken_over:
            continue
        if (first and period.due < first) or (last and period.due > last):
            continue
        if from_day is not None and period.due < from_day:
            continue
        again = withdrawn.get(key)
        if again is not None:
            again.status, again.withdrawn_on = Occurrence.Status.OPEN, None
            again.save(update_fields=["status", "withdrawn_on"])
            continue
        new.append(
            Occurrence(
                assignment=assignment, period_start=period.start, due_date=period.due,
                label=period.label[:120], source=period.source, scope=period.scope[:300],
            )
        )  # fmt: skip
    Occurrence.objects.bulk_create(new)
    for key, occurrence in current.items():
        if key not in wanted and occurrence.status == Occurrence.Status.OPEN:
            occurrence.status = Occurrence.Status.WITHDRAWN
            occurrence.withdrawn_on = withdrawal_day
            occurrence.save(update_fields=["status", "withdrawn_on"])


def owed_by_predecessors(
    task: Task, assignment: Assignment, successions: Successions
) -> set[tuple]:
    """The periods of ``task`` due after a body whose work the assignment's body took over
    ended, that the old body still holds: done early (a split's successors must not owe them
    again) or open. What fell due while the old body existed was its own."""
    if assignment.organization_id is None:
        return set()
    before = successions.predecessors(assignment.organization_id)
    if not before:
        return set()
    return set(
        Occurrence.objects.filter(
            assignment__task=task,
            assignment__organization_id__in=before,
            due_date__gt=F("assignment__organization__valid_to"),
        )
        .exclude(status=Occurrence.Status.WITHDRAWN)
        .values_list("due_date", "label")
    )


def _amendment_day(draft: ProgramDraft, program: Program) -> dt.date:
    """The day an amendment takes effect: the date it was adopted; else, or when its date is
    not after the date of the program it amends (a copy whose date was not updated says
    nothing about when it was adopted), the day it is imported, in the project's time zone."""
    if draft.date and (program.date is None or draft.date > program.date):
        return draft.date
    return timezone.localdate()


def _owing_window(assignment: Assignment) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day an assignment owes work: its own dates (a successor's row
    starts on the reorganisation's date) within its body's life."""
    body = assignment.organization
    starts = [d for d in (assignment.active_from, body and body.valid_from) if d]
    ends = [d for d in (assignment.active_to, body and body.valid_to) if d]
    return (max(starts) if starts else None, min(ends) if ends else None)


def _task_list(keys: list[str], limit: int = 10) -> str:
    shown = ", ".join(keys[:limit])
    more = f" và {len(keys) - limit} nhiệm vụ khác" if len(keys) > limit else ""
    return f"nhiệm vụ {shown}{more}"


def owing(assignments: list[Assignment]) -> list[Assignment]:
    """The assignments that owe work, and so get occurrences: bodies that advise, implement,
    lead or coordinate. When a task names no such body (its doers are unnamed: "các cơ quan
    thông tin đại chúng", "cấp ủy các cấp"), the bodies that direct or issue it answer for
    it, so no task is left with nobody to report."""
    doers = [a for a in assignments if a.owes_work and a.active_to is None]
    if doers:
        return doers
    return [a for a in assignments if a.organization_id is not None and a.active_to is None]


def choose_lead(assignments: list[Assignment]) -> tuple[Organization | None, bool]:
    """The task's one lead body (chủ trì), and whether the office must designate it.

    The body the document says leads ("X chủ trì"); else the only body it names to carry the
    task out (advise, implement); else none, and the task is flagged: several bodies, or
    only the members of a group, with no lead named.
    """
    named = [a for a in assignments if a.organization_id is not None and a.active_to is None]
    leads = [a for a in named if a.leads]
    if len(leads) == 1:
        return leads[0].organization, False
    if leads:
        return None, True
    doers = [a for a in named if a.via_group_id is None and (a.advises or a.implements)]
    if len(doers) == 1 and not any(a.via_group_id for a in named):
        return doers[0].organization, False
    if not doers and not any(a.via_group_id for a in named):
        directing = [a for a in named if a.directs or a.issues]
        if len(directing) == 1:
            return directing[0].organization, False
    return None, True


def _row_key(assignment: Assignment) -> tuple[str, int]:
    if assignment.organization_id is not None:
        return ("org", assignment.organization_id)
    return ("group", assignment.group_id)


def _task_signature(task: Task) -> tuple:
    return (task.section_id, task.text, json.dumps(task.time, sort_keys=True), task.product,
            json.dumps(task.milestones, sort_keys=True))  # fmt: skip


def match_tasks(old: list[Task], new: list[TaskDraft]) -> dict[int, Task]:
    """Which new task (by position) is which old task. Same section and the same text first;
    then the most similar text in the same section; then a near-identical text elsewhere.
    Each old task matches at most one new task."""
    pairs: dict[int, Task] = {}
    free = {task.pk: task for task in old}
    folded_old = {task.pk: fold(task.text) for task in old}
    folded_new = [fold(item.text) for item in new]
    section_of = {task.pk: task.section.number if task.section else "" for task in old}

    by_text: dict[tuple[str, str], list[int]] = {}
    for task in old:
        by_text.setdefault((section_of[task.pk], folded_old[task.pk]), []).append(task.pk)
    for position, item in enumerate(new):
        same = by_text.get((item.section, folded_new[position]))
        if same:
            pairs[position] = free.pop(same.pop(0))
    for same_section, threshold in ((True, SAME_TASK_IN_SECTION), (False, SAME_TASK_ELSEWHERE)):
        candidates = []
        for position, item in enumerate(new):
            if position in pairs:
                continue
            for pk in free:
                if (section_of[pk] == item.section) != same_section:
                    continue
                score = fuzz.token_sort_ratio(folded_old[pk], folded_new[position])
                if score >= threshold:
                    candidates.append((score, position, pk))
        for _, position, pk in sorted(candidates, reverse=True):
            if position not in pairs and pk in free:
                pairs[position] = free.pop(pk)
    return pairs


def planned(
    draft: ProgramDraft, *, number: str | None = None, amends: str | None = None
) -> tuple[Program | None, str]:
    """What importing ``draft`` would touch, without writing: the program it amends (None:
    a new one) and the number it has or will get. Raises ProgramImportError as the import
    would."""
    program = existing_program(draft, number=number, amends=amends)
    return program, program.number if program is not None else _number_for(draft, number)[0]

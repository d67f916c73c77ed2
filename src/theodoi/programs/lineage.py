"""Which task of the parent program each task of a lower-level program implements.

A lower-level program (a district committee's, a party delegation's) is imported under its
parent (``Program.parent_program``, and ``Program.parent_task``: the parent's task that asks
bodies to build their programs, B.II.1 in the example). Each of its tasks is then linked to
the parent task it implements (``Task.parent_task``), in this order:

- Stated by the document: a parenthesis that names the parent's task or section by the key
  theodoi shows for it (the parent's section numbers joined with dots; "/2" the second task
  of a section): "(nhiệm vụ B.III.1.2/1 Chương trình hành động của Tỉnh ủy)" names a task
  and is taken as written (``ParentLink.DOCUMENT``); "(mục B.III.1.4 ...)" (or "điểm",
  "tiểu mục") names a section, and the task in it (or below it) whose text is closest is
  taken (``ParentLink.SECTION``; the only task of a section is taken as stated).
- Otherwise proposed by text similarity over the whole parent program (``similarity``, 0-100,
  on the texts folded as search folds them: no diacritics, lower case), after the words that
  name the level ("Tỉnh ủy", "Huyện ủy", "tỉnh", "huyện") are made the same, since a
  district's task restates the province's for the district. A score of ``THRESHOLD`` or more
  is taken (``ParentLink.SIMILARITY``); below it the task stays unlinked and is reported,
  with the closest parent tasks, for a person to decide.
- A person's choice (the import page, ``theodoi import --link``) wins over both and is kept
  when the program is imported again (``ParentLink.PERSON``).

``propose`` reads only (it works on a document not yet imported: the import page's preview);
``link_tasks`` writes, and is called inside the import's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from theodoi.orgs.models import Organization
from theodoi.parsing.text import fold_keep_offsets, nfc

from .models import ParentLink, Program, Section, Task
from .search import words

__all__ = [
    "CANDIDATES",
    "THRESHOLD",
    "Candidate",
    "LineageError",
    "LinkResult",
    "Proposal",
    "comparable",
    "example_district",
    "issuing_tasks",
    "link_lower_program",
    "link_tasks",
    "propose",
    "similarity",
    "stated_reference",
    "suggest_parent_task",
]

# A proposal by text similarity at or above this score is taken without asking. On the sample
# district program the right parent tasks score 78-90; a restatement in other words scores 65,
# a task with no counterpart (the district office's monitoring duty) 63.
THRESHOLD = 70
# How many parent tasks the import page offers for each task.
CANDIDATES = 5

# "(nhiệm vụ B.III.1.2/1 Chương trình hành động của Tỉnh ủy)", "(mục B.III.1.4 ...)", matched
# on the folded text (same length as the original, so offsets carry over).
_STATED = re.compile(
    r"\((?:[^()]*?\s)?(?P<what>nhiem vu|tieu muc|muc|diem)\s+(?:so\s+)?"
    r"(?P<key>[a-z0-9]+(?:\.[a-z0-9]+)+(?:/\d+)?)(?=[\s,;.)])[^()]*\)"
)
# Level words: a district's task restates a province's task for the district.
_LEVEL_BODY = re.compile(r"\b(?:tỉnh|huyện|thị|thành)\s+ủy\b", re.IGNORECASE)
_LEVEL = re.compile(r"\b(?:tỉnh|huyện|thị xã|thành phố)\b", re.IGNORECASE)
# A task that asks bodies to build their own programs (B.II.1 of the example); personal
# action plans (B.II.2) are another matter.
_ISSUING = re.compile(
    r"\b(?:xay dung|ban hanh)\s+(?:cac\s+)?(?:chuong trinh|ke hoach)\s+hanh dong\b"
)
_PERSONAL = re.compile(r"\bca nhan\b")


def example_district() -> tuple[Path, Path]:
    """The bundled sample lower-level program (Huyện ủy Bình Sơn's, under the example) and
    the registry supplement with the district's bodies, to load before importing it."""
    data = Path(__file__).resolve().parent.parent / "data"
    return (
        data / "examples" / "binh-son-chuong-trinh-hanh-dong-xx.md",
        data / "orgs" / "quang-ngai-binh-son-2020.toml",
    )


class LineageError(ValueError):
    """A link that cannot be made; the message says why, for a person."""


@dataclass(frozen=True)
class Candidate:
    """A parent task offered for a task, with how close its text is (0-100)."""

    pk: int
    key: str
    text: str
    score: int


@dataclass
class Proposal:
    """What theodoi proposes for one task of the lower-level program."""

    key: str
    text: str
    stated: str = ""  # the reference as the document writes it ("nhiệm vụ B.II.1"), or ""
    how: str = ""  # a ParentLink value when a parent is proposed, "" when none is
    parent: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)
    problem: str = ""  # a stated key the parent program does not have

    @property
    def linked(self) -> bool:
        return self.parent is not None

    @property
    def decided(self) -> bool:
        """Linked, or left without a parent task by a person's choice."""
        return self.parent is not None or self.how == ParentLink.PERSON


@dataclass
class LinkResult:
    """What ``link_tasks`` did: each task's proposal as applied, and which were left;
    ``link_lower_program`` adds the program's parent task and whether theodoi chose it."""

    proposals: list[Proposal] = field(default_factory=list)
    parent_task: Task | None = None
    parent_task_suggested: bool = False
    threshold: int = THRESHOLD

    def counts(self) -> dict[str, int]:
        """How many tasks were decided each way (a person's "no parent task" counts as the
        person's), and how many are left for a person to decide ("unlinked")."""
        found = {how.value: 0 for how in ParentLink}
        for proposal in self.proposals:
            if proposal.decided:
                found[proposal.how] += 1
        found["unlinked"] = len(self.unlinked)
        return found

    @property
    def linked(self) -> list[Proposal]:
        return [p for p in self.proposals if p.linked]

    @property
    def unlinked(self) -> list[Proposal]:
        """The tasks nobody decided: no parent task stated or close enough, no choice."""
        return [p for p in self.proposals if not p.decided]

    def warnings(self) -> list[str]:
        """One line per task left unlinked or stated wrongly (Vietnamese, for the office)."""
        lines = []
        for proposal in self.proposals:
            if proposal.problem:
                lines.append(f"Nhiệm vụ {proposal.key}: {proposal.problem}")
            if proposal.decided:
                continue
            best = proposal.candidates[0] if proposal.candidates else None
            if best is None:
                lines.append(f"Nhiệm vụ {proposal.key}: chưa gắn nhiệm vụ cấp trên.")
            else:
                lines.append(
                    f"Nhiệm vụ {proposal.key}: chưa gắn nhiệm vụ cấp trên (gần nhất: {best.key},"
                    f" độ giống {best.score}/100, dưới ngưỡng {self.threshold}); gắn bằng"
                    f" --link {proposal.key}=MÃ hoặc ở trang Nhập văn bản."
                )
        return lines


def similarity(first: str, second: str, **_: object) -> float:
    """How alike two comparable texts are, 0-100: the mean of rapidfuzz's ``token_set_ratio``
    (the words they share, whatever the order) and ``ratio`` (the whole texts). The first
    alone gives a short task whose words all occur in a long one 85 and more (a monitoring
    duty against the province's B.II.3); the second alone punishes a restatement in other
    words. ``**_``: what rapidfuzz passes a scorer (``score_cutoff``...), unused."""
    return (fuzz.token_set_ratio(first, second) + fuzz.ratio(first, second)) / 2


def comparable(text: str) -> str:
    """A task's text as similarity compares it: stated references cut out, level words made
    the same, folded into words as search folds them (``search.words``)."""
    text = nfc(text or "")
    for match in reversed(list(_STATED.finditer(fold_keep_offsets(text)))):
        text = text[: match.start()] + text[match.end() :]
    text = _LEVEL_BODY.sub("cấp ủy", text)
    text = _LEVEL.sub("địa phương", text)
    return " ".join(words(text))


def stated_reference(text: str) -> tuple[str, str, str] | None:
    """The first reference the text makes to a parent task or section: (kind, key, as
    written), kind "task" or "section"; None when it makes none."""
    text = nfc(text or "")
    match = _STATED.search(fold_keep_offsets(text))
    if match is None:
        return None
    kind = "task" if match["what"] == "nhiem vu" else "section"
    written = text[match.start("what") : match.end("key")]
    return kind, match["key"], written


class _Parent:
    """The parent program's live tasks and sections, read once, keyed for look-ups."""

    def __init__(self, program: Program) -> None:
        self.tasks = list(program.tasks.filter(withdrawn_in__isnull=True))
        self.by_key = {task.key.casefold(): task for task in self.tasks}
        self.by_pk = {task.pk: task for task in self.tasks}
        self.texts = {task.pk: comparable(task.text) for task in self.tasks}
        sections = list(Section.objects.filter(program=program))
        self.section_by_number = {s.number.casefold(): s for s in sections}
        self.children: dict[int | None, list[int]] = {}
        for section in sections:
            self.children.setdefault(section.parent_id, []).append(section.pk)

    def below(self, section: Section) -> list[Task]:
        ids, stack = set(), [section.pk]
        while stack:
            pk = stack.pop()
            if pk not in ids:
                ids.add(pk)
                stack.extend(self.children.get(pk, ()))
        return [task for task in self.tasks if task.section_id in ids]

    def ranked(self, text: str, among: list[Task] | None = None) -> list[Candidate]:
        pool = self.tasks if among is None else among
        choices = {task.pk: self.texts[task.pk] for task in pool}
        found = process.extract(comparable(text), choices, scorer=similarity, limit=CANDIDATES)
        by_pk = {task.pk: task for task in pool}
        ranked = [
            Candidate(pk=pk, key=by_pk[pk].key, text=by_pk[pk].text, score=round(score))
            for _, score, pk in found
        ]
        # Equal scores: document order, so the answer never depends on the database.
        position = {task.pk: task.position for task in pool}
        return sorted(ranked, key=lambda c: (-c.score, position[c.pk]))

    def candidate(self, task: Task, score: int = 100) -> Candidate:
        return Candidate(pk=task.pk, key=task.key, text=task.text, score=score)


def propose(
    *, tasks: Sequence[tuple[str, str]], parent: Program, threshold: int = THRESHOLD
) -> list[Proposal]:
    """For each (key, text) of a lower-level program's tasks, the parent task it implements:
    stated by the document, or the closest text at ``threshold`` or above, or none; with the
    closest parent tasks as candidates either way (for a person to choose from)."""
    upper = _Parent(parent)
    return [_propose_one(key, text, upper, threshold) for key, text in tasks]


def _propose_one(key: str, text: str, upper: _Parent, threshold: int) -> Proposal:
    proposal = Proposal(key=key, text=text)
    proposal.candidates = upper.ranked(text)
    reference = stated_reference(text)
    if reference is not None:
        kind, stated_key, written = reference
        proposal.stated = written
        target = upper.by_key.get(stated_key) if kind == "task" else None
        section = upper.section_by_number.get(stated_key)
        if target is None and section is None:
            target = upper.by_key.get(stated_key)  # "mục B.II.1" naming a prose task
        if target is not None:
            proposal.parent, proposal.how = upper.candidate(target), ParentLink.DOCUMENT
            return proposal
        within = upper.below(section) if section is not None else []
        if len(within) == 1:
            proposal.parent, proposal.how = upper.candidate(within[0]), ParentLink.DOCUMENT
            return proposal
        if within:
            ranked = upper.ranked(text, within)
            proposal.parent, proposal.how = ranked[0], ParentLink.SECTION
            proposal.candidates = _merge(ranked, proposal.candidates)
            return proposal
        proposal.problem = _(
            "văn bản ghi “%(written)s” nhưng chương trình cấp trên không có nhiệm vụ hay mục này."
        ) % {"written": written}
    best = proposal.candidates[0] if proposal.candidates else None
    if best is not None and best.score >= threshold:
        proposal.parent, proposal.how = best, ParentLink.SIMILARITY
    return proposal


def _merge(first: list[Candidate], then: list[Candidate]) -> list[Candidate]:
    seen = {c.pk for c in first}
    return (first + [c for c in then if c.pk not in seen])[: max(CANDIDATES, len(first))]


@transaction.atomic
def link_tasks(
    *,
    program: Program,
    chosen: Mapping[str, str | None] | None = None,
    threshold: int = THRESHOLD,
) -> LinkResult:
    """Link each live task of ``program`` to the parent task it implements (see the module's
    docstring). ``chosen`` maps a task's key to the parent task key a person chose for it
    (None or "": no parent task); those win and are kept at later imports.

    A program with no parent program has its links cleared. Raises LineageError, writing
    nothing, for a chosen key that is not a task of the program or of its parent."""
    chosen = dict(chosen or {})
    tasks = list(program.tasks.filter(withdrawn_in__isnull=True).order_by("position"))
    keys = {task.key for task in tasks}
    unknown = sorted(set(chosen) - keys)
    if unknown:
        raise LineageError(
            _("chương trình %(number)s không có nhiệm vụ %(keys)s")
            % {"number": program.number, "keys": ", ".join(unknown)}
        )
    parent = program.parent_program
    if parent is None:
        for task in tasks:
            _save_link(task, None, "", None)
        return LinkResult()
    upper = _Parent(parent)
    result = LinkResult(threshold=threshold)
    for key, value in chosen.items():
        if value and value.casefold() not in upper.by_key:
            raise LineageError(
                _("chương trình cấp trên %(number)s không có nhiệm vụ %(key)s (gắn cho %(task)s)")
                % {"number": parent.number, "key": value, "task": key}
            )
    for task in tasks:
        if task.key in chosen:
            value = chosen[task.key]
            target = upper.by_key[value.casefold()] if value else None
            proposal = Proposal(key=task.key, text=task.text, how=ParentLink.PERSON)
            proposal.parent = upper.candidate(target) if target else None
            _save_link(task, target, ParentLink.PERSON, None)
        elif task.parent_link == ParentLink.PERSON and _still_stands(task, upper):
            target = upper.by_pk.get(task.parent_task_id)
            proposal = Proposal(key=task.key, text=task.text, how=ParentLink.PERSON)
            proposal.parent = upper.candidate(target) if target else None
        else:
            proposal = _propose_one(task.key, task.text, upper, threshold)
            target = upper.by_pk[proposal.parent.pk] if proposal.parent else None
            score = (
                proposal.parent.score if proposal.how != ParentLink.DOCUMENT and target else None
            )
            _save_link(task, target, proposal.how, score)
        result.proposals.append(proposal)
    return result


@transaction.atomic
def link_lower_program(
    *,
    program: Program,
    chosen: Mapping[str, str | None] | None = None,
    threshold: int = THRESHOLD,
) -> LinkResult:
    """After a lower-level program is imported: its parent task, when the import named none
    and one is clear (``suggest_parent_task``), then each task's link (``link_tasks``)."""
    suggested = False
    if program.parent_program_id is not None and program.parent_task_id is None:
        found = suggest_parent_task(parent=program.parent_program, issuer=program.issuer)
        if found is not None:
            program.parent_task = found
            program.save(update_fields=["parent_task"])
            suggested = True
    result = link_tasks(program=program, chosen=chosen, threshold=threshold)
    result.parent_task = program.parent_task if program.parent_program_id else None
    result.parent_task_suggested = suggested
    return result


def _still_stands(task: Task, upper: _Parent) -> bool:
    """A person's choice still stands: "no parent task", or a live task of the parent."""
    return task.parent_task_id is None or task.parent_task_id in upper.by_pk


def _save_link(task: Task, target: Task | None, how: str, score: int | None) -> None:
    how = how if target is not None or how == ParentLink.PERSON else ""
    new = (target.pk if target else None, how, score)
    if (task.parent_task_id, task.parent_link, task.parent_score) == new:
        return
    task.parent_task_id, task.parent_link, task.parent_score = new
    task.save(update_fields=["parent_task", "parent_link", "parent_score"])


def issuing_tasks(parent: Program) -> list[Task]:
    """The parent's tasks that ask bodies to build programs of their own: those a lower-level
    program names as its parent task; else those whose text asks for it ("xây dựng chương
    trình hành động ..."; not personal action plans) of the members of a group ("các huyện
    ủy, thị ủy ..."), not of one body issuing a program of its own; in document order."""
    under = Program.objects.filter(parent_task=OuterRef("pk"))
    rows = list(
        parent.tasks.filter(withdrawn_in__isnull=True)
        .filter(Q(lower_programs__isnull=False) | Q(assignments__via_group__isnull=False))
        .annotate(named=Exists(under))
        .distinct()
        .order_by("position")
    )
    named = [task for task in rows if task.named]
    if named:
        return named
    return [
        task
        for task in rows
        if _ISSUING.search(task.text_key) and not _PERSONAL.search(task.text_key)
    ]


def suggest_parent_task(*, parent: Program, issuer: Organization | None) -> Task | None:
    """The parent task a new lower-level program by ``issuer`` most likely answers: an
    issuing task (``issuing_tasks``) that gives the issuer work, directly or through a
    group; the only issuing task when the issuer is not known (or not in the registry). None
    when unclear."""
    tasks = issuing_tasks(parent)
    if issuer is not None and not issuer.unresolved:
        tasks = [
            task
            for task in tasks
            if task.assignments.filter(Q(organization=issuer), Q(group__isnull=True)).exists()
        ]
    return tasks[0] if len(tasks) == 1 else None

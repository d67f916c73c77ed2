"""The search rule: which tasks and occurrences a search matches, as database filters that run
the same on SQLite and PostgreSQL.

Text is compared folded (no diacritics, đ as d, lower case; ``theodoi.parsing.text.fold``)
against ``Task.text_key``, the task's text folded once when the task is saved, its words
joined by single spaces between two spaces. What is typed matches as a phrase that starts a
word: "du lich" finds "du lịch" and "DU LỊCH" (and "Du lịch biển"), not "dù lịch sự"; a
fragment at the end still matches ("du li"). Text that looks like a task key ("B.III.3.3")
also finds the tasks numbered under it ("B.III.3.3/1", "B.III.3.3/2" ...).

Filters: the program; an area (a section with every section below it); a body (organisation)
and one of its roles; a range of due dates as written in the program (``Occurrence.due_date``,
both ends included). Status as of a date, and due dates moved by extensions, are not in the
database: callers refine the rows these filters leave with ``theodoi.tracking.status``.

Who may see which rows is not decided here: callers pass the rows the permission policy
lets the user see (``visible_occurrences``), and these filters only narrow them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from theodoi.orgs.models import Organization
from theodoi.parsing.text import fold, fold_keep_offsets

from .models import Occurrence, Program, Section, Task

__all__ = [
    "ROLES",
    "Criteria",
    "match_span",
    "matching_occurrences",
    "matching_tasks",
    "section_and_below",
    "text_condition",
    "text_key",
    "words",
]

# The roles a body may be searched by, in the order the UI lists them.
ROLES = ("leads", "coordinates", "advises", "implements", "directs", "issues")

_NOT_WORD = re.compile(r"[\W_]+")
_KEY_LIKE = re.compile(r"^[A-Za-z0-9]+(?:[./][A-Za-z0-9]+)*$")


def words(text: str) -> list[str]:
    """The folded words of ``text``, punctuation dropped."""
    return [w for w in _NOT_WORD.split(fold(text or "")) if w]


def text_key(text: str) -> str:
    """What ``Task.text_key`` stores: the folded words between single spaces, with a space at
    each end, so that " du lich" (a phrase starting a word) is a plain substring test."""
    found = words(text)
    return f" {' '.join(found)} " if found else ""


def text_condition(text: str, *, prefix: str = "") -> Q:
    """A task (``prefix`` "assignment__task__" from an occurrence) whose text contains the
    phrase ``text`` (folded, at the start of a word), or whose key or section is ``text``
    or lies under it. An empty ``text`` matches everything."""
    text = (text or "").strip()
    phrase = words(text)
    if not phrase:
        if not text:
            return Q()
        condition = Q(pk__in=[])  # only punctuation: nothing to look for in the text
    else:
        condition = Q(**{f"{prefix}text_key__contains": " " + " ".join(phrase)})
    if _KEY_LIKE.match(text) and any(ch in text for ch in "./"):
        for field in ("key", "section__number"):
            condition |= (
                Q(**{f"{prefix}{field}__iexact": text})
                | Q(**{f"{prefix}{field}__istartswith": text + "."})
                | Q(**{f"{prefix}{field}__istartswith": text + "/"})
            )
    return condition


def match_span(text: str, query: str) -> tuple[int, int] | None:
    """Where the phrase ``query`` first occurs in ``text`` as search matches it (folded, at
    the start of a word, punctuation and spacing aside), as offsets into ``text``."""
    phrase = words(query)
    if not phrase or not text:
        return None
    pattern = r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in phrase)
    found = re.search(pattern, fold_keep_offsets(text))
    return (found.start(), found.end()) if found else None


def section_and_below(section: Section) -> list[int]:
    """The ids of ``section`` and of every section below it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Section.objects.filter(program_id=section.program_id).values_list(
        "pk", "parent_id"
    ):
        children[parent].append(pk)
    found, stack = [], [section.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children[pk])
    return found


@dataclass(frozen=True)
class Criteria:
    """What the database can filter on. Empty fields do not filter."""

    text: str = ""
    program: Program | None = None
    area: Section | None = None
    body: Organization | None = None
    role: str | None = None  # one of ROLES; with a body, that body's role
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")

    @property
    def text_only(self) -> bool:
        """Only text (and perhaps the program) was asked: tasks are an answer too."""
        return bool(self.text.strip()) and not (
            self.area or self.body or self.role or self.due_from or self.due_to
        )


def matching_occurrences(
    rows: QuerySet[Occurrence],
    criteria: Criteria,
    *,
    sections: Collection[int] | None = None,
    due_also: Q | None = None,
) -> QuerySet[Occurrence]:
    """``rows`` narrowed by ``criteria``. ``sections`` saves looking up the area's sections;
    ``due_also`` keeps rows outside the due range that match it (a caller that judges the
    effective due date itself, after extensions, passes the rows that have one)."""
    c = criteria
    if c.text.strip():
        rows = rows.filter(text_condition(c.text, prefix="assignment__task__"))
    if c.program is not None:
        rows = rows.filter(assignment__task__program=c.program)
    if c.area is not None:
        ids = sections if sections is not None else section_and_below(c.area)
        rows = rows.filter(assignment__task__section_id__in=list(ids))
    if c.body is not None:
        rows = rows.filter(assignment__organization=c.body)
    if c.role:
        rows = rows.filter(**{f"assignment__{c.role}": True})
    if c.due_from or c.due_to:
        written = Q()
        if c.due_from:
            written &= Q(due_date__gte=c.due_from)
        if c.due_to:
            written &= Q(due_date__lte=c.due_to)
        rows = rows.filter(written | due_also if due_also is not None else written)
    return rows


def matching_tasks(tasks: QuerySet[Task], criteria: Criteria) -> QuerySet[Task]:
    """``tasks`` whose text or key matches, in the program and area asked."""
    c = criteria
    tasks = tasks.filter(text_condition(c.text))
    if c.program is not None:
        tasks = tasks.filter(program=c.program)
    if c.area is not None:
        tasks = tasks.filter(section_id__in=section_and_below(c.area))
    return tasks

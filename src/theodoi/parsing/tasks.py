"""Tasks from the outline: bullet tasks with role lines, prose tasks with inline deadlines and
milestones, and rows of task tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import Block, Paragraph, Table
from .bodies import HeadingBodies, heading_bodies
from .duties import DutyReader
from .model import Assignment, Milestone, ProgramDraft, Section, TaskDraft, TimeSpec
from .outline import Node
from .registry import Registry
from .roles import (
    LabelLine,
    coordinators,
    merge,
    prose_assignments,
    prose_clause,
    read_label,
    role_line,
)
from .tables import read_task_table
from .text import fold, is_lower_start
from .times import find_times, parse_time

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ\"“(])")
_SCOPE_LEVEL = re.compile(
    r"\bở\s+(?P<s>cấp\s[^,.;]+?)(?=\s+(?:trong|vào|trước|chậm nhất)\b|[,.;]|$)"
)
_SCOPE_PAREN = re.compile(r"\((?P<s>[^()]*\bcấp\b[^()]*)\)")
_SCOPE_OBJECT = re.compile(
    r"^Hoàn thành(?:\s+việc)?\s+(?P<s>.+?)\s+(?:trong|vào|trước|chậm nhất)\b"
)
_RELATIVE = re.compile(r"đồng thời với\s+(?:việc\s+)?(?P<what>[^,.;]+)", re.IGNORECASE)
_MONITOR_VERBS = ("theo doi", "kiem tra", "giam sat", "don doc")  # what monitors are given


@dataclass
class OpenTask:
    """A task being read: its text so far, the role lines seen, its time."""

    section: str
    line: int
    paragraphs: list[str]
    bullet: str | None = None
    assignments: list[Assignment] = field(default_factory=list)
    time: TimeSpec | None = None
    product: str | None = None
    labelled: bool = False
    milestones: list[Milestone] = field(default_factory=list)
    # In the provisions part, a bullet is a task only when it names a body and a time;
    # otherwise it is the section's text.
    provision_of: Section | None = None


class TaskBuilder:
    """Walks the outline and fills the draft's sections and tasks."""

    def __init__(self, draft: ProgramDraft, registry: Registry) -> None:
        self.draft = draft
        self.registry = registry
        self.counters: dict[str, int] = {}
        self.ids: set[str] = set()
        self.defaults: list[Assignment] = []
        self.provisions = False  # whether the heading being read is the provisions part
        self.origin: dict[str, tuple[str, bool]] = {}
        self.written: dict[str, list[str]] = {}  # a numbered prose task's own paragraphs
        # A day written without its year ("trước ngày 15/12") is in the plan's year.
        self.year = draft.date.year if draft.date else None

    # ---- the walk ----

    def build(self, root: Node) -> None:
        self._collect_defaults(root)
        for node in root.children:
            self._walk(node, None)
        self._select()
        self._fill_gaps()

    def _walk(self, node: Node, parent: Section | None) -> None:
        parent_path = node.parent.path if node.parent else ""
        self.provisions = node.context == "provisions"
        bodies = self._heading_bodies(node)
        if bodies is not None:
            self.walk_body(node, parent, bodies)
            return
        if node.context != "intro" and self._is_prose_task(node):
            self._prose_task(node, parent_path, node.path)
            return
        if node.context == "provisions" and parent is not None and _plain_leaf(node):
            # "2. Các huyện ủy ... tổ chức thực hiện": a provision, kept as the part's text.
            parent.text.append(f"{node.number}. {node.title}")
            parent.text.extend(_texts(node.items))
            return
        if node.context != "intro" and not node.children and _leaf_with_labels(node):
            # "1. Nhiệm vụ X" followed by its own role lines: the item is the task.
            opener = OpenTask(parent_path, node.line, [node.title])
            self._items(node, None, opener, node.path)
            return
        section = self._section(node)
        if node.context == "intro":
            section.text.extend(_texts(node.items))
            for child in node.children:
                self._intro(child, section)
            return
        self._items(node, section, None, None)
        for child in node.children:
            self._walk(child, section)

    # ---- duties under a heading that names a body ----

    def _heading_bodies(self, node: Node) -> HeadingBodies | None:
        """The bodies a heading gives the work under it: "1. Sở Y tế", "(1) Bộ Công an:",
        "2. Sở X chủ trì, phối hợp với Y thực hiện các nội dung sau:". None for any other
        heading, and where the items carry their own role lines (the Party-fields layout)."""
        if node.context == "intro" or node.kind in ("root", "part", "roman", "appendix"):
            return None
        if any(
            isinstance(b, Paragraph) and (label := read_label(b.text)) and label.field == "roles"
            for b in node.items
        ):
            return None
        bodies = heading_bodies(node.title, self.registry)
        if bodies is not None:
            return bodies if (node.items or node.children or bodies.inline) else None
        title = node.title.rstrip()
        if title.endswith(":") and (node.items or node.children):
            # A lead-in: "Sở X chủ trì, phối hợp với Y thực hiện:", or one whose last clause
            # has the body as its subject ("Để thể chế hóa ..., Đảng đoàn Quốc hội xác định
            # các nhiệm vụ trọng tâm sau:").
            for clause in (title, title.rsplit(", ", 1)[-1]):
                found = prose_assignments(clause, self.registry)
                if found:
                    for item in found:
                        if "coordinates" not in item.roles and "leads" not in item.roles:
                            item.roles = ["leads"]
                    # Coordinators the registry does not know are named after "phối hợp với".
                    named = {fold(a.written) for a in found}
                    extra = [
                        a
                        for a in coordinators(clause, self.registry)
                        if fold(a.written) not in named
                    ]
                    return HeadingBodies(found + extra)
        return None

    def _section(self, node: Node) -> Section:
        """The section a heading opens, added to the draft."""
        section = Section(
            number=node.path,
            title=node.title,
            parent=node.parent.path or None if node.parent else None,
            line=node.line,
        )
        self.draft.sections.append(section)
        return section

    def walk_body(self, node: Node, parent: Section | None, bodies: HeadingBodies) -> None:
        """A body heading: a section whose duties are tasks led by the heading's body."""
        section = self._section(node)
        DutyReader(self, node, section, bodies).read()

    def parse_time(self, text: str) -> TimeSpec:
        """A labelled time ("Thời gian thực hiện: ...") in this document's term."""
        return parse_time(text, term=self.draft.term, year=self.year)

    def time_in(self, text: str, line: int) -> TimeSpec:
        """The time a duty's text states, if any ("..., hoàn thành trước ngày 15/12/2025")."""
        spans = [
            (sentence, spec)
            for sentence in _sentences(text)
            for _, _, spec in find_times(sentence, term=self.draft.term, year=self.year)
        ]
        return self._prose_time(text, spans, [], line)

    def _intro(self, node: Node, section: Section) -> None:
        """Purpose and requirements: kept as the section's text, never tasks."""
        if node.children:
            sub = Section(node.path, node.title, section.number, node.line, _texts(node.items))
            self.draft.sections.append(sub)
            for child in node.children:
                self._intro(child, sub)
        else:
            section.text.append(f"{node.number}. {node.title}")
            section.text.extend(_texts(node.items))

    def _is_prose_task(self, node: Node) -> bool:
        """A numbered item with no sub-items, bullets or role lines is a task written as prose
        ("1. Ban Tuyên giáo Tỉnh ủy tham mưu ... Hoàn thành trong tháng 12/2020.")."""
        if node.children or node.kind == "appendix":
            return False
        if node.items and not node.title.rstrip().endswith((".", ";", "!", "?")):
            # "1. Về cải cách hành chính" over paragraphs: a heading, its paragraphs are read
            # one by one (a "Giao Sở X ..." paragraph is a task, the rest is text).
            return False
        for block in node.items:
            if isinstance(block, Table) or block.bullet is not None or read_label(block.text):
                return False
        if node.context == "provisions":
            text = " ".join([node.title, *_texts(node.items)])
            return self._assigns_dated_work(text) or self._assigns_between_bodies(text)
        return True

    def _assigns_between_bodies(self, text: str) -> bool:
        """Whether a provision gives a body work it leads or shares: "Sở X chủ trì, phối hợp
        với Y ...", "Z phối hợp với Sở X tham mưu ..." (not "Các sở căn cứ chức năng, nhiệm vụ
        tổ chức thực hiện")."""
        found = prose_assignments(text, self.registry)
        return any("leads" in a.roles or "coordinates" in a.roles for a in found)

    def _assigns_dated_work(self, text: str) -> bool:
        """Whether a paragraph gives a body work with a time: "Giao Sở X ..., hoàn thành
        trong quý II/2022"."""
        return bool(prose_assignments(text, self.registry)) and bool(
            find_times(text, term=self.draft.term, year=self.year)
        )

    # ---- bullet tasks and role lines ----

    def _items(
        self, node: Node, section: Section | None, current: OpenTask | None, current_id: str | None
    ) -> None:
        """Read a section's paragraphs in order: a bullet opens a task, role lines fill it,
        other paragraphs continue it, or stand as the section's text or a prose task."""
        number = section.number if section else node.parent.path if node.parent else ""
        pending: tuple[LabelLine, str | None] | None = None  # "Cơ quan thực hiện:" over lines
        for block in node.items:
            if isinstance(block, Table):
                if self._table(block, number):
                    continue
                block = Paragraph(" | ".join(c for row in block.rows for c in row if c), block.line)
            label = read_label(block.text)
            if (
                pending is not None
                and current is not None
                and label is None
                and block.bullet is not None
                and block.bullet != pending[1]
            ):
                # A line of a field whose label stands alone: "- Thời gian thực hiện:" over
                # "+ Các bộ ... trước ngày 15/12/2025." and "+ Bộ Công an ... trước ngày 31/12".
                self._label_line(current, pending[0], block.text, block.line)
                continue
            pending = None
            if label is not None and not label.value and current is not None:
                current.labelled = True
                pending = (label, block.bullet)
                continue
            if label is not None:
                if current is None:
                    self.draft.warn(
                        block.line, f"Dòng vai trò không thuộc nhiệm vụ nào: {block.text!r}"
                    )
                    continue
                self._label(current, label, block.line)
            elif block.bullet is not None and not (
                current
                and not current.labelled
                and current.bullet
                and block.bullet != current.bullet
            ):
                self._close(current, current_id)
                current = OpenTask(number, block.line, [block.text], block.bullet)
                if node.context == "provisions":
                    current.provision_of = section
                current_id = None
            elif current is not None and not current.labelled:
                current.paragraphs.append(block.text)  # continuation or a sub-item
            elif is_lower_start(block.text):
                self.draft.warn(
                    block.line,
                    "Đoạn văn bị tách khỏi chỗ của nó (có thể do ngắt trang), "
                    f"không gắn được vào nhiệm vụ nào: {block.text!r}",
                )
            else:
                self._close(current, current_id)
                current, current_id = None, None
                self._section_paragraph(block, number, section)
        self._close(current, current_id)

    def _label_line(self, task: OpenTask, label: LabelLine, text: str, line: int) -> None:
        """One line under a label that stands alone: bodies, a time, or content."""
        if label.field == "roles":
            task.assignments.extend(
                prose_assignments(text, self.registry)
                or role_line(LabelLine("roles", text, label.roles), self.registry)
            )
        elif label.field == "time":
            spec = parse_time(text, term=self.draft.term, year=self.year)
            if spec.kind == "unknown":
                spec = self.time_in(text, line)
            if spec.kind == "deadline" and spec.due:
                task.milestones.append(Milestone(text, spec.due, _scope(text)))
            if task.time is None or not task.time.text:
                task.time = spec
            elif spec.text:
                parts = task.time.parts if task.time.kind == "compound" else [task.time]
                task.time = TimeSpec(
                    text="; ".join(p.text for p in [*parts, spec]),
                    kind="compound",
                    parts=[*parts, spec],
                )
        else:
            task.paragraphs.append(text)

    def _label(self, task: OpenTask, label: LabelLine, line: int) -> None:
        task.labelled = True
        if label.field == "roles":
            found = role_line(label, self.registry)
            if not found:
                self.draft.warn(line, f"Dòng vai trò không nêu cơ quan nào: {label.value!r}")
            task.assignments.extend(found)
        elif label.field == "time":
            task.time = parse_time(label.value, term=self.draft.term, year=self.year)
        elif label.field == "product":
            task.product = label.value.rstrip(".")
        else:
            task.paragraphs.append(label.value)

    def _close(self, task: OpenTask | None, task_id: str | None) -> None:
        if task is None:
            return
        text = "\n".join(task.paragraphs)
        if (
            not task.labelled
            and task.provision_of is not None
            and not self._assigns_dated_work(text)
        ):
            task.provision_of.text.append(text)
            return
        if not task.labelled:
            # A bullet without role lines: read it as prose.
            self._add_prose(task.section, task.line, text, task_id)
            return
        time = task.time or TimeSpec(text="")
        self.add(
            task.section,
            task.line,
            _without_item_title(text),
            merge(task.assignments),
            time,
            task.milestones,
            task.product,
            task_id,
            source="fields",
        )

    def _section_paragraph(self, block: Paragraph, number: str, section: Section | None) -> None:
        """An unnumbered paragraph in a section: a task when it assigns work ("Giao Sở X chủ
        trì ..., hoàn thành trong quý II/2022"), otherwise the section's text."""
        text = block.text
        if self._assigns_dated_work(text):
            self._add_prose(number, block.line, text, None)
        elif section is not None:
            section.text.append(text)
        else:
            self.draft.warn(block.line, f"Đoạn văn không thuộc nhiệm vụ nào: {text!r}")

    # ---- prose tasks ----

    def _prose_task(self, node: Node, section: str, task_id: str) -> None:
        text = "\n".join([node.title, *_texts(node.items)])
        self._add_prose(section, node.line, text, task_id)
        # Should it be no task after all (_select), it is kept as it was written.
        self.written[self.draft.tasks[-1].id] = [
            f"{node.number}. {node.title}",
            *_texts(node.items),
        ]

    def _add_prose(self, section: str, line: int, text: str, task_id: str | None) -> None:
        assignments: list[Assignment] = []
        spans: list[tuple[str, TimeSpec]] = []
        milestones: list[Milestone] = []
        for sentence in _sentences(text):
            if not assignments or fold(sentence).startswith("giao"):
                assignments.extend(prose_assignments(sentence, self.registry))
            for _, _, spec in find_times(sentence, term=self.draft.term, year=self.year):
                spans.append((sentence, spec))
                if spec.kind == "deadline" and spec.due:
                    milestones.append(Milestone(sentence, spec.due, _scope(sentence)))
        time = self._prose_time(text, spans, milestones, line)
        if len(milestones) > 1 and time.kind == "compound":
            for part, milestone in zip(time.parts, milestones, strict=False):
                part.scope = part.scope or milestone.scope
        self.add(section, line, text, merge(assignments), time, milestones, None, task_id)

    def _prose_time(
        self, text: str, spans: list[tuple[str, TimeSpec]], milestones: list[Milestone], line: int
    ) -> TimeSpec:
        specs: list[TimeSpec] = []
        for _, spec in spans:
            if not any(_same_time(spec, seen) for seen in specs):
                specs.append(spec)
        if len(specs) == 1:
            return specs[0]
        if specs:
            return TimeSpec(text="; ".join(s.text for s in specs), kind="compound", parts=specs)
        relative = _RELATIVE.search(text)
        if relative:
            return self._relative_time(relative, milestones, line)
        return TimeSpec(text="")

    def _relative_time(
        self, match: re.Match[str], milestones: list[Milestone], line: int
    ) -> TimeSpec:
        """ "đồng thời với việc quán triệt Nghị quyết XX": the time of the task that does that."""
        what = fold(match["what"]).strip()
        for task in reversed(self.draft.tasks):
            if what and what in fold(task.text) and task.time.kind != "unknown":
                time = task.time.copy()
                time.text = match.group(0)
                milestones.extend(Milestone(m.text, m.due, m.scope) for m in task.milestones)
                self.draft.warn(line, f"Thời gian lấy theo nhiệm vụ {task.id}: {match.group(0)!r}")
                return time
        return TimeSpec(text=match.group(0))

    # ---- tables ----

    def _table(self, table: Table, section: str) -> bool:
        return read_task_table(table, section, self)

    # ---- adding and checking ----

    def add(
        self,
        section: str,
        line: int,
        text: str,
        assignments: list[Assignment],
        time: TimeSpec,
        milestones: list[Milestone],
        product: str | None,
        task_id: str | None,
        *,
        source: str = "prose",
    ) -> TaskDraft:
        """Add a task. ``source`` says how it was written (prose, fields, body, table): what
        _select keeps depends on it."""
        if task_id is None or task_id in self.ids:
            count = self.counters.get(section, 0) + 1
            self.counters[section] = count
            task_id = f"{section}/{count}" if section else str(count)
            while task_id in self.ids:
                count += 1
                task_id = f"{section}/{count}"
            self.counters[section] = count
        self.ids.add(task_id)
        task = TaskDraft(task_id, section, text, assignments, time, milestones, line, product)
        self.draft.tasks.append(task)
        self.origin[task_id] = (source, self.provisions)
        return task

    def _select(self) -> None:
        """Keep the tasks the plan assigns, once each.

        - Where the plan assigns its work in its task parts (a task table, field blocks,
          body headings, sentences naming a body), its implementation provisions ("Tổ chức
          thực hiện") hold general duties, not tasks.
        - Items that name no body (lists of solutions, steps, what is checked) are no tasks
          when the plan assigns its work by body or in a task table; where it assigns work in
          field blocks or prose, such an item is a task only when it states a time (its
          bodies then come from the provisions, see _fill_gaps).
        - A task that repeats a row of the plan's task table is the row."""
        tasks = self.draft.tasks

        def assigned(task: TaskDraft) -> bool:
            # In prose, a body that only coordinates ("Phối hợp với các bộ ... triển khai")
            # does not say who does the work.
            source, _ = self.origin[task.id]
            return source != "prose" or any(a.roles != ["coordinates"] for a in task.assignments)

        elsewhere = any(assigned(t) and not self.origin[t.id][1] for t in tasks)
        kept = [t for t in tasks if not (elsewhere and self.origin[t.id][1])]
        if any(self.origin[t.id][0] in ("body", "table") for t in kept):
            kept = [t for t in kept if assigned(t)]
        elif any(assigned(t) for t in kept):
            kept = [t for t in kept if assigned(t) or t.time.text]
        rows = {_opening(t.text) for t in kept if self.origin[t.id][0] == "table"}
        if rows:
            kept = [
                t for t in kept if self.origin[t.id][0] == "table" or _opening(t.text) not in rows
            ]
        kept_ids = {t.id for t in kept}
        for task in tasks:
            if task.id not in kept_ids:
                self._as_text(task)
        self.draft.tasks = kept

    def _as_text(self, task: TaskDraft) -> None:
        """A dropped item stays in its section's text, so nothing is lost."""
        owner = next((s for s in self.draft.sections if s.number == task.section), None)
        if owner is not None:
            owner.text.extend(self.written.get(task.id, [task.text]))
        else:
            self.draft.warn(task.line, f"Đoạn văn không được coi là nhiệm vụ: {task.text[:80]!r}")

    def _collect_defaults(self, root: Node) -> None:
        """Who directs and who carries out a task the program names no body for: the
        program's own "Tổ chức thực hiện" part says ("Giao Ban Thường vụ Tỉnh ủy lãnh đạo,
        chỉ đạo ..."; "Các huyện, thị, thành ủy ... tổ chức thực hiện"). Bodies given only
        to follow up ("theo dõi") are monitors, not defaults."""
        for node in _all_nodes(root):
            if node.context != "provisions":
                continue
            for text in [node.title, *_texts(node.items)]:
                found, task = prose_clause(text, self.registry)
                if task.startswith(_MONITOR_VERBS):
                    continue
                for item in found:
                    item.inferred = True
                    self.defaults.append(item)

    def _fill_gaps(self) -> None:
        for task in self.draft.tasks:
            if not task.assignments:
                if self.defaults:
                    task.assignments = merge(self.defaults)  # merge makes new ones
                    for item in task.assignments:
                        item.inferred = True
                    self.draft.warn(
                        task.line,
                        f"Nhiệm vụ {task.id} không nêu cơ quan; lấy theo phần Tổ chức thực hiện.",
                    )
                else:
                    self.draft.warn(task.line, f"Nhiệm vụ {task.id} không nêu cơ quan thực hiện.")
            for item in task.assignments:
                if item.id is None:
                    self.draft.warn(
                        task.line,
                        f"Cơ quan không có trong danh mục: {item.written!r} (nhiệm vụ {task.id})",
                    )
            if task.time.kind == "unknown":
                shown = task.time.text or "không ghi"
                self.draft.warn(
                    task.line, f"Không hiểu thời gian của nhiệm vụ {task.id}: {shown!r}"
                )
            _review(task)


def _review(task: TaskDraft) -> None:
    """What the office should check on a task, field by field (the contract's ``review``)."""
    named = [a for a in task.assignments if not a.inferred]
    leads = [a for a in named if "leads" in a.roles]
    doers = [a for a in named if {"implements", "advises"} & set(a.roles)]
    if not named:
        task.flag(
            "lead",
            "Văn bản không nêu cơ quan cho nhiệm vụ này"
            + ("; đã lấy theo phần Tổ chức thực hiện." if task.assignments else "."),
        )
    elif not leads and len(doers) > 1:
        task.flag(
            "lead",
            f"Không nêu cơ quan chủ trì; {len(doers)} cơ quan cùng thực hiện "
            f"(cơ quan nêu đầu tiên: {doers[0].written or doers[0].org}).",
        )
    elif not leads and not doers:
        task.flag("lead", "Chỉ có cơ quan phối hợp, không nêu cơ quan chủ trì.")
    for item in named:
        if item.id is None:
            task.flag("assignments", f"Cơ quan chưa có trong danh mục: {item.written or item.org}.")
    if task.time.kind == "unknown" and task.time.text:
        task.flag("time", f"Không hiểu thời gian: {task.time.text}.")
    elif task.time.kind == "compound" and not task.milestones:
        task.flag("time", "Nhiều mốc thời gian; kiểm tra mốc nào áp dụng cho phần nào.")
    if len(_sentences(task.text)) > MAX_SENTENCES:
        task.flag("text", "Nhiệm vụ dài, gồm nhiều ý; kiểm tra có cần tách không.")


MAX_SENTENCES = 6


def _plain_leaf(node: Node) -> bool:
    """A numbered item with only paragraphs under it: no sub-items, bullets, labels, tables."""
    return not node.children and all(
        isinstance(b, Paragraph) and b.bullet is None and read_label(b.text) is None
        for b in node.items
    )


def _leaf_with_labels(node: Node) -> bool:
    """A numbered item whose own role lines follow it directly (no bullet task in between)."""
    for block in node.items:
        if isinstance(block, Table):
            return False
        if read_label(block.text):
            return True
        if block.bullet is not None:
            return False
    return False


def _texts(blocks: list[Block]) -> list[str]:
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block.text)
        else:
            out.extend(" | ".join(row) for row in block.rows)
    return out


_ITEM_TITLE = re.compile(r"^(?:Hoạt động|Nhiệm vụ|Nội dung|Hoạt động số)\s*\d{1,2}[.:]?\n", re.I)


def _without_item_title(text: str) -> str:
    """ "Hoạt động 1" over "Nội dung: Triển khai ...": the task is its content."""
    return _ITEM_TITLE.sub("", text, count=1) if "\n" in text else text


def _opening(text: str) -> str:
    """The first words of a task, folded: what two copies of one task share."""
    return " ".join(fold(text).split()[:10])


def _sentences(text: str) -> list[str]:
    return [s for part in text.split("\n") for s in _SENTENCE_END.split(part) if s.strip()]


def _scope(sentence: str) -> str | None:
    for pattern in (_SCOPE_LEVEL, _SCOPE_PAREN, _SCOPE_OBJECT):
        match = pattern.search(sentence)
        if match:
            scope = match["s"].strip()
            return scope if len(scope) <= 160 else None
    return None


def _same_time(a: TimeSpec, b: TimeSpec) -> bool:
    return (a.kind, a.due, a.start, a.every) == (b.kind, b.due, b.start, b.every)


def _all_nodes(node: Node):
    for child in node.children:
        yield child
        yield from _all_nodes(child)

"""The duties under a heading that names a body: "1. Sở Y tế" followed by "- ..." bullets,
lettered items "a) ...", or a single paragraph. Each duty is a task; the heading's body leads
it, also when the duty reads "Phối hợp với X ..." (X then coordinates).

Rules of the layout:
- A bullet, a lettered item or an unbulleted paragraph opens a duty; a line in lower case
  goes on with the one before; a bullet of another marker ("+" under "-") belongs to the
  duty above it, unless that duty is a lead-in that directs another body ("Chỉ đạo Tổng công
  ty X:"), whose items are then the duties.
- A paragraph ending with ":" followed by lettered items is a lead-in: its bodies ("Chủ trì,
  phối hợp với Y tham mưu ...:") go to every item, and it is no task itself.
- Labelled lines after a duty fill it: "Thời gian thực hiện: ...", "Cơ quan phối hợp: ...".
- A duty's own time is its labelled time, else a time written in its text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .blocks import Paragraph, Table
from .bodies import HeadingBodies, heading_bodies
from .model import Assignment, Section, TimeSpec
from .roles import coordinators, merge, read_label, role_line
from .text import fold, is_lower_start

if TYPE_CHECKING:
    from .outline import Node
    from .tasks import TaskBuilder

_DIRECTING = ("chi dao", "huong dan", "de nghi", "yeu cau", "giao")
MAX_LEAD_IN_WORDS = 25
_CLOSING = ("tren day la",)


@dataclass
class Duty:
    line: int
    paragraphs: list[str]
    bullet: str | None = None
    time: TimeSpec | None = None
    assignments: list[Assignment] = field(default_factory=list)
    number: str | None = None  # a lettered item's letter
    lead_in: bool = False
    inherited: list[Assignment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _directs(duty: Duty) -> bool:
    """ "Chỉ đạo Tổng công ty Cảng hàng không Việt Nam:": a lead-in naming a body it steers."""
    text = duty.text.rstrip()
    return (
        text.endswith(":")
        and fold(text).startswith(_DIRECTING)
        and len(text.split()) <= MAX_LEAD_IN_WORDS
    )


class DutyReader:
    """Reads one body heading's duties into the builder's tasks."""

    def __init__(self, builder: TaskBuilder, node: Node, section: Section, bodies: HeadingBodies):
        self.builder = builder
        self.node = node
        self.section = section
        self.bodies = bodies

    def read(self) -> None:
        duties = self._from_items()
        if self.bodies.inline:
            duties.insert(0, Duty(self.node.line, [self.bodies.inline]))
        lead_in: Duty | None = None
        if duties and self.node.children and duties[-1].text.rstrip().endswith(":"):
            lead_in = duties.pop()
            self.section.text.append(lead_in.text)
        for duty in duties:
            self._add(duty)
        for child in self.node.children:
            bodies = heading_bodies(child.title, self.builder.registry)
            if bodies is not None and (child.items or child.children or bodies.inline):
                self.builder.walk_body(child, self.section, bodies)
                continue
            duty = self._from_child(child)
            if lead_in is not None:
                duty.inherited = coordinators(lead_in.text, self.builder.registry)
            self._add(duty)

    def _from_items(self) -> list[Duty]:
        duties: list[Duty] = []
        current: Duty | None = None
        top_bullet: str | None = None
        directing: Duty | None = None
        for block in self.node.items:
            if isinstance(block, Table):
                block = Paragraph(" | ".join(c for r in block.rows for c in r if c), block.line)
            if fold(block.text[:12]).startswith(_CLOSING):
                self.section.text.append(block.text)  # "Trên đây là Kế hoạch ...": the end
                continue
            label = read_label(block.text)
            if label is not None and current is not None:
                self._label(current, label)
                continue
            if label is not None:
                self.section.text.append(block.text)
                continue
            if current is not None and block.bullet is None and is_lower_start(block.text):
                current.paragraphs.append(block.text)
                continue
            nested = (
                current is not None
                and block.bullet is not None
                and top_bullet is not None
                and block.bullet != top_bullet
            )
            if nested and current is not None:
                if _directs(current) or current is directing:
                    if current is not directing:
                        current.lead_in = True
                        directing = current
                    duty = Duty(block.line, [block.text], block.bullet)
                    duty.inherited = list(directing.assignments)
                    duties.append(duty)
                    continue
                current.paragraphs.append(block.text)
                continue
            if block.bullet is not None and top_bullet is None:
                top_bullet = block.bullet
            if block.bullet == top_bullet:
                directing = None
            current = Duty(block.line, [block.text], block.bullet)
            duties.append(current)
        return [d for d in duties if not d.lead_in]

    def _from_child(self, child: Node) -> Duty:
        duty = Duty(child.line, [child.title], number=child.number)
        blocks = list(child.items)
        for grandchild in child.children:
            blocks.append(Paragraph(f"{grandchild.number}) {grandchild.title}", grandchild.line))
            blocks.extend(grandchild.items)
        for block in blocks:
            if isinstance(block, Table):
                duty.paragraphs.append(" | ".join(c for r in block.rows for c in r if c))
                continue
            label = read_label(block.text)
            if label is not None:
                self._label(duty, label)
            else:
                duty.paragraphs.append(block.text)
        return duty

    def _label(self, duty: Duty, label) -> None:
        builder = self.builder
        if label.field == "time":
            duty.time = builder.parse_time(label.value)
        elif label.field == "roles":
            duty.assignments.extend(role_line(label, builder.registry))
        else:  # content or product: part of what the duty says
            duty.paragraphs.append(label.value)

    def _add(self, duty: Duty) -> None:
        builder = self.builder
        text = duty.text
        heading = [
            Assignment(a.org, list(a.roles), a.group, a.id, a.written)
            for a in self.bodies.assignments
        ]
        own = coordinators(text, builder.registry)
        assignments = merge(heading + duty.inherited + duty.assignments + own)
        time = duty.time or builder.time_in(text, duty.line)
        task_id = f"{self.section.number}.{duty.number}" if duty.number else None
        task = builder.add(
            self.section.number,
            duty.line,
            text,
            assignments,
            time,
            [],
            None,
            task_id,
            source="body",
        )
        if len([a for a in self.bodies.assignments if "leads" in a.roles]) > 1:
            task.flag("lead", "Tiêu đề nêu nhiều cơ quan; kiểm tra cơ quan chủ trì.")

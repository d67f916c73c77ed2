"""Task tables ("Phụ lục: Danh mục nhiệm vụ"): STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối
hợp | Thời gian hoàn thành | Sản phẩm, with headers that vary from one office to the next."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .blocks import Table
from .model import Section, TimeSpec
from .roles import LabelLine, merge, role_line, roles_named
from .text import fold
from .times import parse_time

if TYPE_CHECKING:
    from .tasks import TaskBuilder

# Header words -> column meaning, tried in order on the folded header cell.
_COLUMNS = (
    (re.compile(r"^(?:stt|tt|so tt|so thu tu)$"), "number"),
    (re.compile(r"thoi gian|thoi han|tien do|moc hoan thanh"), "time"),
    (re.compile(r"san pham|hinh thuc|ket qua"), "product"),
    (re.compile(r"ghi chu"), "note"),
    (re.compile(r"co quan|don vi|^cap\b"), "roles"),
    (re.compile(r"nhiem vu|noi dung|cong viec|ten de an|ten van ban|giai phap|de an"), "text"),
)
_ROMAN = re.compile(r"^(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})\.?$")
_SERIAL = re.compile(r"^\(?\d{1,2}\)?$")


def _header(row: list[str]) -> list[tuple[str, tuple[str, ...]]] | None:
    """Column meanings when ``row`` is a task-table header, else None."""
    columns: list[tuple[str, tuple[str, ...]]] = []
    for cell in row:
        folded = fold(cell)
        meaning = next(
            (name for pattern, name in _COLUMNS if folded and pattern.search(folded)), ""
        )
        roles = roles_named(cell) if meaning in ("", "roles") else ()
        if roles:
            meaning = "roles"  # "Chủ trì", "Phối hợp" as the whole header
        elif meaning == "roles":
            roles = ("implements",)  # "Cơ quan, đơn vị": the bodies that carry it out
        columns.append((meaning, roles))
    names = [name for name, _ in columns]
    if "text" in names and ("roles" in names or "time" in names):
        return columns
    return None


def read_task_table(table: Table, section: str, builder: TaskBuilder) -> bool:
    """Add the table's tasks (and its group rows as sections) to the draft. False when the
    table is not a task table, so the caller keeps it as text."""
    start = next((i for i, row in enumerate(table.rows) if _header(row)), None)
    if start is None:
        return False
    columns = _header(table.rows[start])
    assert columns is not None
    current = section
    outer = section
    for offset, row in enumerate(table.rows[start + 1 :], start=1):
        line = table.line + offset
        cells = {name: [] for name, _ in columns}
        for (name, _), cell in zip(columns, row, strict=False):
            if name and cell.strip():
                cells[name].append(cell.strip())
        text = " ".join(cells.get("text", []))
        number = " ".join(cells.get("number", []))
        if not text and all(_SERIAL.match(c or "0") for c in row if c):
            continue  # "(1) (2) (3)": the column-number row under a header
        has_detail = any(cells.get(name) for name in ("roles", "time", "product"))
        if not has_detail:
            if not text:
                continue
            # A group row ("I. Công tác xây dựng Đảng"): a section of the table.
            label = number.rstrip(".") or str(offset)
            parent = section if _ROMAN.match(number) or current == section else outer
            if _ROMAN.match(number):
                outer = f"{section}.{label}" if section else label
                current = outer
            else:
                current = f"{parent}.{label}" if parent else label
            builder.draft.sections.append(Section(current, text, parent or None, line))
            continue
        assignments = []
        time = TimeSpec(text="")
        product = None
        for (name, roles), cell in zip(columns, row, strict=False):
            if not cell.strip():
                continue
            if name == "roles":
                assignments += role_line(LabelLine("roles", cell, roles), builder.registry)
            elif name == "time":
                time = parse_time(cell, term=builder.draft.term)
            elif name == "product":
                product = cell.strip()
        task_id = f"{current}.{number.rstrip('.')}" if number else None
        builder.add(current, line, text, merge(assignments), time, [], product, task_id)
    return True

"""Task tables ("Phụ lục: Danh mục nhiệm vụ"): STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối
hợp | Thời gian hoàn thành | Sản phẩm, with headers that vary from one office to the next."""

from __future__ import annotations

import re
from itertools import zip_longest
from typing import TYPE_CHECKING

from .blocks import Table
from .model import Section, TimeSpec
from .roles import LabelLine, merge, role_line, roles_named
from .text import fold, is_lower_start
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


def _find_header(
    rows: list[list[str]],
) -> tuple[int, int, list[tuple[str, tuple[str, ...]]]] | None:
    """(first and last header row, column meanings). A header may take two rows: "Cơ quan
    thực hiện" over "Chủ trì" | "Phối hợp"."""
    for index, row in enumerate(rows[:6]):
        columns = _header(row)
        if columns is None:
            continue
        if index + 1 < len(rows):
            below = rows[index + 1]
            if not any(_SERIAL.match(c) or _ROMAN.match(c) for c in below if c) and any(
                roles_named(c) for c in below
            ):
                top = list(row)
                for i in range(1, min(len(top), len(below))):
                    if not top[i] and below[i] and top[i - 1] and below[i - 1]:
                        top[i] = top[i - 1]  # the upper cell spans both: it heads both
                merged = [f"{a} {b}".strip() for a, b in zip_longest(top, below, fillvalue="")]
                both = _header(merged)
                if both is not None:
                    return index, index + 1, both
        return index, index, columns
    return None


def read_task_table(table: Table, section: str, builder: TaskBuilder) -> bool:
    """Add the table's tasks (and its group rows as sections) to the draft. False when the
    table is not a task table, so the caller keeps it as text."""
    found = _find_header(table.rows)
    if found is None:
        return False
    first, start, columns = found
    _title_rows(table.rows[:first], section, builder, table.line)
    current = section
    outer = section
    previous = None
    for offset, row in enumerate(table.rows[start + 1 :], start=start + 1):
        line = table.line + offset
        cells: dict[str, list[str]] = {name: [] for name, _ in columns}
        for (name, _), cell in zip(columns, row, strict=False):
            if name and cell.strip():
                cells[name].append(cell.strip())
        text = "\n".join(_rejoined(cell) for cell in cells.get("text", []))
        # "** II**": emphasis a converter split around the number of a group row.
        number = " ".join(cells.get("number", [])).strip("*_ ")
        if not text and all(_SERIAL.match(c) for c in row if c):
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
        assignments, time, product = _details(columns, row, builder)
        if not text and not number and previous is not None:
            # The rest of the task above, its task cell merged down over this row.
            previous.assignments = merge(previous.assignments + assignments)
            if previous.time.kind == "unknown" and time.kind != "unknown":
                previous.time = time
            continue
        if cells.get("note"):
            text = "\n".join([text, *(f"Ghi chú: {note}" for note in cells["note"])])
        task_id = f"{current}.{number.rstrip('.')}" if number else None
        previous = builder.add(
            current, line, text, merge(assignments), time, [], product, task_id, source="table"
        )
    return True


def _rejoined(cell: str) -> str:
    """A task cell whose text a line break cut in the middle of a sentence, joined again
    ("Đào tạo kỹ sư công nghệ" / "cho doanh nghiệp"); a line that starts anew stays apart."""
    lines = cell.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if is_lower_start(line) and not out[-1].rstrip().endswith((".", ";", ":")):
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _title_rows(rows: list[list[str]], section: str, builder: TaskBuilder, line: int) -> None:
    """Rows above the header ("DANH MỤC NHIỆM VỤ"): the title of an untitled appendix, or
    its text."""
    titles = [" ".join(cell for cell in row if cell) for row in rows if any(row)]
    if not titles:
        return
    owner = next((s for s in reversed(builder.draft.sections) if s.number == section), None)
    if owner is None:
        builder.draft.warn(line, f"Dòng tiêu đề của bảng: {' / '.join(titles)!r}")
        return
    if not owner.title:
        owner.title = titles.pop(0)
    owner.text.extend(titles)


def _details(
    columns: list[tuple[str, tuple[str, ...]]], row: list[str], builder: TaskBuilder
) -> tuple[list, TimeSpec, str | None]:
    """The bodies, time and product a task row gives."""
    assignments = []
    time = TimeSpec(text="")
    product = None
    for (name, roles), cell in zip(columns, row, strict=False):
        if not cell.strip():
            continue
        if name == "roles":
            assignments += role_line(LabelLine("roles", cell, roles), builder.registry)
        elif name == "time":
            time = parse_time(cell, term=builder.draft.term, year=builder.year)
        elif name == "product":
            product = cell.strip()
    return assignments, time, product

"""PDF with a text layer: ruled tables as tables, the rest as lines grouped into paragraphs
by layout (first-line indent, vertical gaps, short last lines) and by the text itself (list
markers, numbering, role labels, sentence ends). A PDF with no text at all (a scan) is
recognised first (readers.ocr) and its new text layer read the same way."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from theodoi.parsing.blocks import Block, ParseError, Table
from theodoi.parsing.readers.clean import (
    Piece,
    assemble,
    clean,
    clean_cell,
    continues_range,
    ends_sentence,
    has_content,
    is_all_caps,
    starts_paragraph,
)
from theodoi.parsing.readers.limits import BoundError, Limits, Reading, number, refusal
from theodoi.parsing.readers.ocr import NOTHING_FOUND, recognise
from theodoi.parsing.text import is_lower_start

# pdfminer logs a warning for every oddity of a damaged file; without a handler Python prints
# them on stderr. Whoever configures logging still gets them (they propagate).
logging.getLogger("pdfminer").addHandler(logging.NullHandler())

_PAGE_NUMBER = re.compile(
    r"(?:(?:trang|page)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*/\s*\d{1,4})?", re.IGNORECASE
)
_BARE_NUMBER = re.compile(r"\d{1,4}")

NO_TEXT = "PDF không có chữ: không có lớp văn bản, cũng không có hình ảnh trang quét để nhận dạng"
_BROKEN = "không đọc được tệp PDF: tệp hỏng hoặc không đầy đủ ({})"
_ENCRYPTED = "PDF được bảo vệ bằng mật khẩu: hãy gỡ mật khẩu rồi tải lên lại"
_NOT_PDF = "không phải tệp PDF (thiếu phần đầu %PDF)"

INDENT = 8.0  # points: a line this much right of the margin is indented


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    width: float
    number: int = 0
    first_on_page: bool = False


@dataclass
class _TableAt:
    rows: list[list[str]]
    top: float
    page: int
    first_on_page: bool = False
    last_on_page: bool = False


@dataclass
class _Geometry:
    left: float
    right: float


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _page_entries(page: Any, index: int) -> tuple[list[_Line | _TableAt], bool]:
    """Lines and tables of one page, top to bottom, and whether it has images."""
    chars = page.chars
    if not chars:
        return [], bool(page.images)
    spots = {(c["text"], round(c["x0"]), round(c["top"])) for c in chars}
    if len(spots) < 0.98 * len(chars):  # text drawn twice (fake bold): keep one copy
        page = page.dedupe_chars()
    boxes = []
    tables: list[_TableAt] = []
    for table in page.find_tables():
        rows = [[clean_cell(cell or "") for cell in row] for row in table.extract()]
        if sum(len(row) for row in rows) < 2:
            continue  # a box drawn around some text: keep it as text
        boxes.append(table.bbox)
        tables.append(_TableAt(rows=rows, top=table.bbox[1], page=index))
    if boxes:
        page = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
    lines = [
        _Line(
            text=line["text"],
            x0=line["x0"],
            x1=line["x1"],
            top=line["top"],
            bottom=line["bottom"],
            page=index,
            width=float(page.width),
        )
        for line in page.extract_text_lines(strip=True, return_chars=False)
        if line["text"].strip()
    ]
    entries: list[_Line | _TableAt] = sorted(
        [*_drop_page_numbers(lines), *tables], key=lambda entry: entry.top
    )
    if entries:
        entries[0].first_on_page = True
        if isinstance(entries[-1], _TableAt):
            entries[-1].last_on_page = True
    return entries, bool(page.images)


def _drop_page_numbers(lines: list[_Line]) -> list[_Line]:
    """Lines without a running page number ("2", "- 2 -", "Trang 2", "2/10") as the first or
    last line of the page. A bare number must also sit apart from the text: centred, or well
    right of the line next to it (a wrapped "2021" at the left margin stays)."""
    lines = sorted(lines, key=lambda line: line.top)

    def is_page_number(line: _Line, neighbour: _Line | None) -> bool:
        text = line.text.strip()
        if not _PAGE_NUMBER.fullmatch(text):
            return False
        if not _BARE_NUMBER.fullmatch(text):
            return True
        centre = (line.x0 + line.x1) / 2
        off_left = neighbour is None or line.x0 > neighbour.x0 + 4 * INDENT
        return off_left or abs(centre - line.width / 2) < 0.1 * line.width

    if lines and is_page_number(lines[-1], lines[-2] if len(lines) > 1 else None):
        lines.pop()
    if lines and is_page_number(lines[0], lines[1] if len(lines) > 1 else None):
        lines.pop(0)
    return lines


def _geometries(lines: list[_Line]) -> dict[int, _Geometry]:
    """Left and right text margins for each page width (odd pages can differ: not handled)."""
    by_width: dict[int, list[_Line]] = {}
    for line in lines:
        by_width.setdefault(round(line.width), []).append(line)
    out = {}
    for width, group in by_width.items():
        lefts = sorted(line.x0 for line in group)
        rights = sorted(line.x1 for line in group)
        p10 = lefts[int(0.1 * (len(lefts) - 1))]
        p90 = rights[int(0.9 * (len(rights) - 1))]
        left = min(x for x in lefts if x >= p10 - 20)
        right = max(x for x in rights if x <= p90 + 20)
        out[width] = _Geometry(left=left, right=right)
    return out


def _pitch(lines: list[_Line]) -> float:
    """The usual distance between two lines of one paragraph."""
    deltas = sorted(
        b.bottom - a.bottom
        for a, b in pairwise(lines)
        if a.page == b.page and 2 < b.bottom - a.bottom < 100
    )
    if not deltas:
        return 0.0
    return deltas[int(0.2 * (len(deltas) - 1))]


class _Grouper:
    def __init__(self, lines: list[_Line]) -> None:
        self.geometry = _geometries(lines)
        pitch = _pitch(lines)
        self.gap = pitch + max(3.0, 0.15 * pitch) if pitch else float("inf")

    @staticmethod
    def _full(prev: _Line, cur: _Line, geometry: _Geometry) -> bool:
        """Whether ``prev`` reaches the right margin: the first word of ``cur`` (and a space)
        would not have fitted after it. A line that stops short ended its paragraph."""
        if prev.x1 >= geometry.right - 2:
            return True
        text = cur.text
        advance = (cur.x1 - cur.x0) / max(len(text), 1)  # average width, spaces included
        word = len(text.split(maxsplit=1)[0]) if text else 0
        # Letters are wider than the average (spaces are narrow): err towards "it did not fit".
        return prev.x1 + (1.15 * word + 0.5) * advance > geometry.right

    def starts_new(self, prev: _Line, cur: _Line, opening: _Line) -> bool:
        """Whether ``cur`` starts a paragraph after ``prev``; ``opening`` is the first line of
        the paragraph ``prev`` belongs to."""
        text = cur.text
        if starts_paragraph(text):
            return not continues_range(prev.text, text)
        same_page = prev.page == cur.page
        if same_page and cur.bottom - prev.bottom > self.gap:
            return True
        prev_caps, cur_caps = is_all_caps(prev.text), is_all_caps(text)
        if prev_caps and not cur_caps:
            return True  # a heading, then its text
        ended = ends_sentence(prev.text)
        if prev_caps and cur_caps and not ended:
            return False  # a title over two lines
        geometry = self.geometry[round(prev.width)]
        if not self._full(prev, cur, geometry):  # prev ended though cur's first word fitted
            return ended or not is_lower_start(text)
        hanging = prev is opening and starts_paragraph(prev.text)
        if cur.x0 > prev.x0 + INDENT and not hanging:
            return True  # first-line indent
        indented = cur.x0 > geometry.left + INDENT
        # Two first lines in a row, both indented the same: prev was a one-line paragraph.
        return ended and indented and prev is opening and abs(cur.x0 - prev.x0) < 2

    def blocks(self, entries: list[_Line | _TableAt]) -> list[Block]:
        items: list[Piece | Table] = []
        current: list[str] = []
        start = 0
        prev: _Line | None = None
        opening: _Line | None = None
        last_table: _TableAt | None = None
        number = 0

        def flush() -> None:
            if current:
                text, bullet = clean(" ".join(current))
                items.append(Piece(text, start, bullet))
                current.clear()

        for entry in entries:
            if isinstance(entry, _TableAt):
                flush()
                prev = None
                if (
                    last_table is not None
                    and items
                    and isinstance(items[-1], Table)
                    and last_table.last_on_page
                    and entry.first_on_page
                    and entry.page == last_table.page + 1
                    and len(entry.rows[0]) == len(last_table.rows[0])
                ):  # a table continued on the next page
                    rows = entry.rows
                    if rows[0] == items[-1].rows[0]:
                        rows = rows[1:]  # the header row repeated
                    items[-1].rows.extend(rows)
                else:
                    items.append(Table(rows=entry.rows, line=number + 1))
                number += len(entry.rows)
                last_table = entry
                continue
            number += 1
            last_table = None
            if prev is None or opening is None or self.starts_new(prev, entry, opening):
                flush()
                start = number
                opening = entry
            current.append(entry.text)
            prev = entry
        flush()
        return assemble(items)


def _found(exc: BaseException, wanted: Any) -> BaseException | None:
    """The first error in ``exc``'s causes, contexts and arguments for which ``wanted`` is
    true (pdfplumber wraps pdfminer's errors, and pdfminer some of its own)."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        err = stack.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        seen.add(id(err))
        if wanted(err):
            return err
        stack.extend([err.__cause__, err.__context__, *err.args])
    return None


def _encrypted(err: BaseException) -> bool:
    name = type(err).__name__
    return "Password" in name or "Encrypt" in name


def _refused_scan(pages: int, limits: Limits) -> BoundError:
    return refusal(
        "ocr_pages",
        f"PDF không có lớp văn bản (bản quét) với {number(pages)} trang, quá giới hạn nhận "
        f"dạng chữ (OCR) {number(limits.ocr_pages)} trang",
        "hãy dùng tệp .docx gốc hoặc tách phần chương trình ra một tệp ngắn hơn",
    )


def _characters(entry: _Line | _TableAt) -> int:
    if isinstance(entry, _Line):
        return len(entry.text)
    return sum(len(cell) for row in entry.rows for cell in row)


def _read_layer(data: bytes, limits: Limits, reading: Reading) -> tuple[list[Block], int, bool]:
    """(blocks, pages, has images) of a PDF's text layer, within ``limits``."""
    import pdfplumber

    from theodoi.parsing.readers import pdfbounds  # pdfminer and pdfplumber: paid for here

    entries: list[_Line | _TableAt] = []
    images = False
    with pdfbounds.decoding(limits, reading):
        pdf = pdfplumber.open(io.BytesIO(data))
        # Counted before "with": pdfplumber's close() lists every page of the tree (20,000
        # pages: 24 s), so a file refused for its pages is left to the garbage collector.
        pages = pdfbounds.count_pages(pdf.doc, limits)
        with pdf:
            for index, page in enumerate(pdf.pages):
                reading.check()
                pdfbounds.layout(page, limits, reading)
                page_entries, page_images = _page_entries(page, index)
                reading.text(sum(_characters(entry) for entry in page_entries))
                entries.extend(page_entries)
                images = images or page_images
                page.close()
    lines = [entry for entry in entries if isinstance(entry, _Line)]
    blocks = _Grouper(lines).blocks(entries) if entries else []
    return blocks, pages, images


def read_pdf_bytes(data: bytes, *, ocr: bool = True, limits: Limits | None = None) -> list[Block]:
    """Blocks of a PDF; a PDF without any text is read through OCR unless ``ocr`` is False
    (the recognised copy itself: if it still has no text, OCR found none). Read within
    ``limits`` (the defaults when None); the recognised copy gets its own time."""
    limits = limits or Limits()
    if b"%PDF-" not in data[:1024]:
        raise ParseError(_NOT_PDF)
    if b"%%EOF" not in data[-2048:]:
        raise ParseError(_BROKEN.format("thiếu %%EOF ở cuối tệp"))
    try:
        blocks, pages, images = _read_layer(data, limits, Reading(limits))
    except ParseError:
        raise
    except Exception as exc:  # pdfminer and pdfplumber raise many kinds; one meaning here
        refused = _found(exc, lambda err: isinstance(err, ParseError))
        if refused is not None:
            raise refused from None
        if _found(exc, _encrypted):
            raise ParseError(_ENCRYPTED) from exc
        raise ParseError(_BROKEN.format(type(exc).__name__)) from exc
    if not has_content(blocks):
        if not ocr:
            raise ParseError(NOTHING_FOUND)
        if not images:  # nothing to recognise: no text and no scanned page
            raise ParseError(NO_TEXT)
        if pages > limits.ocr_pages:
            raise _refused_scan(pages, limits)
        recognised = recognise(data, pages=pages, seconds=limits.ocr_seconds)
        return read_pdf_bytes(recognised, ocr=False, limits=limits)
    return blocks

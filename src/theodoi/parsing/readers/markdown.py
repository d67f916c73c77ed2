"""Markdown and plain text: paragraphs by Markdown rules, or by the hard-wrap heuristic for a
text whose every line is a line of a page."""

from __future__ import annotations

import codecs
import re
import unicodedata

from theodoi.parsing.blocks import Block, ParseError, Table
from theodoi.parsing.readers.clean import (
    INVISIBLE,
    Piece,
    assemble,
    clean,
    clean_cell,
    continues_range,
    ends_sentence,
    first_word,
    is_all_caps,
    join_cell_lines,
    starts_paragraph,
)
from theodoi.parsing.text import is_lower_start

_HEADING = re.compile(r"#{1,6}(?:\s+|$)")
_HEADING_END = re.compile(r"\s+#+$")
_RULE = re.compile(r"(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:=[ \t]*){3,})$")
_TABLE_SEPARATOR = re.compile(r"\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?$")
_CELL_BORDER = re.compile(r"(?<!\\)\|")
_QUOTE = re.compile(r"(?:>[ \t]?)+")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)

# A line at least this long that ends in mid-sentence was wrapped, not ended.
_WRAPPED = 60

_NOT_TEXT = "không đọc được: tệp không phải văn bản UTF-8 (hãy lưu lại với mã hoá UTF-8)"


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError(_NOT_TEXT) from None
    if "\x00" in text:
        raise ParseError(_NOT_TEXT)
    return text


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = []
    for cell in _CELL_BORDER.split(line):
        parts = [clean_cell(part, markdown=True) for part in _BR.split(cell.replace("\\|", "|"))]
        cells.append(join_cell_lines(parts))
    return cells


def _closes_row(line: str) -> bool:
    return line.endswith("|") and not line.endswith("\\|")


def _is_table_start(lines: list[str], i: int, s: str) -> bool:
    if s.startswith("|"):
        return True
    return (
        "|" in s and i + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[i + 1].strip()) is not None
    )


def _wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None when its lines are paragraphs."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 6:
        return None
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if not 30 <= p90 <= 200:
        return None
    full = sum(1 for n in lengths if n >= 0.8 * p90)
    if full < 0.3 * len(lengths):
        return None
    return max(n for n in lengths if n <= 1.1 * p90)


def _hard_break(last: str, line: str, width: int | None) -> bool:
    """Whether ``line`` starts a paragraph in hard-wrapped text, ``last`` being the line
    before it and ``width`` the wrap width (None when unknown)."""
    if starts_paragraph(line):
        return not continues_range(last, line)
    if is_all_caps(last) and not is_all_caps(line):
        return True  # a heading, then its text
    ended = ends_sentence(last.rstrip("*_ "))
    if width is None:
        return ended
    if len(last) + 1 + len(first_word(line)) <= width:  # the word fitted, yet the line ended
        return ended or not is_lower_start(line)
    return False  # a full line goes on, even after a full stop that fell at its end


def _soft_break(last: str, line: str) -> bool:
    """Whether ``line`` starts a paragraph inside a Markdown block, ``last`` being the line
    before it. A marker or numbering starts one, except where an exporter's hard line break
    fell before it in mid-sentence: after a long line that stopped on a word or a comma
    ("... khoản 3" / "Điều 6; ...", "... Công an thành phố" / "- Thường trực ...", "giai đoạn
    2021" / "- 2025")."""
    bold = line[2:] if line.startswith(("**", "__")) else line  # "**e) Tổ đảng ...**"
    if not (starts_paragraph(line) or starts_paragraph(bold)):
        return False
    if continues_range(last, line):
        return False
    return not (
        len(last) >= _WRAPPED and (last[-1].isalnum() or last[-1] == ",") and not is_all_caps(last)
    )


def read_markdown(text: str, *, hard_wrap: bool | None = None) -> list[Block]:
    """Blocks of a Markdown or plain text document.

    ``hard_wrap`` picks the plain-text rules (a line starting with a marker, numbering or a
    role label, or following a line that ended its sentence, starts a paragraph); ``None``
    picks them only for a text with no blank line at all.
    """
    text = unicodedata.normalize("NFC", INVISIBLE.sub("", text))
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    first = 0
    while first < len(lines) and not lines[first]:
        first += 1
    if hard_wrap is None:
        hard_wrap = all(lines[first:])
    width = _wrap_width(lines) if hard_wrap else None

    items: list[Piece | Table] = []
    current: list[str] = []
    start = 0

    def flush() -> None:
        if current:
            body, bullet = clean(" ".join(current), markdown=True, normal=True)
            items.append(Piece(body, start, bullet))
            current.clear()

    i = first
    count = len(lines)
    while i < count:
        s = lines[i]
        number = i + 1
        i += 1
        if not s:
            flush()
            continue
        if s[0] == ">":
            s = _QUOTE.sub("", s, count=1).strip()
            if not s:
                flush()
                continue
        first_char = s[0]
        if "|" in s and _is_table_start(lines, number - 1, s):
            flush()
            rows = []
            j = number - 1
            closed = _closes_row(s)  # rows end with "|": one that does not goes on below
            while j < count and lines[j] and "|" in lines[j]:
                row = [lines[j]]  # the row's lines, joined once (not line by line: n²)
                j += 1
                if _TABLE_SEPARATOR.match(row[0]):
                    continue
                while closed and not _closes_row(row[-1]) and j < count and lines[j]:
                    if lines[j].startswith("|") or _TABLE_SEPARATOR.match(lines[j]):
                        break  # the next row: this one was left open
                    # A cell's text wrapped onto the next line: one text when it goes on in
                    # lower case, else a line of its own ("Sở Nội vụ" / "Sở Tài chính").
                    row.append(" " if is_lower_start(lines[j]) else "<br>")
                    row.append(lines[j])
                    j += 1
                rows.append(_split_row("".join(row)))
            if rows:
                items.append(Table(rows=rows, line=number))
            i = j
            continue
        if first_char in "`~" and s.startswith(("```", "~~~")):
            flush()  # a code fence: the fence goes, what it encloses is read as text
            continue
        if first_char in "-*_=" and _RULE.match(s):
            flush()  # a rule, or the underline of a setext heading: ends the paragraph
            continue
        if first_char == "#" and _HEADING.match(s):
            flush()
            heading = _HEADING_END.sub("", _HEADING.sub("", s, count=1))
            body, bullet = clean(heading, markdown=True)
            items.append(Piece(body, number, bullet, solid=True, fixed=True))
            continue
        if s.endswith("\\"):
            s = s[:-1]
        if current:
            new = _hard_break(current[-1], s, width) if hard_wrap else _soft_break(current[-1], s)
            if not new:
                current.append(s)
                continue
            flush()
        current.append(s)
        start = number
    flush()
    return assemble(items)

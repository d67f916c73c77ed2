"""Word .docx: body paragraphs and tables in document order, automatic numbering rendered as
Word shows it ("1.", "1.1.", "I.", "a)"), bullets as the paragraph's bullet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from theodoi.parsing.blocks import Block, ParseError, Table
from theodoi.parsing.readers.clean import Piece, assemble, clean, join_cell_lines
from theodoi.parsing.readers.limits import Limits, Reading
from theodoi.parsing.readers.package import (
    NOT_DOCX,
    OFFICE_DOCUMENT,
    RELS,
    XmlBudget,
    open_package,
    read_part,
    relationships,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

_P, _TBL, _TR, _TC, _R = W + "p", W + "tbl", W + "tr", W + "tc", W + "r"
_T, _TAB, _PTAB, _BR, _CR = W + "t", W + "tab", W + "ptab", W + "br", W + "cr"
_NO_BREAK_HYPHEN = W + "noBreakHyphen"
_SDT, _SDT_CONTENT, _CUSTOM_XML = W + "sdt", W + "sdtContent", W + "customXml"
_VAL = W + "val"
# Inside a paragraph: what is not its visible text (properties, deleted text, field codes,
# drawings and text boxes, notes' reference marks).
_SKIP = frozenset(
    W + tag
    for tag in [
        *("pPr", "rPr", "del", "moveFrom", "delText", "instrText", "delInstrText", "fldData"),
        "sectPr",
        *("drawing", "pict", "object"),
        *("footnoteReference", "endnoteReference", "commentReference", "annotationRef"),
    ]
) | {_MC + "AlternateContent"}

OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LEGACY_DOC = "tệp Word cũ (.doc): hãy mở bằng Word và lưu thành .docx (Save As > Word Document)"

_BULLET_CHARS = frozenset("-–—+*•◦▪●○■□►▸➢➤❖✓✔·")


def _val(el: Any, tag: str) -> str | None:
    """The w:val of the child ``tag`` of ``el`` (None when there is no such child)."""
    if el is None:
        return None
    child = el.find(W + tag)
    if child is None:
        return None
    return child.get(_VAL, "")


def _on(el: Any, tag: str) -> bool:
    """A boolean property (w:vanish, w:isLgl): present and not switched off."""
    value = _val(el, tag)
    return value is not None and value not in ("0", "false", "off")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _grid_count(element: Any, default: int = 0) -> int:
    """The number in a w:gridSpan or w:gridBefore element, bounded: a broken file may say
    anything."""
    if element is None:
        return default
    return max(default, min(_int(element.get(_VAL), default), 64))


# --------------------------------------------------------------------------- numbering


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # w:lvlRestart: restart after this (1-based) level; 0 = never
    legal: bool = False  # w:isLgl: show every level in decimal


def _parse_level(lvl: Any) -> _Level:
    return _Level(
        fmt=_val(lvl, "numFmt") or "decimal",
        text=_val(lvl, "lvlText") or "",
        start=_int(_val(lvl, "start"), 1),
        restart=None if lvl.find(W + "lvlRestart") is None else _int(_val(lvl, "lvlRestart"), 1),
        legal=_on(lvl, "isLgl"),
    )


def _roman(n: int) -> str:
    if n <= 0:
        return str(n)
    out = []
    for value, letters in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _letter(n: int) -> str:
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)  # Word: Z, AA, BB, ...


def format_number(n: int, fmt: str) -> str:
    """A counter as Word writes it in format ``fmt`` (w:numFmt)."""
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)  # decimal, and the formats we do not render (ordinal, Chinese, ...)


def _bullet_char(level_text: str) -> str:
    """The bullet a bullet level shows. Symbol/Wingdings bullets are private-use characters
    (or letters like "o", "§" drawn in a symbol font): those are all "•"."""
    stripped = level_text.strip()
    if len(stripped) == 1 and stripped in _BULLET_CHARS:
        return stripped
    return "•"


class Numbering:
    """Word's list counters, advanced paragraph by paragraph in document order."""

    def __init__(self, numbering: Any, styles: Any) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.abstract_link: dict[str, str] = {}  # abstractNum -> numbering style it follows
        self.nums: dict[str, str] = {}  # numId -> abstractNumId
        self.overrides: dict[str, dict[int, _Level]] = {}  # numId -> level -> level override
        self.start_overrides: dict[str, dict[int, int]] = {}
        self.level_styles: dict[str, dict[str, int]] = {}  # abstractNumId -> pStyle -> level
        self.counters: dict[str, dict[int, int]] = {}
        self.used: set[str] = set()
        self.styles: dict[str, Any] = {}
        self.default_style: str | None = None
        self._style_cache: dict[str, tuple[str | None, int | None]] = {}
        if styles is not None:
            for style in styles.iter(W + "style"):
                style_id = style.get(W + "styleId")
                if style_id:
                    self.styles[style_id] = style
                    if style.get(W + "type") == "paragraph" and style.get(W + "default") in (
                        "1",
                        "true",
                    ):
                        self.default_style = style_id
        if numbering is None:
            return
        for abstract in numbering.iter(W + "abstractNum"):
            abstract_id = abstract.get(W + "abstractNumId")
            if abstract_id is None:
                continue
            levels = {}
            for lvl in abstract.iter(W + "lvl"):
                ilvl = _int(lvl.get(W + "ilvl"), 0)
                levels[ilvl] = _parse_level(lvl)
                style = _val(lvl, "pStyle")
                if style:
                    self.level_styles.setdefault(abstract_id, {})[style] = ilvl
            self.abstract[abstract_id] = levels
            link = _val(abstract, "numStyleLink")
            if link:
                self.abstract_link[abstract_id] = link
        for num in numbering.iter(W + "num"):
            num_id = num.get(W + "numId")
            abstract_id = _val(num, "abstractNumId")
            if num_id is None or abstract_id is None:
                continue
            self.nums[num_id] = abstract_id
            for override in num.iter(W + "lvlOverride"):
                ilvl = _int(override.get(W + "ilvl"), 0)
                start = _val(override, "startOverride")
                if start is not None:
                    self.start_overrides.setdefault(num_id, {})[ilvl] = _int(start, 1)
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    self.overrides.setdefault(num_id, {})[ilvl] = _parse_level(lvl)

    def _abstract_id(self, num_id: str) -> str | None:
        abstract_id = self.nums.get(num_id)
        seen: set[str] = set()
        # An abstractNum that only points at a numbering style takes the style's list.
        while abstract_id in self.abstract_link and abstract_id not in seen:
            seen.add(abstract_id)
            style_num, _ = self._style_numbering(self.abstract_link[abstract_id])
            if style_num is None or self.nums.get(style_num) in (None, abstract_id):
                break
            abstract_id = self.nums[style_num]
        return abstract_id

    def _style_numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) a paragraph style gives, following w:basedOn."""
        if style_id is None:
            return None, None
        if style_id in self._style_cache:
            return self._style_cache[style_id]
        self._style_cache[style_id] = (None, None)  # guards against basedOn loops
        style = self.styles.get(style_id)
        result: tuple[str | None, int | None] = (None, None)
        if style is not None:
            num_pr = style.find(f"{W}pPr/{W}numPr")
            num_id = _val(num_pr, "numId")
            ilvl = _val(num_pr, "ilvl")
            if num_id is not None:
                result = (num_id, _int(ilvl, 0) if ilvl is not None else None)
            else:
                result = self._style_numbering(_val(style, "basedOn"))
        self._style_cache[style_id] = result
        return result

    def _level(self, num_id: str, abstract_id: str, ilvl: int) -> _Level:
        override = self.overrides.get(num_id, {}).get(ilvl)
        if override is not None:
            return override
        return self.abstract.get(abstract_id, {}).get(ilvl) or _Level(text=f"%{ilvl + 1}.")

    def paragraph(self, p_pr: Any) -> tuple[str | None, str | None]:
        """(prefix, bullet) for a paragraph with properties ``p_pr``, advancing the counters.
        A numbered paragraph gets a prefix like "1.1."; a bullet-list one gets a bullet."""
        num_pr = p_pr.find(W + "numPr") if p_pr is not None else None
        num_id = _val(num_pr, "numId")
        ilvl_text = _val(num_pr, "ilvl")
        style_id = _val(p_pr, "pStyle") or self.default_style
        if num_id is None:
            num_id, style_ilvl = self._style_numbering(style_id)
            if num_id is None:
                return None, None
            if ilvl_text is None and style_ilvl is not None:
                ilvl_text = str(style_ilvl)
        if num_id == "0":
            return None, None
        abstract_id = self._abstract_id(num_id)
        if abstract_id is None:
            return None, None
        if ilvl_text is not None:
            ilvl = _int(ilvl_text, 0)
        else:
            ilvl = self.level_styles.get(abstract_id, {}).get(style_id or "", 0)
        ilvl = min(max(ilvl, 0), 8)
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.used:
            self.used.add(num_id)
            for level, start in self.start_overrides.get(num_id, {}).items():
                counters[level] = start - 1
                for deeper in [d for d in counters if d > level]:
                    del counters[deeper]
        level = self._level(num_id, abstract_id, ilvl)
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [d for d in counters if d > ilvl]:
            restart = self._level(num_id, abstract_id, deeper).restart
            if restart is None or (restart != 0 and ilvl < restart):
                del counters[deeper]
        if level.fmt == "bullet":
            return None, _bullet_char(level.text)

        def render(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            shown = self._level(num_id, abstract_id, index)
            value = counters.get(index, shown.start)
            return format_number(value, "decimal" if level.legal else shown.fmt)

        prefix = re.sub(r"%([1-9])", render, level.text).strip()
        return prefix or None, None


# --------------------------------------------------------------------------- text


def _hidden(run: Any) -> bool:
    r_pr = run.find(W + "rPr")
    return r_pr is not None and (_on(r_pr, "vanish") or _on(r_pr, "webHidden"))


def _collect(el: Any, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag == _T:
            out.append(child.text or "")
        elif tag in (_TAB, _PTAB, _BR, _CR):
            out.append(" ")  # a soft line break is a space; so is a page break inside
        elif tag == _NO_BREAK_HYPHEN:
            out.append("-")
        elif tag in _SKIP or not isinstance(tag, str):
            continue  # properties, deleted text, field codes, drawings, comments (lxml)
        elif tag == _R:
            if not _hidden(child):
                _collect(child, out)
        else:  # hyperlinks, inserted text, smart tags, simple fields, content controls
            _collect(child, out)


def paragraph_text(p: Any) -> str:
    out: list[str] = []
    _collect(p, out)
    return "".join(out)


class _Reader:
    def __init__(self, numbering: Numbering, reading: Reading) -> None:
        self.numbering = numbering
        self.reading = reading
        self.position = 0
        self.items: list[Piece | Table] = []

    def _paragraph(self, p: Any) -> tuple[str, str | None, bool]:
        """(clean text, bullet, heading?) of a paragraph, numbering included."""
        p_pr = p.find(W + "pPr")
        prefix, list_bullet = self.numbering.paragraph(p_pr)
        raw = paragraph_text(p)
        if prefix:
            raw = f"{prefix} {raw}"
        text, bullet = clean(raw, bullet=list_bullet)
        self.reading.text(len(text))
        style = (_val(p_pr, "pStyle") or "").lower()
        heading = style.startswith(("heading", "title", "subtitle", "tieude"))
        return text, bullet, heading

    def body(self, parent: Any) -> None:
        for child in _block_children(parent):
            self.reading.check()
            if child.tag == _P:
                self.position += 1
                text, bullet, heading = self._paragraph(child)
                if text:
                    self.items.append(Piece(text, self.position, bullet, heading, heading))
            else:
                rows = self._table(child)
                if rows:
                    self.items.append(Table(rows=rows, line=self.position + 1))
                    self.position += len(rows)

    def _table(self, tbl: Any) -> list[list[str]]:
        """Rows on the table's grid: a cell merged across columns fills its first column and
        leaves the others empty, so every row's cells line up with the header's."""
        rows = []
        for tr in _children(tbl, _TR):
            row = [""] * _grid_count(tr.find(f"{W}trPr/{W}gridBefore"))
            for tc in _children(tr, _TC):
                span = _grid_count(tc.find(f"{W}tcPr/{W}gridSpan"), default=1)
                v_merge = tc.find(f"{W}tcPr/{W}vMerge")
                if v_merge is not None and v_merge.get(_VAL) != "restart":
                    row.extend([""] * span)  # the continuation of a vertically merged cell
                    continue
                parts: list[str] = []
                self._cell(tc, parts)
                row.append(join_cell_lines(parts))
                row.extend([""] * (span - 1))
            if any(row):
                rows.append(row)
        return rows

    def _cell(self, parent: Any, parts: list[str]) -> None:
        for child in _block_children(parent):
            if child.tag == _P:
                text, _, _ = self._paragraph(child)
                if text:
                    parts.append(text)
            else:  # a nested table: its text flattened into the cell
                for row in self._table(child):
                    parts.extend(cell for cell in row if cell)


def _children(parent: Any, tag: str) -> Iterator[Any]:
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from _children(content, tag)


def _block_children(parent: Any) -> Iterator[Any]:
    for child in parent:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from _block_children(content)


NUMBERING = RELS + "numbering"
STYLES = RELS + "styles"
MAIN = "word/document.xml"


def _open(data: bytes, limits: Limits, reading: Reading) -> tuple[Any, Any, Any]:
    """(body, numbering, styles) of a .docx: its main document's w:body and the two parts
    the numbering is rendered from (None when missing), read within ``limits``."""
    if data.startswith(OLE_HEADER):
        raise ParseError(LEGACY_DOC)
    if not data.startswith(b"PK"):
        raise ParseError(NOT_DOCX.format("không phải tệp nén .docx"))
    archive = open_package(data, limits)
    with archive:
        if MAIN not in archive.namelist():
            raise ParseError(NOT_DOCX.format("thiếu word/document.xml"))
        budget = XmlBudget(limits, reading)
        main = relationships(archive, "", budget).get(OFFICE_DOCUMENT, MAIN)
        related = relationships(archive, main, budget)
        document = read_part(archive, main, budget)
        if document is None:
            raise ParseError(NOT_DOCX.format(f"thiếu {main}"))
        body = document.find(W + "body")
        if body is None:
            raise ParseError(NOT_DOCX.format("thiếu phần thân w:body"))
        numbering, styles = (
            read_part(archive, related[kind], budget) if kind in related else None
            for kind in (NUMBERING, STYLES)
        )
    return body, numbering, styles


def read_docx_bytes(
    data: bytes, *, limits: Limits | None = None, reading: Reading | None = None
) -> list[Block]:
    """Blocks of a .docx's bytes, read within ``limits`` (the defaults when None)."""
    limits = limits or Limits()
    reading = reading or Reading(limits)
    body, numbering_el, styles_el = _open(data, limits, reading)
    try:
        reader = _Reader(Numbering(numbering_el, styles_el), reading)
        reader.body(body)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise ParseError(NOT_DOCX.format(type(exc).__name__)) from exc
    return assemble(reader.items)

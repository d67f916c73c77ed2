"""Small .docx and .pdf documents for the parser tests, built from a list of items.

An item is one of:

- ``"text"``: a paragraph, written as given. ``"- x"`` / ``"+ x"`` are typed bullets, ``"1.1. x"``
  a paragraph whose number is part of its text. A ``"\\n"`` inside is a soft line break (docx)
  or a forced line break (pdf).
- ``[["a", "b"], ["c", "d"]]``: a table, a list of rows. In build_docx a cell ``MERGE_LEFT``
  is merged into the cell on its left (w:gridSpan) and ``MERGE_UP`` into the one above
  (w:vMerge); build_pdf draws the same merges as colspan/rowspan.
- ``("numbered", level, "text")`` or ``("numbered", level, "text", list)``: a paragraph with real
  Word automatic numbering (docx; in a pdf the number Word would show is written out).
  ``list`` names a numbering definition (one w:abstractNum and w:num each):
  ``"outline"`` (the default, as Vietnamese documents number: upperRoman "%1.", then decimal
  "%2.", "%2.%3.", lowerLetter "%4)", i.e. "I.", "1.", "1.1.", "a)"), ``"decimal"`` ("%1.",
  "%1.%2.", "%1.%2.%3."), ``"roman"`` (upperRoman "%1.", decimal "%2.", lowerLetter "%3)"),
  ``"bullet"`` (bullets "•", "–", "+").
- ``("restart", list)``: later ``list`` paragraphs use a new w:num with w:startOverride 1.
- ``("styled", "text")``: a paragraph in style "MucVN", whose numbering ("%1)") comes from the
  style's w:numPr, not the paragraph's.
- ``("heading", level, "text")``: a paragraph in Word's "Heading n" style.
- ``("page-break",)``: a page break (docx: w:br w:type="page" in an empty paragraph).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

FONT = Path(__file__).resolve().parent.parent / "data" / "fonts" / "DejaVuSans-vi.ttf"

MERGE_LEFT = "<<merge-left>>"
MERGE_UP = "<<merge-up>>"

# list name -> [(numFmt, lvlText), ...] by level
LISTS: dict[str, list[tuple[str, str]]] = {
    "outline": [
        ("upperRoman", "%1."),
        ("decimal", "%2."),
        ("decimal", "%2.%3."),
        ("lowerLetter", "%4)"),
    ],
    "decimal": [("decimal", "%1."), ("decimal", "%1.%2."), ("decimal", "%1.%2.%3.")],
    "roman": [("upperRoman", "%1."), ("decimal", "%2."), ("lowerLetter", "%3)")],
    "bullet": [("bullet", "•"), ("bullet", "–"), ("bullet", "+")],
    "styled": [("decimal", "%1)")],
}

Item = str | list[list[str]] | tuple[Any, ...]

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out += letters * count
    return out


class _Lists:
    """Numbering definitions added to a python-docx document as they are first used."""

    def __init__(self, document: Any) -> None:
        from docx.oxml import parse_xml

        self._parse = parse_xml
        self.numbering = document.part.numbering_part.element
        self.abstract: dict[str, int] = {}
        self.current: dict[str, int] = {}
        ids = [int(n.get(_qn("w:numId"))) for n in self.numbering.findall(_qn("w:num"))]
        self.next_num = max(ids, default=0) + 1

    def _abstract(self, name: str) -> int:
        if name not in self.abstract:
            abstract_id = 900 + len(self.abstract)
            levels = "".join(
                f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
                for i, (fmt, text) in enumerate(LISTS[name])
            )
            element = self._parse(
                f'<w:abstractNum {_W_NS} w:abstractNumId="{abstract_id}">'
                f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
            )
            first_num = self.numbering.find(_qn("w:num"))
            if first_num is not None:  # the schema wants every abstractNum before the nums
                first_num.addprevious(element)
            else:
                self.numbering.append(element)
            self.abstract[name] = abstract_id
        return self.abstract[name]

    def num(self, name: str, *, restart: bool = False) -> int:
        if name in self.current and not restart:
            return self.current[name]
        abstract_id = self._abstract(name)
        num_id = self.next_num
        self.next_num += 1
        override = (
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
            if restart
            else ""
        )
        self.numbering.append(
            self._parse(
                f'<w:num {_W_NS} w:numId="{num_id}">'
                f'<w:abstractNumId w:val="{abstract_id}"/>{override}</w:num>'
            )
        )
        self.current[name] = num_id
        return num_id


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _set_numbering(paragraph: Any, num_id: int, level: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def _add_text(paragraph: Any, text: str) -> None:
    """Text with "\\n" as soft line breaks (w:br) inside one paragraph."""
    for i, piece in enumerate(text.split("\n")):
        run = paragraph.add_run(piece)
        if i:
            run._r.insert(0, run._r.makeelement(_qn("w:br"), {}))


def _docx_table(document: Any, rows: Sequence[Sequence[str]]) -> None:
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value not in (MERGE_LEFT, MERGE_UP):
                table.cell(r, c).text = value
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value == MERGE_LEFT:
                table.cell(r, c - 1).merge(table.cell(r, c))
            elif value == MERGE_UP:
                table.cell(r - 1, c).merge(table.cell(r, c))


def _styled_style(document: Any, lists: _Lists) -> str:
    from docx.enum.style import WD_STYLE_TYPE

    name = "MucVN"
    if name not in [s.name for s in document.styles]:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        num_pr = style.element.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_numId().val = lists.num("styled")
    return name


def build_docx(path: str | Path, items: Sequence[Item]) -> Path:
    """Write a .docx with python-docx from ``items`` (see the module docstring)."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    lists = _Lists(document)
    for item in items:
        if isinstance(item, str):
            _add_text(document.add_paragraph(), item)
        elif isinstance(item, list):
            _docx_table(document, item)
        elif item[0] == "numbered":
            level, text = item[1], item[2]
            name = item[3] if len(item) > 3 else "outline"
            paragraph = document.add_paragraph()
            _add_text(paragraph, text)
            _set_numbering(paragraph, lists.num(name), level)
        elif item[0] == "restart":
            lists.num(item[1], restart=True)
        elif item[0] == "styled":
            paragraph = document.add_paragraph(style=_styled_style(document, lists))
            _add_text(paragraph, item[1])
        elif item[0] == "heading":
            document.add_heading(item[2], level=item[1])
        elif item[0] == "page-break":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            raise ValueError(f"unknown item {item!r}")
    path = Path(path)
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- pdf


class _Counters:
    """The numbers Word would show, for writing numbered items into a pdf."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}

    def label(self, name: str, level: int) -> str:
        counts = self.counts.setdefault(name, [0] * 9)
        counts[level] += 1
        for deeper in range(level + 1, 9):
            counts[deeper] = 0
        fmt, text = LISTS[name][level]
        if fmt == "bullet":
            return text
        for i in range(level + 1):
            value = max(counts[i], 1)
            shown = {
                "upperRoman": _roman(value),
                "lowerLetter": chr(ord("a") + value - 1),
            }.get(LISTS[name][i][0], str(value))
            text = text.replace(f"%{i + 1}", shown)
        return text


def build_pdf(
    path: str | Path,
    items: Sequence[Item],
    *,
    indent_mm: float = 10.0,
    gap_mm: float = 2.0,
    page_label: str | None = "- {n} -",
    font_size: float = 12.0,
) -> Path:
    """Write an A4 pdf with fpdf2 and the bundled DejaVu subset (Vietnamese text).

    Paragraphs flow and wrap like a word processor's: the first line indented by
    ``indent_mm``, ``gap_mm`` between paragraphs, pages breaking where they fall. Tables are
    ruled (every cell bordered), so pdfplumber finds them. ``page_label`` (with ``{n}``) is
    a centred footer on every page; None for none.
    """
    from fpdf import FPDF

    class _Document(FPDF):
        def footer(self) -> None:
            if page_label:
                self.set_y(-15)
                self.set_font("DejaVu", size=10)
                self.cell(0, 8, page_label.format(n=self.page_no()), align="C")

    pdf = _Document(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=font_size)
    pdf.set_margins(25, 20, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    line_height = font_size * 0.3528 * 1.35
    counters = _Counters()

    def paragraph(text: str) -> None:
        pdf.set_x(pdf.l_margin + indent_mm)
        pdf.write(line_height, text)
        pdf.ln(line_height + gap_mm)

    for item in items:
        if isinstance(item, str):
            paragraph(item)
        elif isinstance(item, list):
            _pdf_table(pdf, item, line_height)
            pdf.ln(gap_mm)
        elif item[0] == "numbered":
            name = item[3] if len(item) > 3 else "outline"
            paragraph(f"{counters.label(name, item[1])} {item[2]}")
        elif item[0] == "restart":
            counters.counts.pop(item[1], None)
        elif item[0] == "styled":
            paragraph(f"{counters.label('styled', 0)} {item[1]}")
        elif item[0] == "heading":
            paragraph(item[2])
        elif item[0] == "page-break":
            pdf.add_page()
        else:
            raise ValueError(f"unknown item {item!r}")
    path = Path(path)
    pdf.output(str(path))
    return path


def _pdf_table(pdf: Any, rows: Sequence[Sequence[str]], line_height: float) -> None:
    width = max(len(row) for row in rows)
    covered: set[tuple[int, int]] = set()
    with pdf.table(line_height=line_height, text_align="LEFT", first_row_as_headings=False) as t:
        for r, row in enumerate(rows):
            out = t.row()
            for c in range(width):
                value = row[c] if c < len(row) else ""
                if (r, c) in covered or value in (MERGE_LEFT, MERGE_UP):
                    continue
                colspan = 1
                while c + colspan < len(row) and row[c + colspan] == MERGE_LEFT:
                    colspan += 1
                rowspan = 1
                while r + rowspan < len(rows) and rows[r + rowspan][c] == MERGE_UP:
                    rowspan += 1
                for dr in range(rowspan):
                    for dc in range(colspan):
                        covered.add((r + dr, c + dc))
                out.cell(value, colspan=colspan, rowspan=rowspan)


def pdf_file(objects: Sequence[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1; the first the catalog), with its
    cross-reference table: for documents written by hand, byte by byte."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

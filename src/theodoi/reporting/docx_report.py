"""The report as a Word document (python-docx), laid out as the issuing body lays out its
documents: the Party's format (Hướng dẫn 36-HD/VPTW ngày 03/4/2018 of the Central Office,
"HD 36" below) or the State's (Nghị định 30/2020/NĐ-CP, appendix I, "ND 30" below). Each
layout choice names the rule it follows. The content is ``theodoi.reporting.content``'s, the
same the web page and the PDF show."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .content import Line, Report
from .frame import DocumentFrame

__all__ = [
    "close_document",
    "list_table",
    "open_document",
    "paragraph",
    "render_docx",
    "section_heading",
]

FONT = "Times New Roman"  # HD 36 III.2 and ND 30 I.2: Times New Roman (Unicode, TCVN 6909)


@dataclass(frozen=True)
class Sizes:
    """Font sizes in points for one format."""

    superior: float
    issuer: float
    number: float
    national: float
    motto: float
    date: float
    type_name: float
    subject: float
    body: float
    table: float
    recipients_title: float
    recipients: float
    signature: float


# HD 36 part II: superior body 14 caps (II.2), issuing body 14 caps bold (II.2), number 14
# (II.3), "ĐẢNG CỘNG SẢN VIỆT NAM" 15 caps bold (II.1), place and date 14 italic (II.4), type
# name 15-16 caps bold (II.5), subject 14-15 bold (II.5), body 14-15 (II.6), "Nơi nhận" and
# its list 12 (II.9; the list in 12), signature 14 (II.8).
PARTY = Sizes(14, 14, 14, 15, 15, 14, 16, 14, 14, 12, 12, 12, 14)
# ND 30 appendix I part II: issuing body 12-13 caps (II.3), number 13 (II.3), national name
# 12-13 caps bold, motto 13-14 bold (II.1), place and date 13-14 italic (II.4), type name 13-14
# caps bold, subject 13-14 bold (II.5), body 13-14 (II.6), "Nơi nhận" 12 bold italic and its
# list 11 (II.9), signature 13-14 (II.7).
STATE = Sizes(13, 13, 13, 13, 14, 14, 14, 14, 14, 12, 12, 11, 14)


def open_document(frame: DocumentFrame) -> tuple[Any, Sizes]:
    """A new document with the page, the fonts, the header, the type name and the subject of
    ``frame``: what every report issued in a body's format starts with."""
    sizes = PARTY if frame.is_party else STATE
    doc = Document()
    _page(doc)
    _page_numbers(doc, frame, sizes)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(sizes.body)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(0)

    _header(doc, frame, sizes)
    # The type name and the subject, centred under the header (HD 36 II.5, ND 30 II.5).
    _para(doc, frame.type_name, sizes.type_name, bold=True, align="center", before=12)
    _para(doc, frame.subject, sizes.subject, bold=True, align="center")
    _para(doc, "-----", sizes.body, align="center", after=6)
    return doc, sizes


def close_document(doc: Any, frame: DocumentFrame, sizes: Sizes) -> bytes:
    """The recipients and the signature block, then the file's bytes."""
    _signature(doc, frame, sizes)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_docx(report: Report) -> bytes:
    doc, sizes = open_document(report.frame)

    # The body: 14 pt, justified, first line indented 1-1.27 cm (HD 36 II.6, ND 30 II.6).
    _heading(doc, _("I. TÌNH HÌNH VÀ KẾT QUẢ THỰC HIỆN"), sizes)
    for text in report.summary:
        _body(doc, text, sizes)
    _heading(doc, _("1. Kết quả theo lĩnh vực"), sizes, italic=True)
    _figures(doc, report.by_area, _("Lĩnh vực"), report.total, sizes, keyed=True)
    _heading(doc, _("2. Kết quả theo cơ quan, đơn vị"), sizes, italic=True)
    _figures(doc, report.by_body, _("Cơ quan, đơn vị"), report.total, sizes)
    _heading(
        doc,
        _("3. Nhiệm vụ hoàn thành trong %(period)s") % {"period": report.period.label},
        sizes,
        italic=True,
    )
    if report.done_groups:
        _group_table(
            doc,
            [_("Nhiệm vụ"), _("Cơ quan, ngày hoàn thành, văn bản đã ban hành")],
            report.done_rows,
            sizes,
        )
    else:
        _body(doc, _("Không có nhiệm vụ nào hoàn thành trong kỳ."), sizes)

    _heading(doc, _("II. NHIỆM VỤ QUÁ HẠN CHƯA HOÀN THÀNH"), sizes)
    if report.overdue_groups:
        _group_table(
            doc,
            [_("Nhiệm vụ"), _("Cơ quan chịu trách nhiệm, hạn, số ngày quá hạn")],
            report.overdue_rows,
            sizes,
        )
    else:
        _body(doc, _("Không có nhiệm vụ quá hạn."), sizes)

    _heading(doc, _("III. GIA HẠN ĐÃ CHẤP THUẬN TRONG KỲ"), sizes)
    if report.extensions:
        rows = [
            [
                f"{e.task_key}. {e.task_text}",
                e.body,
                f"{e.original_due:%d/%m/%Y}",
                f"{e.new_due:%d/%m/%Y}",
                f"{e.decided_on:%d/%m/%Y}",
            ]
            for e in report.extensions
        ]
        headers = [_("Nhiệm vụ"), _("Cơ quan"), _("Hạn cũ"), _("Hạn mới"), _("Ngày chấp thuận")]
        _list_table(doc, headers, rows, sizes)
    else:
        _body(doc, _("Không có đề nghị gia hạn nào được chấp thuận trong kỳ."), sizes)

    _heading(doc, _("IV. ĐỀ XUẤT, KIẾN NGHỊ"), sizes)
    for text in report.proposals:
        _body(doc, text, sizes)

    return close_document(doc, report.frame, sizes)


def _page(doc) -> None:
    """A4 portrait (HD 36 III.1, ND 30 I.3); margins top 20-25, bottom 20-25, left 30-35,
    right 15-20 mm (HD 36 III.1, ND 30 I.4): 20, 20, 30, 15."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)


def _run(paragraph, text: str, size: float, *, bold=False, italic=False, underline=False):
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return run


_ALIGN = {
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def _para(container, text: str, size: float, *, bold=False, italic=False, underline=False,
          align="left", before=0, after=0, first_line=None, first=False):  # fmt: skip
    paragraph = container.paragraphs[0] if first else container.add_paragraph()
    paragraph.alignment = _ALIGN[align]
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if first_line is not None:
        fmt.first_line_indent = first_line
    _run(paragraph, text, size, bold=bold, italic=italic, underline=underline)
    return paragraph


def _rule_under(paragraph, indent_cm: float) -> None:
    """A thin line under a line of the header, about as long as its text (HD 36 II.1: a
    line under "ĐẢNG CỘNG SẢN VIỆT NAM"; ND 30 II.1 and II.3: under the motto and under the
    issuing body): the paragraph's bottom border, narrowed by indents."""
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Cm(indent_cm)
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                        ("w:color", "000000")):  # fmt: skip
        bottom.set(qn(name), value)
    borders.append(bottom)
    p_pr.append(borders)


def _header(doc, frame: DocumentFrame, sizes: Sizes) -> None:
    """The header as a two-column table without borders (HD 36 II, ND 30 II): the issuing
    body and the number at the left, the Party's or the State's name and the date line at
    the right."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(9.0)
    first = True
    for line in frame.superior_lines:  # HD 36 II.2: the superior body, caps, not bold
        _para(left, line.upper(), sizes.superior, align="center", first=first)
        first = False
    for i, line in enumerate(frame.issuer_lines):  # HD 36 II.2: the issuing body, caps, bold
        p = _para(left, line.upper(), sizes.issuer, bold=True, align="center", first=first)
        first = False
        if not frame.is_party and i == len(frame.issuer_lines) - 1:
            _rule_under(p, 2.0)  # ND 30 II.3: a line under the issuing body
    if frame.is_party:
        _para(left, "*", sizes.issuer, align="center")  # HD 36 II.2: a star under it
    # HD 36 II.3 "Số 12-BC/TU" (no colon); ND 30 II.3 "Số: 12/BC-UBND".
    _para(left, frame.number_line, sizes.number, align="center", before=0 if frame.is_party else 6)
    national = frame.national_lines
    if frame.is_party:
        # HD 36 II.1: "ĐẢNG CỘNG SẢN VIỆT NAM", 15 pt, caps, bold, a line under it.
        p = _para(right, national[0], sizes.national, bold=True, align="center", first=True)
        _rule_under(p, 0.6)
    else:
        # ND 30 II.1: the national name 12-13 caps bold; the motto 13-14 bold, a line under.
        _para(right, national[0], sizes.national, bold=True, align="center", first=True)
        p = _para(right, national[1], sizes.motto, bold=True, align="center")
        _rule_under(p, 2.2)
    # HD 36 II.4, ND 30 II.4: place and date, italic, under the national name, to the right.
    _para(right, frame.place_date, sizes.date, italic=True, align="right", before=6)


def _heading(doc, text: str, sizes: Sizes, *, italic=False) -> None:
    p = _para(doc, text, sizes.body, bold=True, italic=italic, align="justify", before=6,
              after=3, first_line=Cm(1))  # fmt: skip
    p.paragraph_format.keep_with_next = True


def _body(doc, text: str, sizes: Sizes) -> None:
    _para(doc, text, sizes.body, align="justify", after=6, first_line=Cm(1))


def _grid(doc, rows: int, cols: int):
    table = doc.add_table(rows=rows, cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _row_flag(row, name: str) -> None:
    """``w:tblHeader`` (repeat the row at the top of each page) or ``w:cantSplit`` (never
    break the row across pages) on a table row."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(name)) is None:
        tr_pr.append(OxmlElement(name))


def _keep_rows(table) -> None:
    """The header row repeated on each page, no row split across two."""
    _row_flag(table.rows[0], "w:tblHeader")
    for row in table.rows:
        _row_flag(row, "w:cantSplit")


def _group_table(doc, headers: list[str], groups, sizes: Sizes) -> None:
    """One task per group: its number and text in its first row, then one row per line (a
    body, or bodies of one date), their first cells empty, so no row outgrows a page (a
    merged cell would tie its rows to one page)."""
    table = _grid(doc, 1, len(headers) + 1)
    for cell, text in zip(table.rows[0].cells, [_("TT"), *headers], strict=True):
        _cell(cell, text, sizes.table, bold=True, align="center")
    for n, (group, lines) in enumerate(groups, start=1):
        for i, line in enumerate(lines or [""]):
            cells = table.add_row().cells
            if i == 0:
                _cell(cells[0], str(n), sizes.table, align="right")
                _cell(cells[1], f"{group.task_key}. {group.task_text}", sizes.table)
            _cell(cells[2], line, sizes.table)
    _keep_rows(table)
    doc.add_paragraph()


def _page_numbers(doc, frame: DocumentFrame, sizes: Sizes) -> None:
    """A PAGE field from the second page, none on the first (a distinct first-page header
    and footer, left empty): the Party's at the bottom centre, 14 pt (HD 36 III.3), the
    State's at the top centre, 13 pt (ND 30 appendix I, I.5)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    part = section.footer if frame.is_party else section.header
    paragraph = part.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = sizes.body if frame.is_party else 13
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"),
                       ("end", None)):  # fmt: skip
        run = _run(paragraph, "", size)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text.strip() == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def _cell(cell, text: str, size: float, *, bold=False, align="left") -> None:
    lines = str(text).split("\n")
    _para(cell, lines[0], size, bold=bold, align=align, first=True)
    for line in lines[1:]:
        _para(cell, line, size, bold=bold, align=align)


def _figures(doc, rows: list[Line], first: str, total: Line, sizes: Sizes, *, keyed=False):
    """A table of figures; tables in a report use a smaller size than the body (12 pt)."""
    headers = [_("TT"), first, _("Được giao"), _("Đến hạn"), _("Hoàn thành đúng hạn"),
               _("Hoàn thành quá hạn"), _("Quá hạn chưa hoàn thành"), _("Tỷ lệ hoàn thành")]  # fmt: skip
    table = _grid(doc, 1, len(headers))
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, sizes.table, bold=True, align="center")
    for n, line in enumerate([*rows, total], start=1):
        is_total = n == len(rows) + 1
        label = (f"{line.key}. " if keyed and line.key else "") + line.label
        values = ["" if is_total else str(n), _("Tổng cộng") if is_total else label,
                  line.total, line.due, line.done_on_time, line.done_late, line.open_overdue,
                  line.rate_text]  # fmt: skip
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            _cell(cell, value, sizes.table, bold=is_total, align="left" if i == 1 else "right")
    widths = [1.0, 6.0, 1.6, 1.6, 1.7, 1.7, 1.7, 1.7]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    _keep_rows(table)
    doc.add_paragraph()


def _list_table(doc, headers: list[str], rows: list[list[str]], sizes: Sizes) -> None:
    table = _grid(doc, 1, len(headers) + 1)
    for cell, text in zip(table.rows[0].cells, [_("TT"), *headers], strict=True):
        _cell(cell, text, sizes.table, bold=True, align="center")
    for n, values in enumerate(rows, start=1):
        cells = table.add_row().cells
        _cell(cells[0], str(n), sizes.table, align="right")
        for cell, value in zip(cells[1:], values, strict=True):
            _cell(cell, value, sizes.table)
    _keep_rows(table)
    doc.add_paragraph()


def _signature(doc, frame: DocumentFrame, sizes: Sizes) -> None:
    """ "Nơi nhận" at the left, the signature block at the right, in a borderless table (HD 36
    II.8-II.9, ND 30 II.7, II.9)."""
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(8.0), Cm(8.5)
    if frame.is_party:  # HD 36 II.9: "Nơi nhận:" underlined; the list in 12 pt
        _para(left, _("Nơi nhận:"), sizes.recipients_title, underline=True, first=True)
    else:  # ND 30 II.9: "Nơi nhận:" 12 pt bold italic; the list 11 pt
        _para(left, _("Nơi nhận:"), sizes.recipients_title, bold=True, italic=True, first=True)
    for i, name in enumerate(frame.recipients):
        end = "." if i == len(frame.recipients) - 1 else ","
        _para(left, f"- {name}{end}", sizes.recipients)
    # HD 36 II.8, ND 30 II.7: authority ("T/M ...") and title in caps bold, the name bold,
    # room for the signature and seal between them.
    first = True
    if frame.on_behalf:
        _para(right, frame.on_behalf.upper(), sizes.signature, bold=True, align="center",
              first=True)  # fmt: skip
        first = False
    _para(right, frame.signer_title.upper(), sizes.signature, bold=True, align="center",
          first=first)  # fmt: skip
    for _blank in range(3):
        _para(right, "", sizes.signature, align="center")
    _para(right, frame.signer_name, sizes.signature, bold=True, align="center", before=12)


# For other documents issued in the same frame (the organisation board's report on section II).
section_heading = _heading
paragraph = _body
list_table = _list_table

"""The report's figures as a workbook (openpyxl): a summary sheet and one sheet per view (by
area, by body, the overdue list, every occurrence), with numbers as numbers and dates as
dates (shown dd/mm/yyyy), a frozen header row, filters and readable column widths. The
figures are ``theodoi.reporting.content``'s, the same the documents print."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .content import Item, Line, Report

__all__ = ["render_xlsx", "write_sheet"]

DATE_FORMAT = "dd/mm/yyyy"
RATE_FORMAT = "0.0%"


def render_xlsx(report: Report) -> bytes:
    # Write-only: rows are streamed to the file, not kept as cell objects (a province's
    # quarter lists some 10,000 occurrences).
    book = Workbook(write_only=True)
    _summary(book.create_sheet(_("Tổng hợp")), report)
    _lines(book.create_sheet(_("Theo lĩnh vực")), _("Lĩnh vực"), report.by_area, keyed=True)
    _lines(book.create_sheet(_("Theo cơ quan")), _("Cơ quan, đơn vị"), report.by_body)
    _items(book.create_sheet(_("Quá hạn")), report.overdue, overdue=True)
    _items(book.create_sheet(_("Tất cả các kỳ")), report.occurrences)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(sheet: Worksheet, report: Report) -> None:
    t = report.total
    rows = [
        (_("Chương trình"), report.program.number),
        (_("Kỳ báo cáo"), report.period.short_label),
        (_("Số liệu tính đến hết ngày"), report.as_of),
        (_("Số nhiệm vụ"), report.tasks),
        (_("Số cơ quan, đơn vị thực hiện"), report.bodies),
        (_("Lượt thực hiện được giao"), t.total),
        (_("Đến hạn"), t.due),
        (_("Hoàn thành đúng hạn"), t.done_on_time),
        (_("Hoàn thành quá hạn"), t.done_late),
        (_("Quá hạn chưa hoàn thành"), t.open_overdue),
        (_("Chưa đến hạn"), t.open_in_time),
        (_("Thường xuyên (không hạn)"), t.no_deadline),
        (_("Không còn thực hiện"), t.withdrawn),
        (_("Tỷ lệ hoàn thành"), t.rate),
    ]
    _write(sheet, [_("Chỉ tiêu"), _("Giá trị")], rows, widths=[36, 30], right_ints=True)


def _lines(sheet: Worksheet, first: str, lines: list[Line], *, keyed=False) -> None:
    headers = [first] + ([_("Mục")] if keyed else []) + [
        _("Được giao"), _("Đến hạn"), _("Hoàn thành đúng hạn"), _("Hoàn thành quá hạn"),
        _("Quá hạn chưa hoàn thành"), _("Chưa đến hạn"), _("Thường xuyên (không hạn)"),
        _("Không còn thực hiện"), _("Tỷ lệ hoàn thành"),
    ]  # fmt: skip
    rows = [[line.label] + ([line.key] if keyed else []) + _figures(line) for line in lines]
    _write(sheet, headers, rows, widths=[50] + ([10] if keyed else []) + [12] * 9)


def _items(sheet: Worksheet, items: list[Item], *, overdue=False) -> None:
    headers = [
        _("Mã nhiệm vụ"), _("Nội dung nhiệm vụ"), _("Cơ quan"), _("Vai trò"), _("Kỳ"),
        _("Hạn"), _("Hạn ban đầu"), _("Tình trạng"), _("Ngày hoàn thành"),
        _("Số ngày chậm"), _("Văn bản"), _("Số, ký hiệu văn bản"), _("Ngày văn bản"),
    ]  # fmt: skip
    rows = [_item_row(i) for i in items]
    _write(sheet, headers, rows, widths=[12, 70, 34, 14, 18, 12, 12, 26, 14, 10, 14, 18, 12])


def _figures(line: Line) -> list:
    return [line.total, line.due, line.done_on_time, line.done_late, line.open_overdue,
            line.open_in_time, line.no_deadline, line.withdrawn, line.rate]  # fmt: skip


def _item_row(i: Item) -> list:
    evidence = i.evidence
    return [
        i.task_key, i.task_text, i.body, i.role, i.period_label, i.due, i.original_due,
        i.status, i.done_on, i.days_late or None,
        evidence.type if evidence else None,
        evidence.number if evidence else None,
        evidence.date if evidence else None,
    ]  # fmt: skip


def _write(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence],
    *,
    widths: Sequence[int],
    right_ints: bool = False,
) -> None:
    """Header row in bold, frozen, with filters; dates shown dd/mm/yyyy, rates as percents;
    text that looks like a formula stays text. Works on write-only sheets (rows streamed)
    and on ordinary ones."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, top = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, text)
        cell.font, cell.alignment = bold, top
        header.append(cell)
    sheet.append(header)
    right = Alignment(horizontal="right")
    for row in rows:
        sheet.append([_cell(sheet, value, right if right_ints else None) for value in row])
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"


def _cell(sheet: Worksheet, value, right: Alignment | None):
    """The value as it is, or as a cell where it needs a format or must stay text."""
    if isinstance(value, str):
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # typed text that looks like a formula: never run it
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, float):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = RATE_FORMAT
        return cell
    if right is not None and isinstance(value, int) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value)
        cell.alignment = right
        return cell
    return value


write_sheet = _write  # for other workbooks in the same style (the report on section II)

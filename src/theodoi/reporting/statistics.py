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
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .content import Item, Line, Report

__all__ = ["render_xlsx", "write_sheet"]

DATE_FORMAT = "dd/mm/yyyy"
RATE_FORMAT = "0.0%"


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Tổng hợp")
    _summary(summary, report)
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
    _write(sheet, [_("Chỉ tiêu"), _("Giá trị")], rows, widths=[36, 30])
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = RATE_FORMAT
            elif isinstance(cell.value, int):
                cell.alignment = Alignment(horizontal="right")


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
    sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence], *, widths: Sequence[int]
) -> None:
    """Header row in bold, frozen, with filters; dates shown dd/mm/yyyy, rates as percents."""
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if cell.data_type == "f":  # typed text that looks like a formula: never run it
                cell.data_type = "s"
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, float):
                cell.number_format = RATE_FORMAT
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


write_sheet = _write  # for other workbooks in the same style (the report on section II)

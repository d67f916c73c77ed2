"""The annual evaluation as tables: rows of values (numbers as numbers, dates as dates) for an
XLSX workbook (openpyxl) and for plain text, the same rows the web page shows."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .evaluation import Evaluation, Figures, Row
from .models import Rating

PERCENT = "0%"
DATE = "DD/MM/YYYY"


def figure_headers() -> list[str]:
    return [
        _("Đến hạn trong năm"),
        _("Hoàn thành đúng hạn"),
        _("Hoàn thành quá hạn"),
        _("Chưa hoàn thành (quá hạn)"),
        _("Không hạn (thường xuyên)"),
        _("Chưa báo cáo"),
        _("Tỷ lệ hoàn thành"),
        _("Tỷ lệ đúng hạn"),
        _("Tỷ lệ chưa báo cáo"),
    ]


def figure_values(f: Figures) -> list:
    return [f.due, f.done_on_time, f.done_late, f.overdue, f.no_deadline, f.not_reported,
            f.done_rate, f.on_time_rate, f.not_reported_rate]  # fmt: skip


def _decision_values(row: Row) -> list:
    decision = row.decision
    return [
        row.suggestion_label,
        decision.get_rating_display() if decision else "",
        decision.comment if decision else "",
    ]


def decision_headers() -> list[str]:
    return [_("Xếp loại gợi ý"), _("Xếp loại đã quyết định"), _("Nhận xét")]


def body_table(evaluation: Evaluation) -> list[list]:
    """Header, then one row per body."""
    rows = [[_("Cơ quan, đơn vị"), *figure_headers(), *decision_headers()]]
    for row in evaluation.bodies:
        rows.append([row.organization.name, *figure_values(row.figures), *_decision_values(row)])
    return rows


def leader_table(evaluation: Evaluation) -> list[list]:
    """Header, then one row per leader: the combined figures, the plan's, the suggestion."""
    rows = [
        [
            _("Người đứng đầu"),
            _("Chức vụ"),
            _("Cơ quan, đơn vị"),
            *figure_headers(),
            _("Hạn thông qua và gửi kế hoạch"),
            _("Ngày thông qua"),
            _("Ngày gửi"),
            _("Thông qua và gửi đúng hạn"),
            _("Nội dung kế hoạch đến hạn"),
            _("Nội dung hoàn thành đúng hạn"),
            _("Nội dung hoàn thành quá hạn"),
            _("Nội dung chưa hoàn thành"),
            *decision_headers(),
            _("Lưu ý"),
        ]
    ]
    for row in evaluation.leaders:
        plan = row.plan
        on_time = (
            (_("Có") if plan.approved_on_time and plan.sent_on_time else _("Không"))
            if plan.plan is not None and plan.approved_on and plan.sent_on
            else _("Chưa có")
        )
        rows.append(
            [
                row.leader.name,
                row.leader.position,
                row.organization.name,
                *figure_values(row.figures),
                plan.deadline,
                plan.approved_on,
                plan.sent_on,
                on_time,
                plan.figures.due,
                plan.figures.done_on_time,
                plan.figures.done_late,
                plan.figures.overdue,
                *_decision_values(row),
                " ".join(row.reasons),
            ]
        )
    return rows


def workbook(evaluation: Evaluation) -> bytes:
    """An XLSX file: a sheet of bodies and a sheet of leaders, frozen headers, filters."""
    book = Workbook()
    bodies = book.active
    bodies.title = _("Cơ quan")
    _fill(bodies, body_table(evaluation))
    _fill(book.create_sheet(_("Người đứng đầu")), leader_table(evaluation))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet, rows: list[list]) -> None:
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rate_columns = {i for i, name in enumerate(rows[0]) if str(name).startswith(_("Tỷ lệ"))}
    for line in sheet.iter_rows(min_row=2):
        for i, cell in enumerate(line):
            if cell.data_type == "f":  # typed text that looks like a formula: never run it
                cell.data_type = "s"
            if i in rate_columns:
                cell.number_format = PERCENT
            elif isinstance(cell.value, dt.date):
                cell.number_format = DATE
    for i in range(len(rows[0])):
        width = max(len(str(r[i] if r[i] is not None else "")) for r in rows)
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def text(evaluation: Evaluation) -> str:
    """The two tables as plain text, for the terminal."""

    def shown(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{round(value * 100)}%"
        if isinstance(value, dt.date):
            return f"{value:%d/%m/%Y}"
        return str(value)

    lines = [
        _("Đánh giá năm %(year)s, chương trình %(number)s (số liệu đến hết ngày %(day)s)")
        % {
            "year": evaluation.year,
            "number": evaluation.program.number,
            "day": f"{evaluation.as_of:%d/%m/%Y}",
        },
        _("Thang: %(levels)s")
        % {
            "levels": "; ".join(
                f"{Rating(r).label} ≥ {d}% / {t}%" for r, d, t in evaluation.scale.levels()
            )
        },
    ]
    for title, table in ((_("Cơ quan, đơn vị"), body_table(evaluation)),
                         (_("Người đứng đầu"), leader_table(evaluation))):  # fmt: skip
        lines.append("")
        lines.append(f"== {title} ==")
        for row in table:
            lines.append(" | ".join(shown(v) for v in row))
    return "\n".join(lines) + "\n"

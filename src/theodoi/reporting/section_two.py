"""The organisation board's yearly report on section II of a program (the example's
"Giao Ban Tổ chức Tỉnh ủy theo dõi việc thực hiện nội dung này, định kỳ hàng năm báo cáo Ban
Thường vụ Tỉnh ủy"): which bodies built their own programs, on time or late, and which have
not (II.1); which leaders' personal plans were approved and sent, on time or late, and which
are missing (II.2).

Read from the same data the program's pages show (``tracking.lineage.obligations``,
``plans.plan_report.plan_rows``) as of the end of the period, and issued by the board in its
own format (``frame.profile_for``), signed by its head, to the standing committee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from theodoi.orgs.models import Kind, Organization
from theodoi.plans.plan_report import LATE, MISSING, ON_TIME, PlanReportRow
from theodoi.plans.plan_report import plan_rows as leader_rows
from theodoi.programs.models import Program
from theodoi.tracking.lineage import ISSUED_LATE, ISSUED_ON_TIME, TaskObligations, obligations

from .content import ReportContentError, checked_number
from .frame import DocumentFrame, document_frame, profile_for, report_subject
from .periods import Period

__all__ = ["SectionTwoReport", "build_section_two", "reporting_board"]


@dataclass
class SectionTwoReport:
    template: ClassVar[str] = "reporting/_section_two.html"

    program: Program
    period: Period
    as_of: dt.date
    frame: DocumentFrame
    issuing: list[TaskObligations]  # II.1: per parent task, every body that must issue
    plans: list[PlanReportRow]  # II.2: one row per leader
    summary: list[str]

    @property
    def file_stem(self) -> str:
        return f"bao-cao-muc-ii-{slugify(self.program.number)}-{self.period.slug}"

    @property
    def proposal(self) -> str:
        return _proposal()

    @property
    def display_name(self) -> str:
        return _("Báo cáo xây dựng chương trình, kế hoạch %(period)s - %(number)s") % {
            "period": self.period.label,
            "number": self.program.number.replace("/", "-"),
        }


def reporting_board(program: Program) -> Organization | None:
    """The body that follows section II up: the organisation board (Ban Tổ chức) of the
    program's issuing committee."""
    if program.issuer_id is None:
        return None
    return (
        Organization.objects.filter(
            parent_id=program.issuer_id, kind=Kind.PARTY_BOARD, name__istartswith="Ban Tổ chức"
        )
        .order_by("pk")
        .first()
    )


def build_section_two(
    program: Program,
    period: Period,
    *,
    number: str = "",
    day: dt.date | None = None,
    today: dt.date | None = None,
    issuer: Organization | None = None,
) -> SectionTwoReport:
    """The board's report on section II of ``program`` for ``period``, as of its end (or
    today, for a period not over yet)."""
    today = today or timezone.localdate()
    if period.start > today:
        raise ReportContentError(
            _("Kỳ báo cáo %(period)s chưa bắt đầu; chưa có số liệu để báo cáo.")
            % {"period": period.label}
        )
    issuer = issuer or reporting_board(program)
    if issuer is None:
        raise ReportContentError(
            _(
                "Không tìm thấy Ban Tổ chức của cơ quan ban hành chương trình %(number)s; "
                "hãy chọn cơ quan lập báo cáo."
            )
            % {"number": program.number}
        )
    as_of = min(period.end, today)
    report = SectionTwoReport(
        program=program,
        period=period,
        as_of=as_of,
        frame=_frame(program, issuer, period, number=number, day=day or today),
        issuing=obligations(program, as_of=as_of),
        plans=leader_rows(program, as_of=as_of),
        summary=[],
    )
    report.summary = _summary(report)
    return report


def _frame(
    program: Program, issuer: Organization, period: Period, *, number: str, day: dt.date
) -> DocumentFrame:
    profile = profile_for(issuer)
    number = checked_number(profile, number)
    subject = report_subject(
        program,
        period.label,
        heading=_("Kết quả xây dựng chương trình hành động, kế hoạch hành động cá nhân theo"),
    )
    recipients = profile.recipient_list or [
        *[
            _("%(name)s (báo cáo)") % {"name": body.name}
            for body in Organization.objects.filter(
                parent_id=program.issuer_id, kind=Kind.STANDING_COMMITTEE
            ).order_by("pk")[:1]
        ],
        _("Văn phòng %(name)s") % {"name": program.issuer.name} if program.issuer else "",
        _("Lưu %(name)s") % {"name": issuer.name},
    ]
    return document_frame(
        profile,
        number=number,
        day=day,
        subject=subject,
        on_behalf=profile.on_behalf,
        signer_title=profile.signer_title or _("TRƯỞNG BAN"),
        signer_name=profile.signer_name,
        recipients=[name for name in recipients if name],
    )


def _summary(report: SectionTwoReport) -> list[str]:
    day = f"{report.as_of:%d/%m/%Y}"
    paragraphs = []
    for task in report.issuing:
        paragraphs.append(
            _(
                "Theo nhiệm vụ %(key)s, đến hết ngày %(day)s có %(issued)s/%(total)s cơ quan, "
                "đơn vị đã ban hành chương trình hành động (%(on_time)s đúng hạn, %(late)s "
                "chậm); %(missing)s cơ quan, đơn vị chưa ban hành."
            )
            % {
                "key": task.task.key,
                "day": day,
                "issued": task.issued,
                "total": len(task.rows),
                "on_time": task.count(ISSUED_ON_TIME),
                "late": task.count(ISSUED_LATE),
                "missing": task.missing,
            }
        )
    if not report.issuing:
        paragraphs.append(
            _("Chương trình không có nhiệm vụ giao các cơ quan, đơn vị xây dựng chương trình.")
        )
    rows = report.plans
    approved = [r for r in rows if r.approval != MISSING]
    sent = [r for r in rows if r.sending != MISSING]
    paragraphs.append(
        _(
            "Kế hoạch hành động cá nhân: %(approved)s/%(total)s đồng chí có kế hoạch đã được "
            "thông qua (%(approved_on_time)s đúng hạn, %(approved_late)s chậm), %(sent)s đã gửi "
            "các cơ quan theo dõi, giám sát (%(sent_on_time)s đúng hạn); %(missing)s đồng chí "
            "chưa có kế hoạch được thông qua."
        )
        % {
            "approved": len(approved),
            "total": len(rows),
            "approved_on_time": sum(1 for r in rows if r.approval == ON_TIME),
            "approved_late": sum(1 for r in rows if r.approval == LATE),
            "sent": len(sent),
            "sent_on_time": sum(1 for r in rows if r.sending == ON_TIME),
            "missing": len(rows) - len(approved),
        }
    )
    return paragraphs


def render_section_two_docx(report: SectionTwoReport) -> bytes:
    """The same content as the HTML, in the board's format (``docx_report``'s frame)."""
    from .docx_report import close_document, list_table, open_document, paragraph, section_heading

    doc, sizes = open_document(report.frame)
    section_heading(doc, _("I. TÌNH HÌNH VÀ KẾT QUẢ"), sizes)
    for text in report.summary:
        paragraph(doc, text, sizes)
    for task in report.issuing:
        section_heading(
            doc,
            _("1. Xây dựng chương trình hành động (nhiệm vụ %(key)s)") % {"key": task.task.key},
            sizes,
        )
        list_table(
            doc,
            [_("Cơ quan, đơn vị"), _("Hạn"), _("Chương trình đã ban hành"), _("Tình hình")],
            [_issuing_cells(row) for row in task.rows],
            sizes,
        )
    section_heading(doc, _("2. Kế hoạch hành động cá nhân"), sizes)
    list_table(
        doc,
        [_("Đồng chí"), _("Chức vụ, cơ quan"), _("Hạn"), _("Thông qua"), _("Gửi")],
        [_plan_cells(row) for row in report.plans],
        sizes,
    )
    section_heading(doc, _("II. ĐỀ XUẤT, KIẾN NGHỊ"), sizes)
    paragraph(doc, report.proposal, sizes)
    return close_document(doc, report.frame, sizes)


def render_section_two_xlsx(report: SectionTwoReport) -> bytes:
    """Two sheets: the bodies that must issue a program, the leaders' personal plans; dates
    as dates, counts as numbers."""
    import io

    from openpyxl import Workbook

    from .statistics import write_sheet

    book = Workbook()
    bodies = book.active
    bodies.title = _("Xây dựng chương trình")
    rows = [
        [
            task.task.key,
            row.body.name,
            row.due,
            row.first.program.number if row.first else None,
            row.first.day if row.first else None,
            row.label,
            row.days_late or None,
        ]
        for task in report.issuing
        for row in task.rows
    ]
    headers = [_("Nhiệm vụ"), _("Cơ quan, đơn vị"), _("Hạn"), _("Chương trình đã ban hành"),
               _("Ngày ban hành"), _("Tình hình"), _("Số ngày chậm")]  # fmt: skip
    write_sheet(bodies, headers, rows, widths=[12, 50, 12, 26, 14, 30, 12])
    plans = book.create_sheet(_("Kế hoạch cá nhân"))
    headers = [_("Đồng chí"), _("Chức vụ"), _("Cơ quan, đơn vị"), _("Hạn"), _("Ngày thông qua"),
               _("Thông qua"), _("Ngày gửi"), _("Gửi"), _("Số nơi nhận"), _("Đã xác nhận")]  # fmt: skip
    rows = [
        [
            r.leader.name,
            r.leader.position,
            r.leader.organization.name,
            r.deadline,
            r.approved_on,
            r.approval_label,
            r.sent_on,
            r.sending_label,
            r.recipients,
            r.acknowledged,
        ]
        for r in report.plans
    ]
    write_sheet(plans, headers, rows, widths=[28, 30, 40, 12, 14, 14, 12, 14, 10, 10])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _proposal() -> str:
    return _(
        "Đề nghị Ban Thường vụ chỉ đạo các cơ quan, đơn vị và các đồng chí chưa hoàn thành "
        "khẩn trương hoàn thành; đưa kết quả vào kiểm điểm, đánh giá cuối năm."
    )


def _issuing_cells(row) -> list[str]:
    issued = f"{row.first.program.number}, {row.first.day:%d/%m/%Y}" if row.first else ""
    state = row.label
    if row.days_late:
        state += " " + _("(%(days)s ngày)") % {"days": row.days_late}
    return [row.body.name, f"{row.due:%d/%m/%Y}", issued, state]


def _plan_cells(row: PlanReportRow) -> list[str]:
    def when(day: dt.date | None, label: str) -> str:
        return f"{day:%d/%m/%Y} — {label}" if day else label

    return [
        row.leader.name,
        f"{row.leader.position}, {row.leader.organization.name}",
        f"{row.deadline:%d/%m/%Y}" if row.deadline else "",
        when(row.approved_on, row.approval_label),
        when(row.sent_on, row.sending_label),
    ]

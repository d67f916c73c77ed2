"""The urging (đôn đốc) as a letter the office signs: a Word document in the office's format
(the Party's or the State's, as its reports: ``docx_report``'s header, Times New Roman,
sizes), listing the body's overdue and soon-due items as they stood when it was urged
(task, period, due date, days overdue)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _

from theodoi.tracking.models import Urging

from . import docx_report
from .frame import BLANK_NUMBER, document_frame, profile_for
from .models import DocumentFormat

__all__ = ["letter_filename", "render_urging_letter"]


def _number_line(profile, number: str = "") -> str:
    """A letter's number: "Số 12-CV/VPTU" (Party) or "Số: 12/VP-UBND" (State)."""
    number = number or BLANK_NUMBER
    if profile.format == DocumentFormat.PARTY:
        return f"Số {number}-CV/{profile.abbreviation}"
    return f"Số: {number}/{profile.abbreviation}"


def letter_filename(urging: Urging) -> str:
    return (
        f"don-doc-{urging.organization.code or urging.organization_id}-{urging.made_on:%Y%m%d}.docx"
    )


def render_urging_letter(urging: Urging) -> bytes:
    """The letter's bytes (DOCX)."""
    office = getattr(getattr(urging.by, "membership", None), "organization", None)
    profile = profile_for(office)
    body = urging.organization
    frame = document_frame(
        profile,
        number="",
        day=urging.made_on,
        subject=_("V/v đôn đốc thực hiện nhiệm vụ quá hạn, sắp đến hạn"),
        on_behalf=profile.on_behalf,
        signer_title=profile.signer_title or _("CHÁNH VĂN PHÒNG"),
        signer_name=profile.signer_name,
        recipients=[body.name, _("Lưu: VT")],
    )
    frame = dataclasses.replace(frame, type_name=_("CÔNG VĂN"), number_line=_number_line(profile))
    doc, sizes = docx_report.open_document(frame)
    docx_report.paragraph(doc, _("Kính gửi: %(body)s.") % {"body": body.name}, sizes)
    overdue = [i for i in urging.items if i.get("days_overdue")]
    soon = len(urging.items) - len(overdue)
    docx_report.paragraph(
        doc,
        _(
            "Theo dõi việc thực hiện các nhiệm vụ được giao, tính đến ngày %(day)s, %(body)s "
            "còn %(overdue)s việc quá hạn chưa hoàn thành và %(soon)s việc sắp đến "
            "hạn (danh sách dưới đây). Đề nghị %(body)s khẩn trương chỉ đạo thực hiện, báo cáo "
            "kết quả hoặc đề nghị gia hạn (nếu có lý do chính đáng) trên hệ thống theo dõi."
        )
        % {
            "day": f"{urging.made_on:%d/%m/%Y}",
            "body": body.name,
            "overdue": len(overdue),
            "soon": soon,
        },
        sizes,
    )
    if urging.message:
        docx_report.paragraph(doc, urging.message, sizes)
    rows = []
    for item in urging.items:
        due = dt.date.fromisoformat(item["due"])
        days = item.get("days_overdue") or 0
        rows.append(
            [
                f"{item['task_key']}. {item['task_text']}",
                item.get("label", ""),
                f"{due:%d/%m/%Y}",
                str(days) if days else _("sắp đến hạn"),
            ]
        )
    docx_report.list_table(
        doc, [_("Nhiệm vụ"), _("Kỳ"), _("Hạn"), _("Số ngày quá hạn")], rows, sizes
    )
    docx_report.paragraph(doc, _("Văn phòng trân trọng đề nghị./."), sizes)
    return docx_report.close_document(doc, frame, sizes)

"""Writing, submitting and reviewing progress reports.

Every action is one transaction, checks the permission policy, and appends a ReportRevision
(who, when, the report as it then stood), so every version is kept and a status as of any
past date can be read back. Two people editing one report cannot overwrite each other: each
change names the version it started from and is refused if the report moved on since.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone

from theodoi.acting import acting, revision_fields
from theodoi.parsing.references import find_references
from theodoi.programs.models import Occurrence

from . import notify
from .models import ProgressReport, ReportRevision, ReportState, ReportStatus
from .policy import Action, check


class StaleReport(Exception):
    """The report changed since the person loaded it."""

    def __init__(self, report: ProgressReport) -> None:
        super().__init__(
            "Báo cáo đã được người khác thay đổi (phiên bản "
            f"{report.version}); hãy tải lại để xem thay đổi trước khi sửa tiếp."
        )
        self.current_version = report.version


class ReportError(ValueError):
    """A report that cannot be saved as given; the message says why, for a person."""


_FIELDS = ("state", "percent", "narrative", "done_on", "document_type", "document_number",
           "document_date", "document_signer")  # fmt: skip


def save_report(
    *,
    user,
    occurrence: Occurrence,
    expected_version: int | None,
    state: str,
    percent: int | None = None,
    narrative: str = "",
    done_on: dt.date | None = None,
    document_type: str = "",
    document_number: str = "",
    document_date: dt.date | None = None,
    document_signer: str = "",
    now: dt.datetime | None = None,
) -> ProgressReport:
    """Create or change the user's body's report on ``occurrence``. ``expected_version`` is
    the version the person started from (None for a new report).

    A document cited in the narrative ("đã ban hành Chỉ thị số 05-CT/TU ngày 10/01/2021")
    fills the evidence fields the person left empty.
    """
    organization = user.membership.organization
    values = _validated(
        state=state, percent=percent, narrative=narrative, done_on=done_on,
        document_type=document_type, document_number=document_number,
        document_date=document_date, document_signer=document_signer,
    )  # fmt: skip
    with transaction.atomic(), acting(user):
        report = (
            ProgressReport.objects.select_for_update()
            .filter(occurrence=occurrence, organization=organization)
            .first()
        )
        if report is None:
            report = ProgressReport(occurrence=occurrence, organization=organization)
            check(user, Action.CREATE_REPORT, report)
            if expected_version is not None:
                raise ReportError("Không có báo cáo này để sửa.")
            _check_done(values, occurrence, has_files=False)
            for name, value in values.items():
                setattr(report, name, value)
            report.save()
            return _revise(report, user, "create", now)
        check(user, Action.EDIT_REPORT, report)
        if expected_version != report.version:
            raise StaleReport(report)
        _check_done(values, occurrence, has_files=report.files.exists())
        for name, value in values.items():
            setattr(report, name, value)
        action = "edit"
        if report.status == ReportStatus.CONFIRMED:
            # progress confirmed, period still open: a new round, from a draft
            report.status, report.review_comment, action = ReportStatus.DRAFT, "", "report_again"
        report.version += 1
        report.save()
        return _revise(report, user, action, now)


def submit_report(
    *, user, report: ProgressReport, expected_version: int, sign_off: bool = False,
    now: dt.datetime | None = None,
) -> ProgressReport:  # fmt: skip
    """Send the report to the office. With ``sign_off`` the program asks for the head's
    approval first: the report waits for it."""
    with transaction.atomic(), acting(user):
        report = _locked(report, expected_version)
        check(user, Action.SUBMIT_REPORT, report)
        if report.state == ReportState.DONE and report.done_on is None:
            raise ReportError("Báo cáo hoàn thành cần ghi ngày hoàn thành.")
        if report.state == ReportState.DONE:
            _check_done(
                {name: getattr(report, name) for name in _FIELDS},
                report.occurrence,
                has_files=report.files.exists(),
            )
        report.status = ReportStatus.AWAITING_SIGNOFF if sign_off else ReportStatus.SUBMITTED
        return _advance(report, user, "submit", now)


def sign_off_report(
    *, user, report: ProgressReport, expected_version: int, now: dt.datetime | None = None
) -> ProgressReport:
    """The head of the body approves the report; it goes to the office."""
    with transaction.atomic(), acting(user):
        report = _locked(report, expected_version)
        check(user, Action.SIGN_OFF_REPORT, report)
        if report.status != ReportStatus.AWAITING_SIGNOFF:
            raise ReportError("Báo cáo không ở bước chờ thủ trưởng ký duyệt.")
        report.status = ReportStatus.SUBMITTED
        return _advance(report, user, "sign_off", now)


def review_report(
    *, user, report: ProgressReport, expected_version: int, accept: bool, comment: str = "",
    now: dt.datetime | None = None,
) -> ProgressReport:  # fmt: skip
    """The office confirms the report, or returns it with a comment for the body to amend."""
    with transaction.atomic(), acting(user):
        report = _locked(report, expected_version)
        check(user, Action.REVIEW_REPORT, report)
        if report.status != ReportStatus.SUBMITTED:
            raise ReportError("Chỉ xét được báo cáo đang chờ xác nhận.")
        if not accept and not comment.strip():
            raise ReportError("Trả lại báo cáo cần ghi ý kiến để cơ quan biết phải sửa gì.")
        report.status = ReportStatus.CONFIRMED if accept else ReportStatus.RETURNED
        report.review_comment = _nfc(comment)
        report = _advance(report, user, "confirm" if accept else "return", now)
        if accept and report.state == ReportState.DONE:
            Occurrence.objects.filter(pk=report.occurrence_id).update(status=Occurrence.Status.DONE)
        notify.report_reviewed(report)  # the body hears it at once
        return report


def _validated(**values: Any) -> dict[str, Any]:
    for name in ("narrative", "document_type", "document_number", "document_signer"):
        values[name] = _nfc(values[name])  # typed decomposed, stored NFC: search finds it
    if values["state"] not in ReportState.values:
        raise ReportError(f"Tiến độ không hợp lệ: {values['state']!r}.")
    percent = values["percent"]
    if percent is not None and not 0 <= percent <= 100:
        raise ReportError("Phần trăm phải từ 0 đến 100.")
    if values["state"] == ReportState.DONE:
        values["percent"] = 100 if percent is None else percent
    elif values["done_on"] is not None:
        raise ReportError("Chỉ ghi ngày hoàn thành khi đã hoàn thành.")
    if values["done_on"] and values["done_on"] > timezone.localdate():
        raise ReportError("Ngày hoàn thành không thể ở tương lai.")
    if not values["document_number"]:
        cited = find_references(values["narrative"])
        if cited:
            values["document_type"] = values["document_type"] or cited[0].type
            values["document_number"] = cited[0].number or ""
            values["document_date"] = values["document_date"] or cited[0].date
    return values


def _check_done(values: dict[str, Any], occurrence: Occurrence, *, has_files: bool) -> None:
    """A report of work done is believed on what it shows: 100% (or the narrative says why
    not), the day it was done within the period and not in the future, and a narrative or
    the evidence (a document cited, or a file)."""
    if values["state"] != ReportState.DONE:
        return
    narrative = values["narrative"]
    if values["percent"] is not None and values["percent"] < 100 and not narrative:
        raise ReportError(
            f"Báo cáo hoàn thành mà mới đạt {values['percent']}%: ghi 100%, hoặc nêu trong nội "
            "dung lý do chưa đủ 100%."
        )
    done_on = values["done_on"]
    if done_on is not None:
        start = _period_start(occurrence)
        if start is not None and done_on < start:
            raise ReportError(
                f"Ngày hoàn thành ({done_on:%d/%m/%Y}) trước khi kỳ thực hiện bắt đầu "
                f"({start:%d/%m/%Y}); hãy ghi ngày trong kỳ."
            )
    if not (narrative or values["document_number"] or values["document_type"] or has_files):
        raise ReportError(
            "Báo cáo hoàn thành cần nội dung kết quả hoặc minh chứng (văn bản đã ban hành "
            "hoặc tệp đính kèm)."
        )


def _period_start(occurrence: Occurrence) -> dt.date | None:
    """The first day of the occurrence's period: its own start, else its program's term."""
    if occurrence.period_start is not None:
        return occurrence.period_start
    term = occurrence.assignment.task.program.term_start
    return dt.date(term, 1, 1) if term else None


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _locked(report: ProgressReport, expected_version: int) -> ProgressReport:
    current = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if current.version != expected_version:
        raise StaleReport(current)
    return current


def _advance(report: ProgressReport, user, action: str, now: dt.datetime | None) -> ProgressReport:
    report.version += 1
    report.save()
    return _revise(report, user, action, now)


def _revise(report: ProgressReport, user, action: str, now: dt.datetime | None) -> ProgressReport:
    ReportRevision.objects.create(
        report=report,
        version=report.version,
        at=now or timezone.now(),
        by=user,
        action=action,
        **revision_fields(),  # through what, from where
        state=report.state,
        status=report.status,
        done_on=report.done_on,
        data={
            name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name in (*_FIELDS, "review_comment")
            if (value := getattr(report, name)) is not None
        },
    )
    return report

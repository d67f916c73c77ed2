"""Báo cáo định kỳ: the periodic report of a program and the section II report, as DOCX, PDF or
XLSX, built by the same functions as ``theodoi report`` and the reports page
(``theodoi.reporting``). For those who may produce reports (PRODUCE_REPORT: the office,
leaders, administrators). A period the reporting module does not read (``2021-Q5``) is 422
with its message."""

from typing import Literal
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from theodoi.programs.models import Program
from theodoi.reporting.content import ReportContentError, build_report
from theodoi.reporting.frame import signer_of
from theodoi.reporting.periods import PeriodError, parse_period
from theodoi.reporting.produce import FORMATS, produce
from theodoi.reporting.section_two import build_section_two
from theodoi.tracking.policy import Action, check

from ..report_schemas import Id
from ..schemas import Day, InvalidInput, Problem

router = Router(tags=["exports"])

ERRORS = {403: Problem, 404: Problem, 422: InvalidInput}
FILE = {
    "responses": {
        200: {
            "description": "the report file",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in FORMATS.values()
            },
        }
    }
}


class ExportQuery(Schema):
    program: Id = Field(description="the program's id")
    period: str = Field(max_length=20, description="2021-Q2, 2021-H1, 2021 or 2020-2025")
    format: Literal["docx", "pdf", "xlsx"] = "docx"
    number: str = Field(
        "",
        max_length=40,
        description="số văn bản: a number (125) or number and symbol as written (125-BC/TU); "
        "empty for a draft",
    )
    date: Day | None = Field(None, description="the report's date (default: today)")


class PeriodicQuery(ExportQuery):
    proposals: str = Field("", max_length=5000, description="đề xuất, kiến nghị (optional)")
    short: bool = Field(False, description="bản rút gọn: only late and overdue bodies named")
    on_behalf: str = Field("", max_length=200, description="quyền hạn ký (T/M BAN THƯỜNG VỤ)")
    signer_title: str = Field("", max_length=200, description="chức vụ người ký")
    signer_name: str = Field("", max_length=200, description="họ tên người ký")
    recipients: str = Field(
        "", max_length=5000, description="nơi nhận, one a line; empty: the issuer's profile"
    )


def _inputs(request: HttpRequest, query: ExportQuery):
    check(request.user, Action.PRODUCE_REPORT)
    program = get_object_or_404(Program.objects.ordinary(), pk=query.program)
    check(request.user, Action.PRODUCE_REPORT, program)  # the caller's committee's program
    try:
        period = parse_period(query.period)
    except PeriodError as exc:
        raise HttpError(422, str(exc)) from None
    return program, period, query.number.strip()


def _file(output) -> HttpResponse:
    """The file, named in ASCII for old clients and in Vietnamese (RFC 6266 ``filename*``)."""
    response = HttpResponse(output.data, content_type=output.content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{output.filename}\"; filename*=UTF-8''{quote(output.display_name)}"
    )
    return response


@router.get("periodic", response=ERRORS, openapi_extra=FILE)
def periodic(request: HttpRequest, query: Query[PeriodicQuery]):
    """Kết quả thực hiện chương trình for a period, computed as of its end from the stored
    history."""
    program, period, number = _inputs(request, query)
    try:
        report = build_report(
            program, period, number=number, day=query.date, proposals=query.proposals.strip(),
            signer=signer_of(query.on_behalf, query.signer_title, query.signer_name,
                             query.recipients),
            short=query.short,
        )  # fmt: skip
    except ReportContentError as exc:
        raise HttpError(422, str(exc)) from None
    return _file(produce(report, query.format))


@router.get("section-ii", response=ERRORS, openapi_extra=FILE)
def section_two(request: HttpRequest, query: Query[ExportQuery]):
    """The organisation board's report on section II (lower-level programs issued, personal
    plans approved and sent)."""
    program, period, number = _inputs(request, query)
    try:
        report = build_section_two(program, period, number=number, day=query.date)
    except ReportContentError as exc:
        raise HttpError(422, str(exc)) from None
    return _file(produce(report, query.format))

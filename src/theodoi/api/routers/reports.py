"""Báo cáo tiến độ, minh chứng, gia hạn: the write side of the daily work.

Each endpoint is thin: it finds the row, asks the policy (``check``), and calls the same
service function as the web (``theodoi.tracking.reports``, ``.evidence``, ``.extensions``,
``.worklist``), so a change through the API is recorded, audited and refused exactly as one
made on the pages. A change names the report version the client read; a report that moved on
since is answered 409 with the current version, never overwritten. The service's own
messages (Vietnamese) come back as ``{"detail": "..."}``: 403 for the policy, 409 for a stale
version, 413 for a file over the limit, 422 for what cannot be recorded as given.
"""

from typing import Literal

from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status as Answer

from theodoi.programs.models import Occurrence
from theodoi.tracking.evidence import (
    EXTENSIONS,
    EvidenceError,
    attach_file,
    max_upload_bytes,
    open_file,
)
from theodoi.tracking.extensions import ExtensionError, decide_extension, request_extension
from theodoi.tracking.models import EvidenceFile, Extension, ProgressReport
from theodoi.tracking.policy import (
    Action,
    actor_of,
    check,
    visible_extensions,
    visible_reports,
)
from theodoi.tracking.reports import (
    ReportError,
    StaleReport,
    review_report,
    save_report,
    sign_off_report,
    submit_report,
)
from theodoi.tracking.worklist import body_report, send_step

from ..paging import Page
from ..report_schemas import (
    MAX_ID,
    DecisionIn,
    EvidenceOut,
    ExtensionIn,
    ExtensionOut,
    Id,
    ReportCreate,
    ReportDetail,
    ReportOut,
    ReportUpdate,
    ReviewIn,
    Status,
    VersionIn,
)
from ..schemas import InvalidInput, Problem

router = Router(tags=["reports"])

REFUSED = {403: Problem, 404: Problem}
WRITE = {**REFUSED, 409: Problem, 422: InvalidInput}
_REPORT_RELATIONS = ("organization", "occurrence__assignment__task")
_FIELDS = ("state", "percent", "narrative", "done_on", "document_type", "document_number",
           "document_date", "document_signer")  # fmt: skip


def _key(pk: int) -> int:
    """A path id no database holds is simply not found (not an overflow)."""
    if not 1 <= pk <= MAX_ID:
        raise Http404
    return pk


def _report(pk: int) -> ProgressReport:
    _key(pk)
    return get_object_or_404(ProgressReport.objects.select_related(*_REPORT_RELATIONS), pk=pk)


def _fresh(report: ProgressReport) -> ProgressReport:
    """The report as stored now, for the answer (with its new version and status)."""
    return _report(report.pk)


def _stale(current: int) -> HttpError:
    return HttpError(
        409,
        _(
            "Báo cáo đã được người khác thay đổi (phiên bản hiện tại: %(version)s); hãy tải lại "
            "để xem thay đổi trước khi sửa tiếp."
        )
        % {"version": current},
    )


def _expect(report: ProgressReport, version: int) -> None:
    """The stale check comes before the policy, as on the web: a colleague who sent the report
    meanwhile makes it read-only, and "reload" is the answer the person can act on."""
    if version != report.version:
        raise _stale(report.version)


# --- Progress reports ----------------------------------------------------------------------------


class ReportFilters(Schema):
    occurrence: Id | None = None
    assignment: Id | None = None
    status: Status | None = None


@router.get("/progress-reports", response=list[ReportOut], url_name="progress_reports")
@paginate(Page)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]):
    """The progress reports the caller may see (own body's, and others' on the tasks it
    leads; everything for the office), latest changed first."""
    rows = visible_reports(request.user).select_related(*_REPORT_RELATIONS)
    if filters.occurrence is not None:
        rows = rows.filter(occurrence_id=filters.occurrence)
    if filters.assignment is not None:
        rows = rows.filter(occurrence__assignment_id=filters.assignment)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows.order_by("-updated_at", "-pk")


@router.get("/progress-reports/{int:report_id}", response={200: ReportDetail, **REFUSED})
def get_report(request: HttpRequest, report_id: int):
    """One report with every revision (who, when, the report as it then stood) and its files."""
    report = _report(report_id)
    check(request.user, Action.VIEW_REPORT, report)
    return report


@router.post("/progress-reports", response={201: ReportDetail, **WRITE})
def create_report(request: HttpRequest, payload: ReportCreate):
    """The caller's body's report on one of its open occurrences (a draft; submit it after)."""
    user = request.user
    occurrence = get_object_or_404(
        Occurrence.objects.select_related("assignment__task"), pk=payload.occurrence
    )
    check(user, Action.CREATE_REPORT, occurrence)
    existing = body_report(user, occurrence)
    if existing is not None:
        raise HttpError(
            409,
            _(
                "Cơ quan đã có báo cáo cho kỳ này (số %(id)s, phiên bản %(version)s); hãy sửa "
                "báo cáo đó (PATCH /api/progress-reports/%(id)s)."
            )
            % {"id": existing.pk, "version": existing.version},
        )
    values = payload.dict(include=set(_FIELDS))
    try:
        report = save_report(user=user, occurrence=occurrence, expected_version=None, **values)
    except StaleReport as exc:
        raise _stale(exc.current_version) from None
    except IntegrityError:  # two first reports at once: the other one won
        raise HttpError(409, _("Cơ quan vừa lập báo cáo cho kỳ này; hãy tải lại.")) from None
    except ReportError as exc:
        raise HttpError(422, str(exc)) from None
    return Answer(201, _fresh(report))


@router.patch("/progress-reports/{int:report_id}", response={200: ReportDetail, **WRITE})
def update_report(request: HttpRequest, report_id: int, payload: ReportUpdate):
    """Change a report (draft, awaiting sign-off or returned). ``version`` is the version the
    client read; the fields left out keep their values."""
    user = request.user
    report = _report(report_id)
    check(user, Action.VIEW_REPORT, report)
    _expect(report, payload.version)
    check(user, Action.EDIT_REPORT, report)
    actor = actor_of(user)
    if actor is None or actor.organization_id != report.organization_id:
        # The service speaks for the caller's own body: an administrator of another body
        # would write a second report, not change this one.
        raise HttpError(
            403,
            _("Báo cáo này là của %(body)s; chỉ người của cơ quan đó sửa được.")
            % {"body": report.organization.name},
        )
    changes = payload.dict(include=set(_FIELDS), exclude_unset=True)
    values = {name: changes.get(name, getattr(report, name)) for name in _FIELDS}
    if "state" in changes and "percent" not in changes and changes["state"] == "done":
        values["percent"] = None  # done: 100 unless the client says otherwise
    if "state" in changes and "done_on" not in changes and changes["state"] != "done":
        values["done_on"] = None  # a completion date belongs to a done report only
    if values["state"] is None or values["narrative"] is None:
        raise HttpError(422, _("Tiến độ và nội dung báo cáo không được để trống."))
    for name in ("document_type", "document_number", "document_signer"):
        values[name] = values[name] or ""
    try:
        report = save_report(
            user=user, occurrence=report.occurrence, expected_version=payload.version, **values
        )
    except StaleReport as exc:
        raise _stale(exc.current_version) from None
    except ReportError as exc:
        raise HttpError(422, str(exc)) from None
    return _fresh(report)


@router.post("/progress-reports/{int:report_id}/submit", response={200: ReportDetail, **WRITE})
def submit(request: HttpRequest, report_id: int, payload: VersionIn):
    """Send a draft or returned report to the office (to the head first, where the head's
    sign-off is required: ``THEODOI_HEAD_SIGN_OFF``), as the web's "send" does."""
    user = request.user
    report = _report(report_id)
    check(user, Action.VIEW_REPORT, report)
    _expect(report, payload.version)
    for_sign_off = send_step(user, report) == "submit_for_sign_off"
    try:
        report = submit_report(
            user=user, report=report, expected_version=payload.version, sign_off=for_sign_off
        )
    except StaleReport as exc:
        raise _stale(exc.current_version) from None
    except ReportError as exc:
        raise HttpError(422, str(exc)) from None
    return _fresh(report)


@router.post("/progress-reports/{int:report_id}/sign-off", response={200: ReportDetail, **WRITE})
def sign_off(request: HttpRequest, report_id: int, payload: VersionIn):
    """The body's head approves a report awaiting sign-off; it goes to the office."""
    user = request.user
    report = _report(report_id)
    check(user, Action.VIEW_REPORT, report)
    _expect(report, payload.version)
    try:
        report = sign_off_report(user=user, report=report, expected_version=payload.version)
    except StaleReport as exc:
        raise _stale(exc.current_version) from None
    except ReportError as exc:
        raise HttpError(422, str(exc)) from None
    return _fresh(report)


@router.post("/progress-reports/{int:report_id}/review", response={200: ReportDetail, **WRITE})
def review(request: HttpRequest, report_id: int, payload: ReviewIn):
    """The office confirms a submitted report (``accept``) or returns it with a comment."""
    user = request.user
    report = _report(report_id)
    check(user, Action.VIEW_REPORT, report)
    _expect(report, payload.version)
    try:
        report = review_report(
            user=user,
            report=report,
            expected_version=payload.version,
            accept=payload.decision == "accept",
            comment=payload.comment,
        )
    except StaleReport as exc:
        raise _stale(exc.current_version) from None
    except ReportError as exc:
        raise HttpError(422, str(exc)) from None
    return _fresh(report)


# --- Evidence files ------------------------------------------------------------------------------


@router.get("/progress-reports/{int:report_id}/files", response={200: list[EvidenceOut], **REFUSED})
def list_files(request: HttpRequest, report_id: int):
    """The files attached to a report, for those who may see them."""
    report = _report(report_id)
    check(request.user, Action.VIEW_EVIDENCE_FILE, report)
    return list(report.files.select_related("uploaded_by").order_by("uploaded_at", "pk"))


@router.post(
    "/progress-reports/{int:report_id}/files",
    response={201: EvidenceOut, **WRITE, 413: Problem},
)
def upload_file(request: HttpRequest, report_id: int, file: File[UploadedFile]):
    """Attach a file (multipart field ``file``): PDF, DOCX, XLSX, PNG or JPEG, read from its
    content, up to the size limit. Its name is kept only as a label."""
    report = _report(report_id)
    check(request.user, Action.VIEW_REPORT, report)
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise HttpError(
            413,
            _("Tệp quá lớn (%(size)s); dung lượng tối đa là %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
    try:
        evidence = attach_file(user=request.user, report=report, upload=file)
    except EvidenceError as exc:
        raise HttpError(422, str(exc)) from None
    return Answer(201, EvidenceFile.objects.select_related("uploaded_by").get(pk=evidence.pk))


@router.get(
    "/evidence/{int:evidence_id}",
    response=REFUSED,
    url_name="evidence_download",
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as uploaded",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in EXTENSIONS
                },
            }
        }
    },
)
def download_file(request: HttpRequest, evidence_id: int):
    """The file itself, named as it was uploaded (RFC 6266), for those who may see it."""
    evidence = get_object_or_404(
        EvidenceFile.objects.select_related("report__occurrence__assignment__task"),
        pk=_key(evidence_id),
    )
    handle, content_type, name = open_file(user=request.user, evidence=evidence)
    name = "".join(ch for ch in name if ch.isprintable()) or "tep"
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Extensions ----------------------------------------------------------------------------------


class ExtensionFilters(Schema):
    occurrence: Id | None = None
    status: Literal["pending", "approved", "rejected"] | None = None


def _extension(pk: int) -> Extension:
    _key(pk)
    return get_object_or_404(
        Extension.objects.select_related("occurrence__assignment", "requested_by", "decided_by"),
        pk=pk,
    )


@router.get("/extensions", response=list[ExtensionOut])
@paginate(Page)
def list_extensions(request: HttpRequest, filters: Query[ExtensionFilters]):
    """The extension requests on the occurrences the caller may see, latest first."""
    rows = visible_extensions(request.user).select_related(
        "occurrence__assignment", "requested_by", "decided_by"
    )
    if filters.occurrence is not None:
        rows = rows.filter(occurrence_id=filters.occurrence)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows.order_by("-requested_at", "-pk")


@router.get("/extensions/{int:extension_id}", response={200: ExtensionOut, **REFUSED})
def get_extension(request: HttpRequest, extension_id: int):
    extension = _extension(extension_id)
    check(request.user, Action.VIEW_EXTENSION, extension)
    return extension


@router.post("/extensions", response={201: ExtensionOut, **WRITE})
def ask_extension(request: HttpRequest, payload: ExtensionIn):
    """The caller's body asks to move an open occurrence's due date (``new_due``), with a
    reason; the office decides."""
    occurrence = get_object_or_404(
        Occurrence.objects.select_related("assignment"), pk=payload.occurrence
    )
    check(request.user, Action.REQUEST_EXTENSION, occurrence)
    try:
        extension = request_extension(
            user=request.user,
            occurrence=occurrence,
            new_due=payload.new_due,
            reason=payload.reason,
        )
    except ExtensionError as exc:
        raise HttpError(422, str(exc)) from None
    return Answer(201, _extension(extension.pk))


@router.post("/extensions/{int:extension_id}/decide", response={200: ExtensionOut, **WRITE})
def decide(request: HttpRequest, extension_id: int, payload: DecisionIn):
    """The office approves or rejects a pending request (a rejection says why)."""
    extension = _extension(extension_id)
    check(request.user, Action.VIEW_EXTENSION, extension)
    try:
        decide_extension(
            user=request.user,
            extension=extension,
            approve=payload.decision == "approve",
            comment=payload.comment,
            granted=payload.granted,
        )
    except ExtensionError as exc:
        raise HttpError(422, str(exc)) from None
    return _extension(extension.pk)

"""What the write side of the API reads and answers: progress reports with their revisions
and files, extensions, imports. Dates are ISO 8601; free text is NFC (``Text``)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator

from theodoi.tracking.models import EvidenceFile, Extension, ProgressReport, ReportRevision

from .schemas import Out


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


Text = Annotated[str, AfterValidator(_nfc)]
MAX_ID = 2**63 - 1  # the largest key any database here stores; beyond it, nothing exists
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
State = Literal["not_started", "in_progress", "done"]
Status = Literal["draft", "awaiting_signoff", "submitted", "returned", "confirmed"]


# --- Progress reports ----------------------------------------------------------------------------


class ReportFields(Schema):
    """What a body writes in a report; the same fields as the web form."""

    state: State = Field(description="not_started | in_progress | done")
    percent: int | None = Field(None, description="0-100; 100 when done and left empty")
    narrative: Text = Field("", max_length=20000, description="nội dung báo cáo")
    done_on: dt.date | None = Field(None, description="ngày hoàn thành (only when done)")
    document_type: Text = Field("", max_length=60, description="loại văn bản đã ban hành")
    document_number: Text = Field("", max_length=100, description="số, ký hiệu văn bản")
    document_date: dt.date | None = None
    document_signer: Text = Field("", max_length=300, description="cơ quan ký văn bản")


class ReportCreate(ReportFields):
    occurrence: Id = Field(description="the occurrence (kỳ thực hiện) reported on")


class ReportUpdate(Schema):
    """A change: the version the client read, and the fields to change (the others are kept)."""

    version: Version = Field(description="the report's version as the client read it")
    state: State | None = None
    percent: int | None = None
    narrative: Text | None = Field(None, max_length=20000)
    done_on: dt.date | None = None
    document_type: Text | None = Field(None, max_length=60)
    document_number: Text | None = Field(None, max_length=100)
    document_date: dt.date | None = None
    document_signer: Text | None = Field(None, max_length=300)


class VersionIn(Schema):
    version: Version = Field(description="the report's version as the client read it")


class ReviewIn(Schema):
    version: Version = Field(description="the report's version as the client read it")
    decision: Literal["accept", "return"]
    comment: Text = Field("", max_length=5000, description="required to return a report")


class RevisionOut(Out):
    """The report as it stood after one change: who, when, what."""

    version: int
    at: dt.datetime
    by: str
    action: str = Field(description="create | edit | submit | sign_off | confirm | return")
    state: State
    status: Status
    done_on: dt.date | None
    data: dict[str, Any]

    @staticmethod
    def resolve_by(obj: ReportRevision) -> str:
        return obj.by.get_username()


class EvidenceOut(Out):
    id: int
    report: int = Field(alias="report_id")
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    download: str = Field(description="the address to download the file from")

    @staticmethod
    def resolve_uploaded_by(obj: EvidenceFile) -> str:
        return obj.uploaded_by.get_username()

    @staticmethod
    def resolve_download(obj: EvidenceFile) -> str:
        return reverse("api:evidence_download", kwargs={"evidence_id": obj.pk})


class ReportOut(Out):
    id: int
    occurrence: int = Field(alias="occurrence_id")
    assignment: int = Field(alias="occurrence.assignment_id")
    task: int = Field(alias="occurrence.assignment.task_id")
    task_key: str = Field(alias="occurrence.assignment.task.key")
    organization: int = Field(alias="organization_id")
    organization_name: str = Field(alias="organization.name")
    state: State
    percent: int | None
    narrative: str
    done_on: dt.date | None
    document_type: str
    document_number: str
    document_date: dt.date | None
    document_signer: str
    status: Status
    review_comment: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ReportDetail(ReportOut):
    revisions: list[RevisionOut]
    files: list[EvidenceOut]

    @staticmethod
    def resolve_revisions(obj: ProgressReport) -> list[ReportRevision]:
        return list(obj.revisions.select_related("by").order_by("version"))

    @staticmethod
    def resolve_files(obj: ProgressReport) -> list[EvidenceFile]:
        return list(obj.files.select_related("uploaded_by").order_by("uploaded_at", "pk"))


# --- Extensions ----------------------------------------------------------------------------------


class ExtensionIn(Schema):
    occurrence: Id = Field(description="the occurrence whose due date should move")
    new_due: dt.date = Field(description="hạn mới đề nghị (ISO 8601)")
    reason: Text = Field(max_length=5000, description="lý do")


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: Text = Field("", max_length=5000, description="required to reject")


class ExtensionOut(Out):
    id: int
    occurrence: int = Field(alias="occurrence_id")
    organization: int | None = Field(alias="occurrence.assignment.organization_id")
    due_date: dt.date = Field(alias="occurrence.due_date", description="the occurrence's own")
    new_due: dt.date
    reason: str
    status: Literal["pending", "approved", "rejected"]
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    comment: str

    @staticmethod
    def resolve_requested_by(obj: Extension) -> str:
        return obj.requested_by.get_username()

    @staticmethod
    def resolve_decided_by(obj: Extension) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by_id else None


# --- Imports -------------------------------------------------------------------------------------


class ImportWarning(Out):
    line: int | None
    message: str


class ImportPreview(Out):
    """What the parser read (``draft``: the JSON contract of ``theodoi parse``), its warnings,
    and the id to confirm the import with before ``expires_at``."""

    id: str
    name: str
    expires_at: dt.datetime
    draft: dict[str, Any]
    warnings: list[ImportWarning]
    sections: int
    tasks: int


class ImportConfirm(Schema):
    """The options of ``theodoi import``; all optional."""

    number: Text | None = Field(
        None, max_length=100, description="số, ký hiệu (if the document has none)"
    )
    amends: Text | None = Field(
        None, max_length=100, description="the program this document amends"
    )
    parent: Text | None = Field(None, max_length=100, description="the parent program's number")
    parent_task: Text | None = Field(
        None, max_length=80, description="task key in the parent, e.g. B.II.1"
    )


class ImportResult(Out):
    """The import summary (``theodoi import --format json``), with the program's id."""

    program_id: int
    program: str
    version: int
    number_derived: bool
    unchanged: bool
    sections: int
    tasks: int
    assignments: int
    occurrences: int
    unresolved: list[str]
    warnings: list[str]
    added: list[str]
    removed: list[str]
    changed: list[str]

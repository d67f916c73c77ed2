"""What the write side of the API reads and answers: progress reports with their revisions
and files, extensions, imports. Dates are ISO 8601, of the years ``theodoi.inputs`` allows
(``Day``); free text is read as every input is (``Text``: NFC, nothing a database cannot
store)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from theodoi.inputs import clean_text
from theodoi.parsing.model import Role, TimeKind
from theodoi.tracking.models import EvidenceFile, Extension, ProgressReport, ReportRevision

from .schemas import Day, Out

Text = Annotated[str, AfterValidator(clean_text)]
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
    done_on: Day | None = Field(None, description="ngày hoàn thành (only when done)")
    document_type: Text = Field("", max_length=60, description="loại văn bản đã ban hành")
    document_number: Text = Field("", max_length=100, description="số, ký hiệu văn bản")
    document_date: Day | None = None
    document_signer: Text = Field("", max_length=300, description="cơ quan ký văn bản")


class ReportCreate(ReportFields):
    occurrence: Id = Field(description="the occurrence (kỳ thực hiện) reported on")


class ReportUpdate(Schema):
    """A change: the version the client read, and the fields to change (the others are kept)."""

    version: Version = Field(description="the report's version as the client read it")
    state: State | None = None
    percent: int | None = None
    narrative: Text | None = Field(None, max_length=20000)
    done_on: Day | None = None
    document_type: Text | None = Field(None, max_length=60)
    document_number: Text | None = Field(None, max_length=100)
    document_date: Day | None = None
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
    via: str = Field(
        description="through what: web | api:<token prefix> | cli ('' where not recorded)"
    )
    address: str | None = Field(description="the client's address, where recorded")
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
    new_due: Day = Field(description="hạn mới đề nghị (ISO 8601)")
    reason: Text = Field(max_length=5000, description="lý do")


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: Text = Field("", max_length=5000, description="required to reject")
    granted: Day | None = Field(
        None, description="approve to this date instead of the one asked (earlier than asked, "
        "after the due date in force)",
    )  # fmt: skip


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

TaskKey = Annotated[Text, Field(max_length=80, description="a task's id in the draft, e.g. II.3")]
BodyCode = Annotated[
    Text,
    Field(max_length=130, description="a body's code, or new:CODE for one created in this draft"),
]


class ImportWarning(Out):
    line: int | None
    message: str


class ImportBody(Out):
    """One body named on a task, as it will be stored."""

    index: int = Field(description="its position on the task (remove_body, roles)")
    name: str
    written: str = Field(description="as the document writes it")
    code: str | None = Field(description="None: a name nobody has decided on yet")
    roles: list[Role]
    group: bool
    new: bool = Field(description="created in this draft (code new:CODE), stored at confirmation")
    unknown: str = Field(description="the name as read, when the registry does not know it")


class ImportPeriod(Out):
    start: dt.date | None
    due: dt.date
    label: str = Field(description="e.g. Quý I/2021, Hạn 31/03/2021")
    source: str = Field(description="deadline | period | milestone")
    scope: str


class ImportReview(Out):
    field: str = Field(description="text | time | lead | assignments | ...")
    reason: str


class ImportTask(Out):
    """One task of the corrected draft, with the dates it will owe and what to check."""

    id: str
    section: str
    section_title: str
    text: str
    sentences: list[str] = Field(description="the text cut into sentences (split: at)")
    bodies: list[ImportBody]
    time_text: str
    time_kind: TimeKind = Field(description="unknown: not understood, to be set")
    periods: list[ImportPeriod]
    review: list[ImportReview]


class ImportName(Out):
    """A name the registry does not know, and the office's decision on it."""

    key: str
    name: str
    decision: Literal["", "map", "new", "fragment"] = Field(
        description="'' undecided, map (to code), new (a body created), fragment (not a body)"
    )
    code: str = Field("", description="map: the body's code; new: the new body's code")
    body_name: str = ""
    alias: bool = False
    kind: str = Field("", description="new: the body's kind")
    level: str = Field("", description="new: the body's level")
    parent: str = Field("", description="new: the code of the body above it")
    tasks: list[str] = Field(description="the tasks that name it")


class ImportProgramRef(Out):
    id: int
    number: str
    title: str


class ImportImpact(Out):
    """What confirming would do: a new program, a new version of ``existing``, or nothing."""

    number: str
    existing: ImportProgramRef | None
    unchanged: bool
    tasks: int
    periods: int
    added: list[str]
    removed: list[str]
    changed: list[str]
    error: str = Field(description="why the import would be refused as things stand, or ''")


class ImportOptions(Out):
    number: str
    amends: str
    parent: str
    parent_task: str


class ImportUploadOptions(Schema):
    """The options of ``theodoi import``, sent with the document (form fields), all optional;
    they can be given again at confirmation."""

    number: Text = Field("", max_length=100, description="số, ký hiệu (if the document has none)")
    amends: Text = Field("", max_length=100, description="the program this document amends")
    parent: Text = Field("", max_length=100, description="the parent program's number")
    parent_task: Text = Field("", max_length=80, description="task key in the parent: B.II.1")


class ImportPreview(Out):
    """An upload being checked: the draft as corrected (``draft``: the JSON contract of
    ``theodoi parse``), its tasks as they will be stored, the names still to decide, what
    confirming would do, and the corrections so far. Confirm before ``expires_at``."""

    id: str
    name: str
    expires_at: dt.datetime
    options: ImportOptions
    draft: dict[str, Any]
    warnings: list[ImportWarning]
    sections: int
    tasks: list[ImportTask]
    unknown_names: list[ImportName]
    impact: ImportImpact
    corrections: list[dict[str, Any]] = Field(
        description="in order: at, by, op, its values, and the task before it was changed"
    )


class ImportCorrected(ImportPreview):
    shown: list[str] = Field(description="the tasks the correction changed (or next to it)")


class _Correction(Schema):
    model_config = ConfigDict(extra="forbid")


class CorrectText(_Correction):
    op: Literal["text"]
    task: TaskKey
    text: Text = Field(max_length=20000)


class CorrectSection(_Correction):
    op: Literal["section"]
    task: TaskKey
    section: Text = Field(max_length=80)


class CorrectTime(_Correction):
    op: Literal["time"]
    task: TaskKey
    text: Text = Field(max_length=500, description="as a document writes it: Quý IV/2025")


class CorrectLead(_Correction):
    op: Literal["lead"]
    task: TaskKey
    body: BodyCode


class CorrectAddBody(_Correction):
    op: Literal["add_body"]
    task: TaskKey
    body: BodyCode
    role: Role = "coordinates"


class CorrectRemoveBody(_Correction):
    op: Literal["remove_body"]
    task: TaskKey
    index: int = Field(ge=0, le=10000)


class CorrectRoles(_Correction):
    op: Literal["roles"]
    task: TaskKey
    index: int = Field(ge=0, le=10000)
    roles: list[Role] = Field(min_length=1, max_length=6)


class CorrectMerge(_Correction):
    op: Literal["merge"]
    task: TaskKey
    other: TaskKey = Field(description="the task that joins ``task``")


class CorrectSplit(_Correction):
    op: Literal["split"]
    task: TaskKey
    at: int = Field(ge=1, le=10000, description="the sentence the second task starts with")


class CorrectRemove(_Correction):
    op: Literal["remove"]
    task: TaskKey


class CorrectAdd(_Correction):
    op: Literal["add"]
    section: Text = Field(max_length=80)
    text: Text = Field(max_length=20000)
    after: Text = Field("", max_length=80, description="a task id, or '' for the end")


class CorrectMap(_Correction):
    op: Literal["map"]
    name: Text = Field(max_length=300, description="an unknown name, as unknown_names lists it")
    body: BodyCode
    alias: bool = Field(False, description="remember the name as the body's alias")


class CorrectCreate(_Correction):
    op: Literal["create"]
    name: Text = Field(max_length=300)
    body_name: Text = Field("", max_length=300, description="the new body's name ('' the name)")
    kind: Text = Field("", max_length=40)
    level: Text = Field("", max_length=20, description="central | province | district | commune")
    parent: Text = Field("", max_length=120, description="the code of the body above it")


class CorrectFragment(_Correction):
    op: Literal["fragment"]
    name: Text = Field(max_length=300)


class CorrectUndecide(_Correction):
    op: Literal["undecide"]
    name: Text = Field(max_length=300)


ImportCorrection = Annotated[
    CorrectText
    | CorrectSection
    | CorrectTime
    | CorrectLead
    | CorrectAddBody
    | CorrectRemoveBody
    | CorrectRoles
    | CorrectMerge
    | CorrectSplit
    | CorrectRemove
    | CorrectAdd
    | CorrectMap
    | CorrectCreate
    | CorrectFragment
    | CorrectUndecide,
    Field(discriminator="op"),
]


class ImportConfirm(Schema):
    """The options of ``theodoi import``, all optional: one left out (or null) keeps what the
    upload was sent with; "" clears it."""

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
    links: dict[TaskKey, Annotated[Text, Field(max_length=80)]] = Field(
        default_factory=dict,
        description="lower-level program: task key -> parent task key ('' for none)",
    )


class ImportResult(Out):
    """The import summary (``theodoi import --format json``), with the program's id and the
    bodies and aliases the office's decisions created."""

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
    created: list[str] = Field(description="the codes of the bodies created")
    aliases: int = Field(description="the names remembered as aliases")

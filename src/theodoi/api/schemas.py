"""What the read endpoints and the token endpoints answer: plain shapes, ISO dates, NFC text.

Each schema says which fields a client may rely on; they are filled from the models (and
from ``theodoi.tracking.status.OccurrenceStatus`` for a status as of a date), never from a
view's own arithmetic."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, field_validator

from theodoi.inputs import check_day

# A day asked for or sent: ISO 8601, of a year a program can concern (theodoi.inputs), so
# "9999-12-31" is answered 422 on its field rather than carried into a status computation.
Day = Annotated[dt.date, AfterValidator(check_day)]


class Out(Schema):
    """Every text answered is NFC, whatever a row was stored with."""

    @field_validator("*", mode="after")
    @classmethod
    def _nfc(cls, value: Any) -> Any:
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        return value


class Problem(Schema):
    """An error: ``detail`` says, in Vietnamese, what is wrong and what to do."""

    detail: str


class InvalidInput(Schema):
    """Input that does not fit: ``detail`` in Vietnamese, ``errors`` field by field."""

    detail: str
    errors: list[dict[str, Any]] = []


# --- Organisations ----------------------------------------------------------------------------


class OrgRef(Out):
    code: str
    name: str


class GroupRef(Out):
    code: str
    name: str


class OrganizationOut(Out):
    code: str
    name: str
    full_name: str
    short_name: str
    kind: str
    level: str = Field(description="central | province | district | commune, or empty")
    parent: str | None = Field(None, description="the code of the body it belongs to")
    valid_from: dt.date | None
    valid_to: dt.date | None
    unresolved: bool = Field(description="a name an import met that no registry entry matched")


class SuccessionOut(Out):
    """A reorganisation the body took part in, and the bodies on the other side of it."""

    kind: str = Field(description="merge | split | rename | abolish")
    effective: dt.date
    basis: str
    organizations: list[OrgRef]


class OrganizationDetail(OrganizationOut):
    aliases: list[str]
    groups: list[GroupRef]
    children: list[OrgRef]
    successors: list[SuccessionOut] = Field(
        description="reorganisations that passed this body's work on, with the successors"
    )
    predecessors: list[SuccessionOut] = Field(
        description="reorganisations that made this body, with the bodies before it"
    )


# --- Programs, sections, tasks ------------------------------------------------------------------


class ProgramOut(Out):
    id: int
    number: str
    title: str
    kind: str
    issuer: OrgRef | None
    issuer_name: str
    date: dt.date | None
    term_start: int | None
    term_end: int | None
    status: str = Field(description="draft | active | closed | replaced")
    ended_on: dt.date | None = Field(description="the day the office ended it, if it did")
    ends_on: dt.date | None = Field(description="last day in force: ended_on, else its term's end")
    replaced_by_id: int | None
    reporting_cycle: str = Field(description="month | quarter | half-year | year")
    parent_program_id: int | None
    parent_task_id: int | None
    task_count: int = Field(description="tasks not withdrawn")


class VersionOut(Out):
    number: int
    source_name: str
    imported_at: dt.datetime


class ProgramDetail(ProgramOut):
    resolution: str
    signer: dict[str, str | None]
    recipients: list[str]
    versions: list[VersionOut]


class TaskRef(Out):
    id: int
    key: str
    text: str
    withdrawn: bool


class SectionNode(Out):
    """A section with its tasks and the sections below it, in document order."""

    id: int
    number: str
    title: str
    tasks: list[TaskRef]
    children: list[SectionNode]


class SectionTree(Out):
    program_id: int
    sections: list[SectionNode]
    loose_tasks: list[TaskRef] = Field(description="tasks outside every section")


class TaskOut(Out):
    id: int
    program_id: int
    section: str | None = Field(description="the section's number, e.g. B.III.1.1")
    key: str
    text: str
    time_text: str
    time_kind: str = Field(
        description="deadline | recurring | continuous | ongoing | compound | unknown"
    )
    needs_time: bool
    lead: OrgRef | None
    needs_lead: bool
    product: str
    withdrawn: bool
    parent_task_id: int | None


class AssignmentOut(Out):
    id: int
    task_id: int
    organization: OrgRef | None
    group: GroupRef | None
    via_group: GroupRef | None
    written: str
    roles: list[str] = Field(description="directs, issues, advises, implements, leads, coordinates")
    inferred: bool
    active_from: dt.date | None
    active_to: dt.date | None
    transferred_from_id: int | None


class TaskDetail(TaskOut):
    time: dict[str, Any]
    milestones: list[dict[str, Any]]
    assignments: list[AssignmentOut] = Field(description="the assignments the caller may see")


# --- Occurrences and their status -------------------------------------------------------------


class StatusOut(Out):
    """Where the occurrence stood at the end of ``as_of`` (theodoi.tracking.status)."""

    as_of: dt.date
    bucket: str = Field(
        description="done_on_time | done_late | open_in_time | open_overdue | no_deadline "
        "| withdrawn"
    )
    label: str
    workflow: str = Field(
        description="not_started | in_progress | awaiting_confirmation | returned | confirmed"
    )
    workflow_label: str
    due: dt.date = Field(description="the due date in force, after approved extensions")
    original_due: dt.date
    done_on: dt.date | None
    due_soon: bool
    reported: bool


class OccurrenceOut(Out):
    id: int
    assignment_id: int
    task_id: int
    task_key: str
    program_id: int
    organization: OrgRef | None
    period_start: dt.date | None
    due_date: dt.date
    label: str
    source: str = Field(description="deadline | period | milestone")
    scope: str
    state: str = Field(description="open | done | withdrawn: the row as it is today")
    withdrawn_on: dt.date | None
    status: StatusOut


# --- Tokens --------------------------------------------------------------------------------


class TokenOut(Out):
    """A token as lists show it: never its secret nor its hash."""

    id: int
    prefix: str
    name: str
    user: str
    created_at: dt.datetime
    created_by: str | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_user(obj) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.get_username() if obj.created_by_id else None


class TokenCreated(TokenOut):
    token: str = Field(description="the secret: shown this once, store it now")


class TokenIn(Schema):
    name: str = Field(max_length=100, description="what will use it, e.g. 'báo cáo tự động'")
    user: str | None = Field(
        None,
        max_length=150,
        description="your own user name, or nothing: each person makes their own tokens "
        "(another name is refused with 403, also for an administrator)",
    )


# --- Office amendments of a program ----------------------------------------------------------


def _nfc_text(value: str) -> str:
    return unicodedata.normalize("NFC", value)


AmendText = Annotated[str, AfterValidator(_nfc_text)]
Code = Annotated[str, Field(max_length=120)]


class ChangeOut(Out):
    """One line of a version's diff: what changed on one task, before and after."""

    task: str = Field(description="the task's key when it was changed")
    task_id: int | None = None
    field: str = Field(description="lead | coordinators | time | text | added | withdrawn")
    before: str
    after: str
    added: list[str] = Field([], description="coordinators: the bodies added")
    removed: list[str] = Field([], description="coordinators: the bodies removed")


class VersionDetail(Out):
    """A version of the program: a document imported, or a change the office made."""

    number: int
    how: str = Field(description="document | office")
    source_name: str
    imported_at: dt.datetime
    author: str | None = Field(None, description="who imported or changed it (user name)")
    reason: str
    changes: list[ChangeOut] = Field(description="an office change's diff; empty for documents")

    @staticmethod
    def resolve_author(obj) -> str | None:
        return obj.author.get_username() if obj.author_id else None


class TaskAmendIn(Schema):
    """A change to a tracked task; what is left out stays. Bodies are registry codes."""

    reason: AmendText = Field(max_length=5000, description="lý do sửa (required)")
    lead: Code | None = Field(None, description="the new lead's code (added if not on the task)")
    add_coordinators: list[Code] = Field([], max_length=100)
    remove: list[Code] = Field([], max_length=100, description="bodies taken off the task")
    time: AmendText | None = Field(
        None, max_length=500, description="as a document writes it: 30/6/2027, Quý IV/2027"
    )
    text: AmendText | None = Field(None, max_length=20000)


class ProgramLifeIn(Schema):
    """Finish, replace or reopen a program (theodoi.programs.life)."""

    action: Literal["finish", "replace", "reopen"]
    on: dt.date | None = Field(None, description="the last day in force (default: see docs)")
    by: int | None = Field(None, description="the replacing program's id (replace)")


class TaskWithdrawIn(Schema):
    reason: AmendText = Field(max_length=5000, description="lý do bãi bỏ (required)")


class TaskAddIn(Schema):
    """A task the document forgot."""

    reason: AmendText = Field(max_length=5000)
    section: AmendText = Field(max_length=60, description="the section's number, e.g. B.II")
    text: AmendText = Field(max_length=20000)
    lead: Code
    coordinators: list[Code] = Field([], max_length=100)
    time: AmendText = Field(max_length=500)


class AmendmentOut(Out):
    """The version a change made, and the task as it now is."""

    version: VersionDetail
    task: TaskOut


SectionNode.model_rebuild()

"""Status as of any date: built from the dated history (report revisions, extension
decisions), never from the reports' current fields, so a past date reads the same later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from theodoi.orgs.models import Organization, Reorganization
from theodoi.programs.models import Assignment, Occurrence, Program, ProgramVersion, Task
from theodoi.programs.succession import apply_reorganization
from theodoi.tracking import status as status_module
from theodoi.tracking.models import Extension, ProgressReport, ReportRevision
from theodoi.tracking.status import (
    BUCKET_LABELS,
    OccurrenceStatus,
    Tally,
    end_of_day,
    occurrence_status,
    statuses,
    tally,
)

pytestmark = pytest.mark.django_db

D = dt.date
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = D(2021, 6, 30)  # the end of Q2/2021

# Report states and review statuses, as stored on each revision.
NS, IP, DONE = "not_started", "in_progress", "done"
DRAFT, SIGNOFF, SUBMITTED, RETURNED, CONFIRMED = (
    "draft",
    "awaiting_signoff",
    "submitted",
    "returned",
    "confirmed",
)
APPROVED, PENDING, REJECTED = "approved", "pending", "rejected"


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment on ``day`` in Vietnam's time, as offices record it."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HCM)


def rev(day, status, state, done_on=None, *, hour=9, minute=0):
    """One revision of a report: when, review status, state, the day the work was done."""
    return (at(day, hour, minute), status, state, done_on)


def ext(new_due, decision, decided=None):
    """An extension to ``new_due``: its decision and the day it was decided."""
    return (new_due, decision, decided)


# ---------------------------------------------------------------------------------------------
# Building the history


@pytest.fixture
def user():
    return User.objects.create_user("vanphong")


@pytest.fixture
def body():
    return Organization.objects.create(code="qn.btctu", name="Ban Tổ chức Tỉnh ủy")


@pytest.fixture
def version():
    program = Program.objects.create(
        number="01-CTr/TU", title="Chương trình hành động thử", term_start=2021, term_end=2025
    )
    return ProgramVersion.objects.create(
        program=program, number=1, source_name="thu.md", source_sha256="0" * 64
    )


def make_task(version, time_kind="deadline", *, key="1", time=None, lead=None) -> Task:
    return Task.objects.create(
        program=version.program,
        key=key,
        text=f"Nhiệm vụ {key}",
        time_kind=time_kind,
        time=time or {"kind": time_kind},
        added_in=version,
        lead=lead,
    )


def make_assignment(task, organization, **roles) -> Assignment:
    roles = roles or {"leads": True, "implements": True}
    return Assignment.objects.create(
        task=task, organization=organization, written=organization.name, **roles
    )


def make_occurrence(
    assignment, due=DUE, *, source="deadline", status="open", withdrawn_on=None
) -> Occurrence:
    return Occurrence.objects.create(
        assignment=assignment,
        due_date=due,
        label=f"Hạn {due:%d/%m/%Y}",
        source=source,
        status=status,
        withdrawn_on=withdrawn_on,
    )


def report(occurrence, user, revisions, *, organization=None) -> ProgressReport:
    """The report of ``organization`` (by default the occurrence's own body) on the
    occurrence, with one stored revision per step. The report's current fields are left at
    their defaults on purpose: the status must come from the revisions alone."""
    organization = organization or occurrence.assignment.organization
    current, _ = ProgressReport.objects.get_or_create(
        occurrence=occurrence, organization=organization
    )
    start = current.revisions.count()
    for number, (moment, status, state, done_on) in enumerate(revisions, start=start + 1):
        ReportRevision.objects.create(
            report=current,
            version=number,
            at=moment,
            by=user,
            action=status,
            state=state,
            status=status,
            done_on=done_on,
        )
    return current


def extend(occurrence, user, extensions) -> None:
    for new_due, decision, decided in extensions:
        Extension.objects.create(
            occurrence=occurrence,
            requested_by=user,
            requested_at=at(D(2021, 6, 1)),
            reason="Chờ ý kiến của Trung ương",
            new_due=new_due,
            status=decision,
            decided_by=user if decided else None,
            decided_at=at(decided) if decided else None,
        )


# ---------------------------------------------------------------------------------------------
# The table of cases


@dataclass
class Case:
    as_of: dt.date
    bucket: str
    workflow: str
    revisions: tuple = ()
    extensions: tuple = ()
    time_kind: str = "deadline"
    source: str = "deadline"
    time: dict | None = None
    occurrence_status: str = "open"
    withdrawn_on: dt.date | None = None
    warn_days: int | None = None
    due: dt.date = DUE
    done_on: dt.date | None = None
    due_soon: bool = False
    reported: bool = False


# Withdrawn on 5/7/2021 (an amendment adopted that day, a reorganisation effective then).
WITHDRAWN_5_7 = {"occurrence_status": "withdrawn", "withdrawn_on": D(2021, 7, 5)}
# A report done on 28/6 (in time), submitted 29/6, confirmed 5/7 (after the due date).
CONFIRMED_AFTER_DUE = (
    rev(D(2021, 6, 28), DRAFT, DONE, D(2021, 6, 28)),
    rev(D(2021, 6, 29), SUBMITTED, DONE, D(2021, 6, 28)),
    rev(D(2021, 7, 5), CONFIRMED, DONE, D(2021, 6, 28)),
)
CONTINUOUS = {"time_kind": "continuous", "source": "period"}

CASES = [
    # Not started, in progress.
    pytest.param(
        Case(D(2021, 6, 10), "open_in_time", "not_started"),
        id="not started, in time",
    ),
    pytest.param(
        Case(D(2021, 7, 1), "open_overdue", "not_started"),
        id="not started, overdue the day after the due date",
    ),
    pytest.param(
        Case(D(2021, 6, 10), "open_in_time", "not_started", (rev(D(2021, 6, 5), DRAFT, NS),)),
        id="draft saying not started",
    ),
    pytest.param(
        Case(D(2021, 6, 10), "open_in_time", "in_progress", (rev(D(2021, 6, 5), DRAFT, IP),)),
        id="in progress, draft",
    ),
    pytest.param(
        Case(D(2021, 7, 10), "open_overdue", "in_progress", (rev(D(2021, 6, 5), SIGNOFF, IP),)),
        id="in progress, awaiting sign-off, overdue",
    ),
    pytest.param(
        Case(
            D(2021, 6, 20),
            "open_in_time",
            "in_progress",
            (rev(D(2021, 6, 5), SUBMITTED, IP),),
            reported=True,
        ),
        id="in progress, submitted",
    ),
    pytest.param(
        Case(
            D(2021, 6, 20),
            "open_in_time",
            "in_progress",
            (rev(D(2021, 6, 5), DRAFT, DONE, D(2021, 6, 4)),),
        ),
        id="done in a draft not yet sent: still in progress",
    ),
    # Done.
    pytest.param(
        Case(
            D(2021, 6, 30),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 25), CONFIRMED, DONE, D(2021, 6, 20)),
            ),
            done_on=D(2021, 6, 20),
            reported=True,
        ),
        id="done on time, confirmed",
    ),
    pytest.param(
        Case(
            D(2021, 7, 10),
            "done_on_time",
            "confirmed",
            CONFIRMED_AFTER_DUE,
            done_on=D(2021, 6, 28),
            reported=True,
        ),
        id="done on time, confirmed after the due date",
    ),
    pytest.param(
        Case(
            D(2021, 7, 10),
            "done_late",
            "confirmed",
            (
                rev(D(2021, 7, 3), SUBMITTED, DONE, D(2021, 7, 3)),
                rev(D(2021, 7, 8), CONFIRMED, DONE, D(2021, 7, 3)),
            ),
            done_on=D(2021, 7, 3),
            reported=True,
        ),
        id="done late",
    ),
    pytest.param(
        Case(
            D(2021, 7, 10),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 6, 29), SUBMITTED, DONE),
                rev(D(2021, 7, 8), CONFIRMED, DONE),
            ),
            done_on=D(2021, 6, 29),
            reported=True,
        ),
        id="done without a date: the day it was submitted as done",
    ),
    # Reported done, awaiting the office.
    pytest.param(
        Case(
            D(2021, 6, 25),
            "open_in_time",
            "awaiting_confirmation",
            (rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),),
            due_soon=True,
            reported=True,
        ),
        id="reported done, awaiting confirmation, in time",
    ),
    pytest.param(
        Case(
            D(2021, 7, 1),
            "open_overdue",
            "awaiting_confirmation",
            CONFIRMED_AFTER_DUE,
            reported=True,
        ),
        id="awaiting confirmation as of a date before it was confirmed",
    ),
    pytest.param(
        Case(
            D(2021, 7, 5),
            "done_on_time",
            "confirmed",
            CONFIRMED_AFTER_DUE,
            done_on=D(2021, 6, 28),
            reported=True,
        ),
        id="done as of the day it was confirmed",
    ),
    # Returned.
    pytest.param(
        Case(
            D(2021, 6, 26),
            "open_in_time",
            "returned",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 22), RETURNED, DONE, D(2021, 6, 20)),
            ),
            due_soon=True,
            reported=True,
        ),
        id="returned",
    ),
    pytest.param(
        Case(
            D(2021, 7, 2),
            "open_overdue",
            "awaiting_confirmation",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 22), RETURNED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 28), SUBMITTED, DONE, D(2021, 6, 20)),
            ),
            reported=True,
        ),
        id="returned, resubmitted, awaiting confirmation",
    ),
    pytest.param(
        Case(
            D(2021, 7, 2),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 22), RETURNED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 28), SUBMITTED, DONE, D(2021, 6, 27)),
                rev(D(2021, 7, 1), CONFIRMED, DONE, D(2021, 6, 27)),
            ),
            done_on=D(2021, 6, 27),
            reported=True,
        ),
        id="returned, resubmitted, confirmed",
    ),
    pytest.param(
        Case(
            D(2021, 7, 20),
            "open_overdue",
            "returned",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 25), CONFIRMED, DONE, D(2021, 6, 20)),
                rev(D(2021, 7, 15), RETURNED, DONE, D(2021, 6, 20)),
            ),
            reported=True,
        ),
        id="a confirmation the office later returns no longer counts",
    ),
    pytest.param(
        Case(
            D(2021, 6, 26),
            "open_in_time",
            "confirmed",
            (
                rev(D(2021, 6, 10), SUBMITTED, IP),
                rev(D(2021, 6, 11), CONFIRMED, IP),
            ),
            due_soon=True,
            reported=True,
        ),
        id="a progress report confirmed is not done",
    ),
    # Extensions.
    pytest.param(
        Case(
            D(2021, 9, 30),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 8, 16), SUBMITTED, DONE, D(2021, 8, 15)),
                rev(D(2021, 8, 20), CONFIRMED, DONE, D(2021, 8, 15)),
            ),
            (ext(D(2021, 9, 30), APPROVED, D(2021, 6, 25)),),
            due=D(2021, 9, 30),
            done_on=D(2021, 8, 15),
            reported=True,
        ),
        id="extended, then done on time",
    ),
    pytest.param(
        Case(
            D(2021, 8, 31),
            "done_late",
            "confirmed",
            (
                rev(D(2021, 8, 11), SUBMITTED, DONE, D(2021, 8, 10)),
                rev(D(2021, 8, 12), CONFIRMED, DONE, D(2021, 8, 10)),
            ),
            (ext(D(2021, 7, 31), APPROVED, D(2021, 6, 25)),),
            due=D(2021, 7, 31),
            done_on=D(2021, 8, 10),
            reported=True,
        ),
        id="extended, then done late",
    ),
    pytest.param(
        Case(
            D(2021, 7, 15),
            "open_in_time",
            "not_started",
            extensions=(ext(D(2021, 7, 31), APPROVED, D(2021, 6, 25)),),
            due=D(2021, 7, 31),
        ),
        id="extended, open, in time by the new date",
    ),
    pytest.param(
        Case(
            D(2021, 7, 15),
            "open_overdue",
            "not_started",
            extensions=(ext(D(2021, 7, 31), PENDING),),
        ),
        id="extension pending: no effect",
    ),
    pytest.param(
        Case(
            D(2021, 7, 15),
            "open_overdue",
            "not_started",
            extensions=(ext(D(2021, 7, 31), REJECTED, D(2021, 6, 25)),),
        ),
        id="extension rejected: no effect",
    ),
    pytest.param(
        Case(
            D(2021, 7, 10),
            "open_overdue",
            "not_started",
            extensions=(ext(D(2021, 7, 31), APPROVED, D(2021, 7, 20)),),
        ),
        id="extension approved after the date: no effect as of that date",
    ),
    pytest.param(
        Case(
            D(2021, 7, 20),
            "open_in_time",
            "not_started",
            extensions=(ext(D(2021, 7, 31), APPROVED, D(2021, 7, 20)),),
            due=D(2021, 7, 31),
        ),
        id="extension approved: applies from the day of the decision",
    ),
    pytest.param(
        Case(
            D(2021, 8, 1),
            "open_in_time",
            "not_started",
            extensions=(
                ext(D(2021, 9, 30), APPROVED, D(2021, 7, 1)),
                ext(D(2021, 12, 31), APPROVED, D(2021, 9, 15)),
            ),
            due=D(2021, 9, 30),
        ),
        id="two extensions: as of between them, the first",
    ),
    pytest.param(
        Case(
            D(2021, 10, 1),
            "open_in_time",
            "not_started",
            extensions=(
                ext(D(2021, 9, 30), APPROVED, D(2021, 7, 1)),
                ext(D(2021, 12, 31), APPROVED, D(2021, 9, 15)),
            ),
            due=D(2021, 12, 31),
        ),
        id="two extensions: the latest decision wins",
    ),
    # No deadline ("Thường xuyên").
    pytest.param(
        Case(
            D(2021, 6, 30),
            "no_deadline",
            "in_progress",
            (rev(D(2021, 6, 25), SUBMITTED, IP),),
            reported=True,
            **CONTINUOUS,
        ),
        id="continuous, reported",
    ),
    pytest.param(
        Case(
            D(2021, 6, 30),
            "no_deadline",
            "confirmed",
            (
                rev(D(2021, 6, 20), SUBMITTED, IP),
                rev(D(2021, 6, 22), CONFIRMED, IP),
            ),
            reported=True,
            **CONTINUOUS,
        ),
        id="continuous, reported and confirmed",
    ),
    pytest.param(
        Case(D(2021, 7, 31), "no_deadline", "not_started", **CONTINUOUS),
        id="continuous, missed: never overdue",
    ),
    pytest.param(
        Case(
            D(2021, 6, 27),
            "no_deadline",
            "in_progress",
            (rev(D(2021, 6, 25), DRAFT, IP),),
            **CONTINUOUS,
        ),
        id="continuous, only a draft: not reported, never due soon",
    ),
    pytest.param(
        Case(
            D(2021, 6, 30),
            "no_deadline",
            "not_started",
            (rev(D(2021, 7, 2), SUBMITTED, IP),),
            **CONTINUOUS,
        ),
        id="continuous, reported after the date: missed as of that date",
    ),
    pytest.param(
        Case(D(2021, 7, 1), "open_overdue", "not_started", time_kind="continuous"),
        id="continuous task, a milestone: has a deadline",
    ),
    pytest.param(
        Case(
            D(2021, 7, 1),
            "no_deadline",
            "not_started",
            time_kind="compound",
            source="period",
            time={"kind": "compound", "parts": [{"kind": "continuous"}, {"kind": "deadline"}]},
        ),
        id="compound task, continuous period: no deadline",
    ),
    pytest.param(
        Case(
            D(2021, 7, 1),
            "open_overdue",
            "not_started",
            time_kind="compound",
            source="period",
            time={"kind": "compound", "parts": [{"kind": "continuous"}, {"kind": "recurring"}]},
        ),
        id="compound task, continuous and recurring periods: has a deadline",
    ),
    pytest.param(
        Case(D(2021, 7, 1), "open_overdue", "not_started", time_kind="recurring", source="period"),
        id="recurring period: has a deadline",
    ),
    # Withdrawn.
    pytest.param(
        Case(D(2021, 7, 10), "withdrawn", "not_started", occurrence_status="withdrawn"),
        id="withdrawn task",
    ),
    pytest.param(
        Case(
            D(2021, 6, 28),
            "withdrawn",
            "in_progress",
            (rev(D(2021, 6, 5), SUBMITTED, IP),),
            occurrence_status="withdrawn",
            reported=True,
        ),
        id="withdrawn, in the warning band: not due soon",
    ),
    pytest.param(
        Case(D(2021, 1, 1), "withdrawn", "not_started", occurrence_status="withdrawn"),
        id="withdrawn without a date: withdrawn on every date, even long before",
    ),
    pytest.param(
        Case(D(2021, 7, 4), "open_overdue", "not_started", **WITHDRAWN_5_7),
        id="withdrawn on 5/7, as of 4/7: overdue, as it then was",
    ),
    pytest.param(
        Case(D(2021, 7, 5), "withdrawn", "not_started", **WITHDRAWN_5_7),
        id="withdrawn on 5/7, as of 5/7: withdrawn from that day",
    ),
    pytest.param(
        Case(D(2021, 12, 31), "withdrawn", "not_started", **WITHDRAWN_5_7),
        id="withdrawn on 5/7, as of a later day: withdrawn",
    ),
    pytest.param(
        Case(
            D(2021, 6, 28),
            "open_in_time",
            "in_progress",
            (rev(D(2021, 6, 5), SUBMITTED, IP),),
            due_soon=True,
            reported=True,
            **WITHDRAWN_5_7,
        ),
        id="withdrawn on 5/7, as of 28/6: in time and due soon",
    ),
    pytest.param(
        Case(
            D(2021, 7, 4),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 22), CONFIRMED, DONE, D(2021, 6, 20)),
            ),
            done_on=D(2021, 6, 20),
            reported=True,
            **WITHDRAWN_5_7,
        ),
        id="withdrawn on 5/7, done before: done as of 4/7",
    ),
    pytest.param(
        Case(
            D(2021, 7, 5),
            "withdrawn",
            "confirmed",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 22), CONFIRMED, DONE, D(2021, 6, 20)),
            ),
            done_on=D(2021, 6, 20),
            reported=True,
            **WITHDRAWN_5_7,
        ),
        id="withdrawn on 5/7, done before: withdrawn from 5/7, whatever was reported",
    ),
    pytest.param(
        Case(D(2021, 7, 4), "no_deadline", "not_started", **CONTINUOUS, **WITHDRAWN_5_7),
        id="continuous, withdrawn on 5/7, as of 4/7: no deadline",
    ),
    # Due soon.
    pytest.param(
        Case(D(2021, 6, 25), "open_in_time", "not_started", due_soon=True),
        id="due soon, 5 days before (default band)",
    ),
    pytest.param(
        Case(D(2021, 6, 24), "open_in_time", "not_started"),
        id="not due soon, 6 days before (default band)",
    ),
    pytest.param(
        Case(D(2021, 6, 30), "open_in_time", "not_started", due_soon=True),
        id="due soon, on the due date",
    ),
    pytest.param(
        Case(D(2021, 6, 20), "open_in_time", "not_started", warn_days=10, due_soon=True),
        id="due soon, 10 days before, band of 10",
    ),
    pytest.param(
        Case(D(2021, 6, 19), "open_in_time", "not_started", warn_days=10),
        id="not due soon, 11 days before, band of 10",
    ),
    pytest.param(
        Case(D(2021, 6, 29), "open_in_time", "not_started", warn_days=0),
        id="not due soon, the day before, band of 0",
    ),
    pytest.param(
        Case(D(2021, 6, 30), "open_in_time", "not_started", warn_days=0, due_soon=True),
        id="due soon, on the due date, band of 0",
    ),
    pytest.param(
        Case(
            D(2021, 6, 27),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
                rev(D(2021, 6, 22), CONFIRMED, DONE, D(2021, 6, 20)),
            ),
            done_on=D(2021, 6, 20),
            reported=True,
        ),
        id="done, in the warning band: not due soon",
    ),
    pytest.param(
        Case(
            D(2021, 7, 28),
            "open_in_time",
            "not_started",
            extensions=(ext(D(2021, 7, 31), APPROVED, D(2021, 6, 25)),),
            due=D(2021, 7, 31),
            due_soon=True,
        ),
        id="due soon, by the extended date",
    ),
    # The end of the day, in Vietnam's time.
    pytest.param(
        Case(
            D(2021, 6, 30),
            "done_on_time",
            "confirmed",
            (
                rev(D(2021, 6, 29), SUBMITTED, DONE, D(2021, 6, 29)),
                rev(D(2021, 6, 30), CONFIRMED, DONE, D(2021, 6, 29), hour=23, minute=59),
            ),
            done_on=D(2021, 6, 29),
            reported=True,
        ),
        id="confirmed at 23:59 on the date: known that day",
    ),
    pytest.param(
        Case(
            D(2021, 6, 30),
            "open_in_time",
            "awaiting_confirmation",
            (
                rev(D(2021, 6, 29), SUBMITTED, DONE, D(2021, 6, 29)),
                # 06:00 on 1/7 in Vietnam is still 30/6 in UTC: not known on 30/6.
                rev(D(2021, 7, 1), CONFIRMED, DONE, D(2021, 6, 29), hour=6),
            ),
            due_soon=True,
            reported=True,
        ),
        id="confirmed early the next morning: not known that day",
    ),
]


def build(case: Case, version, body, user) -> Occurrence:
    task = make_task(version, case.time_kind, time=case.time)
    occurrence = make_occurrence(
        make_assignment(task, body),
        source=case.source,
        status=case.occurrence_status,
        withdrawn_on=case.withdrawn_on,
    )
    if case.revisions:
        report(occurrence, user, case.revisions)
    extend(occurrence, user, case.extensions)
    return occurrence


@pytest.mark.parametrize("case", CASES)
def test_status_as_of_a_date(case, version, body, user):
    occurrence = build(case, version, body, user)
    options = {} if case.warn_days is None else {"warn_days": case.warn_days}

    got = occurrence_status(Occurrence.objects.get(pk=occurrence.pk), as_of=case.as_of, **options)

    assert got == OccurrenceStatus(
        bucket=case.bucket,
        workflow=case.workflow,
        due=case.due,
        original_due=DUE,
        done_on=case.done_on,
        due_soon=case.due_soon,
        reported=case.reported,
        label=BUCKET_LABELS[case.bucket],
    )
    # Many at once, with the history loaded in bulk, says the same.
    assert statuses(Occurrence.objects.filter(pk=occurrence.pk), as_of=case.as_of, **options) == {
        occurrence.pk: got
    }


@pytest.mark.parametrize(
    ("bucket", "label"),
    [
        ("done_on_time", "Đã hoàn thành đúng hạn"),
        ("done_late", "Đã hoàn thành quá hạn"),
        ("open_in_time", "Chưa hoàn thành trong hạn"),
        ("open_overdue", "Chưa hoàn thành quá hạn"),
        ("no_deadline", "Không hạn"),
        ("withdrawn", "Không còn thực hiện"),
    ],
)
def test_the_words_offices_publish(bucket, label):
    assert BUCKET_LABELS[bucket] == label


def test_the_workflow_words(version, body, user):
    occurrence = make_occurrence(make_assignment(make_task(version), body))
    report(occurrence, user, [rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20))])
    got = occurrence_status(occurrence, as_of=D(2021, 6, 22))
    assert got.workflow_label == "Chờ xác nhận"
    assert not got.done and not got.extended


# ---------------------------------------------------------------------------------------------
# Only the stored history counts


def test_the_reports_current_fields_are_not_read(version, body, user):
    occurrence = make_occurrence(make_assignment(make_task(version), body))
    ProgressReport.objects.create(
        occurrence=occurrence,
        organization=body,
        state="done",
        status="confirmed",
        done_on=D(2021, 6, 1),
    )
    Occurrence.objects.filter(pk=occurrence.pk).update(status="done")
    occurrence.refresh_from_db()

    got = occurrence_status(occurrence, as_of=D(2021, 7, 1))

    assert (got.bucket, got.workflow, got.done_on) == ("open_overdue", "not_started", None)


def test_the_end_of_q2_2021_reads_the_same_after_later_history(version, body, user):
    occurrence = make_occurrence(make_assignment(make_task(version), body))
    report(occurrence, user, [rev(D(2021, 6, 29), SUBMITTED, DONE, D(2021, 6, 28))])
    before = occurrence_status(occurrence, as_of=DUE)

    # What happened afterwards: confirmed in July, an extension approved in 2022 (late and
    # odd, but on record), and a revision at 00:30 on 1/7.
    report(
        occurrence,
        user,
        [
            rev(D(2021, 7, 1), RETURNED, DONE, D(2021, 6, 28), hour=0, minute=30),
            rev(D(2021, 7, 5), SUBMITTED, DONE, D(2021, 6, 28)),
            rev(D(2021, 7, 9), CONFIRMED, DONE, D(2021, 6, 28)),
        ],
    )
    extend(occurrence, user, [ext(D(2022, 12, 31), APPROVED, D(2022, 3, 1))])

    assert occurrence_status(occurrence, as_of=DUE) == before
    assert before.bucket == "open_in_time" and before.workflow == "awaiting_confirmation"
    assert occurrence_status(occurrence, as_of=D(2021, 7, 9)).bucket == "done_on_time"


def test_a_whole_history_can_be_passed_in(version, body, user):
    """Rows of other occurrences, other bodies and later days are ignored."""
    task = make_task(version)
    occurrence = make_occurrence(make_assignment(task, body))
    other = make_occurrence(make_assignment(task, body), D(2021, 9, 30))
    coordinator = Organization.objects.create(code="qn.bdvtu", name="Ban Dân vận Tỉnh ủy")
    report(occurrence, user, [rev(D(2021, 6, 10), SUBMITTED, IP)])
    report(
        occurrence,
        user,
        [
            rev(D(2021, 6, 11), SUBMITTED, DONE, D(2021, 6, 11)),
            rev(D(2021, 6, 12), CONFIRMED, DONE, D(2021, 6, 11)),
        ],
        organization=coordinator,
    )
    report(other, user, [rev(D(2021, 6, 13), SUBMITTED, DONE, D(2021, 6, 13))])
    report(occurrence, user, [rev(D(2021, 7, 2), SUBMITTED, DONE, D(2021, 7, 1))])
    extend(other, user, [ext(D(2021, 12, 31), APPROVED, D(2021, 6, 1))])
    extend(occurrence, user, [ext(D(2021, 8, 31), APPROVED, D(2021, 7, 5))])
    everything = list(ReportRevision.objects.select_related("report"))
    all_extensions = list(Extension.objects.all())

    got = occurrence_status(
        occurrence, as_of=D(2021, 7, 1), reports=everything, extensions=all_extensions
    )

    assert got == occurrence_status(occurrence, as_of=D(2021, 7, 1))
    assert (got.bucket, got.workflow, got.due) == ("open_overdue", "in_progress", DUE)


def test_as_of_must_be_a_day():
    with pytest.raises(TypeError):
        end_of_day(at(DUE))
    assert end_of_day(DUE) == dt.datetime(2021, 7, 1, tzinfo=HCM)


# ---------------------------------------------------------------------------------------------
# Lead and coordinating bodies; a reorganised body


def test_a_coordinating_bodys_report_does_not_finish_the_leads_work(version, body, user):
    coordinator = Organization.objects.create(code="qn.bdvtu", name="Ban Dân vận Tỉnh ủy")
    task = make_task(version, lead=body)
    lead_occurrence = make_occurrence(make_assignment(task, body))
    own_occurrence = make_occurrence(make_assignment(task, coordinator, coordinates=True))
    done = [
        rev(D(2021, 6, 20), SUBMITTED, DONE, D(2021, 6, 19)),
        rev(D(2021, 6, 21), CONFIRMED, DONE, D(2021, 6, 19)),
    ]
    # The coordinating body reports done on the lead's occurrence and on its own.
    report(lead_occurrence, user, done, organization=coordinator)
    report(own_occurrence, user, done)

    got = statuses(Occurrence.objects.filter(assignment__task=task), as_of=D(2021, 7, 1))

    assert got[lead_occurrence.pk].bucket == "open_overdue"
    assert got[lead_occurrence.pk].workflow == "not_started"
    assert got[own_occurrence.pk].bucket == "done_on_time"
    assert occurrence_status(lead_occurrence, as_of=D(2021, 7, 1)) == got[lead_occurrence.pk]
    # The task as its lead decides it: the tally of the lead's assignment.
    led = Occurrence.objects.filter(assignment__task=task, assignment__organization=task.lead)
    assert tally(statuses(led, as_of=D(2021, 7, 1))).rate == 0.0


def test_a_reorganised_body(version, user):
    effective = D(2025, 7, 1)
    son_tinh = Organization.objects.create(
        code="qn.hu-sontinh", name="Huyện ủy Sơn Tịnh", kind="party_committee", level="district"
    )
    city = Organization.objects.create(
        code="qn.thu-quangngai-2025",
        name="Thành ủy Quảng Ngãi",
        kind="party_committee",
        level="district",
        valid_from=effective,
    )
    task = make_task(version, "recurring")
    old = make_assignment(task, son_tinh, implements=True)
    q1, q2, q3, q4 = (
        make_occurrence(old, due, source="period")
        for due in (D(2025, 3, 31), D(2025, 6, 30), D(2025, 9, 30), D(2025, 12, 31))
    )
    done_q1 = [
        rev(D(2025, 3, 21), SUBMITTED, DONE, D(2025, 3, 20)),
        rev(D(2025, 3, 25), CONFIRMED, DONE, D(2025, 3, 20)),
    ]
    report(q1, user, done_q1)
    Occurrence.objects.filter(pk=q1.pk).update(status="done")  # as the review does
    report(q4, user, [rev(D(2025, 6, 15), DRAFT, IP)])  # Sơn Tịnh had started on Q4
    reorganization = Reorganization.objects.create(kind="merge", effective=effective)
    reorganization.predecessors.set([son_tinh])
    reorganization.successors.set([city])

    apply_reorganization(reorganization=reorganization)

    new = Assignment.objects.get(organization=city)
    owners = dict(Occurrence.objects.values_list("pk", "assignment__organization"))
    # Earlier work stays with the predecessor; open work due from the date moved.
    assert owners == {q1.pk: son_tinh.pk, q2.pk: son_tinh.pk, q3.pk: city.pk, q4.pk: city.pk}
    q3.refresh_from_db()
    report(
        q3,
        user,
        [
            rev(D(2025, 9, 16), SUBMITTED, DONE, D(2025, 9, 15)),
            rev(D(2025, 9, 20), CONFIRMED, DONE, D(2025, 9, 15)),
        ],
        organization=city,
    )

    as_of = D(2025, 10, 15)
    got = statuses(Occurrence.objects.all(), as_of=as_of)

    # The predecessor's side: judged by its own reports.
    assert got[q1.pk].bucket == "done_on_time"
    assert got[q2.pk].bucket == "open_overdue"
    # The successor's side: judged where the rows are now, by the successor's reports; the
    # predecessor's draft on Q4 no longer counts.
    assert got[q3.pk].bucket == "done_on_time"
    assert (got[q4.pk].bucket, got[q4.pk].workflow) == ("open_in_time", "not_started")
    by_body = {
        organization: tally(got[pk] for pk, owner in owners.items() if owner == organization.pk)
        for organization in (son_tinh, city)
    }
    assert (by_body[son_tinh].done, by_body[son_tinh].open_overdue) == (1, 1)
    assert by_body[son_tinh].rate == 0.5
    assert (by_body[city].done, by_body[city].open_in_time) == (1, 1)
    assert by_body[city].rate == 1.0
    assert new.transferred_from == old


# ---------------------------------------------------------------------------------------------
# Tallies and the completion rate


def status_in(bucket: str, *, due_soon: bool = False) -> OccurrenceStatus:
    done = D(2021, 6, 1) if bucket.startswith("done") else None
    return OccurrenceStatus(
        bucket, "not_started", DUE, DUE, done, due_soon, False, BUCKET_LABELS[bucket]
    )


def test_the_rate_is_done_over_due():
    # 3 done on time, 1 late, 2 overdue, 4 not yet due (1 of them due soon), and work that
    # never counts in the rate: 2 without a deadline, 1 withdrawn.
    counted = (
        [status_in("done_on_time")] * 3
        + [status_in("done_late")]
        + [status_in("open_overdue")] * 2
        + [status_in("open_in_time")] * 3
        + [status_in("open_in_time", due_soon=True)]
        + [status_in("no_deadline")] * 2
        + [status_in("withdrawn")]
    )

    got = tally(counted)

    assert got == Tally(
        done_on_time=3,
        done_late=1,
        open_in_time=4,
        open_overdue=2,
        no_deadline=2,
        withdrawn=1,
        due_soon=1,
    )
    assert (got.done, got.due, got.total) == (4, 6, 13)
    assert got.rate == 4 / 6


def test_the_rate_is_none_when_nothing_is_due():
    assert tally([]).rate is None
    assert tally([status_in("open_in_time"), status_in("no_deadline")]).rate is None
    assert tally([status_in("withdrawn")]).rate is None
    assert tally([status_in("open_overdue")]).rate == 0.0


def test_roll_ups_add_counts_not_rates():
    small = tally([status_in("done_on_time")])  # rate 1/1
    large = tally([status_in("done_on_time")] + [status_in("open_overdue")] * 3)  # rate 1/4
    both = small + large
    assert both.rate == 2 / 5  # not the average of 1 and 1/4
    assert both == tally([status_in("done_on_time")] * 2 + [status_in("open_overdue")] * 3)


@pytest.mark.parametrize(
    ("as_of", "expected", "rate"),
    [
        # Before the withdrawal all three were owed: two overdue, one done.
        (D(2021, 7, 14), Tally(done_on_time=1, open_overdue=2), 1 / 3),
        # From the day of the withdrawal the withdrawn one is out of the rate.
        (D(2021, 7, 15), Tally(done_on_time=1, open_overdue=1, withdrawn=1), 1 / 2),
        (D(2022, 1, 1), Tally(done_on_time=1, open_overdue=1, withdrawn=1), 1 / 2),
    ],
    ids=["the day before the withdrawal", "the day of the withdrawal", "later"],
)
def test_a_tally_leaves_out_withdrawn_work_only_from_its_withdrawal(
    version, body, user, as_of, expected, rate, django_assert_max_num_queries
):
    task = make_task(version)
    done = make_occurrence(make_assignment(task, body))
    report(
        done,
        user,
        [
            rev(D(2021, 6, 21), SUBMITTED, DONE, D(2021, 6, 20)),
            rev(D(2021, 6, 22), CONFIRMED, DONE, D(2021, 6, 20)),
        ],
    )
    make_occurrence(make_assignment(task, body))
    make_occurrence(make_assignment(task, body), status="withdrawn", withdrawn_on=D(2021, 7, 15))

    with django_assert_max_num_queries(3):
        got = tally(statuses(Occurrence.objects.all(), as_of=as_of))

    assert got == expected
    assert got.rate == rate


def test_an_abolished_body_owed_its_work_until_the_effective_date(version, user):
    """Open work of a body abolished without successor is withdrawn on the effective date:
    overdue before it, out of the rate from it."""
    effective = D(2025, 7, 1)
    ba_to = Organization.objects.create(
        code="qn.hu-bato", name="Huyện ủy Ba Tơ", kind="party_committee", level="district"
    )
    task = make_task(version, "recurring")
    assignment = make_assignment(task, ba_to, implements=True)
    overdue, later = (
        make_occurrence(assignment, due, source="period")
        for due in (D(2025, 6, 30), D(2025, 9, 30))
    )
    reorganization = Reorganization.objects.create(kind="abolish", effective=effective)
    reorganization.predecessors.set([ba_to])

    apply_reorganization(reorganization=reorganization)

    later.refresh_from_db()
    assert (later.status, later.withdrawn_on) == ("withdrawn", effective)
    before = statuses(Occurrence.objects.all(), as_of=D(2025, 6, 30))
    assert (before[overdue.pk].bucket, before[later.pk].bucket) == ("open_in_time",) * 2
    after = statuses(Occurrence.objects.all(), as_of=effective)
    assert (after[overdue.pk].bucket, after[later.pk].bucket) == ("open_overdue", "withdrawn")
    assert tally(after).rate == 0.0 and tally(after).withdrawn == 1


def test_a_tally_of_a_mapping_counts_its_values(version, body, user):
    task = make_task(version)
    for due in (D(2021, 3, 31), D(2021, 6, 30), D(2021, 9, 30)):
        make_occurrence(make_assignment(task, body), due)
    got = tally(statuses(Occurrence.objects.all(), as_of=D(2021, 7, 1)))
    assert (got.open_overdue, got.open_in_time, got.rate) == (2, 1, 0.0)


# ---------------------------------------------------------------------------------------------
# Many occurrences, a few queries


@pytest.fixture
def many(version, body, user):
    """30 occurrences over 3 tasks and 2 bodies, each with a report history and extensions."""
    other = Organization.objects.create(code="qn.bdvtu", name="Ban Dân vận Tỉnh ủy")
    occurrences = []
    for number, kind in enumerate(("deadline", "recurring", "continuous")):
        task = make_task(version, kind, key=str(number + 1))
        source = "deadline" if kind == "deadline" else "period"
        for organization in (body, other):
            assignment = make_assignment(task, organization)
            for month in (3, 6, 9, 12, 1):
                due = D(2021 + (month == 1), month, 28)
                occurrences.append(make_occurrence(assignment, due, source=source))
    for index, occurrence in enumerate(occurrences):
        steps = [rev(occurrence.due_date - dt.timedelta(days=10), SUBMITTED, IP)]
        if index % 2:
            done_on = occurrence.due_date + dt.timedelta(days=index % 4 - 2)
            steps += [
                rev(done_on + dt.timedelta(days=1), SUBMITTED, DONE, done_on),
                rev(done_on + dt.timedelta(days=2), CONFIRMED, DONE, done_on),
            ]
        report(occurrence, user, steps)
        if index % 3 == 0:
            extend(
                occurrence,
                user,
                [
                    ext(occurrence.due_date + dt.timedelta(days=30), APPROVED, D(2021, 2, 1)),
                    ext(occurrence.due_date + dt.timedelta(days=60), PENDING),
                ],
            )
    return occurrences


@pytest.mark.parametrize("as_of", [D(2021, 6, 30), D(2021, 10, 1), D(2022, 3, 1)])
def test_statuses_of_many_in_three_queries(many, as_of, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        got = statuses(Occurrence.objects.all(), as_of=as_of)
        counts = tally(got)

    assert len(got) == len(many) == counts.total
    for occurrence in Occurrence.objects.select_related("assignment__task"):
        assert got[occurrence.pk] == occurrence_status(occurrence, as_of=as_of)


def test_statuses_of_a_list(many, django_assert_max_num_queries, monkeypatch):
    as_of = D(2021, 10, 1)
    expected = statuses(Occurrence.objects.all(), as_of=as_of)
    plain = list(Occurrence.objects.all())  # assignments and tasks not loaded
    with django_assert_max_num_queries(4):
        assert statuses(plain, as_of=as_of) == expected
    loaded = list(Occurrence.objects.select_related("assignment__task"))
    with django_assert_max_num_queries(2):
        assert statuses(loaded, as_of=as_of) == expected
    # Long lists go in batches of ids.
    monkeypatch.setattr(status_module, "_batch_size", lambda: 7)
    with django_assert_max_num_queries(2 * 5):
        assert statuses(loaded, as_of=as_of) == expected
    # A sliced queryset is read as a list.
    assert statuses(Occurrence.objects.order_by("pk")[:4], as_of=as_of) == {
        pk: expected[pk] for pk in sorted(expected)[:4]
    }

"""The permission policy: the whole matrix of roles and actions, the invariants, and the
querysets of what each user sees.

The world: three bodies, A and B that carry out work and the Office (Văn phòng) that follows
it. Task A is led by A, with B coordinating and a group's own row; task B is B's alone. Each
body has occurrences on its lead assignment, one report in each review status, a report-less
open occurrence with a pending extension, and a done and a withdrawn occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from theodoi.orgs.models import Alias, Organization, OrgGroup, Reorganization
from theodoi.plans.models import Leader, PersonalPlan, PlanRecipient
from theodoi.programs.models import Assignment, Occurrence, Task
from theodoi.tracking.models import (
    EvidenceFile,
    Extension,
    ProgressReport,
    ReportState,
    ReportStatus,
    Role,
)
from theodoi.tracking.policy import (
    Action,
    allows,
    check,
    refusal,
    role_may,
    visible_assignments,
    visible_extensions,
    visible_occurrences,
    visible_plans,
    visible_reports,
)

pytestmark = pytest.mark.django_db

S = ReportStatus
OPEN, DONE, WITHDRAWN = Occurrence.Status.OPEN, Occurrence.Status.DONE, Occurrence.Status.WITHDRAWN


@dataclass
class EvidenceRow:
    """Stands in for the evidence file model to come: a file belongs to a report."""

    report: ProgressReport


# --- The world ---------------------------------------------------------------------------------


def occurrence(assignment: Assignment, label: str, status: str = OPEN) -> Occurrence:
    return Occurrence.objects.create(
        assignment=assignment, due_date=date(2021, 12, 31), label=label, source="period",
        status=status,
    )  # fmt: skip


def plans_of(org: Organization, program, author) -> dict[str, PersonalPlan]:
    """A personal plan of a leader of the body in each status (one leader per plan)."""
    return {
        status: PersonalPlan.objects.create(
            leader=Leader.objects.create(organization=org, name=f"{org.code} {status}",
                                         position="Thủ trưởng"),
            under=program, title="Kế hoạch hành động cá nhân", status=status, created_by=author,
        )
        for status in PersonalPlan.Status.values
    }  # fmt: skip


def body_work(org: Organization, assignment: Assignment, requester) -> SimpleNamespace:
    """A body's occurrences on its assignment, a report in each status, an open occurrence
    with no report and a pending extension on it, a done and a withdrawn occurrence."""
    reports = {
        status: ProgressReport.objects.create(
            occurrence=occurrence(assignment, f"{org.code} {status}"), organization=org,
            status=status,
            # confirmed as done: final (a confirmed progress report is reported again)
            state=ReportState.DONE if status == S.CONFIRMED else ReportState.NOT_STARTED,
        )
        for status in S.values
    }  # fmt: skip
    fresh = occurrence(assignment, f"{org.code} chưa báo cáo")
    extension = Extension.objects.create(
        occurrence=fresh, requested_by=requester, requested_at=timezone.now(),
        reason="Chờ ý kiến Trung ương", new_due=date(2022, 3, 31),
    )  # fmt: skip
    return SimpleNamespace(
        org=org,
        assignment=assignment,
        task=assignment.task,
        reports=reports,
        open=fresh,
        extension=extension,
        done=occurrence(assignment, f"{org.code} đã xong", DONE),
        withdrawn=occurrence(assignment, f"{org.code} bãi bỏ", WITHDRAWN),
    )


@pytest.fixture
def w(bodies, member) -> SimpleNamespace:
    a, b, office, program, v1 = bodies.a, bodies.b, bodies.office, bodies.program, bodies.v1
    group = OrgGroup.objects.create(code="ban-dang", name="Các ban đảng Tỉnh ủy")
    group.members.set([a, b])

    def task(key: str, lead: Organization) -> Task:
        return Task.objects.create(
            program=program, key=key, text=f"Nhiệm vụ {key}", time_kind="recurring",
            lead=lead, added_in=v1,
        )  # fmt: skip

    task_a, task_b = task("1", a), task("2", b)
    asg_a = Assignment.objects.create(task=task_a, organization=a, leads=True)
    asg_b = Assignment.objects.create(task=task_b, organization=b, leads=True)
    asg_coord = Assignment.objects.create(task=task_a, organization=b, coordinates=True)
    asg_group = Assignment.objects.create(task=task_a, group=group, implements=True)

    users = SimpleNamespace(
        admin=member("admin", a, Role.ADMIN),
        monitor=member("monitor", a, Role.MONITOR),
        leader=member("leader", a, Role.LEADER),
        head=member("head", a, Role.HEAD),
        staff=member("staff", a, Role.STAFF),
        inactive=member("inactive", a, Role.HEAD, is_active=False),
        no_membership=member("no_membership"),
        anonymous=AnonymousUser(),
        b_staff=member("b_staff", b, Role.STAFF),
        office_monitor=member("office_monitor", office, Role.MONITOR),
        office_admin=member("office_admin", office, Role.ADMIN),
    )
    coord_occurrence = occurrence(asg_coord, "B phối hợp")
    own, other = body_work(a, asg_a, users.staff), body_work(b, asg_b, users.b_staff)
    own.plans, other.plans = plans_of(a, program, users.staff), plans_of(b, program, users.b_staff)
    # The copy sent to a body is "its own" to acknowledge: A's copy of B's sent plan.
    sent = PersonalPlan.Status.SENT
    own.copy = PlanRecipient.objects.create(
        plan=other.plans[sent], organization=a, sent_on=date(2021, 3, 20), sent_by=users.b_staff
    )
    other.copy = PlanRecipient.objects.create(
        plan=own.plans[sent], organization=b, sent_on=date(2021, 3, 20), sent_by=users.staff
    )
    return SimpleNamespace(
        program=program,
        users=users,
        own=own,
        other=other,
        office=office,
        coord_assignment=asg_coord,
        coord_occurrence=coord_occurrence,
        coord_report=ProgressReport.objects.create(
            occurrence=coord_occurrence, organization=b, status=S.SUBMITTED
        ),
        group_assignment=asg_group,
        group_occurrence=occurrence(asg_group, "Nhóm"),
    )


# --- The matrix --------------------------------------------------------------------------------


def subject(w: SimpleNamespace, action: Action, side: str):
    """The object each action is asked about: the acting users' own body's (A), or another's."""
    b = w.own if side == "own" else w.other
    return {
        Action.VIEW_PROGRAM: w.program,
        Action.VIEW_TASK: b.task,
        Action.VIEW_ASSIGNMENT: b.assignment,
        Action.VIEW_OCCURRENCE: b.open,
        Action.VIEW_REPORT: b.reports[S.DRAFT],
        Action.VIEW_EVIDENCE_FILE: EvidenceRow(b.reports[S.DRAFT]),
        Action.VIEW_EXTENSION: b.extension,
        Action.CREATE_REPORT: b.open,
        Action.EDIT_REPORT: b.reports[S.DRAFT],
        Action.SUBMIT_REPORT: b.reports[S.RETURNED],
        Action.SIGN_OFF_REPORT: b.reports[S.AWAITING_SIGNOFF],
        Action.REVIEW_REPORT: b.reports[S.SUBMITTED],
        Action.REQUEST_EXTENSION: b.open,
        Action.DECIDE_EXTENSION: b.extension,
        Action.SEND_REMINDERS: None,
        Action.URGE: b.org,
        Action.MANAGE_ORGANIZATIONS: b.org,
        Action.IMPORT_PROGRAM: None,
        Action.DESIGNATE_LEAD: b.task,
        Action.AMEND_PROGRAM: b.task,
        Action.VIEW_AUDIT: b.reports[S.DRAFT],
        Action.PRODUCE_REPORT: None,
        Action.VIEW_PERSONAL_PLAN: b.plans[PersonalPlan.Status.DRAFT],
        Action.MANAGE_PERSONAL_PLAN: b.plans[PersonalPlan.Status.DRAFT],
        Action.RECORD_PLAN_APPROVAL: b.plans[PersonalPlan.Status.SUBMITTED],
        Action.SEND_PLAN: b.plans[PersonalPlan.Status.APPROVED],
        Action.ACKNOWLEDGE_PLAN: b.copy,
        Action.EVALUATE: w.program,
        Action.CONFIGURE_EVALUATION: w.program,
    }[action]


# Every user below belongs to body A. Each cell: the answer on A's object, then on B's.
# Y allowed, N denied. The monitor and the administrator answer N on their own body's
# report and extension: nobody reviews their own body's work.
ROLES = ("admin", "monitor", "leader", "head", "staff", "inactive", "no_membership", "anonymous")
# fmt: off
EXPECTED = {
    #                              admin monitor leader head  staff inactive nobody anonymous
    Action.VIEW_PROGRAM:          ("YY", "YY",   "YY",  "YY", "YY", "NN",    "NN",  "NN"),
    Action.VIEW_TASK:             ("YY", "YY",   "YY",  "YY", "YY", "NN",    "NN",  "NN"),
    Action.VIEW_ASSIGNMENT:       ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.VIEW_OCCURRENCE:       ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.VIEW_REPORT:           ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.VIEW_EVIDENCE_FILE:    ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.VIEW_EXTENSION:        ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.CREATE_REPORT:         ("YY", "NN",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.EDIT_REPORT:           ("YY", "NN",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.SUBMIT_REPORT:         ("YY", "NN",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.SIGN_OFF_REPORT:       ("YY", "NN",   "NN",  "YN", "NN", "NN",    "NN",  "NN"),
    Action.REVIEW_REPORT:         ("NY", "NY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.REQUEST_EXTENSION:     ("YY", "NN",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.DECIDE_EXTENSION:      ("NY", "NY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.SEND_REMINDERS:        ("YY", "YY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.URGE:                  ("NY", "NY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.MANAGE_ORGANIZATIONS:  ("YY", "NN",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.IMPORT_PROGRAM:        ("YY", "YY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.DESIGNATE_LEAD:        ("YY", "YY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.AMEND_PROGRAM:         ("YY", "YY",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.VIEW_AUDIT:            ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.PRODUCE_REPORT:        ("YY", "YY",   "YY",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.VIEW_PERSONAL_PLAN:    ("YY", "YY",   "YY",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.MANAGE_PERSONAL_PLAN:  ("YY", "NN",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.RECORD_PLAN_APPROVAL:  ("YY", "YY",   "NN",  "YN", "NN", "NN",    "NN",  "NN"),
    Action.SEND_PLAN:             ("YY", "YY",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.ACKNOWLEDGE_PLAN:      ("YY", "NN",   "NN",  "YN", "YN", "NN",    "NN",  "NN"),
    Action.EVALUATE:              ("YY", "YY",   "YY",  "NN", "NN", "NN",    "NN",  "NN"),
    Action.CONFIGURE_EVALUATION:  ("YY", "NN",   "NN",  "NN", "NN", "NN",    "NN",  "NN"),
}
# fmt: on


def yn(answer: bool) -> str:
    return "Y" if answer else "N"


def test_the_table_names_every_action_and_every_role():
    assert set(EXPECTED) == set(Action)
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize("role", ROLES)
def test_the_whole_matrix(w, role):
    user = getattr(w.users, role)
    column = ROLES.index(role)
    answers = {
        action: yn(allows(user, action, subject(w, action, "own")))
        + yn(allows(user, action, subject(w, action, "other")))
        for action in Action
    }
    assert answers == {action: row[column] for action, row in EXPECTED.items()}


@pytest.mark.parametrize("role", ROLES)
def test_check_agrees_with_allows_and_says_why_in_vietnamese(w, role):
    user = getattr(w.users, role)
    for action in Action:
        for side in ("own", "other"):
            obj = subject(w, action, side)
            if allows(user, action, obj):
                check(user, action, obj)
                assert refusal(user, action, obj) is None
            else:
                with pytest.raises(PermissionDenied) as denied:
                    check(user, action, obj)
                assert str(denied.value) == refusal(user, action, obj)
                assert any(letter in str(denied.value) for letter in "ạảãáàâăđêôơư")


# --- Without an object: the action in general ---------------------------------------------------

# fmt: off
IN_GENERAL = {
    #                        admin monitor leader head staff inactive nobody anonymous
    Action.CREATE_REPORT:   ("Y",  "N",    "N",   "Y", "Y",  "N",     "N",   "N"),
    Action.SIGN_OFF_REPORT: ("Y",  "N",    "N",   "Y", "N",  "N",     "N",   "N"),
    Action.REVIEW_REPORT:   ("Y",  "Y",    "Y",   "N", "N",  "N",     "N",   "N"),  # F: the office's own
    Action.VIEW_REPORT:     ("Y",  "Y",    "Y",   "Y", "Y",  "N",     "N",   "N"),
    Action.VIEW_AUDIT:      ("Y",  "Y",    "Y",   "N", "N",  "N",     "N",   "N"),  # the whole log
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_without_an_object_the_answer_is_for_the_role(w, role):
    user = getattr(w.users, role)
    column = ROLES.index(role)
    answers = {action: yn(allows(user, action)) for action in IN_GENERAL}
    assert answers == {action: row[column] for action, row in IN_GENERAL.items()}


@pytest.mark.parametrize("role", ROLES[:5])  # the members with a role
def test_what_a_role_may_ever_do_is_what_allows_says_without_an_object(w, role):
    # The menu asks role_may once per role instead of allows() on every page.
    user = getattr(w.users, role)
    assert {a: role_may(Role(user.membership.role), a) for a in Action} == {
        a: allows(user, a) for a in Action
    }


# --- Invariants ------------------------------------------------------------------------------------

# A's report in each status: may A's staff edit and submit it, A's head sign it off, the
# Office's monitor review it? The Office's administrator answers the same on every column:
# the invariants bind administrators too.
# fmt: off
BY_STATUS = {
    #                     edit submit sign_off review
    S.DRAFT:             ("Y", "Y",   "N",     "N"),
    S.AWAITING_SIGNOFF:  ("Y", "N",   "Y",     "N"),
    S.SUBMITTED:         ("N", "N",   "N",     "Y"),
    S.RETURNED:          ("Y", "Y",   "N",     "N"),
    S.CONFIRMED:         ("N", "N",   "N",     "N"),
}
# fmt: on
STEPS = (
    (Action.EDIT_REPORT, "staff"),
    (Action.SUBMIT_REPORT, "staff"),
    (Action.SIGN_OFF_REPORT, "head"),
    (Action.REVIEW_REPORT, "office_monitor"),
)


def test_what_may_be_done_to_a_report_depends_on_its_status(w):
    assert set(BY_STATUS) == set(S)
    for status, expected in BY_STATUS.items():
        report = w.own.reports[status]
        body = tuple(yn(allows(getattr(w.users, who), action, report)) for action, who in STEPS)
        admin = tuple(yn(allows(w.users.office_admin, action, report)) for action, _ in STEPS)
        assert (status, body, admin) == (status, expected, expected)


def test_a_confirmed_or_submitted_report_says_why_it_cannot_change(w):
    with pytest.raises(PermissionDenied, match="đã được xác nhận"):
        check(w.users.staff, Action.EDIT_REPORT, w.own.reports[S.CONFIRMED])
    with pytest.raises(PermissionDenied, match="chờ Văn phòng xác nhận"):
        check(w.users.admin, Action.EDIT_REPORT, w.own.reports[S.SUBMITTED])


@pytest.mark.parametrize("status", [DONE, WITHDRAWN])
@pytest.mark.parametrize("who", ["staff", "head", "office_admin"])
def test_nobody_reports_on_an_occurrence_that_is_no_longer_open(w, status, who):
    user = getattr(w.users, who)
    closed = w.own.done if status == DONE else w.own.withdrawn
    draft = ProgressReport.objects.create(occurrence=closed, organization=w.own.org)
    assert not allows(user, Action.CREATE_REPORT, closed)
    assert not allows(user, Action.REQUEST_EXTENSION, closed)
    assert not allows(user, Action.EDIT_REPORT, draft)
    assert not allows(user, Action.SUBMIT_REPORT, draft)
    assert allows(user, Action.VIEW_OCCURRENCE, closed)
    assert allows(user, Action.VIEW_REPORT, draft)
    with pytest.raises(PermissionDenied, match="không còn thực hiện"):
        check(user, Action.CREATE_REPORT, closed)


def test_an_occurrence_reopened_may_be_reported_again(w):
    w.own.done.status = OPEN
    assert allows(w.users.staff, Action.CREATE_REPORT, w.own.done)


def test_a_body_reports_only_on_its_own_assignment(w):
    # A report that says it speaks for A, on B's occurrence: data no service should write.
    stray = ProgressReport.objects.create(occurrence=w.other.open, organization=w.own.org)
    for user in (w.users.staff, w.users.head, w.users.office_admin):
        assert not allows(user, Action.EDIT_REPORT, stray)
        assert not allows(user, Action.SUBMIT_REPORT, stray)
    with pytest.raises(PermissionDenied, match="không phải của cơ quan được giao"):
        check(w.users.staff, Action.EDIT_REPORT, stray)
    # B's staff may not touch a report that speaks for A either.
    assert not allows(w.users.b_staff, Action.EDIT_REPORT, stray)


def test_a_new_report_may_be_asked_about_before_it_is_saved(w):
    def new(occurrence, org):
        return ProgressReport(occurrence=occurrence, organization=org)

    assert allows(w.users.staff, Action.CREATE_REPORT, new(w.own.open, w.own.org))
    assert allows(w.users.office_admin, Action.CREATE_REPORT, new(w.own.open, w.own.org))
    assert not allows(w.users.monitor, Action.CREATE_REPORT, new(w.own.open, w.own.org))
    # Speaking for another body, or for one's own body on another's occurrence.
    assert not allows(w.users.staff, Action.CREATE_REPORT, new(w.own.open, w.other.org))
    with pytest.raises(PermissionDenied, match="không phải của cơ quan được giao"):
        check(w.users.b_staff, Action.CREATE_REPORT, new(w.own.open, w.other.org))
    assert not allows(w.users.office_admin, Action.CREATE_REPORT, new(w.own.open, w.other.org))
    assert not allows(w.users.staff, Action.CREATE_REPORT, new(w.own.done, w.own.org))


def test_a_groups_own_row_belongs_to_nobody(w):
    for user in (w.users.staff, w.users.b_staff, w.users.office_admin):
        assert not allows(user, Action.CREATE_REPORT, w.group_occurrence)
        assert not allows(user, Action.REQUEST_EXTENSION, w.group_occurrence)
    assert not allows(w.users.staff, Action.VIEW_ASSIGNMENT, w.group_assignment)
    assert allows(w.users.leader, Action.VIEW_ASSIGNMENT, w.group_assignment)


def test_nobody_reviews_their_own_bodys_report_or_decides_its_extension(w):
    submitted, pending = w.own.reports[S.SUBMITTED], w.own.extension
    for user in (w.users.monitor, w.users.admin):  # both of body A
        assert not allows(user, Action.REVIEW_REPORT, submitted)
        assert not allows(user, Action.DECIDE_EXTENSION, pending)
    for user in (w.users.office_monitor, w.users.office_admin):
        assert allows(user, Action.REVIEW_REPORT, submitted)
        assert allows(user, Action.DECIDE_EXTENSION, pending)
    with pytest.raises(PermissionDenied, match="chính cơ quan mình"):
        check(w.users.monitor, Action.REVIEW_REPORT, submitted)


def test_a_decided_extension_is_not_decided_again(w):
    w.other.extension.status = Extension.Status.APPROVED
    assert not allows(w.users.office_monitor, Action.DECIDE_EXTENSION, w.other.extension)
    with pytest.raises(PermissionDenied, match="đã được quyết định"):
        check(w.users.office_monitor, Action.DECIDE_EXTENSION, w.other.extension)


def test_the_lead_reads_what_coordinating_bodies_report_and_changes_none_of_it(w):
    staff, coord = w.users.staff, w.coord_report
    assert w.coord_assignment.task.lead_id == w.own.org.pk
    assert allows(staff, Action.VIEW_REPORT, coord)
    assert allows(staff, Action.VIEW_EVIDENCE_FILE, EvidenceRow(coord))
    assert allows(staff, Action.VIEW_AUDIT, coord)
    for action in (Action.EDIT_REPORT, Action.SUBMIT_REPORT, Action.REVIEW_REPORT):
        assert not allows(staff, action, coord)
        assert not allows(w.users.head, action, coord)
    # The coordinating body's own work stays its own: its assignment and periods.
    assert not allows(staff, Action.VIEW_ASSIGNMENT, w.coord_assignment)
    assert not allows(staff, Action.VIEW_OCCURRENCE, w.coord_occurrence)
    assert not allows(staff, Action.CREATE_REPORT, w.coord_occurrence)
    # A coordinating body does not read the lead's reports.
    assert not allows(w.users.b_staff, Action.VIEW_REPORT, w.own.reports[S.SUBMITTED])
    # The coordinating body's own report, once submitted, waits for the Office like any other.
    assert not allows(w.users.b_staff, Action.EDIT_REPORT, w.coord_report)
    assert allows(w.users.office_monitor, Action.REVIEW_REPORT, w.coord_report)


def test_a_history_is_seen_as_its_object_is(w):
    """VIEW_AUDIT on an evidence file follows its report; aliases and reorganisations are the
    registry of bodies, open to every member; memberships are not a body's to read."""
    staff, b_staff = w.users.staff, w.users.b_staff
    own_file = EvidenceFile(report=w.own.reports[S.DRAFT])
    assert allows(staff, Action.VIEW_AUDIT, own_file)
    assert not allows(b_staff, Action.VIEW_AUDIT, own_file)
    alias = Alias(name="BTC", organization=w.own.org)
    reorganization = Reorganization(kind=Reorganization.Kind.ABOLISH, effective=date(2025, 7, 1))
    for obj in (alias, reorganization):
        assert allows(b_staff, Action.VIEW_AUDIT, obj)
    assert not allows(staff, Action.VIEW_AUDIT, b_staff.membership)
    assert allows(w.users.leader, Action.VIEW_AUDIT, b_staff.membership)


def test_staff_of_another_body_is_told_it_is_not_theirs(w):
    with pytest.raises(PermissionDenied) as denied:
        check(w.users.b_staff, Action.EDIT_REPORT, w.own.reports[S.DRAFT])
    assert str(denied.value) == "Bạn chỉ được sửa báo cáo tiến độ của cơ quan mình."


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("anonymous", "Bạn cần đăng nhập để thực hiện việc này."),
        ("inactive", "Tài khoản này đã bị khóa."),
        ("no_membership", "Tài khoản này chưa được gán cơ quan và vai trò; xin liên hệ quản trị."),
        ("leader", "Bạn không có quyền sửa báo cáo tiến độ."),
    ],
)
def test_check_says_why_in_vietnamese(w, who, message):
    with pytest.raises(PermissionDenied) as denied:
        check(getattr(w.users, who), Action.EDIT_REPORT, w.own.reports[S.DRAFT])
    assert str(denied.value) == message


def test_a_wrong_kind_of_object_is_a_programming_error(w):
    with pytest.raises(TypeError, match="EDIT_REPORT"):
        allows(w.users.staff, Action.EDIT_REPORT, w.own.open)
    with pytest.raises(TypeError, match="VIEW_EVIDENCE_FILE"):
        allows(w.users.staff, Action.VIEW_EVIDENCE_FILE, w.own.task)


def test_an_action_may_be_named_by_its_value(w):
    assert allows(w.users.staff, "edit_report", w.own.reports[S.DRAFT])


# --- What each user sees ---------------------------------------------------------------------------


def pks(rows) -> set[int]:
    return {row.pk for row in rows}


def test_staff_see_exactly_their_bodys_work_and_the_reports_on_tasks_it_leads(w):
    staff = w.users.staff
    a_occurrences = {*(r.occurrence for r in w.own.reports.values()), w.own.open}
    a_occurrences |= {w.own.done, w.own.withdrawn}
    assert pks(visible_assignments(staff)) == {w.own.assignment.pk}
    assert pks(visible_occurrences(staff)) == pks(a_occurrences)
    assert pks(visible_reports(staff)) == pks([*w.own.reports.values(), w.coord_report])
    assert pks(visible_extensions(staff)) == {w.own.extension.pk}


def test_a_coordinating_body_sees_exactly_its_own(w):
    b_staff = w.users.b_staff
    b_occurrences = {*(r.occurrence for r in w.other.reports.values()), w.other.open}
    b_occurrences |= {w.other.done, w.other.withdrawn, w.coord_occurrence}
    assert pks(visible_assignments(b_staff)) == {w.other.assignment.pk, w.coord_assignment.pk}
    assert pks(visible_occurrences(b_staff)) == pks(b_occurrences)
    assert pks(visible_reports(b_staff)) == pks([*w.other.reports.values(), w.coord_report])
    assert pks(visible_extensions(b_staff)) == {w.other.extension.pk}


@pytest.mark.parametrize("role", ["admin", "monitor", "leader"])
def test_those_who_see_everything_see_every_row(w, role):
    user = getattr(w.users, role)
    assert visible_assignments(user).count() == Assignment.objects.count()
    assert visible_occurrences(user).count() == Occurrence.objects.count()
    assert visible_reports(user).count() == ProgressReport.objects.count()
    assert visible_extensions(user).count() == Extension.objects.count()


@pytest.mark.parametrize("role", ["inactive", "no_membership", "anonymous"])
def test_nobody_sees_nothing(w, role):
    user = getattr(w.users, role)
    for visible in (visible_assignments, visible_occurrences, visible_reports, visible_extensions):
        assert not visible(user).exists()


@pytest.mark.parametrize("role", [*ROLES, "b_staff", "office_monitor"])
def test_the_querysets_agree_with_the_policy_row_by_row(w, role):
    user = getattr(w.users, role)
    cases = [
        (visible_assignments, Action.VIEW_ASSIGNMENT, Assignment),
        (visible_occurrences, Action.VIEW_OCCURRENCE, Occurrence),
        (visible_reports, Action.VIEW_REPORT, ProgressReport),
        (visible_extensions, Action.VIEW_EXTENSION, Extension),
    ]
    for visible, action, model in cases:
        rows = model.objects.all()
        if model is ProgressReport:
            rows = rows.select_related("occurrence__assignment__task")
        allowed = {row.pk for row in rows if allows(user, action, row)}
        assert pks(visible(user)) == allowed, action


def test_the_querysets_are_one_query_each(w, django_assert_num_queries):
    staff = w.users.staff
    for visible in (visible_assignments, visible_occurrences, visible_reports, visible_extensions):
        rows = visible(staff)
        assert isinstance(rows, QuerySet)
        with django_assert_num_queries(1):
            list(rows)


# --- Personal plans ------------------------------------------------------------------------------

# A's plan in each status: may A's head write it, record its approval, send it? The Office's
# administrator answers the same: each step comes after the one before it, for everybody.
# fmt: off
BY_PLAN_STATUS = {
    #                                 manage record send
    PersonalPlan.Status.DRAFT:       ("Y",   "N",   "N"),
    PersonalPlan.Status.SUBMITTED:   ("N",   "Y",   "N"),
    PersonalPlan.Status.APPROVED:    ("N",   "N",   "Y"),
    PersonalPlan.Status.SENT:        ("N",   "N",   "N"),
}
# fmt: on
PLAN_STEPS = (Action.MANAGE_PERSONAL_PLAN, Action.RECORD_PLAN_APPROVAL, Action.SEND_PLAN)


def test_what_may_be_done_to_a_plan_depends_on_its_status(w):
    assert set(BY_PLAN_STATUS) == set(PersonalPlan.Status)
    for status, expected in BY_PLAN_STATUS.items():
        plan = w.own.plans[status]
        head = tuple(yn(allows(w.users.head, action, plan)) for action in PLAN_STEPS)
        admin = tuple(yn(allows(w.users.office_admin, action, plan)) for action in PLAN_STEPS)
        assert (status, head, admin) == (status, expected, expected)


def test_a_copy_is_acknowledged_once_and_only_by_its_recipient(w):
    copy = w.own.copy  # B's plan, sent to A
    assert allows(w.users.staff, Action.ACKNOWLEDGE_PLAN, copy)
    assert not allows(w.users.b_staff, Action.ACKNOWLEDGE_PLAN, copy)
    # A recipient sees the plan sent to it, not B's other plans.
    assert allows(w.users.staff, Action.VIEW_PERSONAL_PLAN, copy.plan)
    assert not allows(w.users.staff, Action.VIEW_PERSONAL_PLAN, w.other.plans["draft"])
    copy.acknowledged_at = timezone.now()
    with pytest.raises(PermissionDenied, match="đã xác nhận"):
        check(w.users.staff, Action.ACKNOWLEDGE_PLAN, copy)


@pytest.mark.parametrize("role", [*ROLES, "b_staff", "office_monitor"])
def test_visible_plans_agree_with_the_policy_row_by_row(w, role):
    user = getattr(w.users, role)
    rows = PersonalPlan.objects.select_related("leader")
    allowed = {row.pk for row in rows if allows(user, Action.VIEW_PERSONAL_PLAN, row)}
    assert pks(visible_plans(user)) == allowed

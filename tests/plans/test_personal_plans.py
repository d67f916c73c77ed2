"""A district secretary's personal action plan under the example program (section II.2):
written by the district's staff, approved, sent to the supervising bodies the registry
proposes, acknowledged by them; its items tracked, reported and confirmed like any task.
Refusals and bad input leave the record as it was."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from theodoi.orgs.models import Organization
from theodoi.plans.models import (
    PLAN_KIND,
    ApprovalBody,
    Leader,
    PersonalPlan,
    PlanItem,
    PlanRecipient,
    RecipientBasis,
)
from theodoi.plans.plan_report import LATE, MISSING, ON_TIME, plan_rows
from theodoi.plans.services import (
    PlanError,
    acknowledge,
    add_item,
    create_plan,
    proposed_approval,
    proposed_recipients,
    record_approval,
    send_plan,
    submit_plan,
    update_item,
)
from theodoi.programs.models import Occurrence, Program
from theodoi.tracking.models import ProgressReport
from theodoi.tracking.policy import visible_plans
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.status import DONE_LATE, DONE_ON_TIME, OPEN_OVERDUE, statuses

from .helpers import ITEMS, district_accounts, moment, sent_plan, written_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def bs(users):
    return district_accounts()


def codes(rows) -> list[str]:
    return [org.code for org, _basis in rows]


def test_the_registry_proposes_who_approves_and_who_receives(example):
    district = Organization.objects.get(code="qn.hu-binhson")
    assert proposed_approval(district) == (
        ApprovalBody.STANDING_COMMITTEE,
        None,  # the registry has no standing committee of the district
    )
    assert proposed_recipients(district) == [
        (district, RecipientBasis.COMMITTEE),
        (Organization.objects.get(code="qn.btv"), RecipientBasis.UPPER_STANDING),
        (Organization.objects.get(code="qn.ubkttu"), RecipientBasis.UPPER_INSPECTION),
        (Organization.objects.get(code="qn.btctu"), RecipientBasis.UPPER_ORGANIZATION),
    ]
    # A provincial board answers to the Provincial Committee; it does not send to itself.
    board = Organization.objects.get(code="qn.btctu")
    assert codes(proposed_recipients(board)) == ["qn.tu", "qn.ubkttu", "qn.btv"]
    # A state body: its party delegation approves.
    ubnd = Organization.objects.get(code="qn.ubnd")
    kind, body = proposed_approval(ubnd)
    assert kind == ApprovalBody.PARTY_DELEGATION and body.name.startswith("Ban cán sự đảng Ủy ban")


def test_a_plan_is_written_approved_sent_and_acknowledged(example, users, bs):
    plan = written_plan(example, bs.staff)
    assert plan.status == PersonalPlan.Status.DRAFT
    assert plan.parent_task.key == "B.II.2"
    assert plan.deadline == dt.date(2021, 3, 31)  # "Hoàn thành trong quý I/2021"
    assert plan.leader.organization == bs.district
    assert [i.text for i in plan.items.all()] == [text for text, _ in ITEMS]

    submit_plan(user=bs.staff, plan=plan)
    record_approval(
        user=bs.head, plan=plan, approval_kind=ApprovalBody.STANDING_COMMITTEE,
        approved_on=dt.date(2021, 3, 15), reference="Thông báo số 05-TB/HU",
    )  # fmt: skip
    plan.refresh_from_db()
    assert plan.status == PersonalPlan.Status.APPROVED
    assert (plan.approved_on, plan.approval_kind) == (dt.date(2021, 3, 15), "standing_committee")
    assert plan.approval_recorded_by == bs.head and plan.approval_recorded_at is not None

    proposed = proposed_recipients(bs.district)
    send_plan(user=bs.staff, plan=plan, recipients=proposed, sent_on=dt.date(2021, 3, 20))
    plan.refresh_from_db()
    assert plan.status == PersonalPlan.Status.SENT
    copies = list(plan.recipients.order_by("pk"))
    assert [(c.organization, c.basis, c.sent_on, c.sent_by) for c in copies] == [
        (org, basis, dt.date(2021, 3, 20), bs.staff) for org, basis in proposed
    ]

    # Ban Tổ chức Tỉnh ủy acknowledges its copy; Ban Tuyên giáo, not a recipient, may not.
    board_copy = plan.recipients.get(organization__code="qn.btctu")
    with pytest.raises(PermissionDenied):
        acknowledge(user=users["outsider"], recipient=board_copy)
    board_copy.refresh_from_db()
    assert board_copy.acknowledged_at is None
    acknowledge(user=users["staff"], recipient=board_copy, note="Đã nhận, theo dõi")
    board_copy.refresh_from_db()
    assert board_copy.acknowledged_by == users["staff"] and board_copy.acknowledged_at
    with pytest.raises(PermissionDenied, match="xác nhận nhận kế hoạch này rồi"):
        acknowledge(user=users["head"], recipient=board_copy)
    # Every step is in the audit trail, with who did it.
    actors = set(LogEntry.objects.get_for_object(plan).values_list("actor__username", flat=True))
    assert {"bs_staff", "bs_head"} <= actors


def test_approval_makes_the_items_tracked_tasks(example, bs):
    plan = sent_plan(example, bs.head, bs.staff)
    program = plan.program
    assert program is not None and program.kind == PLAN_KIND
    assert program.parent_program is None and program.number_derived
    assert program.number.startswith(f"KHCN-{plan.pk}-qn.hu-binhson/")
    assert (program.term_start, program.term_end) == (example.term_start, example.term_end)
    tasks = list(program.tasks.order_by("position"))
    assert [(t.text, t.time_kind, t.lead) for t in tasks] == [
        (text, "deadline", bs.district) for text, _ in ITEMS
    ]
    for task, (_text, due) in zip(tasks, ITEMS, strict=True):
        assignment = task.assignments.get()
        assert (assignment.organization, assignment.implements, assignment.leads) == (
            bs.district, True, True,
        )  # fmt: skip
        assert list(assignment.occurrences.values_list("due_date", flat=True)) == [due]
        assert task.plan_item.plan == plan
    # The plan's program is not another engineer's lower-level program, nor an ordinary one.
    assert not Program.objects.filter(parent_program__isnull=False).exists()
    assert Program.objects.filter(personal_plan__isnull=True).get() == example


def test_items_are_reported_and_confirmed_like_any_task(example, users, bs):
    plan = sent_plan(example, bs.head, bs.staff)
    first, second = (
        Occurrence.objects.filter(assignment__task__plan_item__plan=plan)
        .order_by("due_date")[:2]
    )  # fmt: skip
    for occurrence, done_on in ((first, dt.date(2021, 3, 25)), (second, dt.date(2021, 7, 10))):
        report = save_report(
            user=bs.staff, occurrence=occurrence, expected_version=None, state="done",
            narrative="Đã hoàn thành", done_on=done_on, now=moment(done_on),
        )  # fmt: skip
        report = submit_report(user=bs.staff, report=report, expected_version=report.version,
                               now=moment(done_on, 11))  # fmt: skip
        review_report(user=users["monitor"], report=report, expected_version=report.version,
                      accept=True, now=moment(done_on, 15))  # fmt: skip
    found = statuses(
        Occurrence.objects.filter(assignment__task__plan_item__plan=plan),
        as_of=dt.date(2021, 12, 31),
    )
    by_due = {o.due_date: found[o.pk].bucket for o in Occurrence.objects.filter(pk__in=found)}
    assert by_due == {
        dt.date(2021, 3, 31): DONE_ON_TIME,
        dt.date(2021, 6, 30): DONE_LATE,
        dt.date(2021, 9, 30): OPEN_OVERDUE,
        dt.date(2023, 6, 30): "open_in_time",
    }
    assert ProgressReport.objects.filter(occurrence__assignment__task__program=plan.program,
                                         status="confirmed").count() == 2  # fmt: skip


def test_another_body_may_not_write_or_change_the_plan(example, users, bs):
    before = (Leader.objects.count(), PersonalPlan.objects.count())
    with pytest.raises(PermissionDenied, match="của cơ quan mình"):
        create_plan(user=users["outsider"], under=example, organization=bs.district,
                    leader_name="Nguyễn Văn An", leader_position="Bí thư")  # fmt: skip
    with pytest.raises(PermissionDenied):
        create_plan(user=users["leader"], under=example, organization=bs.district,
                    leader_name="Nguyễn Văn An", leader_position="Bí thư")  # fmt: skip
    assert (Leader.objects.count(), PersonalPlan.objects.count()) == before

    plan = written_plan(example, bs.staff)
    with pytest.raises(PermissionDenied):
        add_item(user=users["outsider"], plan=plan, text="Việc khác", due_date=dt.date(2022, 1, 1))
    # Staff write and send; the head records the approval.
    submit_plan(user=bs.staff, plan=plan)
    with pytest.raises(PermissionDenied, match="ghi nhận thông qua"):
        record_approval(user=bs.staff, plan=plan, approval_kind="standing_committee",
                        approved_on=dt.date(2021, 3, 15))  # fmt: skip
    with pytest.raises(PermissionDenied, match="không sửa được nữa"):
        add_item(user=bs.staff, plan=plan, text="Việc thêm", due_date=dt.date(2022, 1, 1))
    with pytest.raises(PermissionDenied, match="chưa được thông qua"):
        send_plan(user=bs.staff, plan=plan, recipients=proposed_recipients(bs.district),
                  sent_on=dt.date(2021, 3, 20))  # fmt: skip
    assert PlanItem.objects.filter(plan=plan).count() == len(ITEMS)
    assert not PlanRecipient.objects.exists()
    plan.refresh_from_db()
    assert plan.status == PersonalPlan.Status.SUBMITTED and plan.program is None


def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(example, bs):
    plan = written_plan(example, bs.staff)
    item = plan.items.first()
    with pytest.raises(PlanError) as outside:
        add_item(user=bs.staff, plan=plan, text="Tổng kết", due_date=dt.date(2026, 3, 31))
    assert outside.value.field == "due_date"
    assert str(outside.value) == (
        "Ngày 31/03/2026 nằm ngoài nhiệm kỳ của chương trình (01/01/2020 – 31/12/2025)."
    )
    with pytest.raises(PlanError, match="nằm ngoài nhiệm kỳ"):
        update_item(user=bs.staff, item=item, text=item.text, due_date=dt.date(2019, 12, 31))
    with pytest.raises(PlanError, match="Cần ghi nội dung"):
        add_item(user=bs.staff, plan=plan, text="   ", due_date=dt.date(2021, 5, 1))
    with pytest.raises(PlanError, match="Ngày bắt đầu không thể sau thời hạn"):
        add_item(user=bs.staff, plan=plan, text="Việc", due_date=dt.date(2021, 5, 1),
                 start_date=dt.date(2021, 6, 1))  # fmt: skip
    item.refresh_from_db()
    assert item.due_date == ITEMS[0][1]
    assert plan.items.count() == len(ITEMS)

    # Text is stored in NFC whatever was typed.
    decomposed = unicodedata.normalize("NFD", "Kiểm tra việc thực hiện")
    added = add_item(user=bs.staff, plan=plan, text=decomposed, due_date=dt.date(2021, 11, 30))
    assert added.text == unicodedata.normalize("NFC", decomposed)

    submit_plan(user=bs.staff, plan=plan)
    with pytest.raises(PlanError, match="tương lai"):
        record_approval(user=bs.head, plan=plan, approval_kind="standing_committee",
                        approved_on=dt.date(2999, 1, 1))  # fmt: skip
    record_approval(user=bs.head, plan=plan, approval_kind="standing_committee",
                    approved_on=dt.date(2021, 3, 15))  # fmt: skip
    with pytest.raises(PlanError, match="trước ngày thông qua"):
        send_plan(user=bs.staff, plan=plan, recipients=proposed_recipients(bs.district),
                  sent_on=dt.date(2021, 3, 1))  # fmt: skip
    with pytest.raises(PlanError, match="ít nhất một nơi nhận"):
        send_plan(user=bs.staff, plan=plan, recipients=[], sent_on=dt.date(2021, 3, 20))
    assert not PlanRecipient.objects.exists()
    with pytest.raises(PlanError, match="đã có kế hoạch"):
        create_plan(user=bs.staff, under=example, organization=bs.district,
                    leader_name="nguyễn văn an", leader_position="Bí thư Huyện ủy Bình Sơn")  # fmt: skip


def test_who_sees_a_plan(example, users, bs):
    plan = written_plan(example, bs.staff)
    assert list(visible_plans(bs.staff)) == [plan]
    assert not visible_plans(users["staff"]).exists()  # Ban Tổ chức, before it is sent
    assert list(visible_plans(users["monitor"])) == [plan]
    submit_plan(user=bs.staff, plan=plan)
    record_approval(user=bs.head, plan=plan, approval_kind="standing_committee",
                    approved_on=dt.date(2021, 3, 15))  # fmt: skip
    send_plan(user=bs.staff, plan=plan, recipients=proposed_recipients(bs.district),
              sent_on=dt.date(2021, 3, 20))  # fmt: skip
    assert list(visible_plans(users["staff"])) == [plan]  # a recipient now
    assert not visible_plans(users["outsider"]).exists()


def test_the_section_two_rows_say_on_time_late_or_missing(example, users, bs):
    on_time = sent_plan(example, bs.head, bs.staff)
    # The Provincial Propaganda Board's head: approved on time, sent late.
    late = create_plan(user=users["outsider"], under=example,
                       organization=users["outsider"].membership.organization,
                       leader_name="Trần Thị Bình", leader_position="Trưởng Ban Tuyên giáo")  # fmt: skip
    add_item(user=users["outsider"], plan=late, text="Việc", due_date=dt.date(2021, 6, 30))
    submit_plan(user=users["outsider"], plan=late)
    record_approval(user=users["admin"], plan=late, approval_kind="key_officials",
                    approved_on=dt.date(2021, 3, 30))  # fmt: skip
    send_plan(user=users["outsider"], plan=late, recipients=[(example.issuer, "committee")],
              sent_on=dt.date(2021, 4, 12))  # fmt: skip
    # Ban Tổ chức's head has no plan at all.
    Leader.objects.create(organization=Organization.objects.get(code="qn.btctu"),
                          name="Lê Văn Cường", position="Trưởng Ban Tổ chức")  # fmt: skip

    rows = {r.leader.name: r for r in plan_rows(example, as_of=dt.date(2021, 12, 31))}
    assert {n: (r.approval, r.sending) for n, r in rows.items()} == {
        "Nguyễn Văn An": (ON_TIME, ON_TIME),
        "Trần Thị Bình": (ON_TIME, LATE),
        "Lê Văn Cường": (MISSING, MISSING),
    }
    assert rows["Nguyễn Văn An"].plan == on_time
    assert rows["Nguyễn Văn An"].recipients == on_time.recipients.count()
    # As of a day before it was sent, the first plan was approved but not yet sent.
    early = {r.leader.name: r for r in plan_rows(example, as_of=dt.date(2021, 3, 16))}
    assert (early["Nguyễn Văn An"].approval, early["Nguyễn Văn An"].sending) == (ON_TIME, MISSING)

"""What the plans tests (and the plans pages' tests) share: accounts of a district committee
(Huyện ủy Bình Sơn) whose secretary writes a personal plan, and that plan written, approved
and sent through the services."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils import timezone

from theodoi.orgs.models import Organization
from theodoi.plans.models import ApprovalBody, PersonalPlan
from theodoi.plans.services import (
    add_item,
    create_plan,
    proposed_recipients,
    record_approval,
    send_plan,
    submit_plan,
)
from theodoi.programs.models import Program
from theodoi.tracking.models import Membership, Role

DISTRICT = "qn.hu-binhson"
ITEMS = (  # text, due date
    ("Quán triệt Nghị quyết XX đến toàn thể cán bộ chủ chốt huyện", dt.date(2021, 3, 31)),
    ("Ban hành Chỉ thị về phát triển kinh tế biển của huyện", dt.date(2021, 6, 30)),
    ("Tổ chức đối thoại với Nhân dân về giải phóng mặt bằng", dt.date(2021, 9, 30)),
    ("Sơ kết giữa nhiệm kỳ việc thực hiện kế hoạch", dt.date(2023, 6, 30)),
)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    """A time on ``day`` in the project's time zone."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


def district_accounts() -> SimpleNamespace:
    """Head and staff of Huyện ủy Bình Sơn, and staff of the provincial inspection committee."""
    users = get_user_model().objects

    def account(name: str, code: str, role: Role):
        user = users.create_user(name, email=f"{name}@example.vn", password="mat-khau-thu")
        Membership.objects.create(
            user=user, organization=Organization.objects.get(code=code), role=role
        )
        return user

    return SimpleNamespace(
        district=Organization.objects.get(code=DISTRICT),
        head=account("bs_head", DISTRICT, Role.HEAD),
        staff=account("bs_staff", DISTRICT, Role.STAFF),
        inspection=account("ubkt_staff", "qn.ubkttu", Role.STAFF),
    )


def written_plan(program: Program, staff) -> PersonalPlan:
    """The secretary's plan with its four items, a draft."""
    plan = create_plan(
        user=staff,
        under=program,
        organization=staff.membership.organization,
        leader_name="Nguyễn Văn An",
        leader_position="Bí thư Huyện ủy Bình Sơn",
    )
    for text, due in ITEMS:
        add_item(user=staff, plan=plan, text=text, due_date=due)
    return plan


def sent_plan(program: Program, head, staff, *, approved_on=dt.date(2021, 3, 15),
              sent_on=dt.date(2021, 3, 20)) -> PersonalPlan:  # fmt: skip
    """Written, submitted, approved by the district's standing committee, sent to the bodies
    the registry proposes."""
    plan = written_plan(program, staff)
    submit_plan(user=staff, plan=plan)
    record_approval(
        user=head, plan=plan, approval_kind=ApprovalBody.STANDING_COMMITTEE,
        approved_on=approved_on, reference="Thông báo số 05-TB/HU ngày 15/3/2021",
    )  # fmt: skip
    send_plan(
        user=staff, plan=plan, recipients=proposed_recipients(plan.leader.organization),
        sent_on=sent_on,
    )  # fmt: skip
    plan.refresh_from_db()
    return plan

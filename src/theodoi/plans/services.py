"""Writing a personal action plan and taking it through approval, sending and receipt.

Every function is one transaction, asks the permission policy, and is recorded in the audit
trail (the acting user is the actor). Text is stored in NFC. Bad input raises ``PlanError``
with a Vietnamese message (and the field it is about), and nothing is written.

When the approval is recorded, the plan's items become tracked work (``tracking.create``):
a program of its own, one task per item, so reports, review, reminders and status as of a
date work on them unchanged.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from theodoi.acting import acting
from theodoi.orgs.models import Organization
from theodoi.parsing.text import fold
from theodoi.programs.models import Program, Task
from theodoi.tracking.policy import Action, check

from .models import (
    ApprovalBody,
    Leader,
    PersonalPlan,
    PlanItem,
    PlanRecipient,
    RecipientBasis,
)
from .tracking import track_plan


class PlanError(ValueError):
    """A plan that cannot be saved as given; ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


# --- Writing --------------------------------------------------------------------------------


def create_plan(
    *,
    user,
    under: Program,
    organization: Organization,
    leader_name: str,
    leader_position: str,
    title: str = "",
    parent_task: Task | None = None,
    deadline: dt.date | None = None,
) -> PersonalPlan:
    """A new draft plan of the leader (found by name in the body, or recorded) under
    ``under``. The task giving the plans and its deadline default to the program's own
    (section II.2 of the example: "Hoàn thành trong quý I/2021")."""
    name, position = nfc(leader_name), nfc(leader_position)
    if not name:
        raise PlanError(_("Cần ghi họ và tên người đứng đầu."), "leader_name")
    if not position:
        raise PlanError(_("Cần ghi chức vụ của người đứng đầu."), "leader_position")
    if parent_task is None:
        parent_task = plan_task(under)
    elif parent_task.program_id != under.pk:
        raise PlanError(_("Nhiệm vụ này không thuộc chương trình đã chọn."), "parent_task")
    with transaction.atomic(), acting(user):
        leader = Leader.objects.filter(organization=organization, name_key=fold(name)).first()
        probe = PersonalPlan(leader=leader or Leader(organization=organization), under=under)
        check(user, Action.MANAGE_PERSONAL_PLAN, probe)
        if leader is None:
            leader = Leader.objects.create(organization=organization, name=name, position=position)
        elif leader.position != position:
            leader.position = position
            leader.save(update_fields=["position"])
        if PersonalPlan.objects.filter(leader=leader, under=under).exists():
            raise PlanError(
                _("Đồng chí %(name)s đã có kế hoạch hành động cá nhân thực hiện chương trình này.")
                % {"name": leader.name},
                "leader_name",
            )
        return PersonalPlan.objects.create(
            leader=leader,
            under=under,
            parent_task=parent_task,
            title=nfc(title) or default_title(leader, under),
            deadline=deadline or task_deadline(parent_task),
            created_by=user,
        )


def update_plan(*, user, plan: PersonalPlan, title: str, deadline: dt.date | None) -> PersonalPlan:
    """Change a draft plan's title and deadline."""
    title = nfc(title)
    if not title:
        raise PlanError(_("Cần ghi tên kế hoạch."), "title")
    with transaction.atomic(), acting(user):
        plan = _locked(plan)
        check(user, Action.MANAGE_PERSONAL_PLAN, plan)
        plan.title, plan.deadline = title, deadline
        plan.save()
        return plan


def add_item(
    *,
    user,
    plan: PersonalPlan,
    text: str,
    due_date: dt.date,
    start_date: dt.date | None = None,
    program_task: Task | None = None,
) -> PlanItem:
    """An item at the end of a draft plan."""
    values = _item_values(plan, text=text, due_date=due_date, start_date=start_date,
                          program_task=program_task)  # fmt: skip
    with transaction.atomic(), acting(user):
        plan = _locked(plan)
        check(user, Action.MANAGE_PERSONAL_PLAN, plan)
        last = plan.items.order_by("-position").values_list("position", flat=True).first()
        return PlanItem.objects.create(plan=plan, position=(last or 0) + 1, **values)


def update_item(
    *,
    user,
    item: PlanItem,
    text: str,
    due_date: dt.date,
    start_date: dt.date | None = None,
    program_task: Task | None = None,
) -> PlanItem:
    """Change an item of a draft plan."""
    values = _item_values(item.plan, text=text, due_date=due_date, start_date=start_date,
                          program_task=program_task)  # fmt: skip
    with transaction.atomic(), acting(user):
        plan = _locked(item.plan)
        check(user, Action.MANAGE_PERSONAL_PLAN, plan)
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
        return item


def remove_item(*, user, item: PlanItem) -> None:
    """Take an item out of a draft plan."""
    with transaction.atomic(), acting(user):
        plan = _locked(item.plan)
        check(user, Action.MANAGE_PERSONAL_PLAN, plan)
        item.delete()


def submit_plan(*, user, plan: PersonalPlan, now: dt.datetime | None = None) -> PersonalPlan:
    """The draft goes to the body that approves it; it is no longer edited."""
    with transaction.atomic(), acting(user):
        plan = _locked(plan)
        check(user, Action.MANAGE_PERSONAL_PLAN, plan)
        if not plan.items.exists():
            raise PlanError(_("Kế hoạch chưa có nội dung nào; thêm ít nhất một nội dung."))
        plan.status = PersonalPlan.Status.SUBMITTED
        plan.submitted_at = now or timezone.now()
        plan.save()
        return plan


# --- Approval, sending, receipt ----------------------------------------------------------------


def record_approval(
    *,
    user,
    plan: PersonalPlan,
    approval_kind: str,
    approved_on: dt.date,
    approval_body: Organization | None = None,
    reference: str = "",
    now: dt.datetime | None = None,
) -> PersonalPlan:
    """Record that the standing committee, party delegation, party group or key officials'
    conference approved the plan on ``approved_on``; its items become tracked tasks."""
    if approval_kind not in ApprovalBody.values:
        raise PlanError(_("Cần chọn hình thức thông qua."), "approval_kind")
    if approved_on is None:
        raise PlanError(_("Cần ghi ngày thông qua."), "approved_on")
    if approved_on > timezone.localdate():
        raise PlanError(_("Ngày thông qua không thể ở tương lai."), "approved_on")
    with transaction.atomic(), acting(user):
        plan = _locked(plan)
        check(user, Action.RECORD_PLAN_APPROVAL, plan)
        if approval_body is None:
            proposed_kind, proposed_body = proposed_approval(plan.leader.organization)
            if proposed_kind == approval_kind:
                approval_body = proposed_body
        plan.status = PersonalPlan.Status.APPROVED
        plan.approval_kind = approval_kind
        plan.approval_body = approval_body
        plan.approved_on = approved_on
        plan.approval_reference = nfc(reference)
        plan.approval_recorded_by = user
        plan.approval_recorded_at = now or timezone.now()
        plan.save()
        track_plan(plan)
        return plan


def send_plan(
    *,
    user,
    plan: PersonalPlan,
    recipients: list[tuple[Organization, str]],
    sent_on: dt.date,
    now: dt.datetime | None = None,
) -> PersonalPlan:
    """Record that the approved plan was sent on ``sent_on`` to each body in
    ``recipients`` (a body and why it receives it: ``RecipientBasis``)."""
    if not recipients:
        raise PlanError(_("Cần chọn ít nhất một nơi nhận."), "recipients")
    if sent_on is None:
        raise PlanError(_("Cần ghi ngày gửi."), "sent_on")
    if sent_on > timezone.localdate():
        raise PlanError(_("Ngày gửi không thể ở tương lai."), "sent_on")
    with transaction.atomic(), acting(user):
        plan = _locked(plan)
        check(user, Action.SEND_PLAN, plan)
        if plan.approved_on and sent_on < plan.approved_on:
            raise PlanError(
                _("Ngày gửi không thể trước ngày thông qua (%(day)s).")
                % {"day": f"{plan.approved_on:%d/%m/%Y}"},
                "sent_on",
            )
        seen: set[int] = set()
        for organization, basis in recipients:
            if organization.pk in seen:
                continue
            seen.add(organization.pk)
            PlanRecipient.objects.create(
                plan=plan,
                organization=organization,
                basis=basis if basis in RecipientBasis.values else RecipientBasis.OTHER,
                sent_on=sent_on,
                sent_by=user,
            )
        plan.status = PersonalPlan.Status.SENT
        plan.save()
        return plan


def acknowledge(
    *, user, recipient: PlanRecipient, note: str = "", now: dt.datetime | None = None
) -> PlanRecipient:
    """The receiving body confirms it has the plan, to follow up and supervise it."""
    with transaction.atomic(), acting(user):
        recipient = PlanRecipient.objects.select_for_update().get(pk=recipient.pk)
        check(user, Action.ACKNOWLEDGE_PLAN, recipient)
        recipient.acknowledged_at = now or timezone.now()
        recipient.acknowledged_by = user
        recipient.note = nfc(note)[:500]
        recipient.save()
        return recipient


# --- Proposals -------------------------------------------------------------------------------


def plan_task(program: Program) -> Task | None:
    """The program's task asking for personal plans ("kế hoạch hành động cá nhân"), if any."""
    return (
        program.tasks.filter(
            withdrawn_in__isnull=True, text_key__contains="ke hoach hanh dong ca nhan"
        )
        .order_by("position")
        .first()
    )


def task_deadline(task: Task | None) -> dt.date | None:
    """The date a task is due: its deadline as written, else its first occurrence's."""
    if task is None:
        return None
    due = (task.time or {}).get("due")
    if due:
        try:
            return dt.date.fromisoformat(due)
        except ValueError:
            pass
    first = task.assignments.values_list("occurrences__due_date", flat=True)
    return min((d for d in first if d is not None), default=None)


def default_title(leader: Leader, under: Program) -> str:
    return _(
        "Kế hoạch hành động cá nhân của đồng chí %(name)s, %(position)s, thực hiện %(title)s"
    ) % {
        "name": leader.name,
        "position": leader.position,
        "title": under.title[:200],
    }


def proposed_approval(organization: Organization) -> tuple[str, Organization | None]:
    """Who approves a plan of a leader of ``organization`` (section II.2): a party committee's
    standing committee; the party delegation or party group of a state body or a mass
    organisation when the registry has one; else the body's key officials' conference."""
    if organization.kind == "party_committee":
        standing = organization.children.filter(kind="standing_committee").first()
        return ApprovalBody.STANDING_COMMITTEE, standing
    key = fold(organization.name)
    for kind, approval in (
        ("party_delegation", ApprovalBody.PARTY_DELEGATION),
        ("party_group", ApprovalBody.PARTY_GROUP),
    ):
        for body in Organization.objects.filter(kind=kind, unresolved=False):
            if body.name_key.endswith(key) or key.endswith(_without_prefix(body.name_key)):
                return approval, body
    return ApprovalBody.KEY_OFFICIALS, None


def _without_prefix(name_key: str) -> str:
    for prefix in ("ban can su dang ", "dang doan "):
        if name_key.startswith(prefix):
            return name_key[len(prefix) :]
    return name_key


def proposed_recipients(organization: Organization) -> list[tuple[Organization, str]]:
    """Where a plan of a leader of ``organization`` goes (section II.2), from the registry:
    the party committee of the same level and its inspection committee; the standing
    committee, inspection committee and organisation board of the committee directly above.
    A body that is not a committee answers to the committee its parents lead to (a board of
    the Provincial Committee, a department to the Provincial Committee): that committee is
    both its "same level" and, through its standing committee, its supervisor. Bodies the
    registry lacks are left out; the person sending adds or removes any."""
    committee = _committee_of(organization)
    found: list[tuple[Organization, str]] = []
    if committee is None:
        return found
    if organization.kind == "party_committee":
        upper = _committee_of(committee.parent) if committee.parent else None
    else:
        upper = committee
    found.append((committee, RecipientBasis.COMMITTEE))
    inspection = committee.children.filter(kind="inspection_committee").first()
    if inspection is not None:
        found.append((inspection, RecipientBasis.INSPECTION))
    if upper is not None:
        for body, basis in (
            (
                upper.children.filter(kind="standing_committee").first(),
                RecipientBasis.UPPER_STANDING,
            ),
            (
                upper.children.filter(kind="inspection_committee").first(),
                RecipientBasis.UPPER_INSPECTION,
            ),
            (
                upper.children.filter(kind="party_board", name_key__startswith="ban to chuc")
                .order_by("pk")
                .first(),
                RecipientBasis.UPPER_ORGANIZATION,
            ),
        ):
            if body is None or body.pk == organization.pk:
                continue  # the board of organisation does not send its plan to itself
            if all(body.pk != b.pk for b, _ in found):
                found.append((body, basis))
    return found


def _committee_of(organization: Organization | None) -> Organization | None:
    """The party committee a body belongs to: itself, the nearest committee among its
    parents, else the top committee of its level (a province's departments answer to the
    Provincial Committee)."""
    seen = set()
    body = organization
    while body is not None and body.pk not in seen:
        seen.add(body.pk)
        if body.kind == "party_committee":
            return body
        body = body.parent
    if organization is None or not organization.level:
        return None
    tops = Organization.objects.filter(
        kind="party_committee", level=organization.level, unresolved=False
    ).exclude(parent__level=organization.level)
    return tops.order_by("pk").first()


# --- Helpers ---------------------------------------------------------------------------------


def _locked(plan: PersonalPlan) -> PersonalPlan:
    return (
        PersonalPlan.objects.select_for_update().select_related("leader", "under").get(pk=plan.pk)
    )


def _item_values(
    plan: PersonalPlan,
    *,
    text: str,
    due_date: dt.date | None,
    start_date: dt.date | None,
    program_task: Task | None,
) -> dict:
    """An item's values, checked: text, a due date inside the program's term, a start date
    before it, a related task of the same program."""
    text = nfc(text)
    if not text:
        raise PlanError(_("Cần ghi nội dung."), "text")
    if due_date is None:
        raise PlanError(_("Cần ghi thời hạn (dd/mm/yyyy)."), "due_date")
    under = plan.under
    first, last = term_bounds(under)
    for field, day in (("due_date", due_date), ("start_date", start_date)):
        if day is None:
            continue
        if (first and day < first) or (last and day > last):
            raise PlanError(
                _("Ngày %(day)s nằm ngoài nhiệm kỳ của chương trình (%(first)s – %(last)s).")
                % {
                    "day": f"{day:%d/%m/%Y}",
                    "first": f"{first:%d/%m/%Y}" if first else "…",
                    "last": f"{last:%d/%m/%Y}" if last else "…",
                },
                field,
            )
    if start_date and start_date > due_date:
        raise PlanError(_("Ngày bắt đầu không thể sau thời hạn."), "start_date")
    if program_task is not None and program_task.program_id != under.pk:
        raise PlanError(_("Nhiệm vụ liên quan không thuộc chương trình này."), "program_task")
    return {"text": text, "due_date": due_date, "start_date": start_date,
            "program_task": program_task}  # fmt: skip


def term_bounds(program: Program) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of the program's term (None where it states none)."""
    first = dt.date(program.term_start, 1, 1) if program.term_start else None
    last = dt.date(program.term_end, 12, 31) if program.term_end else None
    return first, last

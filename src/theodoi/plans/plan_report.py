"""The organisation board's yearly account of section II.2: for each leader, whether their
personal plan under the program was approved and sent on time, late, or not at all, as of a
day. The same data the evaluation reads; the report formats lay these rows out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from theodoi.programs.models import Program

from .models import Leader, PersonalPlan

ON_TIME = "on_time"
LATE = "late"
MISSING = "missing"
OUTCOME_LABELS = {
    ON_TIME: gettext_noop("Đúng hạn"),
    LATE: gettext_noop("Chậm"),
    MISSING: gettext_noop("Chưa thực hiện"),
}


@dataclass(frozen=True)
class PlanReportRow:
    leader: Leader
    plan: PersonalPlan | None
    deadline: dt.date | None
    approved_on: dt.date | None  # as known on the day
    sent_on: dt.date | None  # the last copy sent by the day
    recipients: int
    acknowledged: int
    approval: str  # ON_TIME | LATE | MISSING
    sending: str

    @property
    def on_time(self) -> bool:
        return self.approval == ON_TIME and self.sending == ON_TIME

    @property
    def approval_label(self) -> str:
        return gettext(OUTCOME_LABELS[self.approval])

    @property
    def sending_label(self) -> str:
        return gettext(OUTCOME_LABELS[self.sending])


def _outcome(day: dt.date | None, deadline: dt.date | None) -> str:
    if day is None:
        return MISSING
    return ON_TIME if deadline is None or day <= deadline else LATE


def plan_rows(program: Program, *, as_of: dt.date) -> list[PlanReportRow]:
    """One row per leader (active, or with a plan under ``program``), by body then name."""
    leaders = (
        Leader.objects.filter(Q(active=True) | Q(plans__under=program))
        .distinct()
        .select_related("organization")
    )
    plans = {
        p.leader_id: p
        for p in PersonalPlan.objects.filter(under=program).prefetch_related("recipients")
    }
    rows = []
    for leader in sorted(leaders, key=lambda r: (r.organization.name_key, r.name_key)):
        plan = plans.get(leader.pk)
        approved = sent = deadline = None
        recipients = acknowledged = 0
        if plan is not None:
            deadline = plan.deadline
            if plan.approved_on and plan.approved_on <= as_of:
                approved = plan.approved_on
            copies = [r for r in plan.recipients.all() if r.sent_on <= as_of]
            sent = max((r.sent_on for r in copies), default=None)
            recipients = len(copies)
            acknowledged = sum(
                1
                for r in copies
                if r.acknowledged_at is not None and timezone.localdate(r.acknowledged_at) <= as_of
            )
        row = PlanReportRow(
            leader=leader, plan=plan, deadline=deadline, approved_on=approved, sent_on=sent,
            recipients=recipients, acknowledged=acknowledged,
            approval=_outcome(approved, deadline), sending=_outcome(sent, deadline),
        )  # fmt: skip
        rows.append(row)
    return rows

"""The annual evaluation (section II.3 of the example): for a program and a year, per body and
per leader, what was due that year and how it went, as of 31/12 of that year, read from the
stored history through ``tracking.status`` (no status rule is repeated here).

What is counted
- The occurrences of the program's assignments to bodies whose effective due date as of
  31/12 (after extensions approved by then) falls in the year, less those withdrawn by then.
- ``due``: those with a deadline; ``done_on_time`` / ``done_late``: confirmed done, by the
  status buckets; ``overdue``: not done by the end of the year (the status buckets "open
  overdue", and "open in time" for work due on 31/12 itself: the year is over);
  ``no_deadline``: "Thường xuyên" periods; ``not_reported``: any of them, deadline or not,
  of which nothing reached the office by the end of the year (``OccurrenceStatus.reported``).
- Rates: done ÷ due, on time ÷ due, not reported ÷ (due + no deadline).
- A leader: their body's figures plus the items of their personal plan under the program,
  and whether the plan was approved and sent by its deadline.

The suggested rating (``EvaluationScale``): the best level whose least done rate and least
on-time rate are both met; below all of them, "không hoàn thành nhiệm vụ"; nothing due, no
suggestion. For a leader, a plan not approved and sent by the end of the year of its deadline
(or later years), or approved or sent after its deadline (in that year), lowers the
suggestion one level. The suggestion is only that: the decision recorded is the evaluating
body's (``record_decision``), kept with the suggestion and figures it had.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from theodoi.acting import acting
from theodoi.orgs.models import Organization
from theodoi.programs.models import Occurrence, Program
from theodoi.tracking import status as rules
from theodoi.tracking.models import Extension
from theodoi.tracking.policy import Action, check

from .models import EvaluationDecision, EvaluationScale, Leader, PersonalPlan, Rating

RATINGS = [r.value for r in Rating]  # best first


class EvaluationError(ValueError):
    """An evaluation that cannot be recorded as given; the message says why."""


@dataclass
class Figures:
    """Counts for one body or leader and one year; rates follow from them."""

    due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    no_deadline: int = 0
    not_reported: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def done_rate(self) -> float | None:
        return self.done / self.due if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        return self.done_on_time / self.due if self.due else None

    @property
    def not_reported_rate(self) -> float | None:
        counted = self.due + self.no_deadline
        return self.not_reported / counted if counted else None

    def add(self, state: rules.OccurrenceStatus) -> None:
        if state.bucket == rules.WITHDRAWN:
            return
        if not state.reported:
            self.not_reported += 1
        if state.bucket == rules.NO_DEADLINE:
            self.no_deadline += 1
            return
        self.due += 1
        if state.bucket == rules.DONE_ON_TIME:
            self.done_on_time += 1
        elif state.bucket == rules.DONE_LATE:
            self.done_late += 1
        else:  # open, overdue or due on the year's last day: not done in the year
            self.overdue += 1

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                          for f in fields(self)})  # fmt: skip

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PlanState:
    """Where a leader's personal plan stood at the end of the year."""

    plan: PersonalPlan | None
    deadline: dt.date | None
    approved_on: dt.date | None  # None: not approved by the end of the year
    sent_on: dt.date | None  # None: not sent by the end of the year
    figures: Figures = field(default_factory=Figures)

    @property
    def approved_on_time(self) -> bool | None:
        return _on_time(self.approved_on, self.deadline)

    @property
    def sent_on_time(self) -> bool | None:
        return _on_time(self.sent_on, self.deadline)


def _on_time(day: dt.date | None, deadline: dt.date | None) -> bool | None:
    if day is None:
        return None
    return deadline is None or day <= deadline


@dataclass
class Row:
    """One line of the evaluation: a body, or a leader (with their plan)."""

    organization: Organization
    figures: Figures
    suggestion: str | None
    reasons: list[str] = field(default_factory=list)
    leader: Leader | None = None
    plan: PlanState | None = None
    body_figures: Figures | None = None  # a leader's body's share of ``figures``
    decision: EvaluationDecision | None = None  # the latest, in force
    decisions: int = 0

    @property
    def suggestion_label(self) -> str:
        return str(Rating(self.suggestion).label) if self.suggestion else ""


@dataclass
class Evaluation:
    program: Program
    year: int
    as_of: dt.date
    scale: EvaluationScale
    bodies: list[Row]
    leaders: list[Row]


def scale_for(program: Program) -> EvaluationScale:
    """The program's stored thresholds, or the defaults (unsaved) when none were set."""
    found = EvaluationScale.objects.filter(program=program).first()
    return found or EvaluationScale(program=program)


def set_scale(*, user, program: Program, **thresholds: int) -> EvaluationScale:
    """Store the program's thresholds (percent), checked: each within 0-100, a better level
    never asking less than a lower one. Raises ``ValidationError`` (nothing written)."""
    with transaction.atomic(), acting(user):
        check(user, Action.CONFIGURE_EVALUATION, program)
        scale = EvaluationScale.objects.select_for_update().filter(program=program).first()
        scale = scale or EvaluationScale(program=program)
        for name, value in thresholds.items():
            if name not in {f.name for f in EvaluationScale._meta.fields} or name in (
                "id",
                "program",
                "updated_at",
            ):
                raise TypeError(f"unknown threshold {name}")
            setattr(scale, name, value)
        scale.full_clean()
        scale.save()
        return scale


def suggest(figures: Figures, scale: EvaluationScale) -> str | None:
    """The best level whose thresholds the figures meet; None when nothing was due."""
    if not figures.due:
        return None
    done, on_time = figures.done_rate * 100, figures.on_time_rate * 100
    for rating, least_done, least_on_time in scale.levels():
        if done >= least_done and on_time >= least_on_time:
            return rating
    return Rating.FAIL.value


def lower(rating: str | None) -> str | None:
    if rating is None:
        return None
    return RATINGS[min(RATINGS.index(rating) + 1, len(RATINGS) - 1)]


def end_of_year(year: int) -> dt.date:
    if not 1900 <= year <= 2200:
        raise EvaluationError(_("Năm không hợp lệ: %(year)s.") % {"year": year})
    return dt.date(year, 12, 31)


def year_figures(occurrences: QuerySet[Occurrence], year: int) -> dict[int, Figures]:
    """Figures by body for the occurrences (of bodies) due in ``year``, as of 31/12."""
    as_of = end_of_year(year)
    extended = Extension.objects.filter(
        status=Extension.Status.APPROVED, new_due__year=year
    ).values("occurrence")
    rows = occurrences.filter(assignment__organization__isnull=False).filter(
        Q(due_date__year=year) | Q(pk__in=extended)
    )
    found = rules.statuses(rows, as_of=as_of)
    owner = dict(rows.values_list("pk", "assignment__organization_id"))
    result: dict[int, Figures] = defaultdict(Figures)
    for pk, state in found.items():
        if state.due.year != year:
            continue
        result[owner[pk]].add(state)
    return dict(result)


def evaluate(program: Program, year: int) -> Evaluation:
    """The whole evaluation of ``program`` for ``year``: bodies, then leaders."""
    as_of = end_of_year(year)
    scale = scale_for(program)
    by_body = year_figures(Occurrence.objects.filter(assignment__task__program=program), year)
    latest = _latest_decisions(program, year)
    bodies = []
    organizations = Organization.objects.in_bulk(list(by_body))
    for org_id, figures in by_body.items():
        row = Row(organization=organizations[org_id], figures=figures,
                  suggestion=suggest(figures, scale))  # fmt: skip
        row.decision, row.decisions = latest.get(("body", org_id), (None, 0))
        bodies.append(row)
    bodies.sort(key=lambda r: r.organization.name_key)
    leaders = [
        _leader_row(leader, program, year, as_of, scale, by_body, latest)
        for leader in _leaders(program)
    ]
    return Evaluation(program=program, year=year, as_of=as_of, scale=scale, bodies=bodies,
                      leaders=leaders)  # fmt: skip


def _leaders(program: Program) -> list[Leader]:
    rows = Leader.objects.filter(Q(active=True) | Q(plans__under=program)).distinct()
    return sorted(rows.select_related("organization"),
                  key=lambda p: (p.organization.name_key, p.name_key))  # fmt: skip


def plan_state(plan: PersonalPlan | None, year: int) -> PlanState:
    """The plan's deadline, approval and sending as known at the end of ``year``, and the
    figures of its items due that year."""
    as_of = end_of_year(year)
    if plan is None:
        return PlanState(plan=None, deadline=None, approved_on=None, sent_on=None)
    approved = plan.approved_on if plan.approved_on and plan.approved_on <= as_of else None
    sends = [r.sent_on for r in plan.recipients.all() if r.sent_on <= as_of]
    figures = Figures()
    if plan.program_id:
        for part in year_figures(
            Occurrence.objects.filter(assignment__task__program_id=plan.program_id), year
        ).values():
            figures = figures + part
    return PlanState(plan=plan, deadline=plan.deadline, approved_on=approved,
                     sent_on=max(sends) if sends else None, figures=figures)  # fmt: skip


def _leader_row(leader, program, year, as_of, scale, by_body, latest) -> Row:
    plan = (
        PersonalPlan.objects.filter(leader=leader, under=program)
        .prefetch_related("recipients")
        .first()
    )
    state = plan_state(plan, year)
    body = by_body.get(leader.organization_id, Figures())
    figures = body + state.figures
    suggestion = suggest(figures, scale)
    reasons = []
    deadline = state.deadline or (plan.deadline if plan else None)
    deadline_year = deadline.year if deadline else None
    if deadline_year is None or year >= deadline_year:
        if plan is None:
            reasons.append(_("Chưa có kế hoạch hành động cá nhân."))
        elif state.approved_on is None or state.sent_on is None:
            reasons.append(_("Kế hoạch chưa được thông qua và gửi đến hết năm."))
        elif year == deadline_year and not (state.approved_on_time and state.sent_on_time):
            reasons.append(_("Kế hoạch được thông qua hoặc gửi sau thời hạn."))
    if reasons and suggestion is not None:
        suggestion = lower(suggestion)
    row = Row(organization=leader.organization, figures=figures, suggestion=suggestion,
              reasons=reasons, leader=leader, plan=state, body_figures=body)  # fmt: skip
    row.decision, row.decisions = latest.get(("leader", leader.pk), (None, 0))
    return row


def _latest_decisions(program: Program, year: int) -> dict[tuple[str, int], tuple]:
    """The decision in force for each body and leader, and how many were made."""
    found: dict[tuple[str, int], tuple] = {}
    rows = EvaluationDecision.objects.filter(program=program, year=year).select_related(
        "decided_by"
    )
    for decision in rows.order_by("decided_at", "pk"):
        key = ("body", decision.organization_id) if decision.organization_id else (
            "leader", decision.leader_id)  # fmt: skip
        count = found.get(key, (None, 0))[1]
        found[key] = (decision, count + 1)
    return found


def record_decision(
    *,
    user,
    program: Program,
    year: int,
    rating: str,
    comment: str = "",
    organization: Organization | None = None,
    leader: Leader | None = None,
    now: dt.datetime | None = None,
) -> EvaluationDecision:
    """Record the evaluating body's rating of a body or a leader for the year, with the
    suggestion and figures of the moment. Earlier decisions stay; the latest is in force."""
    if rating not in Rating.values:
        raise EvaluationError(_("Cần chọn một mức xếp loại."))
    if (organization is None) == (leader is None):
        raise EvaluationError(_("Cần chọn một cơ quan hoặc một người đứng đầu để xếp loại."))
    end_of_year(year)
    comment = unicodedata.normalize("NFC", comment.strip())
    with transaction.atomic(), acting(user):
        # asked of the decision itself: the program is the committee's, the body not the user's
        probe = EvaluationDecision(program=program, organization=organization, leader=leader)
        check(user, Action.EVALUATE, probe)
        row = subject_row(program, year, organization=organization, leader=leader)
        figures = row.figures.to_dict()
        if row.plan is not None:
            figures["plan"] = {
                "approved_on": _iso(row.plan.approved_on),
                "sent_on": _iso(row.plan.sent_on),
                "deadline": _iso(row.plan.deadline),
                "items": row.plan.figures.to_dict(),
            }
        return EvaluationDecision.objects.create(
            program=program, year=year, organization=organization, leader=leader,
            rating=rating, comment=comment, suggested_rating=row.suggestion or "",
            figures=figures, decided_by=user, decided_at=now or timezone.now(),
        )  # fmt: skip


def subject_row(
    program: Program, year: int, *, organization: Organization | None = None,
    leader: Leader | None = None,
) -> Row:  # fmt: skip
    """One body's or one leader's row, computed alone."""
    as_of = end_of_year(year)
    scale = scale_for(program)
    body = leader.organization if leader is not None else organization
    by_body = year_figures(
        Occurrence.objects.filter(assignment__task__program=program,
                                  assignment__organization=body),
        year,
    )  # fmt: skip
    if leader is not None:
        return _leader_row(leader, program, year, as_of, scale, by_body, {})
    figures = by_body.get(body.pk, Figures())
    return Row(organization=body, figures=figures, suggestion=suggest(figures, scale))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


__all__ = [
    "Evaluation",
    "EvaluationError",
    "Figures",
    "PlanState",
    "Row",
    "evaluate",
    "plan_state",
    "record_decision",
    "scale_for",
    "set_scale",
    "subject_row",
    "suggest",
    "year_figures",
]

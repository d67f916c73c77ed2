"""An approved personal plan becomes tracked work: a program of its own (kind "Kế hoạch hành
động cá nhân", a number derived from the plan), one task per item, assigned to the leader's
body (implements, leads), with one occurrence at each item's date. Progress reports,
review, reminders and status as of a date then work on the items as on any task.

The plan's program is linked through ``PersonalPlan.program``, never through
``Program.parent_program`` (that link is for lower-level programs)."""

from __future__ import annotations

import hashlib
import json

from theodoi.programs.importer import choose_lead
from theodoi.programs.models import Assignment, Occurrence, Program, ProgramVersion, Task
from theodoi.programs.occurrences import periods_for

from .models import PLAN_KIND, PersonalPlan, PlanItem


def plan_number(plan: PersonalPlan) -> str:
    """A stable, unique number: "KHCN-<plan>-<body code>/<program number>"."""
    base = f"KHCN-{plan.pk}-{plan.leader.organization.code}/{plan.under.number}"
    return base[:100]


def item_time(item: PlanItem) -> dict:
    """The item's date as a deadline time spec, the shape the parser gives a task."""
    return {
        "text": f"Hạn {item.due_date:%d/%m/%Y}",
        "kind": "deadline",
        "due": item.due_date.isoformat(),
        "start": item.start_date.isoformat() if item.start_date else None,
        "every": None,
        "parts": [],
        "scope": None,
    }


def track_plan(plan: PersonalPlan) -> Program:
    """Create the plan's program, tasks, assignments and occurrences (once: an approved plan
    is not edited). Call inside the approving transaction."""
    if plan.program_id is not None:
        return plan.program
    under = plan.under
    body = plan.leader.organization
    items = list(plan.items.order_by("position", "pk"))
    program = Program.objects.create(
        number=plan_number(plan),
        number_derived=True,
        title=plan.title,
        kind=PLAN_KIND,
        issuer=body,
        issuer_name=body.name,
        date=plan.approved_on,
        resolution=under.resolution,
        term_start=under.term_start,
        term_end=under.term_end,
        reporting_cycle=under.reporting_cycle,
        signer={"title": plan.leader.position, "name": plan.leader.name},
    )
    digest = hashlib.sha256(
        json.dumps([(i.text, i.due_date.isoformat()) for i in items], ensure_ascii=False).encode(
            "utf-8"
        )
    ).hexdigest()
    version = ProgramVersion.objects.create(
        program=program, number=1, source_name=str(plan)[:400], source_sha256=digest
    )
    term = (under.term_start, under.term_end) if under.term_start and under.term_end else None
    for position, item in enumerate(items):
        time = item_time(item)
        task = Task.objects.create(
            program=program,
            key=str(position + 1),
            text=item.text,
            time=time,
            time_text=time["text"],
            time_kind="deadline",
            position=position,
            added_in=version,
        )
        assignment = Assignment.objects.create(
            task=task, organization=body, implements=True, leads=True, written=body.name[:400]
        )
        periods = periods_for(time, term=term, program_date=plan.approved_on,
                              cycle=under.reporting_cycle)  # fmt: skip
        Occurrence.objects.bulk_create(
            Occurrence(
                assignment=assignment,
                period_start=p.start,
                due_date=p.due,
                label=p.label[:120],
                source=p.source,
                scope=p.scope[:300],
            )
            for p in periods
        )
        task.lead, task.needs_lead = choose_lead([assignment])
        task.save(update_fields=["lead", "needs_lead"])
        item.task = task
        item.save(update_fields=["task"])
    plan.program = program
    plan.save(update_fields=["program"])
    return program

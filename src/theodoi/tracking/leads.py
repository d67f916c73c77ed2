"""Designating a task's lead body (chủ trì).

Each task has exactly one lead. When the document names several bodies and no lead, the
import flags the task (``Task.needs_lead``) and the office designates one of the bodies that
owe work on it. One transaction; the permission policy is asked first; Vietnamese errors.
"""

from __future__ import annotations

from auditlog.context import set_actor
from django.db import transaction
from django.db.models import Q, QuerySet

from theodoi.orgs.models import Organization
from theodoi.programs.models import DOING_ROLES, Assignment, Task

from .policy import Action, check

__all__ = ["LeadError", "designate_lead", "lead_candidates"]


class LeadError(ValueError):
    """A lead that cannot be designated as asked; the message says why, for a person."""


def designate_lead(*, user, task: Task, organization: Organization) -> Task:
    """Make ``organization`` the lead of ``task``.

    The body must have an active assignment on the task (not ended by a reorganisation) that
    owes work (advises, implements, leads or coordinates). That assignment gets ``leads``;
    the task's other assignments lose it (a former lead that had no other role stays on the
    task as coordinating, so it still owes its reports); ``task.lead`` is set and the flag
    ``needs_lead`` cleared.
    """
    with transaction.atomic(), set_actor(user):
        task = Task.objects.select_for_update().get(pk=task.pk)
        check(user, Action.DESIGNATE_LEAD, task)
        if task.withdrawn_in_id is not None:
            raise LeadError("Nhiệm vụ này đã bị bãi bỏ; không chỉ định cơ quan chủ trì được.")
        assignments = list(Assignment.objects.select_for_update().filter(task=task).order_by("pk"))
        chosen = [
            a
            for a in assignments
            if a.organization_id == organization.pk and a.active_to is None and a.owes_work
        ]
        if not chosen:
            raise LeadError(
                f"{organization.name} không được giao thực hiện nhiệm vụ này "
                "(không có phân công còn hiệu lực phải thực hiện); chỉ chỉ định được một "
                "trong các cơ quan đang được giao."
            )
        for assignment in assignments:
            if assignment in chosen:
                if not assignment.leads:
                    assignment.leads = True
                    assignment.save(update_fields=["leads"])
            elif assignment.leads:
                assignment.leads = False
                fields = ["leads"]
                if assignment.organization_id is not None and not any(
                    getattr(assignment, role) for role in DOING_ROLES
                ):
                    assignment.coordinates = True
                    fields.append("coordinates")
                assignment.save(update_fields=fields)
        task.lead = organization
        task.needs_lead = False
        task.save(update_fields=["lead", "needs_lead"])
        return task


def lead_candidates(task: Task) -> QuerySet[Organization]:
    """The bodies ``designate_lead`` accepts for ``task`` (a form offers only these): those
    with an active assignment on it that owes work."""
    owes_work = Q()
    for role in DOING_ROLES:
        owes_work |= Q(**{role: True})
    assignments = Assignment.objects.filter(
        owes_work, task=task, active_to__isnull=True, organization__isnull=False
    )
    return Organization.objects.filter(pk__in=assignments.values("organization_id")).order_by(
        "name_key"
    )

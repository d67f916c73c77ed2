"""Designating a task's lead body (chủ trì).

Each task has exactly one lead. When the document names several bodies and no lead, the
import flags the task (``Task.needs_lead``) and the office designates one of the bodies that
owe work on it. One transaction; the permission policy is asked first; Vietnamese errors.
Designating is an amendment of the program like any change the office makes on a task
(``theodoi.programs.amendments``): it makes a new version with who, when, why and the
lead before and after. The task page changes a lead through ``amend_task`` directly (it may
also choose a body not yet on the task); the admin through ``designate_lead``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from theodoi.acting import acting
from theodoi.orgs.models import Organization
from theodoi.programs.models import DOING_ROLES, Assignment, Program, Task

from .policy import Action, check

__all__ = ["LeadError", "designate_lead", "lead_candidates"]


# The reason recorded when the admin, which asks none, designates a lead.
DESIGNATED = "Văn phòng chỉ định cơ quan chủ trì."


class LeadError(ValueError):
    """A lead that cannot be designated as asked; the message says why, for a person."""


def designate_lead(*, user, task: Task, organization: Organization, reason: str = "") -> Task:
    """Make ``organization`` the lead of ``task``: one of the bodies that owe work on it.

    The body must have an active assignment on the task (not ended by a reorganisation) that
    owes work (advises, implements, leads or coordinates). The change itself is an office
    amendment (``theodoi.programs.amendments.amend_task``, a new version of the program, with
    ``reason`` or, from the admin, which asks none, a standard one): that assignment gets
    ``leads``; the task's other assignments lose it (a former lead that had no other role
    stays on the task as coordinating, so it still owes its reports); ``task.lead`` is set
    and the flag ``needs_lead`` cleared. Designating the lead it has changes nothing.
    """
    from theodoi.programs.amendments import AmendmentError, amend_task

    with transaction.atomic(), acting(user):
        # The program, then the task: the order ``amend_task`` locks them in.
        Program.objects.select_for_update().filter(pk=task.program_id).first()
        task = Task.objects.select_for_update().get(pk=task.pk)
        check(user, Action.DESIGNATE_LEAD, task)
        if task.withdrawn_in_id is not None:
            raise LeadError("Nhiệm vụ này đã bị bãi bỏ; không chỉ định cơ quan chủ trì được.")
        chosen = Assignment.objects.filter(
            task=task, organization=organization, active_to__isnull=True
        )
        if not any(a.owes_work for a in chosen):
            raise LeadError(
                f"{organization.name} không được giao thực hiện nhiệm vụ này "
                "(không có phân công còn hiệu lực phải thực hiện); chỉ chỉ định được một "
                "trong các cơ quan đang được giao."
            )
        if task.lead_id == organization.pk and not task.needs_lead:
            return task
        why = (reason or "").strip() or DESIGNATED
        try:
            amend_task(user=user, task=task, reason=why, lead=organization)
        except AmendmentError as exc:
            raise LeadError(str(exc)) from None
        return Task.objects.select_related("lead").get(pk=task.pk)


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

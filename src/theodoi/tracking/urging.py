"""Đôn đốc: the office urges a body about its overdue or soon-due work, in one action.

``urge`` is the one service the web (the list of bodies, a body's page, a task's page), the
API and the CLI call. It asks the policy (``Action.URGE``: the office, within its committee,
never its own body), lists what the body owes that is overdue or due within
``status.WARN_DAYS`` days as of the day (extensions count), records the urging with that
list (the task's history shows it), tells the body's staff and head at once
(``notify.urged``, in the app and in the next digest), and is printed as a letter by
``theodoi.reporting.urging_letter``. The same person urging the same body about the same
work twice on a day (a double click, a retried request) gets the first urging back.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from theodoi.acting import acting
from theodoi.orgs.models import Organization
from theodoi.programs.models import DOING_ROLES, Occurrence, Task

from . import notify
from . import status as status_rules
from .models import Urging
from .policy import Action, allows, check, visible_occurrences

__all__ = ["UrgingError", "urge", "urgeable", "urgeable_bodies", "urgings_of_task"]


class UrgingError(ValueError):
    """An urging that cannot be made; the message says why, for a person."""


def urgeable(user, organization: Organization, *, task: Task | None = None,
             today: dt.date | None = None) -> list[dict]:  # fmt: skip
    """What ``organization`` owes that is overdue or soon due on ``today``, as the user may
    see it: one item per period (task, period, due date in force, days overdue), overdue
    first, the most overdue first."""
    today = today or timezone.localdate()
    return _owed(user, Q(assignment__organization=organization), task=task, today=today)


def urgeable_bodies(user, task: Task, *, today: dt.date | None = None) -> dict[int, int]:
    """For a task's page: how many overdue or soon-due periods of the task each body owes,
    by body id (the bodies the user may urge only), at once."""
    items = _owed(user, Q(assignment__organization__isnull=False), task=task,
                  today=today or timezone.localdate())  # fmt: skip
    counts: dict[int, int] = {}
    for item in items:
        counts[item["organization_id"]] = counts.get(item["organization_id"], 0) + 1
    bodies = Organization.objects.filter(pk__in=counts)
    return {b.pk: counts[b.pk] for b in bodies if allows(user, Action.URGE, b)}


def _owed(user, where: Q, *, task: Task | None, today: dt.date) -> list[dict]:
    horizon = today + dt.timedelta(days=status_rules.WARN_DAYS)
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    rows = (
        visible_occurrences(user)
        .filter(
            where,
            status=Occurrence.Status.OPEN,
            due_date__lte=horizon,  # an extension only moves a due date later
            assignment__task__withdrawn_in__isnull=True,
        )
        .filter(doing)
        .select_related("assignment__task")
    )
    if task is not None:
        rows = rows.filter(assignment__task=task)
    rows = list(rows)
    states = status_rules.statuses(rows, as_of=today)
    items = []
    for occurrence in rows:
        state = states[occurrence.pk]
        overdue = state.bucket == status_rules.OPEN_OVERDUE
        if not (overdue or state.due_soon):
            continue
        task_row = occurrence.assignment.task
        items.append(
            {
                "occurrence_id": occurrence.pk,
                "organization_id": occurrence.assignment.organization_id,
                "task_id": task_row.pk,
                "task_key": task_row.key,
                "task_text": " ".join(task_row.text.split()),
                "label": occurrence.label,
                "due": state.due.isoformat(),
                "days_overdue": max(0, (today - state.due).days) if overdue else 0,
            }
        )
    items.sort(key=lambda i: (-i["days_overdue"], i["due"], i["task_key"], i["occurrence_id"]))
    return items


def urge(
    user,
    organization: Organization,
    *,
    message: str = "",
    task: Task | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Urging:
    """Urge ``organization`` about its overdue and soon-due work (of ``task`` alone, from a
    task's page): recorded, and its people told at once. Raises PermissionDenied for whoever
    may not urge it, UrgingError when it owes nothing overdue or soon due."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    message = unicodedata.normalize("NFC", (message or "").strip())
    with transaction.atomic(), acting(user):
        body = Organization.objects.select_for_update().get(pk=organization.pk)
        check(user, Action.URGE, body)
        items = urgeable(user, body, task=task, today=today)
        if not items:
            where = f" trong nhiệm vụ {task.key}" if task is not None else ""
            raise UrgingError(
                f"{body.name} không có việc quá hạn hoặc sắp đến hạn{where} tính đến ngày "
                f"{today:%d/%m/%Y}; không có gì để đôn đốc."
            )
        ids = sorted(i["occurrence_id"] for i in items)
        for earlier in Urging.objects.filter(organization=body, by=user, made_on=today):
            if sorted(i["occurrence_id"] for i in earlier.items) == ids and (
                earlier.message == message
            ):
                return earlier  # sent twice: once
        urging = Urging.objects.create(
            organization=body, by=user, made_on=today, created_at=now, message=message,
            items=items,
        )  # fmt: skip
        urging.occurrences.set(ids)
        notify.urged(urging)
        return urging


def urgings_of_task(task: Task):
    """The urgings that named the task, oldest first: part of its history."""
    return (
        Urging.objects.filter(occurrences__assignment__task=task)
        .distinct()
        .select_related("organization", "by")
        .order_by("created_at", "pk")
    )

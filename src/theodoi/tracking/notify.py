"""Telling a body what happened to its work, at once: a report returned (with the office's
comment) or confirmed, an extension approved or refused (with the decision), a lead
designated, a task newly assigned or changed by an amendment, an urging.

One function per event, called by the service where the event happens, in its transaction
(a rolled-back event tells nobody). The body's staff and head hear it, in the app at once
and in the next e-mail digest (``theodoi.tracking.reminders.send_digests``). Each event has
its own key and day (the event's, not the caller's), so the unique constraint of
``Notification`` keeps one per person however often a sender runs.

The program's services (amendments, imports) cannot import this layer; they send
``theodoi.programs.signals.assignments_changed``, which ``connect`` receives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from theodoi.programs.models import Occurrence, ProgramVersion, Task

from .models import Extension, Membership, Notification, ProgressReport, Role, Urging

__all__ = [
    "connect",
    "extension_decided",
    "lead_designated",
    "report_reviewed",
    "task_amended",
    "task_assigned",
    "urged",
]

_BODY_ROLES = (Role.STAFF, Role.HEAD)  # who hears about a body's work
Kind = Notification.Kind


def _task_path(task_id: int) -> str:
    return f"/tasks/{task_id}/"


def _people(organization_id: int) -> list[int]:
    """The body's staff and head who can sign in."""
    return list(
        Membership.objects.filter(
            organization_id=organization_id, role__in=_BODY_ROLES, user__is_active=True
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _tell(
    organization_id: int | None,
    kind: str,
    key: str,
    text: str,
    *,
    link: str,
    day: dt.date,
    occurrence: Occurrence | None = None,
    due: dt.date | None = None,
) -> int:
    """Store the notice for each of the body's people, once: how many were new."""
    if organization_id is None:
        return 0
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            day=day,
            key=key[:60],
            text=text,
            link=link[:300],
            occurrence=occurrence,
            due=due,
            created_at=now,
        )
        for user_id in _people(organization_id)
    ]
    before = Notification.objects.filter(kind=kind, day=day, key=key[:60]).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # told already: kept once
    return Notification.objects.filter(kind=kind, day=day, key=key[:60]).count() - before


def _day(moment: dt.datetime | None) -> dt.date:
    return timezone.localdate(moment) if moment is not None else timezone.localdate()


def _what(task: Task) -> str:
    text = " ".join(task.text.split())
    return f"{task.key} {text[:120]}{'…' if len(text) > 120 else ''}"


def report_reviewed(report: ProgressReport) -> int:
    """The office returned the report (the body hears its comment) or confirmed it. Called
    by ``reports.review_report`` after the review's revision is written."""
    occurrence = report.occurrence
    task = occurrence.assignment.task
    revision = report.revisions.order_by("-version").first()
    returned = report.status == "returned"
    if returned:
        text = f"Văn phòng trả lại báo cáo nhiệm vụ {_what(task)} ({occurrence.label})."
        if report.review_comment:
            text += f"\nÝ kiến: {report.review_comment}"
    else:
        text = f"Văn phòng đã xác nhận báo cáo nhiệm vụ {_what(task)} ({occurrence.label})."
    return _tell(
        report.organization_id,
        Kind.REPORT_RETURNED if returned else Kind.REPORT_CONFIRMED,
        f"report:{report.pk}:v{report.version}",
        text,
        link=f"{_task_path(task.pk)}#report-{report.pk}",
        day=_day(revision.at if revision else None),
        occurrence=occurrence,
        due=occurrence.due_date,
    )


def extension_decided(extension: Extension) -> int:
    """The office approved or refused a request for more time: the body hears the decision."""
    occurrence = extension.occurrence
    task = occurrence.assignment.task
    approved = extension.status == Extension.Status.APPROVED
    if approved:
        text = (
            f"Đồng ý gia hạn nhiệm vụ {_what(task)} ({occurrence.label}) "
            f"đến ngày {extension.new_due:%d/%m/%Y}."
        )
    else:
        text = f"Không đồng ý gia hạn nhiệm vụ {_what(task)} ({occurrence.label})."
    if extension.comment:
        text += f"\nÝ kiến: {extension.comment}"
    return _tell(
        occurrence.assignment.organization_id,
        Kind.EXTENSION_APPROVED if approved else Kind.EXTENSION_REFUSED,
        f"extension:{extension.pk}",
        text,
        link=_task_path(task.pk),
        day=_day(extension.decided_at),
        occurrence=occurrence,
        due=extension.new_due if approved else occurrence.due_date,
    )


def lead_designated(task: Task, organization_id: int, version: ProgramVersion) -> int:
    """The body was made the task's lead (chủ trì)."""
    return _tell(
        organization_id,
        Kind.LEAD_DESIGNATED,
        f"version:{version.pk}:task:{task.pk}",
        f"Cơ quan được giao chủ trì nhiệm vụ {_what(task)}.",
        link=_task_path(task.pk),
        day=_day(version.imported_at),
    )


def task_assigned(task: Task, organization_id: int, version: ProgramVersion) -> int:
    """The body newly owes work on the task."""
    return _tell(
        organization_id,
        Kind.TASK_ASSIGNED,
        f"version:{version.pk}:task:{task.pk}",
        f"Cơ quan được giao thực hiện nhiệm vụ {_what(task)}.",
        link=_task_path(task.pk),
        day=_day(version.imported_at),
    )


def task_amended(task: Task, organization_id: int, version: ProgramVersion, why: str = "") -> int:
    """The task the body works on was changed (its text, time, bodies, or withdrawn)."""
    text = f"Nhiệm vụ {_what(task)} được điều chỉnh"
    text += f": {why}." if why else "."
    return _tell(
        organization_id,
        Kind.TASK_AMENDED,
        f"version:{version.pk}:task:{task.pk}",
        text,
        link=_task_path(task.pk),
        day=_day(version.imported_at),
    )


def program_tasks(
    version: ProgramVersion, organization_id: int, *, assigned: int, amended: int
) -> int:
    """An imported version gave the body new tasks or changed some: one notice for all."""
    parts = []
    if assigned:
        parts.append(f"{assigned} nhiệm vụ mới được giao")
    if amended:
        parts.append(f"{amended} nhiệm vụ được điều chỉnh")
    if not parts:
        return 0
    program = version.program
    return _tell(
        organization_id,
        Kind.TASK_ASSIGNED if assigned else Kind.TASK_AMENDED,
        f"version:{version.pk}",
        f"{program.number} {program.title[:150]}: {', '.join(parts)}.",
        link=f"/programs/{program.pk}/",
        day=_day(version.imported_at),
    )


def urged(urging: Urging) -> int:
    """The office urged the body about its overdue or soon-due work."""
    count = len(urging.items)
    text = f"Văn phòng đôn đốc cơ quan thực hiện {count} nhiệm vụ quá hạn, sắp đến hạn."
    if urging.message:
        text += f"\n{urging.message}"
    first = urging.items[0]["task_id"] if urging.items else None
    return _tell(
        urging.organization_id,
        Kind.URGED,
        f"urging:{urging.pk}",
        text,
        link=_task_path(first) if count == 1 else "/work/",
        day=urging.made_on,
    )


def _changed(sender, *, version: ProgramVersion, changes: Iterable[tuple], **kwargs) -> None:
    """``assignments_changed``: each (task, organization id, what) the version brought, what
    one of "lead", "assigned", "amended" (with a reason, or not)."""
    for task, organization_id, what, *why in changes:
        if what == "lead":
            lead_designated(task, organization_id, version)
        elif what == "assigned":
            task_assigned(task, organization_id, version)
        else:
            task_amended(task, organization_id, version, *(why or [""]))


def _imported(sender, *, version: ProgramVersion, bodies: dict, **kwargs) -> None:
    """``program_imported``: per body, how many tasks the version assigned and changed."""
    for organization_id, (assigned, amended) in bodies.items():
        program_tasks(version, organization_id, assigned=assigned, amended=amended)


def connect() -> None:
    """Listen to the program's services (their layer cannot call this one)."""
    from theodoi.programs.signals import assignments_changed, program_imported

    assignments_changed.connect(_changed, dispatch_uid="theodoi.tracking.notify.changed")
    program_imported.connect(_imported, dispatch_uid="theodoi.tracking.notify.imported")

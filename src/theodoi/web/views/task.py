"""One task: its text, bodies and roles, periods with their status as of a date, the reports
and evidence the user may see, extensions, the program's amendments that touched it, and the
history of changes. The office's forms to amend it are in ``amending``.

What the program's document says (the text, the roles and the bodies named, the time and the
periods it gives) is the program's text, open to every member (``VIEW_TASK``). A body's own
record (its periods' status, its reports and files, its extensions, its assignment's history)
is shown only as the permission policy allows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from theodoi import acting
from theodoi.programs.amendments import office_versions_of
from theodoi.programs.models import ROLE_FIELDS, Assignment, Occurrence, Section, Task
from theodoi.tracking import audit
from theodoi.tracking.evidence import open_file
from theodoi.tracking.models import EvidenceFile, ReportRevision
from theodoi.tracking.policy import (
    Action,
    allows,
    check,
    visible_extensions,
    visible_occurrences,
    visible_reports,
)
from theodoi.tracking.status import statuses
from theodoi.tracking.urging import urgeable_bodies, urgings_of_task

from .common import as_of, member_required

REVISION_ACTIONS = {
    "create": _("Lập báo cáo"),
    "edit": _("Sửa báo cáo"),
    "submit": _("Gửi báo cáo"),
    "sign_off": _("Thủ trưởng ký duyệt"),
    "confirm": _("Văn phòng xác nhận"),
    "return": _("Văn phòng trả lại"),
}
TIME_KINDS = {
    "deadline": _("Có thời hạn"),
    "recurring": _("Định kỳ"),
    "continuous": _("Thường xuyên"),
    "ongoing": _("Từ một năm và những năm tiếp theo"),
    "compound": _("Nhiều mốc"),
    "unknown": _("Chưa đọc hiểu được"),
}
ROLE_LABELS = {name: Assignment._meta.get_field(name).verbose_name for name in ROLE_FIELDS}
AUDIT_ACTIONS = {
    LogEntry.Action.CREATE: _("Tạo mới"),
    LogEntry.Action.UPDATE: _("Sửa"),
    LogEntry.Action.DELETE: _("Xóa"),
    LogEntry.Action.ACCESS: _("Xem"),
}


@dataclass
class RoleRow:
    """A body (or a group) named on the task, with its roles; a group with its members."""

    assignment: Assignment
    roles: list[str]
    is_lead: bool
    members: list[RoleRow] = field(default_factory=list)


@dataclass
class BodyWork:
    """One assignment's periods, each with its status as of the date."""

    assignment: Assignment
    is_lead: bool
    rows: list[tuple[Occurrence, object]]


@dataclass
class AuditRow:
    what: str
    at: object
    actor: str
    action: str
    changes: list[tuple[str, str, str]]
    via: str = ""  # through what ("khóa API td_ab12cd34")
    address: str = ""  # from where


TASK_RELATIONS = (
    "program",
    "section",
    "lead",
    "added_in",
    "changed_in",
    "withdrawn_in",
    "parent_task__program",
)


@member_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Task.objects.select_related(*TASK_RELATIONS), pk=pk)
    check(request.user, Action.VIEW_TASK, found)
    return render(request, "web/task.html", task_context(request, found))


def task_context(request: HttpRequest, found: Task, **extra) -> dict:
    """What the task page shows (``task.html``, and the block an amendment redraws:
    ``_task_amendable.html``), for the user asking, as of the day asked."""
    user = request.user
    day, error = as_of(request)
    assignments = list(
        found.assignments.select_related(
            "organization", "group", "via_group", "transferred_from__organization"
        ).order_by("pk")
    )
    return {
        "task": found,
        "as_of": day,
        "as_of_error": error,
        "breadcrumb": breadcrumb(found),
        "time_kind": TIME_KINDS.get(found.time_kind, found.time_kind),
        "roles": role_rows(found, assignments),
        "schedule": schedule(found),
        "work": body_work(user, found, assignments, day),
        "reports": reports(user, found),
        "extensions": list(
            visible_extensions(user)
            .filter(occurrence__assignment__task=found)
            .select_related("occurrence__assignment__organization", "requested_by", "decided_by")
            .order_by("requested_at", "pk")
        ),
        "history": history(user, found, assignments),
        "urge_bodies": urge_bodies(user, found, assignments),
        "lower_programs": list(
            found.lower_programs.select_related("issuer").order_by("date", "number")
        ),
        "lower_tasks": list(
            found.lower_tasks.filter(withdrawn_in__isnull=True)
            .select_related("program__issuer")
            .order_by("program__number", "position")
        ),
        **amending_context(user, found, assignments),
        **extra,
    }


def amending_context(user, task: Task, assignments: list[Assignment]) -> dict:
    """The amendments of the task (every member reads them: they are the program's text),
    and, for the office, what its forms offer: the bodies that owe work on it (the lead is
    chosen among them, or typed), the bodies it may remove (all but the lead)."""
    may = task.withdrawn_in_id is None and allows(user, Action.AMEND_PROGRAM, task)
    context = {"may_amend": may, "amendments": amendment_rows(task)}
    if may:
        active = [a for a in assignments if a.organization_id is not None and a.active_to is None]
        bodies = {a.organization_id: a.organization for a in active}
        context["lead_choices"] = sorted(
            {a.organization_id: a.organization for a in active if a.owes_work}.values(),
            key=lambda o: o.name_key,
        )
        context["removable"] = sorted(
            (o for pk, o in bodies.items() if pk != task.lead_id), key=lambda o: o.name_key
        )
        context["today"] = timezone.localdate()
    return context


CHANGE_FIELDS = {
    "lead": _("Cơ quan chủ trì"),
    "coordinators": _("Cơ quan cùng thực hiện"),
    "time": _("Thời gian"),
    "text": _("Nội dung"),
    "added": _("Thêm nhiệm vụ"),
    "withdrawn": _("Bãi bỏ nhiệm vụ"),
}


@dataclass
class AmendmentRow:
    """One version of the program that touched the task, with its lines about it."""

    version: object
    lines: list[dict]


def change_lines(changes: list[dict]) -> list[dict]:
    """A version's changes as a page shows them: the field's name, before → after, and for
    the bodies the ones added and removed."""
    return [
        {
            **c,
            "label": str(CHANGE_FIELDS.get(c.get("field"), c.get("field", ""))),
            "before": c.get("before") or "—",
            "after": c.get("after") or "—",
        }
        for c in changes
    ]


def amendment_rows(task: Task) -> list[AmendmentRow]:
    return [
        AmendmentRow(version=version, lines=change_lines(lines))
        for version, lines in office_versions_of(task)
    ]


@member_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, for those the permission policy lets see it (``open_file`` asks)."""
    evidence = get_object_or_404(
        EvidenceFile.objects.select_related("report__occurrence__assignment__task"), pk=pk
    )
    handle, content_type, name = open_file(user=request.user, evidence=evidence)
    return FileResponse(handle, content_type=content_type, as_attachment=True, filename=name)


def breadcrumb(task: Task) -> list[Section]:
    """The task's section and those above it, top first."""
    if task.section_id is None:
        return []
    by_pk = {s.pk: s for s in Section.objects.filter(program_id=task.program_id)}
    chain, at, seen = [], task.section_id, set()
    while at is not None and at in by_pk and at not in seen:
        seen.add(at)
        chain.append(by_pk[at])
        at = by_pk[at].parent_id
    return chain[::-1]


def role_rows(task: Task, assignments: list[Assignment]) -> list[RoleRow]:
    """The bodies the document names, in its order; a group's members under the group.
    The document's text, so every member sees it (``VIEW_TASK``)."""

    def row(a: Assignment) -> RoleRow:
        return RoleRow(
            assignment=a,
            roles=[str(ROLE_LABELS[r]) for r in a.roles],
            is_lead=a.organization_id is not None and a.organization_id == task.lead_id,
        )

    groups = {a.group_id: row(a) for a in assignments if a.organization_id is None}
    rows: list[RoleRow] = []
    for a in assignments:
        if a.organization_id is None:
            rows.append(groups[a.group_id])
        elif a.via_group_id in groups:
            groups[a.via_group_id].members.append(row(a))
        else:
            rows.append(row(a))
    return rows


def schedule(task: Task) -> list[dict]:
    """The periods the task's time gives, once each whoever owes them."""
    seen: dict[tuple, dict] = {}
    periods = (
        Occurrence.objects.filter(assignment__task=task)
        .exclude(status=Occurrence.Status.WITHDRAWN)
        .values("label", "due_date", "period_start", "scope", "source")
        .order_by("due_date", "label")
    )
    for period in periods:
        seen.setdefault((period["label"], period["due_date"], period["scope"]), period)
    return list(seen.values())


def body_work(user, task: Task, assignments: list[Assignment], day) -> list[BodyWork]:
    """Each visible assignment's periods with their status as of ``day``, the lead first."""
    occurrences = list(
        visible_occurrences(user)
        .filter(assignment__task=task, assignment__organization__isnull=False)
        .select_related("assignment__task", "assignment__organization")
        .order_by("due_date", "pk")
    )
    found = statuses(occurrences, as_of=day)
    by_assignment: dict[int, list] = defaultdict(list)
    for occurrence in occurrences:
        by_assignment[occurrence.assignment_id].append((occurrence, found[occurrence.pk]))
    work = [
        BodyWork(
            assignment=a,
            is_lead=a.organization_id == task.lead_id,
            rows=by_assignment[a.pk],
        )
        for a in assignments
        if a.pk in by_assignment
    ]
    work.sort(key=lambda w: (not w.is_lead, w.assignment.organization.name_key))
    return work


def reports(user, task: Task) -> list:
    """The reports on the task the user may see, with their files and review history."""
    rows = list(
        visible_reports(user)
        .filter(occurrence__assignment__task=task)
        .select_related(
            "organization", "occurrence__assignment__task", "occurrence__assignment__organization"
        )
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=ReportRevision.objects.select_related("by").order_by("version"),
            ),
            "files",
        )
        .order_by("occurrence__due_date", "organization__name", "pk")
    )
    for report in rows:
        report.may_download = allows(user, Action.VIEW_EVIDENCE_FILE, report)
        report.history = [
            {
                "revision": revision,
                "action": REVISION_ACTIONS.get(revision.action, revision.action),
                "comment": (revision.data or {}).get("review_comment", ""),
                "via": acting.label(revision.via),
            }
            for revision in report.revisions.all()
        ]
    return rows


def history(user, task: Task, assignments: list[Assignment]) -> list[AuditRow] | None:
    """The recorded changes of the task and of the assignments the user may see; None when
    the user may not see the task's history."""
    if not allows(user, Action.VIEW_AUDIT, task):
        return None
    entries = [(_("Nhiệm vụ"), e) for e in audit.history(task).select_related("actor")]
    shown = {a.pk: a for a in assignments if allows(user, Action.VIEW_AUDIT, a)}
    if shown:
        for entry in (
            LogEntry.objects.get_for_objects(Assignment.objects.filter(pk__in=shown))
            .select_related("actor")
            .order_by("timestamp", "pk")
        ):
            a = shown.get(int(entry.object_pk)) if str(entry.object_pk).isdigit() else None
            who = (a.organization or a.group) if a is not None else entry.object_repr
            entries.append((_("Phân công: %(body)s") % {"body": who}, entry))
    entries.sort(key=lambda pair: (pair[1].timestamp, pair[1].pk))
    rows = [_audit_row(str(what), entry) for what, entry in entries]
    rows += [_urging_row(urging) for urging in urgings_of_task(task)]
    rows.sort(key=lambda row: row.at)
    return rows


def _urging_row(urging) -> AuditRow:
    """An urging that named the task, as a line of its history."""
    by = urging.by.get_full_name() or urging.by.get_username() if urging.by else _("hệ thống")
    return AuditRow(
        what=str(_("Đôn đốc: %(body)s") % {"body": urging.organization.name}),
        at=urging.created_at,
        actor=by,
        action=str(_("Đôn đốc")),
        changes=[(str(_("Lời nhắn")), "", urging.message)] if urging.message else [],
    )


def urge_bodies(user, task: Task, assignments: list[Assignment]) -> list[tuple]:
    """The bodies with overdue or soon-due work on the task that the user may urge, with how
    many periods: the task page's urge buttons. Nothing for whoever may not urge."""
    if task.withdrawn_in_id is not None or not allows(user, Action.URGE):
        return []
    counts = urgeable_bodies(user, task)
    bodies = {a.organization_id: a.organization for a in assignments if a.organization_id}
    return sorted(
        ((bodies[pk], n) for pk, n in counts.items() if pk in bodies),
        key=lambda pair: pair[0].name_key,
    )


def _audit_row(what: str, entry: LogEntry) -> AuditRow:
    via, address = audit.channel(entry)
    return AuditRow(
        what=what,
        at=entry.timestamp,
        actor=str(entry.actor) if entry.actor is not None else str(_("hệ thống")),
        action=str(AUDIT_ACTIONS.get(entry.action, entry.action)),
        # A creation records every field as imported, all of it on this page already.
        changes=[]
        if entry.action == LogEntry.Action.CREATE
        else [
            (str(label), _value(values, 0), _value(values, 1))
            for label, values in entry.changes_display_dict.items()
        ],
        via=via,
        address=address,
    )


def _value(values, index: int) -> str:
    try:
        text = str(values[index])
    except (IndexError, KeyError, TypeError):
        return ""
    return "—" if text in ("None", "") else text

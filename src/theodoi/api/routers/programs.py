"""Chương trình, mục, nhiệm vụ, phân công, kỳ thực hiện, cơ quan: the read side of the API,
and the office's amendments of a program (a task changed, withdrawn or added, through
``theodoi.programs.amendments`` as on the task page: 403 with the policy's message, 422 with
the service's).

Thin endpoints: rows come from the permission policy's ``visible_*`` querysets (or a
``check`` on one object), filters from ``theodoi.programs.search`` and
``theodoi.tracking.search`` (as the web's search page), statuses from
``theodoi.tracking.status``. Another body's assignment or occurrence asked by id is refused
(403) with the policy's own message; a row that does not exist is 404."""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status as Answer

from theodoi.orgs.models import Organization, Reorganization
from theodoi.parsing.text import fold
from theodoi.programs import amendments, life
from theodoi.programs.amendments import AmendmentError
from theodoi.programs.models import (
    Assignment,
    Occurrence,
    Program,
    ProgramVersion,
    Section,
    Task,
)
from theodoi.programs.search import Criteria, section_and_below, text_condition
from theodoi.tracking.policy import (
    Action,
    actor_of,
    check,
    refusal,
    visible_assignments,
    visible_occurrences,
)
from theodoi.tracking.search import find_occurrences, judge
from theodoi.tracking.status import OccurrenceStatus, occurrence_status

from ..paging import Page, Shaped
from ..schemas import (
    AmendmentOut,
    AssignmentOut,
    Day,
    InvalidInput,
    OccurrenceOut,
    OrganizationDetail,
    OrganizationOut,
    OrgRef,
    Problem,
    ProgramDetail,
    ProgramLifeIn,
    ProgramOut,
    SectionTree,
    TaskAddIn,
    TaskAmendIn,
    TaskDetail,
    TaskOut,
    TaskWithdrawIn,
    VersionDetail,
)

router = Router(tags=["programs"])

ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: InvalidInput, 429: Problem}
LIST_ERRORS = {401: Problem, 403: Problem, 422: InvalidInput, 429: Problem}

Role = Literal["leads", "coordinates", "advises", "implements", "directs", "issues"]
StatusFilter = Literal[
    "done_on_time",
    "done_late",
    "open_in_time",
    "open_overdue",
    "no_deadline",
    "withdrawn",
    "due_soon",
    "no_deadline_reported",
    "no_deadline_unreported",
]
TimeKind = Literal["deadline", "recurring", "continuous", "ongoing", "compound", "unknown"]

ROLE = Query(None, description="with organization: that body's role (else any body's)")
AS_OF = Query(None, description="the day statuses are judged at (ISO 8601); today if absent")
STATUS = Query(None, description="a status bucket as of as_of, or due_soon")
DUE_FROM = Query(None, description="due on or after (the due date after extensions)")
DUE_TO = Query(None, description="due on or before (the due date after extensions)")


# --- Shared checks ---------------------------------------------------------------------------


def _member(request: HttpRequest) -> None:
    """The caller acts as a body and role (a session without one may do nothing)."""
    if actor_of(request.user) is None:
        raise PermissionDenied(refusal(request.user, Action.VIEW_PROGRAM))


def _day(value: dt.date | None) -> dt.date:
    """The day asked for (its years checked by ``Day``), today by default."""
    return value or timezone.localdate()


def _program(pk: int | None) -> Program | None:
    if pk is None:
        return None
    found = Program.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError(_("program: không có chương trình số %(pk)s.") % {"pk": pk})
    return found


def _area(pk: int | None, program: Program | None) -> Section | None:
    if pk is None:
        return None
    found = Section.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError(_("section: không có mục số %(pk)s.") % {"pk": pk})
    if program is not None and found.program_id != program.pk:
        raise ValidationError(_("section: mục này không thuộc chương trình đã chọn."))
    return found


def _body(code: str | None) -> Organization | None:
    if not code:
        return None
    found = Organization.objects.filter(code=code).first()
    if found is None:
        raise ValidationError(_("organization: không có cơ quan mã “%(code)s”.") % {"code": code})
    return found


def _due_range(due_from: dt.date | None, due_to: dt.date | None) -> None:
    if due_from and due_to and due_from > due_to:
        raise ValidationError(_("due_to: ngày cuối phải sau ngày đầu (due_from)."))


def _org_ref(org: Organization | None) -> dict | None:
    return {"code": org.code, "name": org.name} if org is not None else None


# --- Programs ------------------------------------------------------------------------------


def _programs() -> QuerySet[Program]:
    return Program.objects.select_related("issuer").annotate(
        task_count=Count("tasks", filter=Q(tasks__withdrawn_in__isnull=True))
    )


@router.get("/programs", response={200: list[ProgramOut], **LIST_ERRORS})
@paginate(Page)
def list_programs(request: HttpRequest, q: str | None = Query(None, max_length=300)):
    """The programs, newest first (a leader's personal plan's own program is reached through
    the plan, as on the web). ``q`` finds words of the title or the number, without
    diacritics."""
    _member(request)
    rows = _programs().filter(personal_plan__isnull=True).order_by("-date", "-pk")
    if q and q.strip():
        rows = rows.filter(
            Q(pk__in=[p.pk for p in Program.objects.only("pk", "title", "number") if _has(p, q)])
        )
    return rows


def _has(program: Program, q: str) -> bool:
    folded = fold(q).strip()
    return folded in fold(program.title) or folded in fold(program.number)


@router.get("/programs/{int:program_id}", response={200: ProgramDetail, **ERRORS})
def get_program(request: HttpRequest, program_id: int):
    """One program, with what its document says about itself and its imported versions."""
    program = get_object_or_404(_programs().prefetch_related("versions"), pk=program_id)
    check(request.user, Action.VIEW_PROGRAM, program)
    program.signer = {str(k): (None if v is None else str(v)) for k, v in program.signer.items()}
    program.recipients = [str(r) for r in program.recipients]
    return program


@router.post("/programs/{int:program_id}/life", response={200: ProgramOut, **ERRORS})
def program_life(request: HttpRequest, program_id: int, payload: ProgramLifeIn):
    """Finish a program (``on``: its last day; default its term's end), replace it by another
    (``by``; ``on`` default the day before the other's issue) or put it back in force. A
    finished program's figures are judged as of its end."""
    program = get_object_or_404(_programs(), pk=program_id)
    try:
        if payload.action == "finish":
            life.finish_program(user=request.user, program=program, on=payload.on)
        elif payload.action == "replace":
            by = Program.objects.filter(pk=payload.by).first() if payload.by else None
            if by is None:
                raise life.LifeError(_("Ghi chương trình thay thế (by)."))
            life.replace_program(user=request.user, program=program, by=by, on=payload.on)
        else:
            life.reopen_program(user=request.user, program=program)
    except life.LifeError as exc:
        raise HttpError(422, str(exc)) from None
    return get_object_or_404(_programs(), pk=program_id)


@router.get("/programs/{int:program_id}/sections", response={200: SectionTree, **ERRORS})
def program_sections(request: HttpRequest, program_id: int):
    """The program's tree: sections in document order, each with its tasks and the sections
    below it (two queries whatever the size)."""
    program = get_object_or_404(Program, pk=program_id)
    check(request.user, Action.VIEW_PROGRAM, program)
    sections = list(Section.objects.filter(program=program).order_by("position", "pk"))
    tasks = Task.objects.filter(program=program).only(
        "pk", "key", "text", "section_id", "withdrawn_in_id", "position"
    )
    nodes = {s.pk: {"id": s.pk, "number": s.number, "title": s.title, "tasks": [],
                    "children": []} for s in sections}  # fmt: skip
    loose = []
    for task in tasks.order_by("position", "pk"):
        ref = {"id": task.pk, "key": task.key, "text": task.text,
               "withdrawn": task.withdrawn_in_id is not None}  # fmt: skip
        (nodes[task.section_id]["tasks"] if task.section_id in nodes else loose).append(ref)
    top = []
    for s in sections:
        parent = nodes.get(s.parent_id)
        (parent["children"] if parent is not None else top).append(nodes[s.pk])
    return {"program_id": program.pk, "sections": top, "loose_tasks": loose}


# --- Tasks ---------------------------------------------------------------------------------


def _task_out(task: Task) -> dict:
    return {
        "id": task.pk,
        "program_id": task.program_id,
        "section": task.section.number if task.section_id else None,
        "key": task.key,
        "text": task.text,
        "time_text": task.time_text,
        "time_kind": task.time_kind,
        "needs_time": task.needs_time,
        "lead": _org_ref(task.lead),
        "needs_lead": task.needs_lead,
        "product": task.product,
        "withdrawn": task.withdrawn_in_id is not None,
        "parent_task_id": task.parent_task_id,
    }


@router.get("/tasks", response={200: list[TaskOut], **LIST_ERRORS})
@paginate(Page)
def list_tasks(
    request: HttpRequest,
    program: int | None = None,
    section: int | None = Query(None, description="a section id: tasks in it and below it"),
    organization: str | None = Query(None, max_length=120, description="a body's code"),
    role: Role | None = ROLE,
    q: str | None = Query(None, max_length=300, description="text, without diacritics"),
    time_kind: TimeKind | None = None,
    withdrawn: bool | None = Query(None, description="false: tasks still asked for"),
):
    """Tasks in document order. ``organization`` and ``role`` select the tasks on which the
    caller may see that body's assignment (a body's head and staff: their own)."""
    _member(request)
    chosen = _program(program)
    area = _area(section, chosen)
    body = _body(organization)
    rows = Task.objects.select_related("section", "lead").defer("text_key", "milestones")
    if chosen is not None:
        rows = rows.filter(program=chosen)
    if area is not None:
        rows = rows.filter(section_id__in=section_and_below(area))
    if body is not None or role:
        mine = visible_assignments(request.user)
        if body is not None:
            mine = mine.filter(organization=body)
        if role:
            mine = mine.filter(**{role: True})
        rows = rows.filter(pk__in=mine.values("task"))
    if q and q.strip():
        rows = rows.filter(text_condition(q))
    if time_kind:
        rows = rows.filter(time_kind=time_kind)
    if withdrawn is not None:
        rows = rows.filter(withdrawn_in__isnull=not withdrawn)
    rows = rows.order_by("program_id", "position", "pk")
    return Shaped(rows, lambda page: [_task_out(t) for t in page])


@router.get("/tasks/{int:task_id}", response={200: TaskDetail, **ERRORS})
def get_task(request: HttpRequest, task_id: int):
    """One task, with its time as the parser read it and the assignments the caller may see
    (their bodies and roles)."""
    task = get_object_or_404(Task.objects.select_related("section", "lead"), pk=task_id)
    check(request.user, Action.VIEW_TASK, task)
    assignments = _assignments(visible_assignments(request.user).filter(task=task))
    return {
        **_task_out(task),
        "time": task.time or {},
        "milestones": task.milestones or [],
        "assignments": [_assignment_out(a) for a in assignments.order_by("pk")],
    }


# --- Office amendments: the write side of a program ------------------------------------------


WRITE_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: InvalidInput, 429: Problem}


def _amended(version: ProgramVersion, task_id: int) -> dict:
    task = Task.objects.select_related("section", "lead").get(pk=task_id)
    return {"version": version, "task": _task_out(task)}


def _refused(exc: AmendmentError) -> HttpError:
    return HttpError(422, str(exc))


@router.patch("/tasks/{int:task_id}", response={200: AmendmentOut, **WRITE_ERRORS})
def amend_task(request: HttpRequest, task_id: int, payload: TaskAmendIn):
    """Change a tracked task (the office): its lead (a body not yet on it is added), the
    coordinating bodies added or removed, its time as a document writes it, its text. One
    new version of the program with the diff; periods change from today on
    (docs/amendments.md). ``reason`` is required; what is left out stays."""
    task = get_object_or_404(Task, pk=task_id)
    check(request.user, Action.AMEND_PROGRAM, task)
    try:
        version = amendments.amend_task(
            user=request.user, task=task, reason=payload.reason, lead=payload.lead,
            add_coordinators=payload.add_coordinators, remove_bodies=payload.remove,
            time_text=payload.time, text=payload.text,
        )  # fmt: skip
    except AmendmentError as exc:
        raise _refused(exc) from None
    return _amended(version, task.pk)


@router.post("/tasks/{int:task_id}/withdraw", response={200: AmendmentOut, **WRITE_ERRORS})
def withdraw_task(request: HttpRequest, task_id: int, payload: TaskWithdrawIn):
    """Withdraw a task (bãi bỏ): kept with its history and reports, its open periods no longer
    owed from today; a new version of the program."""
    task = get_object_or_404(Task, pk=task_id)
    check(request.user, Action.AMEND_PROGRAM, task)
    try:
        version = amendments.withdraw_task(user=request.user, task=task, reason=payload.reason)
    except AmendmentError as exc:
        raise _refused(exc) from None
    return _amended(version, task.pk)


@router.post("/programs/{int:program_id}/tasks", response={201: AmendmentOut, **WRITE_ERRORS})
def add_task(request: HttpRequest, program_id: int, payload: TaskAddIn):
    """Add a task the document forgot, in a section, with its lead, coordinating bodies and
    time; its bodies owe the periods due from today on. A new version of the program."""
    program = get_object_or_404(Program, pk=program_id)
    check(request.user, Action.AMEND_PROGRAM, program)
    try:
        task = amendments.add_task(
            user=request.user, program=program, reason=payload.reason,
            section=payload.section, text=payload.text, lead=payload.lead,
            coordinators=payload.coordinators, time_text=payload.time,
        )  # fmt: skip
    except AmendmentError as exc:
        raise _refused(exc) from None
    return Answer(201, _amended(task.added_in, task.pk))


@router.get("/programs/{int:program_id}/versions", response={200: list[VersionDetail], **ERRORS})
def program_versions(request: HttpRequest, program_id: int):
    """The program's versions, oldest first: each document imported and each change the office
    made, with who, when, why and (for the office's) the diff."""
    program = get_object_or_404(Program, pk=program_id)
    check(request.user, Action.VIEW_PROGRAM, program)
    return list(program.versions.select_related("author").order_by("number"))


# --- Assignments ---------------------------------------------------------------------------


def _assignments(rows: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return rows.select_related("organization", "group", "via_group")


def _assignment_out(a: Assignment) -> dict:
    group = {"code": a.group.code, "name": a.group.name} if a.group_id else None
    via = {"code": a.via_group.code, "name": a.via_group.name} if a.via_group_id else None
    return {
        "id": a.pk,
        "task_id": a.task_id,
        "organization": _org_ref(a.organization),
        "group": group,
        "via_group": via,
        "written": a.written,
        "roles": a.roles,
        "inferred": a.inferred,
        "active_from": a.active_from,
        "active_to": a.active_to,
        "transferred_from_id": a.transferred_from_id,
    }


@router.get("/assignments", response={200: list[AssignmentOut], **LIST_ERRORS})
@paginate(Page)
def list_assignments(
    request: HttpRequest,
    program: int | None = None,
    task: int | None = None,
    organization: str | None = Query(None, max_length=120, description="a body's code"),
    role: Role | None = None,
):
    """The assignments the caller may see (a body's head and staff: their own body's)."""
    _member(request)
    chosen = _program(program)
    body = _body(organization)
    rows = _assignments(visible_assignments(request.user))
    if chosen is not None:
        rows = rows.filter(task__program=chosen)
    if task is not None:
        rows = rows.filter(task_id=task)
    if body is not None:
        rows = rows.filter(organization=body)
    if role:
        rows = rows.filter(**{role: True})
    rows = rows.order_by("task__program_id", "task__position", "pk")
    return Shaped(rows, lambda page: [_assignment_out(a) for a in page])


@router.get("/assignments/{int:assignment_id}", response={200: AssignmentOut, **ERRORS})
def get_assignment(request: HttpRequest, assignment_id: int):
    assignment = get_object_or_404(_assignments(Assignment.objects.all()), pk=assignment_id)
    check(request.user, Action.VIEW_ASSIGNMENT, assignment)
    return _assignment_out(assignment)


# --- Occurrences ---------------------------------------------------------------------------


def _occurrence_out(o: Occurrence, state: OccurrenceStatus, day: dt.date) -> dict:
    assignment = o.assignment
    return {
        "id": o.pk,
        "assignment_id": o.assignment_id,
        "task_id": assignment.task_id,
        "task_key": assignment.task.key,
        "program_id": assignment.task.program_id,
        "organization": _org_ref(assignment.organization),
        "period_start": o.period_start,
        "due_date": o.due_date,
        "label": o.label,
        "source": o.source,
        "scope": o.scope,
        "state": o.status,
        "withdrawn_on": o.withdrawn_on,
        "status": {
            "as_of": day,
            "bucket": state.bucket,
            "label": _(state.label),
            "workflow": state.workflow,
            "workflow_label": _(state.workflow_label),
            "due": state.due,
            "original_due": state.original_due,
            "done_on": state.done_on,
            "due_soon": state.due_soon,
            "reported": state.reported,
        },
    }


@router.get("/occurrences", response={200: list[OccurrenceOut], **LIST_ERRORS})
@paginate(Page)
def list_occurrences(
    request: HttpRequest,
    as_of: Day | None = AS_OF,
    program: int | None = None,
    section: int | None = Query(None, description="a section id: it and the ones below"),
    task: int | None = None,
    assignment: int | None = None,
    organization: str | None = Query(None, max_length=120, description="a body's code"),
    role: Role | None = None,
    status: StatusFilter | None = STATUS,
    due_from: Day | None = DUE_FROM,
    due_to: Day | None = DUE_TO,
    q: str | None = Query(None, max_length=300, description="task text, without diacritics"),
):
    """The dated occurrences the caller may see, by due date, each with its status as of
    ``as_of``: the same rows and statuses as the web's search page for the same filters."""
    _member(request)
    day = _day(as_of)
    _due_range(due_from, due_to)
    chosen = _program(program)
    criteria = Criteria(
        text=q or "",
        program=chosen,
        area=_area(section, chosen),
        body=_body(organization),
        role=role,
        due_from=due_from,
        due_to=due_to,
    )
    rows = visible_occurrences(request.user).filter(assignment__organization__isnull=False)
    if task is not None:
        rows = rows.filter(assignment__task_id=task)
    if assignment is not None:
        rows = rows.filter(assignment_id=assignment)
    found, judged = find_occurrences(rows, criteria, status=status, as_of=day)

    def shape(page: list[Occurrence]) -> list[dict]:
        states = judge(page, judged, as_of=day)
        return [_occurrence_out(o, states[o.pk], day) for o in page]

    return Shaped(found, shape)


@router.get("/occurrences/{int:occurrence_id}", response={200: OccurrenceOut, **ERRORS})
def get_occurrence(
    request: HttpRequest,
    occurrence_id: int,
    as_of: Day | None = AS_OF,
):
    """One occurrence with its status as of ``as_of``."""
    day = _day(as_of)
    occurrence = get_object_or_404(
        Occurrence.objects.select_related("assignment__task", "assignment__organization"),
        pk=occurrence_id,
    )
    check(request.user, Action.VIEW_OCCURRENCE, occurrence)
    return _occurrence_out(occurrence, occurrence_status(occurrence, as_of=day), day)


# --- Organisations ---------------------------------------------------------------------------


@router.get("/organizations", response={200: list[OrganizationOut], **LIST_ERRORS})
@paginate(Page)
def list_organizations(
    request: HttpRequest,
    q: str | None = Query(None, max_length=300, description="name or alias, no diacritics"),
    level: Literal["central", "province", "district", "commune"] | None = None,
    kind: str | None = Query(None, max_length=40),
    unresolved: bool | None = Query(None, description="true: names awaiting a person"),
):
    """The registry of bodies (open to every member), by name."""
    _member(request)
    rows = Organization.objects.select_related("parent")
    if q and q.strip():
        key = fold(q).strip()
        rows = rows.filter(
            Q(name_key__contains=key) | Q(aliases__key__contains=key) | Q(code__iexact=q.strip())
        ).distinct()
    if level:
        rows = rows.filter(level=level)
    if kind:
        rows = rows.filter(kind=kind)
    if unresolved is not None:
        rows = rows.filter(unresolved=unresolved)
    return Shaped(rows.order_by("name_key", "pk"), lambda page: [_org_out(o) for o in page])


def _org_out(org: Organization) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "full_name": org.full_name,
        "short_name": org.short_name,
        "kind": org.kind,
        "level": org.level,
        "parent": org.parent.code if org.parent_id else None,
        "valid_from": org.valid_from,
        "valid_to": org.valid_to,
        "unresolved": org.unresolved,
    }


@router.get("/organizations/{code}", response={200: OrganizationDetail, **ERRORS})
def get_organization(request: HttpRequest, code: str):
    """One body, with its other names, its groups, the bodies under it and the
    reorganisations that passed its work on (successors) or made it (predecessors)."""
    _member(request)
    org = get_object_or_404(
        Organization.objects.select_related("parent").prefetch_related(
            "aliases",
            "org_groups",
            "children",
            Prefetch("reorganized_in", Reorganization.objects.prefetch_related("successors")),
            Prefetch("created_by", Reorganization.objects.prefetch_related("predecessors")),
        ),
        code=code,
    )
    return {
        **_org_out(org),
        "aliases": sorted(a.name for a in org.aliases.all()),
        "groups": [{"code": g.code, "name": g.name} for g in org.org_groups.all()],
        "children": [_org_ref(c) for c in org.children.all()],
        "successors": [_succession(r, r.successors.all()) for r in org.reorganized_in.all()],
        "predecessors": [_succession(r, r.predecessors.all()) for r in org.created_by.all()],
    }


def _succession(reorganization: Reorganization, others) -> dict:
    return {
        "kind": reorganization.kind,
        "effective": reorganization.effective,
        "basis": reorganization.basis,
        "organizations": [OrgRef(code=o.code, name=o.name) for o in others],
    }

"""The office amending a tracked program from its pages: on the task page, the lead, the
bodies, the time and the text of a task, or its withdrawal; on the program's pages, a task
added and the list of versions with what each changed.

Every form posts to one service (``theodoi.programs.amendments``) and needs a reason. With
htmx the task's block (notices, text, time, roles, forms, amendments) is redrawn in place,
with the periods; without JavaScript the same forms post and come back to the task page.
Only those the policy lets amend (``AMEND_PROGRAM``) are offered the forms; anyone else's
POST is refused (403) before anything is read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from theodoi.orgs.choose import find_bodies
from theodoi.programs import amendments
from theodoi.programs.amendments import AmendmentError
from theodoi.programs.models import Program, ProgramVersion, Section, Task
from theodoi.tracking.policy import Action, allows, check

from .common import member_required
from .task import TASK_RELATIONS, TIME_KINDS, change_lines, task_context

CHANGES = ("lead", "bodies", "time", "text", "withdraw")


def _task(request: HttpRequest, pk: int) -> Task:
    found = get_object_or_404(Task.objects.select_related(*TASK_RELATIONS), pk=pk)
    check(request.user, Action.AMEND_PROGRAM, found)
    return found


def _codes(request: HttpRequest, name: str) -> list[str]:
    return [v.strip() for v in request.POST.getlist(name) if v.strip()]


def _apply(request: HttpRequest, task: Task, change: str) -> ProgramVersion:
    """The form's change, through the service."""
    data, user = request.POST, request.user
    reason = data.get("reason", "")
    if change == "withdraw":
        return amendments.withdraw_task(user=user, task=task, reason=reason)
    if change == "lead":
        chosen = data.get("lead_other", "").strip() or data.get("lead", "").strip()
        if not chosen:
            raise AmendmentError(_("Cần chọn cơ quan chủ trì."))
        return amendments.amend_task(user=user, task=task, reason=reason, lead=chosen)
    if change == "bodies":
        return amendments.amend_task(
            user=user, task=task, reason=reason,
            add_coordinators=_codes(request, "add"), remove_bodies=_codes(request, "remove"),
        )  # fmt: skip
    if change == "time":
        return amendments.amend_task(
            user=user, task=task, reason=reason, time_text=data.get("time", "")
        )
    return amendments.amend_task(user=user, task=task, reason=reason, text=data.get("text", ""))


@member_required
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    """One change to the task (the form's ``change``: lead, bodies, time, text, withdraw)."""
    task = _task(request, pk)
    change = request.POST.get("change", "")
    try:
        if change not in CHANGES:
            raise AmendmentError(_("Không rõ cần sửa gì: hãy dùng một trong các mẫu trên trang."))
        version = _apply(request, task, change)
    except AmendmentError as exc:
        if request.htmx:
            return _block(request, pk, amend_form=change, amend_error=str(exc),
                          amend_values=request.POST)  # fmt: skip
        messages.error(request, str(exc))
        return redirect(f"{reverse('web:task', args=[pk])}#amend-{change}")
    notice = _("Đã lưu: lần điều chỉnh thứ %(number)s của chương trình.") % {
        "number": version.number
    }
    if request.htmx:
        return _block(request, pk, amend_notice=notice)
    messages.success(request, notice)
    return redirect(f"{reverse('web:task', args=[pk])}#amend")


def _block(request: HttpRequest, pk: int, **extra) -> HttpResponse:
    """The task's amendable block, and its periods (swapped out of band), as they now are."""
    task = get_object_or_404(Task.objects.select_related(*TASK_RELATIONS), pk=pk)
    context = task_context(request, task, oob=True, **extra)
    return render(request, "web/_task_amendable.html", context)


@member_required
@require_GET
def time_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the time typed gives, before it is saved: its kind and its periods from today on
    (the time form asks as one types)."""
    task = _task(request, pk)
    typed = request.GET.get("time", "")
    context = {"typed": typed, "today": timezone.localdate()}
    if typed.strip():
        try:
            spec, periods = amendments.read_time(task.program, typed)
            context.update(kind=TIME_KINDS.get(spec.kind, spec.kind), periods=periods)
        except AmendmentError as exc:
            context["error"] = str(exc)
    return render(request, "web/_task_amend_preview.html", context)


@member_required
@require_GET
def body_choices(request: HttpRequest) -> HttpResponse:
    """The registry bodies matching what is typed, as the options of a form's list."""
    if not allows(request.user, Action.AMEND_PROGRAM):
        raise PermissionDenied(_("Bạn không có quyền sửa nhiệm vụ của chương trình."))
    # The field that asks sends its own name (lead_other, add, lead, coordinators).
    typed = next((v for v in request.GET.values() if v.strip()), "")
    bodies = find_bodies(typed, limit=30)
    return render(request, "web/_task_amend_bodies.html", {"bodies": bodies})


@member_required
def add_task(request: HttpRequest, pk: int) -> HttpResponse:
    """A task the document forgot: the form (GET) and its saving (POST), then its page."""
    program = get_object_or_404(Program, pk=pk)
    check(request.user, Action.AMEND_PROGRAM, program)
    values = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        try:
            added = amendments.add_task(
                user=request.user, program=program, reason=values.get("reason", ""),
                section=values.get("section", ""), text=values.get("text", ""),
                lead=values.get("lead", ""), coordinators=_codes(request, "coordinators"),
                time_text=values.get("time", ""),
            )  # fmt: skip
        except AmendmentError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Đã thêm nhiệm vụ %(key)s: lần điều chỉnh thứ %(number)s của chương trình.")
                % {"key": added.key, "number": added.added_in.number},
            )
            return redirect("web:task", added.pk)
    sections = list(Section.objects.filter(program=program).order_by("position"))
    return render(
        request,
        "web/task_add.html",
        {
            "program": program,
            "sections": sections,
            "values": values,
            "error": error,
            "today": timezone.localdate(),
        },
        status=422 if error else 200,
    )


@member_required
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of the program, newest first: the documents imported and the office's
    changes, each with who, when, why and what changed (before → after)."""
    program = get_object_or_404(Program, pk=pk)
    check(request.user, Action.VIEW_PROGRAM, program)
    rows = []
    for version in program.versions.select_related("author").order_by("-number"):
        rows.append({"version": version, "lines": change_lines(version.changes or [])})
    return render(
        request,
        "web/program_versions.html",
        {
            "program": program,
            "rows": rows,
            "may_amend": allows(request.user, Action.AMEND_PROGRAM, program),
        },
    )

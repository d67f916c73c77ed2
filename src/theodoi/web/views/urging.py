"""Đôn đốc from the web: the office urges a body (from the list of bodies, a body's page or a
task's page) in one click, sees what it urged, and downloads the letter. The views parse,
call ``theodoi.tracking.urging.urge`` and render; the rules are the service's."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from theodoi.orgs.models import Organization
from theodoi.programs.models import Task
from theodoi.reporting.urging_letter import letter_filename, render_urging_letter
from theodoi.tracking.models import Urging
from theodoi.tracking.policy import Action, check
from theodoi.tracking.urging import UrgingError, urge

from .common import member_required

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@member_required
@require_POST
def urge_body(request: HttpRequest, code: str) -> HttpResponse:
    body = get_object_or_404(Organization, code=code)
    task = None
    if request.POST.get("task", "").isdigit():
        task = get_object_or_404(Task, pk=int(request.POST["task"]))
    try:
        urging = urge(request.user, body, message=request.POST.get("message", ""), task=task)
    except UrgingError as error:
        messages.error(request, str(error))
        return redirect(_back(request, f"/organizations/{body.code}/"))
    messages.success(
        request, f"Đã đôn đốc {body.name} ({len(urging.items)} việc); cơ quan đã được thông báo."
    )
    return redirect("web:urging", pk=urging.pk)


def _urging(request: HttpRequest, pk: int) -> Urging:
    urging = get_object_or_404(Urging.objects.select_related("organization", "by"), pk=pk)
    check(request.user, Action.URGE, urging.organization)
    return urging


@member_required
@require_GET
def urging_page(request: HttpRequest, pk: int) -> HttpResponse:
    urging = _urging(request, pk)
    items = [{**i, "due_date": dt.date.fromisoformat(i["due"])} for i in urging.items]
    return render(request, "web/urging.html", {"urging": urging, "items": items})


@member_required
@require_GET
def urging_letter(request: HttpRequest, pk: int) -> HttpResponse:
    urging = _urging(request, pk)
    response = HttpResponse(render_urging_letter(urging), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(urging)}"'
    return response

"""Đôn đốc through the API: the office urges a body about its overdue and soon-due work and
fetches the letter. Thin as the other routers: the service (``theodoi.tracking.urging``)
asks the policy, records, tells the body; its Vietnamese messages come back as
``{"detail": "..."}`` (403 for the policy, 422 when there is nothing to urge)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status as Answer

from theodoi.orgs.models import Organization
from theodoi.programs.models import Task
from theodoi.reporting.urging_letter import letter_filename, render_urging_letter
from theodoi.tracking.models import Urging
from theodoi.tracking.policy import Action, check
from theodoi.tracking.urging import UrgingError, urge

from ..schemas import InvalidInput, Problem

router = Router(tags=["urgings"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class UrgeIn(Schema):
    message: str = ""
    task: int | None = None  # only this task's periods (from a task's page)


class UrgedItem(Schema):
    occurrence_id: int
    task_id: int
    task_key: str
    task_text: str
    label: str
    due: dt.date
    days_overdue: int


class UrgingOut(Schema):
    id: int
    organization: str  # the body's code
    made_on: dt.date
    message: str
    items: list[UrgedItem]
    letter: str  # where the letter (DOCX) is fetched


def _out(urging: Urging) -> dict:
    return {
        "id": urging.pk,
        "organization": urging.organization.code,
        "made_on": urging.made_on,
        "message": urging.message,
        "items": urging.items,
        "letter": reverse("api:urging_letter", args=[urging.pk]),
    }


@router.post(
    "/organizations/{code}/urgings",
    response={201: UrgingOut, 403: Problem, 404: Problem, 422: InvalidInput},
    url_name="urge",
)
def urge_body(request: HttpRequest, code: str, payload: UrgeIn):
    """Urge the body (đôn đốc): it is told at once; the letter lists its overdue work."""
    body = get_object_or_404(Organization, code=code)
    task = get_object_or_404(Task, pk=payload.task) if payload.task is not None else None
    try:
        urging = urge(request.user, body, message=payload.message, task=task)
    except UrgingError as error:
        raise HttpError(422, str(error)) from None
    return Answer(201, _out(urging))


@router.get("/urgings/{int:urging_id}/letter", response={403: Problem, 404: Problem},
            url_name="urging_letter")  # fmt: skip
def letter(request: HttpRequest, urging_id: int):
    """The urging as a letter in the office's administrative format (DOCX)."""
    urging = get_object_or_404(Urging.objects.select_related("organization", "by"), pk=urging_id)
    check(request.user, Action.URGE, urging.organization)
    response = HttpResponse(render_urging_letter(urging), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(urging)}"'
    return response

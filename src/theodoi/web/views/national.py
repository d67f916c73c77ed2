"""The overview of every top-level program (a country's provinces) as of a date."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from theodoi.tracking.national import national_overview

from .common import actor, as_of, member_required


@member_required
def national(request: HttpRequest) -> HttpResponse:
    if not actor(request).sees_everything:
        raise PermissionDenied(_("Trang tổng hợp dành cho Văn phòng và lãnh đạo."))
    day, error = as_of(request)
    rows, total = national_overview(as_of=day)
    return render(
        request,
        "web/national.html",
        {"as_of": day, "as_of_error": error, "rows": rows, "total": total},
    )

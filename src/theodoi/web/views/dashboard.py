"""The dashboard: where a program stands as of a date, for the office and the leaders."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from theodoi.programs.models import Program
from theodoi.tracking import rollup_cache
from theodoi.tracking.lineage import lower_levels, lower_programs, obligations
from theodoi.tracking.rollup import overview

from .common import actor, member_required, program_as_of

LISTED = 50  # overdue and upcoming rows shown; the search page lists the rest


@member_required
def home(request: HttpRequest) -> HttpResponse:
    """The office and leaders start on the dashboard; a body's people on their work list."""
    if actor(request).sees_everything:
        return redirect("web:dashboard")
    return redirect("web:my_work")


@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not actor(request).sees_everything:
        raise PermissionDenied(_("Trang tổng quan dành cho Văn phòng và lãnh đạo."))
    context = program_as_of(request)
    program, day = context["program"], context["as_of"]
    if program is not None:
        # The figures are the same for everyone who may see them: rendered once, kept until
        # the program's data (or its lower programs', or a body's name) changes.
        key = f"dashboard-v2|{program.pk}|{day}|{get_language()}"
        html = rollup_cache.cached_text(
            key, [rollup_cache.program_scope(program.pk)], lambda: _figures_html(program, day)
        )
        context["figures_html"] = mark_safe(html)  # our own template's output
    return render(request, "web/dashboard.html", context)


def _figures_html(program: Program, day: dt.date) -> str:
    figures = rollup_cache.cached("dashboard", program, day, lambda: figures_of(program, day))
    view = figures["view"]
    return render_to_string(
        "web/_dashboard_figures.html",
        {
            **figures,
            "program": program,
            "as_of": day,
            "overdue": view.overdue,
            "upcoming": view.upcoming,
            "quarter_chart": quarter_chart(view.by_quarter),
            "area_chart": area_chart(view.by_area),
        },
    )


def figures_of(program: Program, day: dt.date) -> dict:
    """What the dashboard shows of a program as of a day: computed once, then kept until its
    data (or its lower programs') changes (``tracking.rollup_cache``)."""
    children = lower_programs(program, as_of=day)
    return {
        "view": overview(program, as_of=day, listed=LISTED),
        "lower": lower_levels(program, as_of=day, children=children),
        "obligations": obligations(program, as_of=day, children=children),
    }


def quarter_chart(counts: list[tuple[str, int]], height: int = 120) -> dict:
    """Bars for due dates per quarter ("2021-Q2"), in SVG units, tallest = ``height``."""
    most = max((n for _key, n in counts), default=0)
    bars = []
    for i, (key, n) in enumerate(counts):
        h = round(n * height / most) if most else 0
        bars.append((key, n, 4 + i * 24, 20 + height - h, h))
    total = sum(n for _key, n in counts)
    return {"width": max(4 + len(counts) * 24, 100), "bars": bars, "sum": total}


def area_chart(rows: list, width: int = 400) -> dict:
    """Bars for the completion rate of each area, in SVG units (a rate of 100% = ``width``)."""
    bars = [
        (row, 4 + i * 20, round(row.tally.rate * width) if row.tally.rate is not None else 0)
        for i, row in enumerate(rows)
    ]
    return {"height": 8 + len(rows) * 20, "bars": bars}

"""Search and filters: the occurrences (and, for a text alone, the tasks) a person may see,
by text without diacritics, area, body, role, status as of a date, and due dates.

Every filter is a GET parameter, so a result is a link to share: ``q``, ``program`` (id),
``area`` (section id, with the sections below it), ``body`` (organisation code, or a name as
typed), ``role``, ``status`` (a status bucket, ``due_soon``, or the no-deadline periods
``no_deadline_reported`` / ``no_deadline_unreported``), ``due_from``/``due_to``
(yyyy-mm-dd or dd/mm/yyyy), ``as_of`` (the day statuses are judged at; today by default),
``page``.

The form stays small at a country's size: areas are those of the chosen program (or of the
top-level programs the picker lists), and bodies are a list only up to ``BODY_LIST_LIMIT``;
past that the body is typed, by code or name without diacritics.

The rows come from ``theodoi.tracking.search.find_occurrences``, as the API's occurrence list
does: the database filters, then statuses judged only when a status or due range is asked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from theodoi.inputs import InputError, read_day
from theodoi.orgs.models import Organization
from theodoi.parsing.text import fold
from theodoi.programs.models import Assignment, Occurrence, Program, Section, Task
from theodoi.programs.search import (
    ROLES,
    Criteria,
    match_span,
    matching_tasks,
)
from theodoi.tracking.policy import visible_occurrences
from theodoi.tracking.search import (
    DUE_SOON,
    NO_DEADLINE_REPORTED,
    NO_DEADLINE_UNREPORTED,
    STATUS_FILTER_LABELS,
    find_occurrences,
    judge,
)
from theodoi.tracking.status import BUCKET_LABELS, BUCKETS, DUE_SOON_LABEL

from .common import member_required, parse_day, picker_choices

NO_DEADLINE_FILTERS = (NO_DEADLINE_REPORTED, NO_DEADLINE_UNREPORTED)

PER_PAGE = 50
# Up to this many bodies the body filter is a list; past it (a country's ten thousand) a field
# where the body's code or name is typed: a list that long is slow to send and useless to scroll.
BODY_LIST_LIMIT = 1000
# How many bodies an ambiguous name lists to choose from.
CANDIDATES_SHOWN = 8
_CODE_AT_END = re.compile(r"\(([^()\s]+)\)\s*$")
ASKING = ("q", "program", "area", "body", "role", "status", "due_from", "due_to")


def role_choices() -> list[tuple[str, str]]:
    return [(role, Assignment._meta.get_field(role).verbose_name) for role in ROLES]


def status_choices() -> list[tuple[str, str]]:
    found = [(bucket, gettext_lazy(BUCKET_LABELS[bucket])) for bucket in BUCKETS]
    periods = [(key, gettext_lazy(STATUS_FILTER_LABELS[key])) for key in NO_DEADLINE_FILTERS]
    return [*found, (DUE_SOON, gettext_lazy(DUE_SOON_LABEL)), *periods]


class SearchForm(forms.Form):
    """The filters as typed; ``criteria()`` once valid. Every bad value is an error on its
    own field, in Vietnamese, never an exception. (Tasks are not filtered by the policy: every
    member may see the program's text, VIEW_TASK; occurrences are.)"""

    q = forms.CharField(required=False, max_length=300, strip=True)
    program = forms.CharField(required=False)
    area = forms.CharField(required=False)
    body = forms.CharField(required=False)
    role = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    due_from = forms.CharField(required=False)
    due_to = forms.CharField(required=False)
    as_of = forms.CharField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        unknown = {"invalid_choice": _("Không có lựa chọn “%(value)s”.")}
        self.fields["role"].choices = [("", ""), *role_choices()]
        self.fields["role"].error_messages.update(unknown)
        self.fields["status"].choices = [("", ""), *status_choices()]
        self.fields["status"].error_messages.update(unknown)
        # A body name typed that several bodies answer: the ones to choose from.
        self.body_candidates: list[Organization] = []
        self.more_bodies = False

    def _day(self, name: str) -> dt.date | None:
        try:
            return read_day(self.cleaned_data.get(name, ""))
        except InputError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_due_from(self) -> dt.date | None:
        return self._day("due_from")

    def clean_due_to(self) -> dt.date | None:
        return self._day("due_to")

    def clean_as_of(self) -> dt.date:
        return self._day("as_of") or timezone.localdate()

    def clean_program(self) -> Program | None:
        raw = self.cleaned_data.get("program", "").strip()
        if not raw:
            return None
        found = Program.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if found is None:
            raise forms.ValidationError(_("Không có chương trình này."))
        return found

    def clean_body(self) -> Organization | None:
        raw = self.cleaned_data.get("body", "").strip()
        if not raw:
            return None
        found = bodies_named(raw)
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(
                _("Không có cơ quan nào có mã hoặc tên “%(value)s”."), params={"value": raw}
            )
        self.body_candidates = found[:CANDIDATES_SHOWN]
        self.more_bodies = len(found) > CANDIDATES_SHOWN
        raise forms.ValidationError(
            _("“%(value)s” khớp với nhiều cơ quan; chọn một dưới đây, hoặc gõ đủ tên hay mã."),
            params={"value": raw},
        )

    def clean_area(self) -> Section | None:
        raw = self.cleaned_data.get("area", "").strip()
        if not raw:
            return None
        found = Section.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if found is None:
            raise forms.ValidationError(_("Không có mục này."))
        return found

    def clean(self) -> dict:
        data = super().clean()
        program, area = data.get("program"), data.get("area")
        if program is not None and area is not None and area.program_id != program.pk:
            self.add_error("area", _("Mục này không thuộc chương trình đã chọn."))
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and start > end:
            self.add_error("due_to", _("Ngày cuối phải sau ngày đầu."))
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            text=data["q"],
            program=data["program"],
            area=data["area"],
            body=data["body"],
            role=data["role"] or None,
            due_from=data["due_from"],
            due_to=data["due_to"],
        )


@dataclass
class TaskHit:
    """A task found by its text, with the words that matched to show."""

    task: Task
    before: str
    hit: str
    after: str


@member_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    asked = any(request.GET.get(name, "").strip() for name in ASKING)
    valid = form.is_valid()
    # Fields typed well keep their value even when another field has an error.
    day = form.cleaned_data.get("as_of") or _fallback_day(form)
    chosen = form.cleaned_data.get("program")
    if chosen is not None and not form.data.get("as_of"):
        day = chosen.judged_as_of(day)  # by default a finished program's stop at its end
    area = form.cleaned_data.get("area")
    body = form.cleaned_data.get("body")
    programs = picker_choices(chosen)
    bodies = _body_choices(chosen)
    context = {
        "form": form,
        "asked": asked,
        "as_of": day,
        "programs": programs,
        "program": chosen,
        "sections": _section_choices([chosen] if chosen else programs, area),
        "bodies": None if bodies is None else _with_chosen(bodies, body),
        "body": body,
        "body_candidates": form.body_candidates,
        "more_bodies": form.more_bodies,
        "roles": role_choices(),
        "status_options": status_choices(),
        "values": _values(form),
    }
    if asked and valid:
        context.update(_results(request, form.criteria(), form.cleaned_data, day))
    return render(request, "web/search.html", context)


def bodies_named(typed: str) -> list[Organization]:
    """The bodies ``typed`` may mean, best first: the body with that code (as a link or a list
    passes it, or at the end in brackets, as the typed field shows a chosen body); else those
    whose name or other name (alias) is ``typed``, diacritics and case aside; else those whose
    name or alias contains it. Several are listed to choose from (at most one more than
    ``CANDIDATES_SHOWN``): those with work first, by name."""
    typed = typed.strip()
    coded = _CODE_AT_END.search(typed)
    for code in (typed, coded.group(1) if coded else None):
        if code:
            found = Organization.objects.filter(code=code).first()
            found = found or Organization.objects.filter(code__iexact=code).first()
            if found is not None:
                return [found]
    key = fold(typed)
    if not key:
        return []
    for condition in (
        Q(name_key=key) | Q(aliases__key=key),
        Q(name_key__contains=key) | Q(aliases__key__contains=key),
    ):
        rows = (
            Organization.objects.filter(condition)
            .distinct()
            .annotate(has_work=Exists(Assignment.objects.filter(organization=OuterRef("pk"))))
            .order_by("-has_work", "name_key", "pk")
        )
        found = list(rows[: CANDIDATES_SHOWN + 1])
        if found:
            return found
    return []


def _results(request: HttpRequest, criteria: Criteria, data: dict, day: dt.date) -> dict:
    status = data["status"] or None
    rows = visible_occurrences(request.user).filter(assignment__organization__isnull=False)
    found, judged = find_occurrences(rows, criteria, status=status, as_of=day)
    if judged is not None:  # judged already: the pages hold (occurrence, status) pairs
        page = Paginator(found.paired(judged), PER_PAGE).get_page(request.GET.get("page"))
        pairs = list(page.object_list)
    else:
        page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
        shown: list[Occurrence] = list(page.object_list)
        states = judge(shown, None, as_of=day)
        pairs = [(occurrence, states[occurrence.pk]) for occurrence in shown]
    result = {
        "page": page,
        "rows": pairs,
        "count": page.paginator.count,
        "status_label": dict(status_choices()).get(status or ""),
    }
    if criteria.text_only and not status:
        result.update(_task_results(request, criteria))
    return result


def _task_results(request: HttpRequest, criteria: Criteria) -> dict:
    tasks = matching_tasks(
        Task.objects.select_related("program", "section", "lead"), criteria
    ).order_by("program_id", "position", "pk")
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("task_page"))
    hits = []
    for task in page.object_list:
        span = match_span(task.text, criteria.text)
        if span is None:
            hits.append(TaskHit(task, _clip(task.text), "", ""))
            continue
        start, end = span
        lead = max(0, start - 80)
        before = ("…" if lead else "") + task.text[lead:start]
        after = _clip(task.text[end:], 160)
        hits.append(TaskHit(task, before, task.text[start:end], after))
    return {"task_page": page, "task_hits": hits, "task_count": page.paginator.count}


def _clip(text: str, length: int = 240) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _fallback_day(form: SearchForm) -> dt.date:
    """The "as of" day when the form has errors: the one typed if it is a date, else today."""
    return parse_day(form.data.get("as_of")) or timezone.localdate()


def _values(form: SearchForm) -> dict[str, str]:
    """What each field shows: the value typed, a day as dd/mm/yyyy (the typed day fields)."""
    values = {name: str(form.data.get(name, "")).strip() for name in form.fields}
    for name in ("due_from", "due_to", "as_of"):
        day = parse_day(values[name])
        if day is not None:
            values[name] = f"{day:%d/%m/%Y}"
    if not values["as_of"]:
        values["as_of"] = f"{timezone.localdate():%d/%m/%Y}"
    return values


def _section_choices(
    programs: list[Program], area: Section | None
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The sections to choose an area from, grouped by program (newest program first): those
    of ``programs`` (the chosen one, or the programs the picker lists), and of the area asked
    for. A country's fifteen thousand sections are reached by choosing their program first."""
    numbers = {p.pk: p.number for p in programs}
    if area is not None and area.program_id not in numbers:
        numbers[area.program_id] = area.program.number
    sections = Section.objects.filter(program_id__in=numbers).only(
        "pk", "number", "title", "program_id"
    )
    groups: dict[int, list[tuple[int, str]]] = {}
    for s in sections.order_by("-program_id", "position"):
        groups.setdefault(s.program_id, []).append((s.pk, f"{s.number}. {_clip(s.title, 70)}"))
    return [(numbers[pk], options) for pk, options in groups.items()]


def _body_choices(program: Program | None) -> list[tuple[str, str]] | None:
    """The bodies that have work in the program (in any program when none is chosen), or
    None when there are more than ``BODY_LIST_LIMIT``: the body is then typed."""
    work = Assignment.objects.filter(organization=OuterRef("pk"))
    if program is not None:
        work = work.filter(task__program=program)
    rows = Organization.objects.filter(Exists(work)).order_by("name_key", "pk")
    found = list(rows.values_list("code", "name")[: BODY_LIST_LIMIT + 1])
    return None if len(found) > BODY_LIST_LIMIT else found


def _with_chosen(bodies: list[tuple[str, str]], chosen: Organization | None) -> list:
    """The body asked for stays in the list even when it has no work in the program."""
    if chosen is not None and all(code != chosen.code for code, _name in bodies):
        return [(chosen.code, chosen.name), *bodies]
    return bodies

"""The programs, and one program's tree of sections and tasks as of a date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from theodoi.inputs import InputError, read_day
from theodoi.programs import life as programs_life
from theodoi.programs.models import Program, Section, Task
from theodoi.tracking.lineage import lower_levels, lower_programs, obligations
from theodoi.tracking.policy import Action, allows, check
from theodoi.tracking.rollup import program_tallies, tree_tallies, worst_bucket
from theodoi.tracking.status import Tally

from .common import as_of, member_required

# Sections this deep or shallower start open; deeper ones start folded (A, B, B.III open).
OPEN_DEPTH = 1


@member_required
def programs(request: HttpRequest) -> HttpResponse:
    """Every program the user may see, with its figures as of today."""
    today = timezone.localdate()
    rows = Program.objects.ordinary()  # a plan's: shown in /plans/
    rows = rows.select_related("issuer", "parent_program").annotate(
        task_count=Count("tasks", filter=Q(tasks__withdrawn_in__isnull=True))
    )
    shown = [p for p in rows if allows(request.user, Action.VIEW_PROGRAM, p)]
    tallies = program_tallies(Program.objects.filter(pk__in=[p.pk for p in shown]), as_of=today)
    return render(
        request,
        "web/programs.html",
        {"rows": [(p, tallies.get(p.pk, Tally())) for p in shown], "as_of": today},
    )


@dataclass
class TaskNode:
    task: Task
    tally: Tally  # the lead's occurrences, or every body's when ``by_lead`` is false
    by_lead: bool
    reported: int

    @property
    def worst(self) -> str | None:
        return worst_bucket(self.tally)

    @property
    def counted(self) -> int:
        """Occurrences with a deadline still asked for: what "x/y đã hoàn thành" is out of."""
        t = self.tally
        return t.total - t.withdrawn - t.no_deadline


@dataclass
class SectionNode:
    section: Section | None  # None: the tasks outside every section
    depth: int
    tally: Tally | None  # every body's occurrences at or below; None for the loose tasks
    tasks: list[TaskNode] = field(default_factory=list)
    children: list[SectionNode] = field(default_factory=list)
    task_count: int = 0  # tasks at or below, withdrawn ones left out

    @property
    def open(self) -> bool:
        return self.depth <= OPEN_DEPTH


@member_required
def tree(request: HttpRequest, pk: int) -> HttpResponse:
    """The program's sections and tasks in document order, each with its status as of the
    date (``?as_of=``); the numbers come from ``tracking.rollup.tree_tallies``."""
    program = get_object_or_404(
        Program.objects.select_related("issuer", "parent_program", "parent_task"), pk=pk
    )
    check(request.user, Action.VIEW_PROGRAM, program)
    asked, error = as_of(request)
    # by default a finished program's figures stop at its end (a day typed is as asked)
    day = asked if request.GET.get("as_of") else program.judged_as_of(asked)
    counts = tree_tallies(program, as_of=day)
    sections = list(Section.objects.filter(program=program).order_by("position"))
    tasks = list(program.tasks.select_related("lead", "withdrawn_in").order_by("position"))
    roots = build_tree(sections, tasks, counts)
    children = lower_programs(program, as_of=day)
    return render(
        request,
        "web/program_tree.html",
        {
            "program": program,
            "as_of": day,
            "as_of_error": error,
            "roots": roots,
            "total": counts.total,
            "task_count": sum(1 for t in tasks if t.withdrawn_in_id is None),
            "obligations": obligations(program, as_of=day, children=children),
            "lower": lower_levels(program, as_of=day, children=children),
            "parent_links": parent_links(program, tasks),
            "version_count": program.versions.count(),
            "may_amend": allows(request.user, Action.AMEND_PROGRAM, program),
            "program_ended": day != asked,
        },
    )


@member_required
@require_POST
def life(request: HttpRequest, pk: int) -> HttpResponse:
    """Finish, replace or reopen the program (``theodoi.programs.life``) from its page."""
    program = get_object_or_404(Program, pk=pk)
    what = request.POST.get("action")
    typed = request.POST.get("on", "").strip()
    try:
        day = read_day(typed) if typed else None
        if what == "finish":
            done = programs_life.finish_program(user=request.user, program=program, on=day)
        elif what == "replace":
            # typed as its number ("125-CTr/TU"): listing every program costs the page a query
            typed_by = request.POST.get("by", "").strip()
            by = Program.objects.filter(number=typed_by).first() if typed_by else None
            if by is None:
                raise programs_life.LifeError(
                    _("Không có chương trình số “%(number)s”; ghi đúng số, ký hiệu.")
                    % {"number": typed_by}
                    if typed_by
                    else _("Ghi số, ký hiệu của chương trình thay thế.")
                )
            done = programs_life.replace_program(user=request.user, program=program, by=by, on=day)
        elif what == "reopen":
            done = programs_life.reopen_program(user=request.user, program=program)
        else:
            raise programs_life.LifeError(_("Không rõ thao tác."))
    except (programs_life.LifeError, InputError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Chương trình %(number)s: %(state)s.")
            % {"number": done.number, "state": done.life_label.lower()},
        )
    return redirect("web:program", pk=program.pk)


def parent_links(program: Program, tasks: list[Task]) -> list[Task]:
    """A lower-level program's live tasks with the parent task each implements (loaded)."""
    if program.parent_program_id is None:
        return []
    live = [t.pk for t in tasks if t.withdrawn_in_id is None]
    return list(Task.objects.filter(pk__in=live).select_related("parent_task").order_by("position"))


def build_tree(sections: list[Section], tasks: list[Task], counts) -> list[SectionNode]:
    """Nest the sections and hang each task under its own, in document order."""
    nodes: dict[int, SectionNode] = {}
    children: dict[int | None, list[Section]] = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)
    known = {s.pk for s in sections}

    def make(section: Section, depth: int) -> SectionNode:
        tally = counts.sections.get(section.pk) or Tally()
        node = SectionNode(section=section, depth=depth, tally=tally)
        nodes[section.pk] = node
        node.children = [make(child, depth + 1) for child in children[section.pk]]
        return node

    roots = [make(s, 0) for s in children[None]]
    # A section whose parent is missing (never in a clean import) still shows, at the top.
    roots += [make(s, 0) for s in sections if s.parent_id and s.parent_id not in known]
    loose = SectionNode(section=None, depth=0, tally=None)
    for task in tasks:
        node = TaskNode(
            task=task,
            tally=counts.tasks.get(task.pk, Tally()),
            by_lead=task.pk in counts.by_lead,
            reported=counts.reported.get(task.pk, 0),
        )
        nodes.get(task.section_id, loose).tasks.append(node)
    for root in roots:
        _count_tasks(root)
    if loose.tasks:
        loose.task_count = sum(1 for t in loose.tasks if t.task.withdrawn_in_id is None)
        roots.append(loose)
    return roots


def _count_tasks(node: SectionNode) -> int:
    own = sum(1 for t in node.tasks if t.task.withdrawn_in_id is None)
    node.task_count = own + sum(_count_tasks(child) for child in node.children)
    return node.task_count

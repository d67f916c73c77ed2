"""Import a program from the browser (the office and administrators: IMPORT_PROGRAM).

1. Upload a .docx, .pdf, .md or .txt file: it is read at once (``programs.drafts.receive``)
   and the page of the draft opens at its own address, which lasts a day: a reload, another
   tab, or signing in again tomorrow morning finds it with every correction made so far.
2. The draft page lists every task with its place, text, bodies and roles, the time as
   written and as understood (the dates it will owe), and what the parser or the draft is
   unsure of (a filter shows only those). Each field is corrected in place (htmx swaps the
   task's row; without JavaScript the same forms post and come back to the page); tasks are
   merged, split at a sentence, removed and added; each name the registry does not know is
   mapped to a body, created as a new body, or marked "not a body". A lower-level program
   also shows the parent task each of its tasks implements, to confirm or change.
3. "Xác nhận nhập" stores the draft as corrected in one transaction
   (``programs.drafts.confirm``); "Hủy" drops it.

A file that cannot be read (empty, broken, an unsupported type, too large) gets the parser's
message next to the field, and nothing is kept.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from theodoi.orgs.choose import find_bodies
from theodoi.orgs.models import Kind, Level
from theodoi.parsing.model import ROLES
from theodoi.parsing.readers import SUPPORTED
from theodoi.parsing.text import fold
from theodoi.programs import drafts
from theodoi.programs.drafts import SUFFIXES, Confirmed, DraftError, Impact, TaskView, max_bytes
from theodoi.programs.lineage import LinkResult, Proposal
from theodoi.programs.models import ParentLink, PendingImport, Program, Task
from theodoi.tracking.policy import Action, check, refusal

from .common import member_required

NO_PARENT_TASK = "-"  # a link choice: the task implements no task of the parent program
ROLE_LABELS = {
    "directs": gettext_lazy("chỉ đạo"),
    "issues": gettext_lazy("ban hành"),
    "advises": gettext_lazy("tham mưu"),
    "implements": gettext_lazy("thực hiện"),
    "leads": gettext_lazy("chủ trì"),
    "coordinates": gettext_lazy("phối hợp"),
}
# The corrections a task row swaps back alone; the others redraw the whole draft.
ROW_OPS = frozenset({"text", "section", "time", "lead", "add_body", "remove_body", "roles"})
# The corrections of a task's bodies: their panel stays open for the next one ("xong" shuts it).
BODY_OPS = frozenset({"lead", "add_body", "remove_body", "roles"})
FIELDS = ("text", "section", "time", "bodies", "split")  # what a row can open for editing


class UploadForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("Tệp văn bản chương trình"),
        allow_empty_file=True,  # the parser says what is wrong with an empty file
        error_messages={
            "required": gettext_lazy("Chọn tệp văn bản chương trình (.docx, .pdf, .md, .txt).")
        },
    )
    parent = forms.ModelChoiceField(
        label=gettext_lazy("Chương trình cấp trên"),
        queryset=Program.objects.order_by("-pk"),
        required=False,
        empty_label=gettext_lazy("— Không (chương trình không thuộc chương trình nào) —"),
        help_text=gettext_lazy(
            "Chọn khi văn bản là chương trình của cấp dưới (huyện ủy, đảng ủy, ban cán sự "
            "đảng...) thực hiện một chương trình đã nhập."
        ),
    )
    parent_task = forms.CharField(
        label=gettext_lazy("Nhiệm vụ cấp trên giao xây dựng chương trình"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("Mã nhiệm vụ, vd B.II.1; để trống: theodoi đề xuất."),
    )

    def clean(self):
        data = super().clean()
        parent, key = data.get("parent"), (data.get("parent_task") or "").strip()
        if key and parent is None and "parent" not in self.errors:
            self.add_error("parent_task", _("Chọn chương trình cấp trên trước."))
        elif key and parent is not None and not _live_task(parent, key):
            self.add_error(
                "parent_task",
                _("Chương trình %(number)s không có nhiệm vụ “%(key)s”.")
                % {"number": parent.number, "key": key},
            )
        return data

    def clean_document(self):
        upload = self.cleaned_data["document"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                "%(name)s: %(message)s",
                params={
                    "name": upload.name,
                    "message": _("định dạng không hỗ trợ: %(suffix)s (hỗ trợ %(supported)s)")
                    % {"suffix": suffix or _("không có đuôi tệp"), "supported": SUPPORTED},
                },
            )
        limit = max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("%(name)s: tệp quá lớn (%(size)s MB); giới hạn %(limit)s MB."),
                params={
                    "name": upload.name,
                    "size": f"{upload.size / 1048576:.1f}",
                    "limit": f"{limit / 1048576:g}",
                },
            )
        return upload


@dataclass
class LinkRow:
    """One task of a lower-level program on the draft page: theodoi's proposal and what the
    person chose (a parent task key, ``NO_PARENT_TASK``, or "" for "later")."""

    index: int
    proposal: Proposal
    default: str
    chosen: str
    typed: str = ""
    error: str = ""

    @property
    def options(self) -> list[tuple[str, str]]:
        """The parent tasks offered: the proposed one, then the closest by text (score)."""
        found: dict[str, str] = {}
        proposed = self.proposal.parent
        if proposed is not None:
            found[proposed.key] = _option_label(proposed.key, proposed.text, None)
        for candidate in self.proposal.candidates:
            found.setdefault(
                candidate.key, _option_label(candidate.key, candidate.text, candidate.score)
            )
        return list(found.items())


def _option_label(key: str, text: str, score: int | None) -> str:
    short = text if len(text) <= 90 else text[:89] + "…"
    return f"{key} ({score}/100): {short}" if score is not None else f"{key}: {short}"


@dataclass
class Preview:
    """What the draft page shows."""

    pending: PendingImport
    impact: Impact
    tasks: list[TaskView]
    names: list[dict[str, Any]]
    parts: list[tuple[str, str, int, int]]
    error: str = ""
    parent: Program | None = None
    links: LinkResult | None = None
    link_rows: list[LinkRow] = field(default_factory=list)
    parent_task: str = ""
    parent_task_error: str = ""

    @property
    def token(self) -> str:
        return self.pending.token

    @property
    def name(self) -> str:
        return self.pending.name

    @property
    def draft(self) -> dict:
        return self.pending.draft

    @property
    def summary(self) -> Impact:
        return self.impact

    @property
    def existing(self) -> Program | None:
        return self.impact.existing

    @property
    def to_review(self) -> int:
        return sum(1 for task in self.tasks if task.needs_review)

    @property
    def undecided(self) -> int:
        return sum(1 for name in self.names if not name["decision"])


# ---- upload ----


@member_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    check(request.user, Action.IMPORT_PROGRAM)
    if request.method == "POST" and "token" in request.POST:
        return _decide(request, request.POST.get("token", ""))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        parent = form.cleaned_data.get("parent")
        options = {
            "parent": parent.number if parent else "",
            "parent_task": (form.cleaned_data.get("parent_task") or "").strip(),
        }
        try:
            pending = drafts.receive(
                user=request.user, name=document.name, chunks=document.chunks(), options=options
            )
        except DraftError as exc:
            form.add_error("document", str(exc))
        else:
            why = refusal(request.user, Action.IMPORT_PROGRAM, drafts.affected_program(pending))
            if why is None:
                return redirect("web:import_draft", token=pending.token)
            drafts.cancel(user=request.user, pending=pending)  # another committee's program
            form.add_error("document", why)
    waiting = PendingImport.objects.filter(owner=request.user).order_by("-created_at")
    return render(
        request,
        "web/import.html",
        {
            "form": form,
            "waiting": [p for p in waiting if drafts.pending_for(user=request.user, token=p.token)],
            "max_mb": f"{max_bytes() / 1048576:g}",
            "suffixes": SUPPORTED,
        },
    )


# ---- the draft ----


def _pending(request: HttpRequest, token: str) -> PendingImport:
    check(request.user, Action.IMPORT_PROGRAM)
    pending = drafts.pending_for(user=request.user, token=token)
    if pending is None:
        raise Http404(
            _("Tệp tải lên không còn (đã nhập, đã hủy hoặc đã quá hạn); hãy tải lên lại.")
        )
    return pending


@member_required
@require_GET
def draft(request: HttpRequest, token: str) -> HttpResponse:
    check(request.user, Action.IMPORT_PROGRAM)
    pending = drafts.pending_for(user=request.user, token=token)
    if pending is None:
        messages.error(
            request, _("Tệp tải lên không còn (đã nhập, đã hủy hoặc đã quá hạn); hãy tải lên lại.")
        )
        return redirect("web:import")
    return _page(request, _preview(pending), editing=_editing(request))


def _editing(request: HttpRequest) -> tuple[str, str]:
    """The task and field a plain (no JavaScript) request opens for editing."""
    wanted = request.GET.get("field", "")
    return (request.GET.get("task", ""), wanted if wanted in FIELDS else "")


def _preview(pending: PendingImport, **extra: Any) -> Preview:
    tasks = drafts.task_views(pending)
    preview = Preview(
        pending=pending,
        impact=drafts.impact(pending),
        tasks=tasks,
        names=drafts.unknown_names(pending),
        parts=_parts(pending.draft),
        **extra,
    )
    parent = Program.objects.filter(number=pending.options.get("parent") or "").first()
    if parent is not None:
        preview.parent = parent
        preview.links = drafts.proposed_links(pending)
        if preview.links is not None:
            _fill_links(preview, pending)
    return preview


def _fill_links(preview: Preview, pending: PendingImport) -> None:
    links = preview.links
    chosen = pending.options.get("links") or {}
    preview.parent_task = pending.options.get("parent_task") or (
        links.parent_task.key if links.parent_task else ""
    )
    for index, proposal in enumerate(links.proposals):
        default = proposal.parent.key if proposal.parent else ""
        if proposal.parent is None and proposal.how == ParentLink.PERSON:
            default = NO_PARENT_TASK  # a person said so at an earlier import
        row = LinkRow(index, proposal, default, default)
        if proposal.key in chosen:
            row.chosen = chosen[proposal.key] or NO_PARENT_TASK
        preview.link_rows.append(row)


def _parts(data: dict) -> list[tuple[str, str, int, int]]:
    """The top two levels of sections (A, B, B.I ...) with the tasks in and below each:
    (number, title, tasks, depth)."""
    parent = {s["number"]: s["parent"] for s in data["sections"]}
    counts: dict[str, int] = defaultdict(int)
    for task in data["tasks"]:
        at: str | None = task["section"]
        seen = set()
        while at and at not in seen:
            seen.add(at)
            counts[at] += 1
            at = parent.get(at)
    return [
        (s["number"], s["title"], counts[s["number"]], s["number"].count("."))
        for s in data["sections"]
        if s["number"].count(".") <= 1
    ]


def _context(preview: Preview, editing: tuple[str, str] = ("", "")) -> dict[str, Any]:
    return {
        "preview": preview,
        "editing": editing,
        "roles": [(role, ROLE_LABELS[role]) for role in ROLES],
        "roles_dict": ROLE_LABELS,
        "kinds": Kind.choices,
        "levels": Level.choices,
        "sections": preview.pending.draft["sections"],
        "new_bodies": _new_bodies(preview.pending),
        "all_bodies": [(b.code, b.name) for b in find_bodies("", limit=2000)],
        "no_parent_task": NO_PARENT_TASK,
        "parent_tasks": (
            preview.parent.tasks.filter(withdrawn_in__isnull=True).order_by("position")
            if preview.parent is not None
            else []
        ),
    }


def _new_bodies(pending: PendingImport) -> list[tuple[str, str]]:
    return [
        (drafts.NEW + d["code"], d["body_name"])
        for d in pending.names.values()
        if d.get("decision") == "new"
    ]


def _page(request: HttpRequest, preview: Preview, editing=("", "")) -> HttpResponse:
    return render(request, "web/import_draft.html", _context(preview, editing))


# ---- corrections ----


@member_required
@require_GET
def task_row(request: HttpRequest, token: str) -> HttpResponse:
    """One task's row, shown or with one field open for editing (htmx)."""
    pending = _pending(request, token)
    task_id, wanted = _editing(request)
    try:
        view = drafts.task_view(pending, task_id)
    except DraftError as exc:
        raise Http404(str(exc)) from None
    return _row(request, pending, view, wanted)


def _row(request, pending, view: TaskView, editing: str, error: str = "") -> HttpResponse:
    preview = Preview(pending, Impact("", None, 0, 0), [view], [], [])
    context = _context(preview, (view.id, editing))
    context.update(task=view, error=error)
    return render(request, "web/_import_task.html", context)


@member_required
@require_POST
def correct(request: HttpRequest, token: str) -> HttpResponse:
    """One correction of the draft (the form's ``op`` and its fields). htmx: the task's row,
    or the whole draft after a correction that changes several tasks; with the message in
    place when it cannot be done. Without JavaScript: back to the page."""
    pending = _pending(request, token)
    op = request.POST.get("op", "")
    values = _values(request, op)
    task_id = values.get("task", "")
    try:
        drafts.correct(user=request.user, pending=pending, op=op, **values)
    except DraftError as exc:
        if request.htmx and op in ROW_OPS and task_id:
            try:
                view = drafts.task_view(pending, task_id)
            except DraftError:
                view = None
            if view is not None:
                return _row(request, pending, view, _field_of(op), error=str(exc))
        if request.htmx:
            preview = _preview(pending, error=str(exc))
            return render(request, "web/_import_draft.html", _context(preview))
        messages.error(request, str(exc))
        return redirect(_back(token, task_id, _field_of(op)))
    pending.refresh_from_db()
    if request.htmx:
        if op in ROW_OPS:
            return _row(request, pending, drafts.task_view(pending, task_id), _kept_open(op))
        return render(request, "web/_import_draft.html", _context(_preview(pending)))
    return redirect(_back(token, task_id if op in ROW_OPS else "", _kept_open(op)))


def _kept_open(op: str) -> str:
    return "bodies" if op in BODY_OPS else ""


def _field_of(op: str) -> str:
    return {"text": "text", "section": "section", "time": "time"}.get(op, "bodies")


def _back(token: str, task_id: str, editing: str) -> str:
    url = reverse("web:import_draft", args=[token])
    if editing:
        return f"{url}?{urlencode({'task': task_id, 'field': editing})}#task-{task_id}"
    return f"{url}#task-{task_id}" if task_id else url


def _values(request: HttpRequest, op: str) -> dict[str, Any]:
    """The form's fields the correction ``op`` takes, as the service wants them."""
    post = request.POST
    keys = {
        "text": ("task", "text"),
        "section": ("task", "section"),
        "time": ("task", "text"),
        "lead": ("task", "body"),
        "add_body": ("task", "body", "role"),
        "remove_body": ("task", "index"),
        "roles": ("task", "index"),
        "merge": ("task", "other"),
        "split": ("task", "at"),
        "remove": ("task",),
        "add": ("section", "text", "after"),
        "map": ("name", "body"),
        "create": ("name", "body_name", "kind", "level", "parent"),
        "fragment": ("name",),
        "undecide": ("name",),
    }.get(op, ())
    values: dict[str, Any] = {key: post.get(key, "") for key in keys}
    if op == "roles":
        values["roles"] = post.getlist("roles")
    if op == "map":
        values["alias"] = post.get("alias") == "1"
    return values


@member_required
@require_GET
def bodies(request: HttpRequest, token: str) -> HttpResponse:
    """The bodies matching what is typed (diacritics optional), as a select's options."""
    pending = _pending(request, token)
    typed = request.GET.get("q", "")
    found = [(b.code, b.name) for b in find_bodies(typed)]
    found += [(code, name) for code, name in _new_bodies(pending) if fold(typed) in fold(name)]
    optional = request.GET.get("optional") == "1"  # "none" stays a choice (a parent body)
    return render(request, "web/_import_body_options.html", {"found": found, "optional": optional})


# ---- confirm or cancel ----


@member_required
@require_POST
def decide(request: HttpRequest, token: str) -> HttpResponse:
    check(request.user, Action.IMPORT_PROGRAM)
    return _decide(request, token)


def _decide(request: HttpRequest, token: str) -> HttpResponse:
    pending = drafts.pending_for(user=request.user, token=token)
    if pending is None:
        messages.error(
            request, _("Tệp tải lên không còn (đã nhập, đã hủy hoặc đã quá hạn); hãy tải lên lại.")
        )
        return redirect("web:import")
    if request.POST.get("action") == "cancel":
        drafts.cancel(user=request.user, pending=pending)
        messages.info(request, _("Đã hủy, không nhập gì."))
        return redirect("web:import")
    parent = Program.objects.filter(number=pending.options.get("parent") or "").first()
    rows, parent_task, problem = _link_choices(request, pending, parent)
    if problem or any(row.error for row in rows):
        preview = _preview(pending, parent_task_error=problem)
        by_key = {row.proposal.key: row for row in rows}
        for row in preview.link_rows:
            before = by_key.get(row.proposal.key)
            if before is not None:
                row.chosen, row.typed, row.error = before.chosen, before.typed, before.error
        if parent_task:
            preview.parent_task = parent_task
        return _page(request, preview)
    if parent is not None:
        pending.options = {**pending.options, "parent_task": parent_task}
        pending.save(update_fields=["options"])
    why = refusal(request.user, Action.IMPORT_PROGRAM, drafts.affected_program(pending))
    if why is not None:
        return _page(request, _preview(pending, error=why))
    try:
        done = drafts.confirm(user=request.user, pending=pending, links=_chosen_links(rows))
    except DraftError as exc:
        return _page(request, _preview(pending, error=str(exc)))
    message = _summary_message(done)
    if done.summary.unchanged:
        messages.info(request, message)
    else:
        messages.success(request, message)
    return redirect("web:program", pk=done.program.pk)


def _live_task(program: Program, key: str) -> Task | None:
    return program.tasks.filter(key=key, withdrawn_in__isnull=True).first()


def _link_choices(
    request: HttpRequest, pending: PendingImport, parent: Program | None
) -> tuple[list[LinkRow], str, str]:
    """The parent task and each task's link as the person left them, each checked against
    the parent program: the rows, the parent task key, its error."""
    if parent is None:
        return [], "", ""
    links = drafts.proposed_links(pending)
    proposed = links.parent_task.key if links and links.parent_task else ""
    parent_task = request.POST.get("parent_task", proposed).strip()
    problem = ""
    if parent_task and not _live_task(parent, parent_task):
        problem = _("Chương trình %(number)s không có nhiệm vụ “%(key)s”.") % {
            "number": parent.number,
            "key": parent_task,
        }
    live = set(parent.tasks.filter(withdrawn_in__isnull=True).values_list("key", flat=True))
    rows = []
    for index, proposal in enumerate(links.proposals if links else []):
        default = proposal.parent.key if proposal.parent else ""
        if proposal.parent is None and proposal.how == ParentLink.PERSON:
            default = NO_PARENT_TASK
        row = LinkRow(
            index=index,
            proposal=proposal,
            default=default,
            chosen=request.POST.get(f"link_{index}", default).strip(),
            typed=request.POST.get(f"link_key_{index}", "").strip(),
        )
        wanted = row.typed or row.chosen
        if wanted and wanted != NO_PARENT_TASK and wanted not in live:
            row.error = _("Chương trình %(number)s không có nhiệm vụ “%(key)s”.") % {
                "number": parent.number,
                "key": wanted,
            }
        rows.append(row)
    return rows, parent_task, problem


def _chosen_links(rows: list[LinkRow]) -> dict[str, str]:
    """The links the person changed from theodoi's proposal: task key -> parent task key
    ("" for none). Unchanged rows are left to theodoi (stated, or by similarity)."""
    chosen = {}
    for row in rows:
        wanted = row.typed or row.chosen
        if wanted == row.default:
            continue
        chosen[row.proposal.key] = "" if wanted in ("", NO_PARENT_TASK) else wanted
    return chosen


def _summary_message(done: Confirmed) -> str:
    summary = done.summary
    if summary.unchanged:
        text = _(
            "Văn bản này đã được nhập trước đây (chương trình %(number)s, lần %(version)s): "
            "không có gì thay đổi."
        ) % {"number": summary.program, "version": summary.version}
    elif summary.version > 1:
        text = _(
            "Đã nhập văn bản điều chỉnh, bổ sung thành lần %(version)s của chương trình "
            "%(number)s: thêm %(added)s, bãi bỏ %(removed)s, sửa %(changed)s nhiệm vụ; "
            "nay có %(tasks)s nhiệm vụ, %(occurrences)s kỳ thực hiện."
        ) % {
            "version": summary.version,
            "number": summary.program,
            "added": len(summary.added),
            "removed": len(summary.removed),
            "changed": len(summary.changed),
            "tasks": summary.tasks,
            "occurrences": summary.occurrences,
        }
    else:
        text = _(
            "Đã nhập chương trình %(number)s: %(sections)s mục, %(tasks)s nhiệm vụ, "
            "%(assignments)s phân công, %(occurrences)s kỳ thực hiện."
        ) % {
            "number": summary.program,
            "sections": summary.sections,
            "tasks": summary.tasks,
            "assignments": summary.assignments,
            "occurrences": summary.occurrences,
        }
    if done.created:
        text += " " + _("Đã thêm %(n)s cơ quan mới vào danh mục.") % {"n": len(done.created)}
    if done.aliases:
        text += " " + _("Đã ghi nhớ %(n)s tên gọi khác của cơ quan.") % {"n": done.aliases}
    if summary.unresolved:
        text += " " + _("Còn %(n)s tên cơ quan chưa xác định, gán sau ở trang quản trị.") % {
            "n": len(summary.unresolved)
        }
    if done.links is not None:
        text += " " + _links_message(done.program, done.links)
    if summary.warnings:
        text += " " + _("%(n)s cảnh báo khi đọc văn bản.") % {"n": len(summary.warnings)}
    return text


def _links_message(program: Program, links: LinkResult) -> str:
    text = _(
        "Chương trình cấp trên: %(parent)s; %(linked)s/%(total)s nhiệm vụ đã gắn nhiệm vụ cấp trên."
    ) % {
        "parent": program.parent_program.number,
        "linked": len(links.linked),
        "total": len(links.proposals),
    }
    if links.unlinked:
        text += " " + _("Còn %(n)s nhiệm vụ chưa gắn: %(keys)s.") % {
            "n": len(links.unlinked),
            "keys": ", ".join(p.key for p in links.unlinked),
        }
    return text

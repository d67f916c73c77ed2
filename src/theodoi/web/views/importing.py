"""Import a program from the browser (the office and administrators: IMPORT_PROGRAM).

Three steps, nothing stored before the last:

1. Upload a .docx, .pdf, .md or .txt file. Its bytes are kept in
   ``DATA_DIR/imports/<random token><suffix>`` (never under the name it was sent with) and
   the session remembers the token, so only the person who uploaded it can import it.
2. Preview: what the parser read (number, date, title, issuer; sections and tasks; warnings)
   and what the importer would do, found by running the import in a transaction that is
   rolled back (a new program, a new version of an existing one with tasks added, withdrawn
   and changed, or nothing when the same content was imported before). Each body name the
   registry does not know can be mapped to a known body, or left for later.
3. Confirm ("Xác nhận nhập"): the import and the chosen mappings in one transaction, then the
   program's page with a summary.

A lower-level program (a district committee's) is uploaded with its parent program chosen
(and, optionally, the parent task that asks for it; else theodoi proposes one). The preview
then shows, for each of its tasks, the parent task it implements as the document states it
or as text similarity proposes it (``theodoi.programs.lineage``), with the closest parent
tasks to choose from: the office confirms or changes each before confirming the import; a
change is kept as the person's choice.

A file that cannot be read (empty, broken, an unsupported type, too large) gets the parser's
message next to the field, and nothing is saved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import registry_from_database
from theodoi.orgs.resolve import MappingError, map_unresolved
from theodoi.parsing import ParseError, ProgramDraft, parse_file
from theodoi.parsing.readers import SUPPORTED
from theodoi.parsing.text import fold
from theodoi.programs.importer import ImportSummary, ProgramImportError, import_program
from theodoi.programs.lineage import LineageError, LinkResult, Proposal, link_lower_program
from theodoi.programs.models import ParentLink, Program, ProgramVersion, Task
from theodoi.tracking.policy import Action, check

from .common import member_required
from .uploads import PendingUploads

# What may be uploaded; the parser reads the content, the suffix only names the type.
# (.doc is kept so the parser can say what to do with it.)
SUFFIXES = (".docx", ".pdf", ".md", ".markdown", ".txt", ".doc")
MAX_BYTES = 20 * 1024 * 1024
PENDING = PendingUploads(folder_name="imports", session_key="theodoi_imports")
NO_PARENT_TASK = "-"  # a link choice: the task implements no task of the parent program


def max_bytes() -> int:
    return int(getattr(settings, "THEODOI_IMPORT_MAX_BYTES", MAX_BYTES))


imports_dir = PENDING.folder


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
class Unresolved:
    index: int
    name: str
    chosen: str = ""
    error: str = ""


@dataclass
class LinkRow:
    """One task of a lower-level program on the preview: theodoi's proposal and what the
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
    token: str
    name: str
    draft: ProgramDraft
    summary: ImportSummary | None
    error: str = ""
    existing: Program | None = None
    parts: list[tuple[str, str, int, int]] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    parent: Program | None = None
    links: LinkResult | None = None
    link_rows: list[LinkRow] = field(default_factory=list)
    parent_task: str = ""  # the parent task key proposed or chosen
    parent_task_error: str = ""


@member_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    check(request.user, Action.IMPORT_PROGRAM)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview = _receive(request, form)
        if preview is not None:
            return _show(request, preview)
    return render(request, "web/import.html", _page(form))


def _page(form: UploadForm, preview: Preview | None = None) -> dict:
    return {
        "form": form,
        "preview": preview,
        "max_mb": f"{max_bytes() / 1048576:g}",
        "suffixes": SUPPORTED,
    }


def _show(request: HttpRequest, preview: Preview) -> HttpResponse:
    context = _page(UploadForm(), preview)
    context["bodies"] = Organization.objects.filter(unresolved=False).order_by("name_key")
    if preview.parent is not None:
        context["parent_tasks"] = preview.parent.tasks.filter(withdrawn_in__isnull=True).order_by(
            "position"
        )
    context["no_parent_task"] = NO_PARENT_TASK
    return render(request, "web/import.html", context)


def _live_task(program: Program, key: str) -> Task | None:
    return program.tasks.filter(key=key, withdrawn_in__isnull=True).first()


def _receive(request: HttpRequest, form: UploadForm) -> Preview | None:
    """Keep the upload under a random name and read it; a form error (and nothing kept)
    when it cannot be read."""
    upload = form.cleaned_data["document"]
    suffix = Path(upload.name).suffix.lower()
    token = PENDING.new_token()
    path = imports_dir() / f"{token}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    parent = form.cleaned_data.get("parent")
    parent_task = (form.cleaned_data.get("parent_task") or "").strip()
    preview = _preview(token, path, upload.name, parent=parent, parent_task=parent_task)
    if preview.summary is None and preview.error:
        path.unlink(missing_ok=True)
        form.add_error("document", preview.error)
        return None
    entry = {
        "name": upload.name[:255],
        "suffix": suffix,
        "unresolved": [u.name for u in preview.unresolved],
        "parent": parent.number if parent else "",
        "parent_task": parent_task,
        "proposed_parent_task": preview.parent_task,
        **_link_state(preview),
    }
    PENDING.remember(request, token, entry)
    return preview


def _link_state(preview: Preview) -> dict:
    """What the confirmation needs to read the link choices: each row's task key and the
    proposal it was shown with."""
    return {
        "link_keys": [row.proposal.key for row in preview.link_rows],
        "link_defaults": [row.default for row in preview.link_rows],
    }


def _preview(
    token: str, path: Path, name: str, *, parent: Program | None = None, parent_task: str = ""
) -> Preview:
    """What the file says and what importing it would do (under ``parent``, when it is a
    lower-level program: with the parent task and each task's link theodoi proposes).
    ``summary`` None and ``error`` set when it cannot be read or imported."""
    try:
        draft = parse_file(path, registry=registry_from_database())
    except ParseError as exc:
        return Preview(token, name, ProgramDraft(), None, error=f"{name}: {exc}")
    try:
        summary, links = _dry_run(path, parent=parent, parent_task=parent_task)
    except (ParseError, ProgramImportError, LineageError) as exc:
        return Preview(token, name, draft, None, error=f"{name}: {exc}")
    names = summary.unresolved
    preview = Preview(
        token,
        name,
        draft,
        summary,
        existing=Program.objects.filter(number=summary.program).first(),
        parts=_parts(draft),
        unresolved=[Unresolved(i, n) for i, n in enumerate(names)],
        parent=parent,
        links=links,
    )
    if links is not None:
        preview.parent_task = links.parent_task.key if links.parent_task else ""
        for index, proposal in enumerate(links.proposals):
            default = proposal.parent.key if proposal.parent else ""
            if proposal.parent is None and proposal.how == ParentLink.PERSON:
                default = NO_PARENT_TASK  # a person said so at an earlier import
            preview.link_rows.append(LinkRow(index, proposal, default, default))
    return preview


class _Rollback(Exception):
    def __init__(self, summary: ImportSummary, links: LinkResult | None) -> None:
        self.summary = summary
        self.links = links


def _dry_run(
    path: Path, *, parent: Program | None = None, parent_task: str = ""
) -> tuple[ImportSummary, LinkResult | None]:
    """The importer's answer for ``path`` (and, under a parent, the links it would make),
    with everything it wrote rolled back."""
    try:
        with transaction.atomic():
            summary = import_program(
                path=path,
                parent=parent.number if parent else None,
                parent_task=parent_task or None,
            )
            links = None
            if parent is not None:
                program = Program.objects.get(number=summary.program)
                links = link_lower_program(program=program)
            raise _Rollback(summary, links)
    except _Rollback as done:
        return done.summary, done.links


def _parts(draft: ProgramDraft) -> list[tuple[str, str, int, int]]:
    """The top two levels of sections (A, B, B.I ...) with the tasks in and below each:
    (number, title, tasks, depth)."""
    parent = {s.number: s.parent for s in draft.sections}
    counts: dict[str, int] = defaultdict(int)
    for task in draft.tasks:
        at: str | None = task.section
        seen = set()
        while at and at not in seen:
            seen.add(at)
            counts[at] += 1
            at = parent.get(at)
    return [
        (s.number, s.title, counts[s.number], s.number.count("."))
        for s in draft.sections
        if s.number.count(".") <= 1
    ]


def _confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    entry = PENDING.entry(request, token)
    path = imports_dir() / f"{token}{entry['suffix']}" if entry else None
    if entry is None or path is None or not path.is_file():
        messages.error(
            request, _("Tệp tải lên không còn (đã nhập hoặc đã quá hạn); hãy tải lên lại.")
        )
        return redirect("web:import")
    if request.POST.get("action") == "cancel":
        PENDING.forget(request, token, path)
        messages.info(request, _("Đã hủy, không nhập gì."))
        return redirect("web:import")

    names: list[str] = entry["unresolved"]
    choices = [
        Unresolved(i, n, chosen=request.POST.get(f"map_{i}", "").strip())
        for i, n in enumerate(names)
    ]
    targets: dict[str, Organization] = {}
    for item in choices:
        if not item.chosen:
            continue
        target = Organization.objects.filter(code=item.chosen, unresolved=False).first()
        if target is None:
            item.error = _("Không có cơ quan mã “%(code)s” trong danh mục.") % {"code": item.chosen}
        else:
            targets[item.name] = target
    parent = Program.objects.filter(number=entry.get("parent") or "").first()
    if entry.get("parent") and parent is None:
        messages.error(request, _("Chương trình cấp trên đã chọn không còn; hãy tải lên lại."))
        PENDING.forget(request, token, path)
        return redirect("web:import")
    rows, parent_task, parent_task_error = _link_choices(request, entry, parent)
    if any(item.error for item in choices) or parent_task_error or any(r.error for r in rows):
        return _again(
            request, token, path, entry, choices, rows=rows, parent_task=parent_task,
            parent_task_error=parent_task_error,
        )  # fmt: skip

    chosen = _chosen_links(rows)
    links = None
    try:
        with transaction.atomic():
            summary = import_program(
                path=path,
                parent=parent.number if parent else None,
                parent_task=parent_task or None,
            )
            mapped = _map(targets)
            if not summary.unchanged:
                ProgramVersion.objects.filter(
                    program__number=summary.program, number=summary.version
                ).update(source_name=entry["name"][:400])
            if parent is not None:
                program = Program.objects.get(number=summary.program)
                links = link_lower_program(program=program, chosen=chosen)
    except (ParseError, ProgramImportError, MappingError, LineageError) as exc:
        return _again(
            request, token, path, entry, choices, rows=rows, parent_task=parent_task,
            error=f"{entry['name']}: {exc}",
        )  # fmt: skip
    PENDING.forget(request, token, path)
    program = Program.objects.get(number=summary.program)
    message = _summary_message(summary, mapped)
    if links is not None:
        message += " " + _links_message(program, links)
    if summary.unchanged:
        messages.info(request, message)
    else:
        messages.success(request, message)
    return redirect("web:program", pk=program.pk)


def _link_choices(
    request: HttpRequest, entry: dict, parent: Program | None
) -> tuple[list[LinkRow], str, str]:
    """The parent task and each task's link as the person left them on the preview, each
    checked against the parent program: the rows, the parent task key, its error."""
    if parent is None:
        return [], "", ""
    parent_task = request.POST.get("parent_task", entry.get("proposed_parent_task", "")).strip()
    parent_task_error = ""
    if parent_task and not _live_task(parent, parent_task):
        parent_task_error = _("Chương trình %(number)s không có nhiệm vụ “%(key)s”.") % {
            "number": parent.number,
            "key": parent_task,
        }
    live = set(parent.tasks.filter(withdrawn_in__isnull=True).values_list("key", flat=True))
    rows = []
    for index, key in enumerate(entry.get("link_keys", [])):
        default = entry["link_defaults"][index]
        row = LinkRow(
            index=index,
            proposal=Proposal(key=key, text=""),
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
    return rows, parent_task, parent_task_error


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


def _map(targets: dict[str, Organization]) -> int:
    """Map each unresolved name chosen onto its body; the number of names mapped."""
    mapped = 0
    for name, target in targets.items():
        body = Organization.objects.filter(unresolved=True, name_key=fold(name)).first()
        if body is not None:
            map_unresolved(unresolved=body, target=target)
            mapped += 1
    return mapped


def _again(
    request: HttpRequest,
    token: str,
    path: Path,
    entry: dict,
    choices: list[Unresolved],
    *,
    rows: list[LinkRow] | None = None,
    parent_task: str = "",
    parent_task_error: str = "",
    error: str = "",
) -> HttpResponse:
    """The preview once more, with what was chosen and what was wrong."""
    parent = Program.objects.filter(number=entry.get("parent") or "").first()
    preview = _preview(
        token, path, entry["name"], parent=parent, parent_task=entry.get("parent_task", "")
    )
    by_name = {item.name: item for item in choices}
    preview.unresolved = [by_name.get(item.name, item) for item in preview.unresolved]
    for i, item in enumerate(preview.unresolved):
        item.index = i
    entry["unresolved"] = [item.name for item in preview.unresolved]
    by_key = {row.proposal.key: row for row in rows or []}
    for row in preview.link_rows:
        before = by_key.get(row.proposal.key)
        if before is not None:
            row.chosen, row.typed, row.error = before.chosen, before.typed, before.error
    if parent is not None and parent_task:
        preview.parent_task = parent_task
    preview.parent_task_error = parent_task_error
    entry.update(_link_state(preview))
    PENDING.remember(request, token, entry)
    if error:
        preview.error = error
    return _show(request, preview)


def _summary_message(summary: ImportSummary, mapped: int) -> str:
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
    if mapped:
        text += " " + _("Đã gán %(n)s tên cơ quan vào danh mục.") % {"n": mapped}
    left = len(summary.unresolved) - mapped
    if left > 0:
        text += " " + _("Còn %(n)s tên cơ quan chưa xác định, gán sau ở trang quản trị.") % {
            "n": left
        }
    if summary.warnings:
        text += " " + _("%(n)s cảnh báo khi đọc văn bản.") % {"n": len(summary.warnings)}
    return text

"""Importing a program document: upload, check and correct, confirm. The one service the
web page, the API and ``theodoi import`` call.

An upload is read at once and kept as a ``PendingImport`` for its owner, for a day: the
parser's draft (``parsed``) and the draft as the office corrects it (``draft``, the same
JSON contract). Every correction is one call of ``correct`` (a field of a task, a body's
roles, merging, splitting, removing or adding tasks, a decision on a name the registry does
not know), saved at once and listed in order, so it survives a reload and the end of a
session. Nothing is tracked until ``confirm``: then, in one transaction, the bodies the
office created, the names it mapped (as aliases, when it asked), the program as corrected,
and the version records who confirmed it and every correction made.

A name the registry does not know is mapped to a body, created as a new body, or marked
"not a body" (a fragment of a name the parser split): a fragment is dropped from the tasks
and never becomes an alias. Two names of one task that end up meaning the same body are one
assignment with both roles.

The faces ask the permission policy (``IMPORT_PROGRAM``, which the office and administrators
hold) before calling: the policy sits above this layer. The fingerprint the version keeps is the parser's draft's (what the document says), so the
same file uploaded again is recognised as the same content, whatever was corrected.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from theodoi.acting import acting
from theodoi.orgs.models import Kind, Level, Organization, OrgGroup
from theodoi.orgs.registry import RESERVED_PREFIX, registry_from_database
from theodoi.orgs.resolve import MappingError, add_alias, lookup_name
from theodoi.parsing import ParseError, parse_file
from theodoi.parsing.model import ROLES, ProgramDraft, TimeSpec
from theodoi.parsing.text import fold, nfc
from theodoi.parsing.times import parse_time

from .importer import (
    ImportSummary,
    ProgramImportError,
    content_digest,
    existing_program,
    import_program,
    match_tasks,
    planned,
    read_limits,
)
from .lineage import THRESHOLD, LineageError, LinkResult, link_lower_program
from .models import PendingImport, Program, ReportingCycle
from .occurrences import Period, periods_for

KEEP_FOR = dt.timedelta(days=1)
TOKEN = re.compile(r"^[0-9a-f]{32}$")
NEW = "new:"  # the id of a body the office creates in the draft, until it is confirmed
OPTIONS = ("number", "amends", "parent", "parent_task")
# A sentence ends at ". ; ! ?" followed by a space, or at a line break.
_SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=\S)|\s*\n+\s*")
_DOING = ("advises", "implements", "leads", "coordinates")


class DraftError(ValueError):
    """A correction, upload or confirmation that cannot be done; the message says why."""


# ---- upload ----


def receive(
    *, user: Any, name: str, chunks: Iterable[bytes], options: dict[str, Any] | None = None
) -> PendingImport:
    """Read an uploaded document (its ``chunks`` of bytes, ``name`` as sent) and keep it for
    ``user`` to check: a DraftError with the parser's message when it cannot be read.
    ``options``: those of ``theodoi import`` (number, amends, parent, parent_task)."""
    options = _checked_options(options or {})
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1][:255] or "van-ban"
    with tempfile.TemporaryDirectory(prefix="theodoi-upload-") as folder:
        path = Path(folder) / f"document{Path(name).suffix.lower()}"
        with path.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
        draft = _read(path, name)
    remove_expired()
    parsed = draft.to_dict()
    data = draft.to_dict()
    names = _known_names(data)
    return PendingImport.objects.create(
        token=secrets.token_hex(16),
        owner=user,
        name=name,
        expires_at=timezone.now() + KEEP_FOR,
        options=options,
        parsed=parsed,
        draft=data,
        names=names,
    )


def affected_program(pending: PendingImport) -> Program:
    """The program confirming ``pending`` would change: the one it amends or imports again
    (same number), else the new one, unsaved, with the issuer and the upper program it
    names. What the faces ask the permission policy about: an office imports and amends its
    own committee's programs (and those below), not another committee's."""
    draft = draft_of(pending)
    options = pending.options
    existing = existing_program(
        draft, number=options.get("number") or None, amends=options.get("amends") or None
    )
    if existing is not None:
        return existing
    issuer = lookup_name(draft.issuer) if draft.issuer else None
    return Program(
        number="",
        title=draft.title or "",
        issuer=issuer if isinstance(issuer, Organization) else None,
        parent_program=Program.objects.filter(number=options.get("parent") or "").first(),
    )


def _read(path: Path, name: str) -> ProgramDraft:
    try:
        return parse_file(path, registry=registry_from_database(), limits=read_limits())
    except ParseError as exc:
        raise DraftError(f"{name}: {exc}") from None


def _checked_options(options: dict[str, Any]) -> dict[str, str]:
    """The import options as strings, each checked against the database as the import will."""
    chosen = {key: nfc(str(options.get(key) or "")).strip()[:100] for key in OPTIONS}
    if chosen["parent_task"] and not chosen["parent"]:
        raise DraftError(_("Chọn chương trình cấp trên trước khi ghi nhiệm vụ cấp trên."))
    if chosen["amends"] and not Program.objects.filter(number=chosen["amends"]).exists():
        raise DraftError(
            _("Không có chương trình số %(number)s để điều chỉnh.") % {"number": chosen["amends"]}
        )
    if chosen["parent"]:
        upper = Program.objects.filter(number=chosen["parent"]).first()
        if upper is None:
            raise DraftError(
                _("Không có chương trình cấp trên số %(number)s.") % {"number": chosen["parent"]}
            )
        key = chosen["parent_task"]
        if key and not upper.tasks.filter(key=key, withdrawn_in__isnull=True).exists():
            raise DraftError(
                _("Chương trình %(number)s không có nhiệm vụ “%(key)s”.")
                % {"number": upper.number, "key": key}
            )
    return chosen


def _known_names(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Give every name the database knows its body's code (names the parser read from its
    lexicon, or that an administrator mapped since); list the others, undecided."""
    unknown: dict[str, dict[str, Any]] = {}
    looked: dict[str, Organization | OrgGroup | None] = {}
    for task in data["tasks"]:
        for entry in task["assignments"]:
            if entry.get("id"):
                continue
            key = fold(entry["org"])
            if key not in looked:
                looked[key] = lookup_name(entry["org"])
            found = looked[key]
            if found is not None:
                entry["id"], entry["org"] = found.code, found.name
            else:
                entry["unknown"] = entry["org"]
                unknown.setdefault(key, {"name": entry["org"], "decision": ""})
    return unknown


def pending_for(*, user: Any, token: str) -> PendingImport | None:
    """``user``'s upload ``token``, still waiting; None for another person's, an id of another
    shape, or one confirmed, cancelled or past its day."""
    if not isinstance(token, str) or not TOKEN.match(token) or not getattr(user, "pk", None):
        return None
    return PendingImport.objects.filter(
        token=token, owner_id=user.pk, expires_at__gt=timezone.now()
    ).first()


def cancel(*, user: Any, pending: PendingImport) -> None:
    """Drop an upload without importing anything."""
    PendingImport.objects.filter(pk=pending.pk).delete()


def remove_expired() -> int:
    """Uploads nobody confirmed within their day; the number removed."""
    removed, _ = PendingImport.objects.filter(expires_at__lte=timezone.now()).delete()
    return removed


# ---- what the office sees ----


@dataclass
class BodyView:
    """One body named on a task, as the preview shows it."""

    index: int
    name: str
    written: str
    roles: list[str]
    code: str | None  # None: a name nobody has decided on yet
    group: bool = False
    new: bool = False  # created in this draft, stored at confirmation
    unknown: str = ""  # the name as the parser read it, when the registry did not know it


@dataclass
class TaskView:
    """One task of the draft, as it will be stored."""

    index: int
    id: str
    section: str
    section_title: str
    text: str
    bodies: list[BodyView]
    time_text: str
    time_kind: str
    periods: list[Period]
    review: list[dict[str, str]]
    previous: str = ""  # the task before it, which it can be merged into

    @property
    def lead(self) -> BodyView | None:
        leads = [b for b in self.bodies if "leads" in b.roles]
        return leads[0] if len(leads) == 1 else None

    @property
    def needs_review(self) -> bool:
        return bool(self.review)

    @property
    def sentences(self) -> list[str]:
        return sentences(self.text)


@dataclass
class Impact:
    """What confirming would do: a new program, a new version of one (tasks added, withdrawn,
    changed), or nothing (the same content again)."""

    number: str
    existing: Program | None
    tasks: int
    periods: int
    unchanged: bool = False
    version: int = 1  # the version confirming makes (the latest, when unchanged)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    error: str = ""


def task_views(pending: PendingImport) -> list[TaskView]:
    """Every task of the corrected draft with the dates it will owe."""
    data = pending.draft
    titles = {s["number"]: s["title"] for s in data["sections"]}
    context = _period_context(pending)
    views = [_view(index, task, titles, context) for index, task in enumerate(data["tasks"])]
    for before, view in pairwise(views):
        view.previous = before.id
    return views


def task_view(pending: PendingImport, task_id: str) -> TaskView:
    data = pending.draft
    index = _index(data, task_id)
    titles = {s["number"]: s["title"] for s in data["sections"]}
    view = _view(index, data["tasks"][index], titles, _period_context(pending))
    view.previous = data["tasks"][index - 1]["id"] if index else ""
    return view


def _period_context(pending: PendingImport) -> dict[str, Any]:
    data = pending.draft
    term = data.get("term")
    amended = Program.objects.filter(number=pending.options.get("amends") or "").first()
    return {
        "term": (term["start"], term["end"]) if term else None,
        "program_date": dt.date.fromisoformat(data["date"]) if data.get("date") else None,
        "cycle": amended.reporting_cycle if amended else ReportingCycle.HALF_YEAR,
    }


def _view(index: int, task: dict, titles: dict[str, str], context: dict) -> TaskView:
    bodies = [
        BodyView(
            index=i,
            name=entry["org"],
            written=entry.get("written") or entry["org"],
            roles=[r for r in ROLES if r in entry["roles"]],
            code=entry.get("id"),
            group=bool(entry.get("group")),
            new=(entry.get("id") or "").startswith(NEW),
            unknown=entry.get("unknown", "") if not entry.get("id") else "",
        )
        for i, entry in enumerate(task["assignments"])
        if not entry.get("fragment")
    ]
    return TaskView(
        index=index,
        id=task["id"],
        section=task["section"],
        section_title=titles.get(task["section"], ""),
        text=task["text"],
        bodies=bodies,
        time_text=task["time"].get("text") or "",
        time_kind=task["time"].get("kind") or "unknown",
        periods=periods_for(task["time"], task.get("milestones") or [], **context),
        review=_review(task, bodies),
    )


def _review(task: dict, bodies: list[BodyView]) -> list[dict[str, str]]:
    """What the parser was unsure of, and what the draft still lacks to be tracked as it
    should: a body that owes the work, one lead, a time understood, names decided."""
    found = list(task.get("review") or [])
    fields = {r["field"] for r in found}

    def add(field_name: str, reason: str) -> None:
        if field_name not in fields:
            found.append({"field": field_name, "reason": reason})
            fields.add(field_name)

    doers = [b for b in bodies if any(r in _DOING for r in b.roles)]
    leads = [b for b in bodies if "leads" in b.roles]
    if not bodies:
        add("assignments", _("Chưa có cơ quan nào được giao."))
    elif len(leads) > 1 or (not leads and len(doers) > 1):
        add("lead", _("Chưa rõ cơ quan chủ trì: văn phòng cần chỉ định một cơ quan."))
    if any(not b.code for b in bodies):
        add("assignments", _("Có tên cơ quan chưa xác định."))
    if task["time"].get("kind") == "unknown":
        add("time", _("Chưa hiểu thời gian: cần đặt thời hạn."))
    return found


def unknown_names(pending: PendingImport) -> list[dict[str, Any]]:
    """The names the registry did not know, each with the office's decision ("" undecided,
    "map", "new", "fragment") and the tasks that name it."""
    used: dict[str, list[str]] = {}
    for task in pending.draft["tasks"]:
        for entry in task["assignments"]:
            if entry.get("unknown"):
                used.setdefault(fold(entry["unknown"]), []).append(task["id"])
    return [
        {"key": key, **decision, "tasks": sorted(set(used.get(key, [])))}
        for key, decision in sorted(pending.names.items(), key=lambda item: item[1]["name"])
    ]


def impact(pending: PendingImport) -> Impact:
    """What confirming would do, found without writing (a page shows it on every view)."""
    draft = draft_of(pending)
    options = pending.options
    periods = sum(len(view.periods) * max(1, len(view.bodies)) for view in task_views(pending))
    try:
        existing, number = planned(draft, number=options.get("number") or None,
                                   amends=options.get("amends") or None)  # fmt: skip
    except ProgramImportError as exc:
        return Impact("", None, len(draft.tasks), periods, error=str(exc))
    result = Impact(number, existing, len(draft.tasks), periods)
    if existing is None:
        result.added = [t.id for t in draft.tasks]
        return result
    latest = existing.current_version
    result.version = (latest.number if latest else 0) + 1
    if latest is not None and latest.source_sha256 == content_digest(_parsed(pending)):
        result.unchanged, result.version = True, latest.number
        return result
    old = list(existing.tasks.filter(withdrawn_in__isnull=True).select_related("section"))
    pairs = match_tasks(old, draft.tasks)
    matched = {task.pk for task in pairs.values()}
    for position, item in enumerate(draft.tasks):
        task = pairs.get(position)
        if task is None:
            result.added.append(item.id)
        elif task.text != item.text or task.time != item.time.to_dict():
            result.changed.append(item.id)
    result.removed = [task.key for task in old if task.pk not in matched]
    return result


def draft_of(pending: PendingImport) -> ProgramDraft:
    """The corrected draft as the importer takes it (fragments dropped)."""
    data = {**pending.draft, "tasks": []}
    for task in pending.draft["tasks"]:
        entries = [e for e in task["assignments"] if not e.get("fragment")]
        data["tasks"].append({**task, "assignments": entries})
    return ProgramDraft.from_dict(data)


def _parsed(pending: PendingImport) -> ProgramDraft:
    return ProgramDraft.from_dict(pending.parsed)


# ---- corrections ----


def correct(*, user: Any, pending: PendingImport, op: str, **values: Any) -> list[str]:
    """Apply one correction to ``pending``'s draft and save it; the ids of the tasks to show
    again (for a removed or merged task, its neighbours). A DraftError, and nothing changed,
    when the correction cannot be made as asked.

    ``op`` and its values: "text" (task, text), "section" (task, section), "time" (task,
    text: as a document writes it), "lead" (task, body), "add_body" (task, body, role),
    "remove_body" (task, index), "roles" (task, index, roles), "merge" (task, other),
    "split" (task, at: the sentence the second task starts with, from 1), "remove" (task),
    "add" (section, text, after: a task id or ""), "map" (name, body, alias), "create"
    (name, body_name, kind, level, parent), "fragment" (name), "undecide" (name).
    A body is a code of the registry, or of a body created in this draft."""
    handler = _OPS.get(op)
    if handler is None:
        raise DraftError(_("Không có thao tác sửa “%(op)s”.") % {"op": op})
    with transaction.atomic():
        pending = PendingImport.objects.select_for_update().get(pk=pending.pk)
        data = pending.draft
        before = _snapshot(data, values.get("task"))
        shown = handler(pending, data, **values)
        pending.corrections = [
            *pending.corrections,
            {
                "at": timezone.now().isoformat(timespec="seconds"),
                "by": user.get_username(),
                "op": op,
                **{k: v for k, v in values.items() if isinstance(v, str | int | bool | list)},
                "before": before,
            },
        ]
        pending.save(update_fields=["draft", "corrections", "names"])
    return shown


def _snapshot(data: dict, task_id: Any) -> dict | None:
    if not isinstance(task_id, str):
        return None
    for task in data["tasks"]:
        if task["id"] == task_id:
            return {"text": task["text"], "time": task["time"].get("text", ""),
                    "bodies": [(e["org"], e["roles"]) for e in task["assignments"]]}  # fmt: skip
    return None


def _index(data: dict, task_id: Any) -> int:
    for index, task in enumerate(data["tasks"]):
        if task["id"] == task_id:
            return index
    raise DraftError(_("Không có nhiệm vụ “%(id)s” trong bản đọc.") % {"id": task_id})


def _task(data: dict, task_id: Any) -> dict:
    return data["tasks"][_index(data, task_id)]


def _clear_review(task: dict, *fields: str) -> None:
    task["review"] = [r for r in task.get("review") or [] if r["field"] not in fields]


def _op_text(pending, data, *, task, text="") -> list[str]:
    item = _task(data, task)
    text = " ".join(nfc(str(text)).split())
    if not text:
        raise DraftError(_("Nội dung nhiệm vụ không được để trống."))
    item["text"] = text
    _clear_review(item, "text")
    return [item["id"]]


def _op_section(pending, data, *, task, section="") -> list[str]:
    item = _task(data, task)
    numbers = {s["number"] for s in data["sections"]}
    if section not in numbers:
        raise DraftError(_("Không có mục “%(n)s” trong văn bản.") % {"n": section})
    item["section"] = section
    return [item["id"]]


def _op_time(pending, data, *, task, text="") -> list[str]:
    item = _task(data, task)
    text = " ".join(nfc(str(text)).split())
    if not text:
        raise DraftError(
            _("Ghi thời gian như văn bản viết, vd “Quý IV/2025”, “Hằng năm”, “30/6/2026”.")
        )
    term = data.get("term")
    year = int(data["date"][:4]) if data.get("date") else None
    spec = parse_time(text, term=(term["start"], term["end"]) if term else None, year=year)
    if spec.kind == "unknown":
        raise DraftError(
            _(
                "Không hiểu thời gian “%(text)s”. Ghi như văn bản viết, vd “Quý IV/2025”, "
                "“Hằng năm”, “Trước 30/6/2026”, “Thường xuyên”."
            )
            % {"text": text}
        )
    # A milestone that restates the old time ("Thời gian: trong năm 2026 theo kế hoạch ...")
    # goes with it; the others are dates of their own.
    old = fold(item["time"].get("text") or "")
    if old:
        item["milestones"] = [
            m for m in item.get("milestones") or [] if old not in fold(m.get("text") or "")
        ]
    item["time"] = spec.to_dict()
    _clear_review(item, "time")
    return [item["id"]]


def _body(pending: PendingImport, code: Any) -> tuple[str, str, bool]:
    """(id, name, group) of a body chosen by its code: a registry body or group, or one this
    draft creates."""
    code = str(code or "").strip()
    if code.startswith(NEW):
        for decision in pending.names.values():
            if decision.get("decision") == "new" and NEW + decision["code"] == code:
                return code, decision["body_name"], False
    elif code and not code.startswith(RESERVED_PREFIX):
        org = Organization.objects.filter(code=code, unresolved=False).first()
        if org is not None:
            return org.code, org.name, False
        group = OrgGroup.objects.filter(code=code).first()
        if group is not None:
            return group.code, group.name, True
    raise DraftError(_("Không có cơ quan mã “%(code)s” trong danh mục.") % {"code": code})


def _entry(item: dict, code: str, name: str, group: bool) -> dict:
    for entry in item["assignments"]:
        if entry.get("id") == code and not entry.get("fragment"):
            return entry
    entry = {"org": name, "roles": [], "group": group, "id": code, "written": name,
             "inferred": False}  # fmt: skip
    item["assignments"].append(entry)
    return entry


def _op_lead(pending, data, *, task, body="") -> list[str]:
    item = _task(data, task)
    code, name, group = _body(pending, body)
    if group:
        raise DraftError(_("Cơ quan chủ trì là một cơ quan, không phải một nhóm cơ quan."))
    chosen = _entry(item, code, name, group)
    for entry in item["assignments"]:
        if entry is chosen or "leads" not in entry["roles"]:
            continue
        # The lead the document named ("X chủ trì": leads, implements) now coordinates.
        kept = [r for r in entry["roles"] if r not in ("leads", "implements", "coordinates")]
        entry["roles"] = [r for r in ROLES if r in {*kept, "coordinates"}]
    if "leads" not in chosen["roles"]:
        chosen["roles"].append("leads")
    chosen["roles"] = [r for r in chosen["roles"] if r != "coordinates"]
    _clear_review(item, "lead", "assignments")
    return [item["id"]]


def _op_add_body(pending, data, *, task, body="", role="coordinates") -> list[str]:
    if role not in ROLES:
        raise DraftError(_("Vai trò không hợp lệ: %(role)s.") % {"role": role})
    if role == "leads":
        return _op_lead(pending, data, task=task, body=body)
    item = _task(data, task)
    entry = _entry(item, *_body(pending, body))
    if role not in entry["roles"]:
        entry["roles"].append(role)
    _clear_review(item, "assignments")
    return [item["id"]]


def _visible_entry(item: dict, index: Any) -> dict:
    entries = [e for e in item["assignments"] if not e.get("fragment")]
    try:
        return entries[int(index)]
    except (ValueError, TypeError, IndexError):
        raise DraftError(_("Nhiệm vụ không có cơ quan thứ %(n)s.") % {"n": index}) from None


def _op_remove_body(pending, data, *, task, index=-1) -> list[str]:
    item = _task(data, task)
    entry = _visible_entry(item, index)
    item["assignments"].remove(entry)
    return [item["id"]]


def _op_roles(pending, data, *, task, index=-1, roles=()) -> list[str]:
    item = _task(data, task)
    entry = _visible_entry(item, index)
    wanted = [r for r in ROLES if r in set(roles or ())]
    if not wanted or len(wanted) != len(set(roles)):
        raise DraftError(_("Chọn ít nhất một vai trò hợp lệ cho cơ quan."))
    if "leads" in wanted and entry.get("id"):
        _op_lead(pending, data, task=task, body=entry["id"])
    entry["roles"] = wanted
    _clear_review(item, "assignments", "lead")
    return [item["id"]]


def _op_merge(pending, data, *, task, other="") -> list[str]:
    """``other`` joins ``task``: its text after, its bodies (roles merged), its milestones;
    its time when ``task``'s was not understood."""
    first, second = _task(data, task), _task(data, other)
    if first is second:
        raise DraftError(_("Chọn hai nhiệm vụ khác nhau để gộp."))
    first["text"] = f"{first['text']} {second['text']}"
    has_lead = any("leads" in e["roles"] for e in first["assignments"] if not e.get("fragment"))
    for entry in second["assignments"]:
        if has_lead and "leads" in entry["roles"]:  # one lead: the first task's
            entry = {**entry, "roles": [r for r in entry["roles"] if r not in ("leads",
                     "implements")] + ["coordinates"]}  # fmt: skip
        same = next(
            (e for e in first["assignments"] if _same_body(e, entry) and not e.get("fragment")),
            None,
        )
        if same is None:
            first["assignments"].append(entry)
        else:
            same["roles"] = _merged_roles(same["roles"], entry["roles"])
    if first["time"].get("kind") == "unknown" and second["time"].get("kind") != "unknown":
        first["time"] = second["time"]
    first["milestones"] = [*first.get("milestones", []), *second.get("milestones", [])]
    first["review"] = [*first.get("review", []), *second.get("review", [])]
    data["tasks"].remove(second)
    _dedupe(first)
    return [first["id"]]


def _same_body(a: dict, b: dict) -> bool:
    if a.get("id") or b.get("id"):
        return a.get("id") == b.get("id")
    return fold(a["org"]) == fold(b["org"])


def sentences(text: str) -> list[str]:
    """A task's text cut into sentences, as a split offers them."""
    return [piece for piece in _SENTENCE.split(text) if piece.strip()]


def _op_split(pending, data, *, task, at=0) -> list[str]:
    item = _task(data, task)
    pieces = sentences(item["text"])
    try:
        at = int(at)
    except (TypeError, ValueError):
        at = 0
    if not 1 <= at < len(pieces):
        raise DraftError(
            _("Chỉ tách được ở đầu một câu từ câu thứ 2 đến câu thứ %(n)s.") % {"n": len(pieces)}
            if len(pieces) > 1
            else _("Nhiệm vụ chỉ có một câu; không tách được.")
        )
    second = {
        **item,
        "id": _new_id(data, item["id"]),
        "text": " ".join(pieces[at:]),
        "assignments": [dict(e, roles=list(e["roles"])) for e in item["assignments"]],
        "time": dict(item["time"]),
        "milestones": [],
        "review": [],
        "line": item.get("line"),
    }
    item["text"] = " ".join(pieces[:at])
    data["tasks"].insert(data["tasks"].index(item) + 1, second)
    return [item["id"], second["id"]]


def _new_id(data: dict, base: str) -> str:
    taken = {t["id"] for t in data["tasks"]}
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _op_remove(pending, data, *, task) -> list[str]:
    data["tasks"].pop(_index(data, task))
    return []


def _op_add(pending, data, *, section="", text="", after="") -> list[str]:
    numbers = [s["number"] for s in data["sections"]]
    if section not in numbers and not (section == "" and not numbers):
        raise DraftError(_("Không có mục “%(n)s” trong văn bản.") % {"n": section})
    text = " ".join(nfc(str(text)).split())
    if not text:
        raise DraftError(_("Nội dung nhiệm vụ không được để trống."))
    position = _index(data, after) + 1 if after else len(data["tasks"])
    item = {
        "id": _new_id(data, section or "NV"),
        "section": section,
        "text": text,
        "assignments": [],
        "time": TimeSpec("").to_dict(),
        "milestones": [],
        "line": None,
        "product": None,
        "review": [{"field": "assignments", "reason": _("Nhiệm vụ văn phòng thêm: chọn cơ quan.")}],
    }
    data["tasks"].insert(position, item)
    return [item["id"]]


def _decided(pending: PendingImport, name: str) -> tuple[str, dict]:
    key = fold(nfc(str(name or "")))
    decision = pending.names.get(key)
    if decision is None:
        raise DraftError(_("“%(name)s” không phải tên chưa xác định của bản đọc.") % {"name": name})
    return key, decision


def _repoint(data: dict, key: str, *, code: str | None, name: str, fragment: bool) -> list[str]:
    """Every entry written with the unknown name ``key`` now means ``code`` (None: nobody
    decided), or is a fragment; tasks that name a body twice get one entry."""
    touched = []
    for task in data["tasks"]:
        hit = False
        written = set()
        for entry in task["assignments"]:
            if fold(entry.get("unknown", "")) != key:
                continue
            hit = True
            written |= {fold(entry.get("written") or entry["unknown"]), key}
            entry["id"] = code
            entry["org"] = name
            entry["fragment"] = fragment
        if hit:
            # The parser's "not in the registry: <name>." is answered by the decision (and
            # ``_review`` says again what is still undecided, after "Chọn lại").
            task["review"] = [
                r
                for r in task.get("review") or []
                if not (
                    r["field"] == "assignments"
                    and any(fold(r["reason"]).endswith(f": {n}.") for n in written)
                )
            ]
            _dedupe(task)
            touched.append(task["id"])
    return touched


def _dedupe(task: dict) -> None:
    """One entry per body: roles merged (mapping two names of a task to one body)."""
    kept: list[dict] = []
    for entry in task["assignments"]:
        same = None
        if entry.get("id") and not entry.get("fragment"):
            same = next((k for k in kept if k.get("id") == entry["id"]), None)
        if same is None:
            kept.append(entry)
        else:
            same["roles"] = _merged_roles(same["roles"], entry["roles"])
            same["inferred"] = bool(same.get("inferred") and entry.get("inferred"))
    task["assignments"] = kept


def _merged_roles(first: list[str], second: list[str]) -> list[str]:
    """A body named twice has both roles, except that the lead does not also coordinate."""
    roles = {*first, *second}
    if "leads" in roles:
        roles.discard("coordinates")
    return [r for r in ROLES if r in roles]


def _op_map(pending, data, *, name="", body="", alias=False) -> list[str]:
    key, decision = _decided(pending, name)
    code, body_name, _group = _body(pending, body)
    decision.update(decision="map", code=code, body_name=body_name, alias=bool(alias))
    return _repoint(data, key, code=code, name=body_name, fragment=False)


def _op_create(pending, data, *, name="", body_name="", kind="", level="", parent="") -> list[str]:
    key, decision = _decided(pending, name)
    body_name = " ".join(nfc(str(body_name or decision["name"])).split())[:300]
    if not body_name:
        raise DraftError(_("Ghi tên cơ quan mới."))
    if kind and kind not in Kind.values:
        raise DraftError(_("Loại cơ quan không hợp lệ: %(kind)s.") % {"kind": kind})
    if level and level not in Level.values:
        raise DraftError(_("Cấp không hợp lệ: %(level)s.") % {"level": level})
    known = lookup_name(body_name)
    if known is not None:
        raise DraftError(
            _("Danh mục đã có “%(name)s” (mã %(code)s): hãy chọn cơ quan này.")
            % {"name": known.name, "code": known.code}
        )
    if parent:
        parent_code, _name, group = _body(pending, parent)
        if group or parent_code.startswith(NEW):
            raise DraftError(_("Cơ quan cấp trên phải là một cơ quan đã có trong danh mục."))
    code = _new_code(pending, body_name)
    decision.update(decision="new", code=code, body_name=body_name, kind=kind or Kind.OTHER,
                    level=level, parent=parent or "", alias=False)  # fmt: skip
    return _repoint(data, key, code=NEW + code, name=body_name, fragment=False)


def _new_code(pending: PendingImport, name: str) -> str:
    from django.utils.text import slugify

    base = (slugify(fold(name)) or "co-quan")[:100]
    taken = {d.get("code") for d in pending.names.values() if d.get("decision") == "new"}
    code, n = base, 2
    while code in taken or Organization.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


def _op_fragment(pending, data, *, name="") -> list[str]:
    key, decision = _decided(pending, name)
    decision.update(decision="fragment", code="", alias=False)
    return _repoint(data, key, code=None, name=decision["name"], fragment=True)


def _op_undecide(pending, data, *, name="") -> list[str]:
    key, decision = _decided(pending, name)
    decision.update(decision="", code="", alias=False)
    return _repoint(data, key, code=None, name=decision["name"], fragment=False)


_OPS = {
    "text": _op_text,
    "section": _op_section,
    "time": _op_time,
    "lead": _op_lead,
    "add_body": _op_add_body,
    "remove_body": _op_remove_body,
    "roles": _op_roles,
    "merge": _op_merge,
    "split": _op_split,
    "remove": _op_remove,
    "add": _op_add,
    "map": _op_map,
    "create": _op_create,
    "fragment": _op_fragment,
    "undecide": _op_undecide,
}


class _Rollback(Exception):
    def __init__(self, links: LinkResult | None) -> None:
        self.links = links


def proposed_links(pending: PendingImport) -> LinkResult | None:
    """For a lower-level program (one uploaded with its parent program): the parent task
    of the program and of each task theodoi would link, found by importing the draft as
    corrected in a transaction that is then rolled back. None for any other program."""
    if not pending.options.get("parent"):
        return None
    try:
        with transaction.atomic():
            done = _store(
                draft_of(pending), user=None, digest=content_digest(_parsed(pending)),
                source_name=pending.name, corrections=[], options=pending.options, links=None,
                threshold=THRESHOLD,
            )  # fmt: skip
            raise _Rollback(done.links)
    except _Rollback as rolled_back:
        return rolled_back.links
    except DraftError:
        return None


# ---- confirmation ----


@dataclass
class Confirmed:
    program: Program
    summary: ImportSummary
    links: LinkResult | None = None
    created: list[Organization] = field(default_factory=list)
    aliases: int = 0


def confirm(
    *,
    user: Any,
    pending: PendingImport,
    links: dict[str, str] | None = None,
    threshold: int = THRESHOLD,
) -> Confirmed:
    """Import ``pending`` as corrected, in one transaction, and drop it. ``links``: for a
    lower-level program, task key -> parent task key chosen by the person ("" for none)."""
    with transaction.atomic(), acting(user):
        pending = PendingImport.objects.select_for_update().get(pk=pending.pk)
        created = _create_bodies(pending)
        aliases = _remember_aliases(pending)
        draft = draft_of(pending)
        result = _store(
            draft,
            user=user,
            digest=content_digest(_parsed(pending)),
            source_name=pending.name,
            corrections=pending.corrections,
            options=pending.options,
            links=links,
            threshold=threshold,
        )
        result.created, result.aliases = created, aliases
        pending.delete()
    return result


def import_file(
    *,
    path: str | Path,
    user: Any = None,
    options: dict[str, Any] | None = None,
    links: dict[str, str] | None = None,
    threshold: int = THRESHOLD,
    progress: Any = None,
) -> Confirmed:
    """``theodoi import``: read and store a document at once, uncorrected, by the person at
    the server's console (``user`` None) or for ``user``. Same rules as ``confirm``."""
    chosen = {key: (str(v).strip() if v else "") for key, v in (options or {}).items()}
    draft = _read(Path(path), Path(path).name)
    with transaction.atomic():
        return _store(
            draft, user=user, digest=content_digest(draft), source_name=Path(path).name,
            corrections=[], options=chosen, links=links, threshold=threshold, progress=progress,
        )  # fmt: skip


def _store(
    draft: ProgramDraft,
    *,
    user: Any,
    digest: str,
    source_name: str,
    corrections: list,
    options: dict[str, str],
    links: dict[str, str] | None,
    threshold: int,
    progress: Any = None,
) -> Confirmed:
    if not draft.tasks:
        raise DraftError(
            _(
                "%(name)s: không đọc được nhiệm vụ nào, nên không nhập được. Văn bản có phải là "
                "chương trình, kế hoạch giao nhiệm vụ không (không phải báo cáo, công văn)? Nếu "
                "phải, hãy thêm nhiệm vụ trước khi xác nhận."
            )
            % {"name": source_name}
        )
    try:
        summary = import_program(
            draft=draft,
            digest=digest,
            source_name=source_name,
            author=user,
            corrections=corrections,
            number=options.get("number") or None,
            amends=options.get("amends") or None,
            parent=options.get("parent") or None,
            parent_task=options.get("parent_task") or None,
            progress=progress,
        )
        program = Program.objects.get(number=summary.program)
        result = Confirmed(program, summary)
        if program.parent_program_id is not None:  # also unchanged: --link choices
            result.links = link_lower_program(
                program=program, chosen=links or {}, threshold=threshold
            )
    except (ProgramImportError, LineageError, MappingError) as exc:
        raise DraftError(f"{source_name}: {exc}") from None
    return result


def _create_bodies(pending: PendingImport) -> list[Organization]:
    """The bodies the office created in the draft, stored now, and their ids in the draft
    replaced by their codes."""
    created = []
    for decision in pending.names.values():
        if decision.get("decision") != "new":
            continue
        parent = None
        if decision.get("parent"):
            parent = Organization.objects.filter(code=decision["parent"]).first()
        code = decision["code"]
        if Organization.objects.filter(code=code).exists():
            raise DraftError(
                _("Mã %(code)s vừa được dùng cho cơ quan khác; hãy tạo lại cơ quan “%(name)s”.")
                % {"code": code, "name": decision["body_name"]}
            )
        created.append(
            Organization.objects.create(
                code=code,
                name=decision["body_name"],
                kind=decision.get("kind") or Kind.OTHER,
                level=decision.get("level") or "",
                parent=parent,
            )
        )
        for task in pending.draft["tasks"]:
            for entry in task["assignments"]:
                if entry.get("id") == NEW + code:
                    entry["id"] = code
    return created


def _remember_aliases(pending: PendingImport) -> int:
    """The names the office mapped and asked to remember become aliases of their bodies
    (the next document is read with them); a fragment never does."""
    count = 0
    for decision in pending.names.values():
        if decision.get("decision") == "map" and decision.get("alias"):
            target = Organization.objects.filter(code=decision["code"]).first()
            if target is not None:
                try:
                    add_alias(name=decision["name"], target=target)
                except MappingError as exc:
                    raise DraftError(str(exc)) from None
                count += 1
    return count


# ---- what may be uploaded (the web page and the API) ----

# The parser reads the content; the suffix only names the type (.doc is accepted so that the
# parser can say what to do with it).
SUFFIXES = (".docx", ".pdf", ".md", ".markdown", ".txt", ".doc")
MAX_BYTES = 20 * 1024 * 1024


def max_bytes() -> int:
    """The largest upload accepted: setting THEODOI_IMPORT_MAX_BYTES, by default 20 MB."""
    return int(getattr(settings, "THEODOI_IMPORT_MAX_BYTES", MAX_BYTES))

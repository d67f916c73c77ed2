"""The office correcting a tracked program: a task's lead, its bodies, its time, its text; a
task withdrawn; a task the document forgot, added.

Each change is an amendment of the program: a new ``ProgramVersion`` (``how`` OFFICE) with
who made it, when, why (``reason``, required) and what changed (``changes``: one dict per
field, ``{"task", "task_id", "field", "before", "after"}``, field one of lead, coordinators,
time, text, added, withdrawn). The version keeps the previous one's ``source_sha256``: the
document it amends is still the same document, so uploading it again is still "unchanged".
The task names the version (``changed_in``, ``added_in``, ``withdrawn_in``).

The change speaks from its day (today, in the project's time zone) on; nothing before it is
rewritten:

- Open periods the task no longer gives a body (a new time, a body removed) are withdrawn
  from that day (``Occurrence.withdrawn_on``): a status as of an earlier day reads them as
  the work they then were. Periods done stay done. Nothing is deleted, no report moves.
- Periods newly given (a new time, a body added, a new lead) are owed only when due on or
  after that day. A time that gives no period from that day on is refused: such a task is
  withdrawn, not given a past deadline.
- One occurrence per assignment and period (due date, label): a period given again after
  the time moved away and back is the same row, reopened with whatever was reported on it.
- A body removed from the task keeps its assignment row as history, ended the day before
  the change (``Assignment.active_to``, as a reorganisation ends a predecessor's row): it is
  then no longer among the bodies that owe work (``importer.owing``), may not be chosen as
  lead (``choose_lead``, ``lead_candidates``), and gets no period from a later change. The
  figures read occurrences only, so its withdrawn periods count as owed before the day and
  as withdrawn from it. A body added, or added back, gets a new row owing from the day
  (``active_from``).

One transaction per change; the permission policy (``AMEND_PROGRAM``) is asked inside it,
on the locked task; errors are ``AmendmentError`` with a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from theodoi.acting import acting
from theodoi.orgs.choose import find_bodies
from theodoi.orgs.models import Organization
from theodoi.parsing.model import TimeSpec
from theodoi.parsing.times import parse_time

from .importer import (
    _summary_of,
    owed_by_predecessors,
    owing,
    sync_occurrences,
    task_periods,
)
from .models import DOING_ROLES, Assignment, Occurrence, Program, ProgramVersion, Section, Task
from .occurrences import Period
from .signals import assignments_changed
from .succession import Successions

__all__ = [
    "AmendmentError",
    "add_task",
    "amend_task",
    "find_body",
    "office_versions_of",
    "read_time",
    "withdraw_task",
]

OPEN = Occurrence.Status.OPEN
WITHDRAWN = Occurrence.Status.WITHDRAWN
EXAMPLES = "“30/6/2027”, “Quý IV/2027”, “Hằng năm”, “Trước 31/12/2027”"


class AmendmentError(ValueError):
    """A change that cannot be made as asked; the message says why, for a person."""


# --- Reading what the office typed ----------------------------------------------------------


def find_body(typed: str | Organization) -> Organization:
    """The registry body a person chose: by its code, else the one body whose name, code or
    other name matches what was typed. Names the registry does not know (unresolved) are
    not offered: the office chooses a real body."""
    if isinstance(typed, Organization):
        if typed.unresolved:
            raise AmendmentError(
                f"{typed.name} là tên chưa xác định trong danh mục; hãy chọn một cơ quan"
                " trong danh mục."
            )
        return typed
    text = (typed or "").strip()
    if not text:
        raise AmendmentError("Cần chọn một cơ quan trong danh mục.")
    body = Organization.objects.filter(code=text, unresolved=False).first()
    if body is not None:
        return body
    found = list(find_bodies(text, limit=2))
    if len(found) == 1:
        return found[0]
    if not found:
        raise AmendmentError(f"Không có cơ quan “{text}” trong danh mục.")
    raise AmendmentError(
        f"Có nhiều cơ quan khớp với “{text}”; hãy chọn đúng một cơ quan trong danh sách."
    )


def read_time(
    program: Program, text: str, *, on: dt.date | None = None
) -> tuple[TimeSpec, list[Period]]:
    """The time as typed ("30/6/2027", "Quý IV/2027", "Hằng năm") read as a document's, with
    the periods it gives from ``on`` (today) on. The program's term is what "Hằng năm" and
    "Trong nhiệm kỳ" run through; a day written without a year falls in the year of the
    change (the office writes as of today). Refused when not understood, or when it gives
    no period from that day on."""
    day = on or timezone.localdate()
    typed = " ".join((text or "").split())
    if not typed:
        raise AmendmentError(f"Cần ghi thời gian thực hiện, ví dụ {EXAMPLES}.")
    term = (program.term_start, program.term_end) if program.term_start else None
    spec = parse_time(typed, term=term, year=day.year)
    if spec.kind == "unknown":
        raise AmendmentError(
            f"Chưa hiểu thời gian “{typed}”; hãy viết như văn bản ghi, ví dụ {EXAMPLES}."
        )
    probe = Task(program=program, time=spec.to_dict(), milestones=[])
    periods = [p for p in task_periods(probe) if p.due >= day]
    if not periods:
        raise AmendmentError(
            f"Thời gian “{typed}” không cho kỳ thực hiện nào từ ngày {day:%d/%m/%Y} trở đi"
            " (việc sửa chỉ có hiệu lực từ hôm nay). Nếu nhiệm vụ không còn phải thực hiện,"
            " hãy bãi bỏ nhiệm vụ."
        )
    return spec, periods


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise AmendmentError("Cần ghi lý do sửa: lý do được lưu cùng lần điều chỉnh chương trình.")
    return text


def _live(body: Organization, day: dt.date) -> Organization:
    if body.valid_to is not None and body.valid_to < day:
        raise AmendmentError(
            f"{body.name} đã thôi hoạt động từ ngày {body.valid_to + dt.timedelta(days=1):%d/%m/%Y};"
            " hãy chọn cơ quan tiếp nhận công việc của cơ quan này."
        )
    if body.valid_from is not None and body.valid_from > day:
        raise AmendmentError(f"{body.name} chỉ hoạt động từ ngày {body.valid_from:%d/%m/%Y}.")
    return body


# --- One change to one task ---------------------------------------------------------------


@dataclass
class _Change:
    """A task being changed on ``day``: its rows, what changed, the rows whose owing to look
    at again."""

    task: Task
    day: dt.date
    rows: list[Assignment]
    entries: list[dict[str, Any]] = field(default_factory=list)
    task_fields: set[str] = field(default_factory=set)
    time_changed: bool = False

    def note(self, name: str, before: str, after: str, **extra: Any) -> None:
        self.entries.append(
            {"task": self.task.key, "task_id": self.task.pk, "field": name,
             "before": before, "after": after, **extra}
        )  # fmt: skip

    def active(self, body: Organization) -> Assignment | None:
        """The body's current row on the task: named on the task itself first, else
        through a group."""
        rows = [r for r in self.rows if r.organization_id == body.pk and r.active_to is None]
        rows.sort(key=lambda r: (r.via_group_id is not None, r.pk or 0))
        return rows[0] if rows else None

    def new_row(self, body: Organization, **roles: bool) -> Assignment:
        row = Assignment(
            task=self.task, organization=body, written=body.name[:400], active_from=self.day,
            **roles,
        )  # fmt: skip
        self.rows.append(row)
        return row


def _others(change: _Change, lead_id: int | None) -> list[str]:
    """The names of the bodies that owe work on the task besides the lead: what the
    "coordinators" line of a change lists."""
    names = {
        r.organization.name
        for r in change.rows
        if r.organization_id is not None
        and r.active_to is None
        and r.owes_work
        and r.organization_id != lead_id
    }
    return sorted(names)


def _on_task(change: _Change, typed: Organization | str) -> Organization:
    """A body to remove: one on the task, by code (a name the registry does not know
    included: the document named it, the office takes it off), else as ``find_body``."""
    if isinstance(typed, Organization):
        return typed
    code = (typed or "").strip()
    for row in change.rows:
        if row.organization_id is not None and row.organization.code == code:
            return row.organization
    return find_body(code)


def _set_lead(change: _Change, body: Organization) -> None:
    """``body`` leads; the others lose the role (a former lead with nothing else to do stays
    on the task coordinating, so it still owes its reports, as ``designate_lead`` does). A
    body not yet on the task is added, owing from the day."""
    task = change.task
    if task.lead_id == body.pk and not task.needs_lead:
        return
    before = task.lead.name if task.lead_id else ""
    row = change.active(body)
    if row is None:
        row = change.new_row(body, leads=True)
    else:
        row.leads = True
    for other in change.rows:
        if other is row or not other.leads or other.active_to is not None:
            continue
        other.leads = False
        if other.organization_id is not None and not any(
            getattr(other, role) for role in DOING_ROLES
        ):
            other.coordinates = True
    task.lead, task.needs_lead = body, False
    change.task_fields |= {"lead", "needs_lead"}
    change.note("lead", before, body.name)


def _set_bodies(
    change: _Change,
    add: list[Organization],
    remove: list[Organization],
    lead_id: int | None,
    before: list[str],
) -> None:
    """Coordinating bodies added (a new row from the day, or the coordinating role on a row
    that only directs); bodies removed (their row ended the day before: see the module's
    docstring). The lead is not removed: another lead is designated first, or at once."""
    adding = {b.pk for b in add}
    for body in remove:
        if body.pk in adding:
            raise AmendmentError(f"{body.name} vừa được thêm vừa bị bỏ; hãy chọn một.")
    added, removed = [], []
    for body in add:
        if body.pk == lead_id:
            raise AmendmentError(f"{body.name} là cơ quan chủ trì của nhiệm vụ này.")
        row = change.active(body)
        if row is not None and row.owes_work:
            raise AmendmentError(f"{body.name} đã được giao thực hiện nhiệm vụ này.")
        if row is None:
            change.new_row(body, coordinates=True)
        else:
            row.coordinates = True
        added.append(body.name)
    for body in remove:
        if body.pk == lead_id:
            raise AmendmentError(
                f"{body.name} là cơ quan chủ trì; muốn bỏ, hãy chỉ định cơ quan chủ trì khác"
                " trước (hoặc cùng lúc)."
            )
        rows = [r for r in change.rows if r.organization_id == body.pk and r.active_to is None]
        if not rows:
            raise AmendmentError(f"{body.name} không có trên nhiệm vụ này.")
        for row in rows:
            row.active_to = change.day - dt.timedelta(days=1)
            row.leads = False
        removed.append(body.name)
    if added or removed:
        change.note(
            "coordinators", "; ".join(before), "; ".join(_others(change, lead_id)),
            added=added, removed=removed,
        )  # fmt: skip


def _set_time(change: _Change, text: str) -> None:
    task = change.task
    spec, _ = read_time(task.program, text, on=change.day)
    if spec.to_dict() == task.time and not task.needs_time:
        return
    before = task.time_text
    task.time = spec.to_dict()
    task.time_text = spec.text[:500]
    task.time_kind = spec.kind
    task.needs_time = False
    change.task_fields |= {"time", "time_text", "time_kind", "needs_time"}
    change.time_changed = True
    change.note("time", before, task.time_text)


def _set_text(change: _Change, text: str) -> None:
    task = change.task
    new = (text or "").strip()
    if not new:
        raise AmendmentError("Nội dung nhiệm vụ không được để trống.")
    if new == task.text:
        return
    change.note("text", task.text, new)
    task.text = new
    change.task_fields.add("text")


def _owe(change: _Change, owed_before: set[int]) -> None:
    """Save the rows and bring the occurrences up to the change, from its day on: rows that
    no longer owe work lose their open periods, rows that newly owe get the periods due from
    the day, and every owing row gets the new time's periods when the time changed."""
    task = change.task
    for row in change.rows:
        row.save()
    owing_now = owing(change.rows)
    now = {r.pk for r in owing_now}
    ended = [r.pk for r in change.rows if r.pk in owed_before and r.pk not in now]
    Occurrence.objects.filter(assignment__in=ended, status=OPEN).update(
        status=WITHDRAWN, withdrawn_on=change.day
    )
    targets = [r for r in owing_now if change.time_changed or r.pk not in owed_before]
    if not targets:
        return
    periods = task_periods(task)
    successions = Successions()
    for row in targets:
        sync_occurrences(
            row, periods, withdrawal_day=change.day, from_day=change.day, reopen=True,
            taken_over=owed_by_predecessors(task, row, successions),
        )  # fmt: skip


@dataclass
class _Opened:
    """What an amendment works on once opened: the locked program (and task), its day and
    the office's reason."""

    program: Program
    task: Task | None
    day: dt.date
    reason: str


@contextmanager
def _amending(
    user, reason: str | None, on: dt.date | None, *, task: Task | None = None,
    program: Program | None = None,
) -> Iterator[_Opened]:  # fmt: skip
    """The steps every amendment opens with, in one transaction: the program locked before
    the task (as the import and the lead's designation lock them), the policy asked on what
    is locked, a reason required, and the program's kept figures forgotten when it closes
    (only if it commits)."""
    from theodoi.tracking.policy import Action, check
    from theodoi.tracking.rollup_cache import changing_programs

    with transaction.atomic(), acting(user), changing_programs() as changes:
        program_pk = task.program_id if task is not None else program.pk
        locked_program = Program.objects.select_for_update().get(pk=program_pk)
        locked_task = None
        if task is not None:
            # only the task's row: PostgreSQL refuses to lock the nullable side of a join
            locked_task = (
                Task.objects.select_for_update(of=("self",))
                .select_related("program", "lead")
                .get(pk=task.pk)
            )
        check(user, Action.AMEND_PROGRAM, locked_task or locked_program)
        opened = _Opened(locked_program, locked_task, on or timezone.localdate(), _reason(reason))
        changes.program(program_pk)
        yield opened


def _version(
    program: Program, *, user, reason: str, source_name: str, entries: list[dict]
) -> ProgramVersion:
    """The program's next version, made by the office: the same document's fingerprint."""
    latest = program.versions.order_by("-number").first()
    return ProgramVersion.objects.create(
        program=program,
        number=(latest.number if latest else 0) + 1,
        source_name=source_name[:400],
        source_sha256=latest.source_sha256 if latest else "",
        how=ProgramVersion.How.OFFICE,
        author=user if getattr(user, "pk", None) else None,
        reason=reason,
        changes=entries,
    )


def _summarise(program: Program, version: ProgramVersion, **lists: list[str]) -> None:
    summary = _summary_of(program, version, unchanged=False)
    for name, keys in lists.items():
        setattr(summary, name, keys)
    version.summary = summary.to_dict()
    version.save(update_fields=["summary"])


def amend_task(
    *,
    user,
    task: Task,
    reason: str,
    lead: Organization | str | None = None,
    add_coordinators: Iterable[Organization | str] = (),
    remove_bodies: Iterable[Organization | str] = (),
    time_text: str | None = None,
    text: str | None = None,
    on: dt.date | None = None,
) -> ProgramVersion:
    """Change a tracked task as the office asks: a new (or first) lead, coordinating bodies
    added, bodies removed, the time typed as a document writes it, the text. Everything
    given is one amendment, one new version (see the module's docstring); what is left out
    stays. ``on`` is the day it speaks from, today unless a test says otherwise. Raises
    AmendmentError (nothing written) for a change that cannot be made or changes nothing,
    PermissionDenied for whoever may not amend."""
    with _amending(user, reason, on, task=task) as opened:
        program, task, day, why = opened.program, opened.task, opened.day, opened.reason
        if task.withdrawn_in_id is not None:
            raise AmendmentError("Nhiệm vụ này đã bị bãi bỏ; không sửa được.")
        rows = list(
            Assignment.objects.select_for_update(of=("self",))
            .filter(task=task)
            .select_related("organization")
            .order_by("pk")
        )
        owed_before = {r.pk for r in owing(rows)}
        change = _Change(task=task, day=day, rows=rows)
        others_before = _others(change, task.lead_id)
        if text is not None:
            _set_text(change, text)
        if lead is not None and lead != "":
            _set_lead(change, _live(find_body(lead), day))
        adding = [_live(find_body(b), day) for b in add_coordinators if b]
        removing = [_on_task(change, b) for b in remove_bodies if b]
        if adding or removing:
            _set_bodies(change, adding, removing, task.lead_id, others_before)
        if time_text is not None:
            _set_time(change, time_text)
        if not change.entries:
            raise AmendmentError("Không có gì thay đổi so với nhiệm vụ hiện tại.")
        version = _version(
            program, user=user, reason=why, entries=change.entries,
            source_name=f"Văn phòng sửa nhiệm vụ {task.key}",
        )  # fmt: skip
        before_bodies = {r.organization_id for r in rows if r.pk in owed_before}
        _owe(change, owed_before)
        task.changed_in = version
        task.save(update_fields=[*sorted(change.task_fields), "changed_in"])
        _summarise(program, version, changed=[task.key])
        _tell_bodies(version, change, before_bodies)
        return version


def _tell_bodies(version: ProgramVersion, change: _Change, before: set[int | None]) -> None:
    """Who the amendment changed the task for: a new lead, bodies that newly owe work on it,
    bodies that no longer do, and (the text or time changed) every body still on it."""
    task = change.task
    after = {r.organization_id for r in owing(change.rows)} - {None}
    before = before - {None}
    fields = {e["field"] for e in change.entries}
    lead = task.lead_id if "lead" in fields else None
    told: list[tuple] = []
    if lead is not None:
        told.append((task, lead, "lead"))
    told += [(task, body, "assigned") for body in sorted(after - before) if body != lead]
    told += [
        (task, body, "amended", "cơ quan không còn được giao") for body in sorted(before - after)
    ]
    if fields & {"text", "time"}:
        why = "nội dung" if "text" in fields else "thời hạn"
        if fields >= {"text", "time"}:
            why = "nội dung và thời hạn"
        told += [
            (task, b, "amended", f"thay đổi {why}") for b in sorted(after & before) if b != lead
        ]
    assignments_changed.send(sender=Task, version=version, changes=told)


def withdraw_task(*, user, task: Task, reason: str, on: dt.date | None = None) -> ProgramVersion:
    """Withdraw a task (bãi bỏ): it stays, with its history, marked withdrawn by a new
    version; its open periods are withdrawn from the day (done ones stay done)."""
    with _amending(user, reason, on, task=task) as opened:
        program, task, day, why = opened.program, opened.task, opened.day, opened.reason
        if task.withdrawn_in_id is not None:
            raise AmendmentError("Nhiệm vụ này đã bị bãi bỏ rồi.")
        entry = {"task": task.key, "task_id": task.pk, "field": "withdrawn",
                 "before": task.text, "after": ""}  # fmt: skip
        version = _version(
            program, user=user, reason=why, entries=[entry],
            source_name=f"Văn phòng bãi bỏ nhiệm vụ {task.key}",
        )  # fmt: skip
        Occurrence.objects.filter(assignment__task=task, status=OPEN).update(
            status=WITHDRAWN, withdrawn_on=day
        )
        task.withdrawn_in = version
        task.save(update_fields=["withdrawn_in"])
        _summarise(program, version, removed=[task.key])
        bodies = Assignment.objects.filter(task=task, organization__isnull=False)
        told = [(task, b, "amended", "nhiệm vụ bị bãi bỏ") for b in
                sorted(set(bodies.values_list("organization_id", flat=True)))]  # fmt: skip
        assignments_changed.send(sender=Task, version=version, changes=told)
        return version


def _new_key(program: Program, section: Section) -> str:
    """The next key of the section, written as its tasks are ("B.I.4", "B.III.1.1/4");
    never a key or section number the program has."""
    taken = set(program.tasks.values_list("key", flat=True))
    taken |= set(program.sections.values_list("number", flat=True))
    pattern = re.compile(re.escape(section.number) + r"([./])(\d+)$")
    separator, highest = "/", 0
    for key in taken:
        found = pattern.match(key)
        if found:
            separator = found.group(1) if not highest else separator
            highest = max(highest, int(found.group(2)))
    n = highest + 1
    while f"{section.number}{separator}{n}" in taken:
        n += 1
    return f"{section.number}{separator}{n}"


def _position(program: Program, section: Section) -> int:
    """After the section's last task; in an empty section, before the next section's
    first task. The tasks after it move down one."""
    tasks = program.tasks
    last = tasks.filter(section=section).aggregate(n=Max("position"))["n"]
    if last is not None:
        position = last + 1
    else:
        later = tasks.filter(section__position__gt=section.position).aggregate(n=Min("position"))
        end = tasks.aggregate(n=Max("position"))["n"]
        position = later["n"] if later["n"] is not None else (end + 1 if end is not None else 0)
    tasks.filter(position__gte=position).update(position=F("position") + 1)
    return position


def add_task(
    *,
    user,
    program: Program,
    reason: str,
    section: Section | str,
    text: str,
    lead: Organization | str,
    coordinators: Iterable[Organization | str] = (),
    time_text: str,
    on: dt.date | None = None,
) -> Task:
    """Add a task the document forgot: in a section of the program (a ``Section`` or its
    number), with its text, its lead, its coordinating bodies and its time; each body owes
    the periods due from the day on. A new version records it (``added_in``)."""
    with _amending(user, reason, on, program=program) as opened:
        program, day, why = opened.program, opened.day, opened.reason
        number = section.number if isinstance(section, Section) else (section or "").strip()
        place = program.sections.filter(number=number).first()
        if place is None:
            raise AmendmentError(
                f"Chương trình không có mục “{number}”." if number else "Cần chọn mục."
            )
        body = (text or "").strip()
        if not body:
            raise AmendmentError("Nội dung nhiệm vụ không được để trống.")
        if lead is None or lead == "":
            raise AmendmentError("Cần chọn cơ quan chủ trì.")
        chief = _live(find_body(lead), day)
        others = [_live(find_body(b), day) for b in coordinators if b]
        if any(o.pk == chief.pk for o in others):
            raise AmendmentError(f"{chief.name} là cơ quan chủ trì; không phối hợp được nữa.")
        spec, _ = read_time(program, time_text, on=day)
        task = Task(
            program=program, section=place, key=_new_key(program, place), text=body,
            time=spec.to_dict(), time_text=spec.text[:500], time_kind=spec.kind,
            lead=chief, position=_position(program, place),
        )  # fmt: skip
        names = sorted({o.name for o in others})
        entries = [
            {"task": task.key, "field": "added", "before": "", "after": body},
            {"task": task.key, "field": "lead", "before": "", "after": chief.name},
            {"task": task.key, "field": "time", "before": "", "after": task.time_text},
        ]
        if names:
            entries.append({"task": task.key, "field": "coordinators", "before": "",
                            "after": "; ".join(names), "added": names, "removed": []})  # fmt: skip
        version = _version(
            program, user=user, reason=why, entries=entries,
            source_name=f"Văn phòng thêm nhiệm vụ {task.key}",
        )  # fmt: skip
        task.added_in = version
        task.save()
        for entry in entries:
            entry["task_id"] = task.pk
        version.changes = entries
        version.save(update_fields=["changes"])
        rows = [Assignment(task=task, organization=chief, written=chief.name[:400],
                           leads=True, active_from=day)]  # fmt: skip
        seen = {chief.pk}
        for other in others:
            if other.pk not in seen:
                seen.add(other.pk)
                rows.append(Assignment(task=task, organization=other, written=other.name[:400],
                                       coordinates=True, active_from=day))  # fmt: skip
        change = _Change(task=task, day=day, rows=rows, time_changed=True)
        _owe(change, set())
        _summarise(program, version, added=[task.key])
        told = [(task, chief.pk, "lead")] + [
            (task, pk, "assigned") for pk in sorted(seen - {chief.pk})
        ]
        assignments_changed.send(sender=Task, version=version, changes=told)
        return task


def office_versions_of(task: Task) -> list[tuple[ProgramVersion, list[dict]]]:
    """The program's versions that changed this task, each with its lines about it, oldest
    first: the office's changes (by task id, else key) and the documents that added, changed
    or withdrew it."""
    found = []
    versions = task.program.versions.select_related("author").order_by("number")
    for version in versions:
        lines = [
            c
            for c in version.changes or []
            if c.get("task_id") == task.pk
            or (c.get("task_id") is None and c.get("task") == task.key)
        ]
        touched = version.pk in (task.added_in_id, task.changed_in_id, task.withdrawn_in_id)
        if lines or touched:
            found.append((version, lines))
    return found

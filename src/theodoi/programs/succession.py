"""Work passing from a body that was merged, split, renamed or abolished to its successors.

The rule: on the effective date, what a predecessor still owes from that date on (open
occurrences due on or after it) passes to the successor; what fell due earlier, and what the
predecessor already did, stays with it. So the history shows who owed what, and when.

- One successor (merge, rename, an abolition taken over by one body): the open occurrences
  move to the successor's assignment on the same task.
- Several successors (a split): each successor gets its own assignment and a *copy* of each
  open occurrence, since each now owes that work for its part; the predecessor's originals
  are marked withdrawn (they stay in its history, with any progress reported on them).
- No successor (an abolition): the open occurrences are marked withdrawn.

A successor that already owes the same period on the task (same due date and label: two
merged districts that both owed "Năm 2025") owes it once: the predecessor's duplicate is
withdrawn rather than moved.

Whatever is withdrawn here is withdrawn on the effective date (``Occurrence.withdrawn_on``):
until then the predecessor owed it, and a status as of an earlier day says so.

The lead (``Task.lead``, chủ trì) moves with the lead's work: a task whose lead passed its
open work on to exactly one successor gets that successor as lead; when several successors
received it (a split) or none did (abolished without successor), nobody can say which body
leads now, so the lead is cleared and the task flagged for the office (``needs_lead``). A
task whose lead owed nothing more from the date keeps it: that body led the task while it
was owed, and there is nothing left to lead. Each change is a ``Task.save()``, so the audit
trail records the former and the new lead.

``Successions`` answers the importer's two questions about recorded reorganisations: which
bodies carry a body's work on a given day (an amendment that still names a merged district),
and whose work a body took over (so it is not given again what its predecessors owed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from theodoi.orgs.models import Kind, Level, Organization, Reorganization
from theodoi.parsing.text import nfc

from .models import ROLE_FIELDS, Assignment, Occurrence, Task

OPEN = Occurrence.Status.OPEN
WITHDRAWN = Occurrence.Status.WITHDRAWN


class ReorganizationError(ValueError):
    """A reorganisation that cannot be recorded or applied; the message says why."""


@dataclass
class Transfer:
    """One predecessor assignment's open work and where it went."""

    program: str
    task: str
    predecessor: str  # code
    successor: str | None  # code; None: withdrawn, no successor
    old_assignment: int
    new_assignment: int | None
    occurrences: int
    reused: bool = False


@dataclass
class TransferSummary:
    """What applying a reorganisation did, in counts and per assignment."""

    reorganization: str
    effective: dt.date
    predecessors: list[str] = field(default_factory=list)  # names
    successors: list[str] = field(default_factory=list)
    moved: int = 0  # occurrences moved to the one successor
    copied: int = 0  # copies given to the successors of a split
    withdrawn: int = 0  # withdrawn: no successor, or a split's originals
    duplicates: int = 0  # withdrawn because the successor already owed the same period
    assignments_created: int = 0
    assignments_reused: int = 0
    memberships_added: int = 0
    leads_moved: int = 0  # tasks whose lead is now the successor
    leads_to_designate: int = 0  # tasks whose lead was cleared: the office designates one
    transfers: list[Transfer] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as a person reads it (Vietnamese, dates dd/mm/yyyy)."""
        day = f"{self.effective:%d/%m/%Y}"
        end = f"{self.effective - dt.timedelta(days=1):%d/%m/%Y}"
        arrow = ", ".join(self.successors) if self.successors else "không có cơ quan kế thừa"
        out = [f"{self.reorganization}: {', '.join(self.predecessors)} → {arrow}."]
        if not self.transfers:
            out.append(f"Không có kỳ nào chưa hoàn thành có hạn từ {day}.")
        if self.moved:
            out.append(
                f"{self.moved} kỳ chưa hoàn thành (hạn từ {day}) chuyển sang cơ quan kế thừa."
            )
        if self.copied:
            out.append(
                f"{self.copied} kỳ chưa hoàn thành (hạn từ {day}) được giao cho từng cơ quan"
                " kế thừa (chia tách: mỗi cơ quan một bản)."
            )
        if self.withdrawn:
            why = (
                "không có cơ quan kế thừa"
                if not self.successors
                else "bản gốc ở cơ quan trước; các cơ quan kế thừa đã nhận bản sao"
            )
            out.append(
                f"{self.withdrawn} kỳ chưa hoàn thành (hạn từ {day}) chuyển thành"
                f" “Không còn thực hiện” ({why})."
            )
        if self.duplicates:
            out.append(
                f"{self.duplicates} kỳ trùng với kỳ cơ quan kế thừa đã có, chuyển thành"
                " “Không còn thực hiện”."
            )
        if self.assignments_created or self.assignments_reused:
            out.append(
                f"Phân công của cơ quan kế thừa: {self.assignments_created} mới,"
                f" {self.assignments_reused} đã có."
            )
        if self.leads_moved:
            out.append(
                f"{self.leads_moved} nhiệm vụ do cơ quan trước chủ trì nay do cơ quan kế thừa"
                " chủ trì."
            )
        if self.leads_to_designate:
            why = (
                "nhiều cơ quan kế thừa cùng nhận"
                if len(self.successors) > 1
                else "không có cơ quan kế thừa"
            )
            out.append(
                f"{self.leads_to_designate} nhiệm vụ do cơ quan trước chủ trì cần chỉ định"
                f" cơ quan chủ trì mới ({why})."
            )
        if self.memberships_added:
            out.append(f"Cơ quan kế thừa được thêm vào {self.memberships_added} nhóm cơ quan.")
        out.append(
            f"Các kỳ có hạn trước {day} và các kỳ đã hoàn thành giữ ở cơ quan trước;"
            f" cơ quan trước hết hiệu lực ngày {end}."
        )
        return out


def apply_reorganization(*, reorganization: Reorganization) -> TransferSummary:
    """Pass the predecessors' open work due from the effective date to the successors (see
    the module's docstring), end the predecessors the day before, put the successors in the
    predecessors' groups, and mark the reorganisation applied. One transaction; a second
    application is refused."""
    from theodoi.tracking.rollup_cache import changing_everything

    # Work moves between bodies in any number of programs.
    with transaction.atomic(), changing_everything():
        locked = Reorganization.objects.select_for_update().get(pk=reorganization.pk)
        if locked.applied_at is not None:
            raise ReorganizationError(
                f"{locked} đã được áp dụng lúc"
                f" {timezone.localtime(locked.applied_at):%H:%M %d/%m/%Y}; không áp dụng lại"
            )
        predecessors = list(locked.predecessors.order_by("name_key", "pk"))
        successors = list(locked.successors.order_by("name_key", "pk"))
        _check(locked, predecessors, successors)
        effective = locked.effective
        end = effective - dt.timedelta(days=1)
        summary = TransferSummary(
            reorganization=str(locked),
            effective=effective,
            predecessors=[p.name for p in predecessors],
            successors=[s.name for s in successors],
        )
        led: dict[int, set[int]] = {}  # task led by a predecessor -> successors given its work
        for predecessor in predecessors:
            assignments = (
                Assignment.objects.filter(organization=predecessor)
                .select_related("task__program")
                .order_by("task__program_id", "task__position", "pk")
            )
            for old in assignments:
                due = list(
                    old.occurrences.filter(status=OPEN, due_date__gte=effective).order_by(
                        "due_date", "pk"
                    )
                )
                if not due:
                    continue
                received = _transfer(old, due, predecessor, successors, effective, summary)
                task = old.task
                if task.lead_id == predecessor.pk and task.withdrawn_in_id is None:
                    led.setdefault(task.pk, set()).update(s.pk for s in received)
                if old.active_to is None or old.active_to > end:
                    old.active_to = end
                    old.save(update_fields=["active_to"])
            if predecessor.valid_to is None or predecessor.valid_to > end:
                predecessor.valid_to = end
                predecessor.save(update_fields=["valid_to"])
            for group in predecessor.org_groups.all():
                have = set(group.members.values_list("pk", flat=True))
                joining = [s for s in successors if s.pk not in have]
                if joining:
                    group.members.add(*joining)
                    summary.memberships_added += len(joining)
        _move_leads(led, successors, summary)
        locked.applied_at = timezone.now()
        locked.save(update_fields=["applied_at"])
        reorganization.applied_at = locked.applied_at
    return summary


def _check(
    reorganization: Reorganization,
    predecessors: list[Organization],
    successors: list[Organization],
) -> None:
    kind = reorganization.kind
    kinds = Reorganization.Kind
    if not predecessors:
        raise ReorganizationError("cần ít nhất một cơ quan trước (bị sắp xếp)")
    if kind in (kinds.MERGE, kinds.RENAME) and len(successors) != 1:
        raise ReorganizationError(
            f"{reorganization.get_kind_display()} cần đúng một cơ quan kế thừa"
            f" (đang có {len(successors)})"
        )
    if kind == kinds.RENAME and len(predecessors) != 1:
        raise ReorganizationError("Đổi tên áp dụng cho đúng một cơ quan")
    if kind == kinds.SPLIT and len(successors) < 2:
        raise ReorganizationError("Chia tách cần ít nhất hai cơ quan kế thừa")
    both = {p.pk for p in predecessors} & {s.pk for s in successors}
    if both:
        names = ", ".join(p.name for p in predecessors if p.pk in both)
        raise ReorganizationError(f"{names} vừa là cơ quan trước vừa là cơ quan kế thừa")
    for org in predecessors + successors:
        if org.unresolved:
            raise ReorganizationError(
                f"{org.code} ({org.name}) là tên chưa xác định; hãy gắn nó vào một cơ quan trước"
            )
    for org in successors:
        if org.valid_to is not None and org.valid_to < reorganization.effective:
            raise ReorganizationError(
                f"cơ quan kế thừa {org.name} hết hiệu lực ngày {org.valid_to:%d/%m/%Y},"
                f" trước ngày {reorganization.effective:%d/%m/%Y}"
            )


def _transfer(
    old: Assignment,
    due: list[Occurrence],
    predecessor: Organization,
    successors: list[Organization],
    effective: dt.date,
    summary: TransferSummary,
) -> list[Organization]:
    """Pass ``due`` on (see the module's docstring); the successors that received it."""

    def record(successor, new, count, reused=False):
        summary.transfers.append(
            Transfer(
                program=old.task.program.number,
                task=old.task.key,
                predecessor=predecessor.code,
                successor=successor.code if successor else None,
                old_assignment=old.pk,
                new_assignment=new.pk if new else None,
                occurrences=count,
                reused=reused,
            )
        )

    if not successors:
        _withdraw([o.pk for o in due], effective)
        summary.withdrawn += len(due)
        record(None, None, len(due))
        return []
    if len(successors) == 1:
        new, reused = _successor_assignment(old, successors[0], effective, summary)
        owed = _owed_periods(new)
        moving, duplicate = [], []
        for occurrence in due:
            period = (occurrence.due_date, occurrence.label)
            (duplicate if period in owed else moving).append(occurrence.pk)
            owed.add(period)
        Occurrence.objects.filter(pk__in=moving).update(assignment=new)
        _withdraw(duplicate, effective)
        summary.moved += len(moving)
        summary.duplicates += len(duplicate)
        record(successors[0], new, len(moving), reused)
        return successors
    for successor in successors:
        new, reused = _successor_assignment(old, successor, effective, summary)
        owed = _owed_periods(new)
        copies = []
        for occurrence in due:
            period = (occurrence.due_date, occurrence.label)
            if period in owed:
                summary.duplicates += 1
                continue
            owed.add(period)
            copies.append(
                Occurrence(
                    assignment=new,
                    period_start=occurrence.period_start,
                    due_date=occurrence.due_date,
                    label=occurrence.label,
                    source=occurrence.source,
                    scope=occurrence.scope,
                )
            )
        Occurrence.objects.bulk_create(copies)
        summary.copied += len(copies)
        record(successor, new, len(copies), reused)
    _withdraw([o.pk for o in due], effective)
    summary.withdrawn += len(due)
    return successors


def _withdraw(pks: list[int], effective: dt.date) -> None:
    """No longer owed from the effective date: owed until then, as the status reads it."""
    Occurrence.objects.filter(pk__in=pks).update(status=WITHDRAWN, withdrawn_on=effective)


def _move_leads(
    led: dict[int, set[int]], successors: list[Organization], summary: TransferSummary
) -> None:
    """The lead follows the lead's work (see the module's docstring). A ``save()`` per task,
    not an ``update()``, so the audit trail records each change."""
    by_pk = {s.pk: s for s in successors}
    for task in Task.objects.filter(pk__in=led).order_by("program_id", "position", "pk"):
        received = led[task.pk]
        if len(received) == 1:
            task.lead, task.needs_lead = by_pk[next(iter(received))], False
            summary.leads_moved += 1
        else:
            task.lead, task.needs_lead = None, True
            summary.leads_to_designate += 1
        task.save(update_fields=["lead", "needs_lead"])


def _successor_assignment(
    old: Assignment, successor: Organization, effective: dt.date, summary: TransferSummary
) -> tuple[Assignment, bool]:
    """The successor's assignment on the old one's task: one it already has (still active on
    the effective date; the old roles are added to it), or a new one from that date."""
    existing = (
        Assignment.objects.filter(task_id=old.task_id, organization=successor)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=effective))
        .order_by("pk")
        .first()
    )
    if existing is not None:
        if any(getattr(old, role) and not getattr(existing, role) for role in ROLE_FIELDS):
            for role in ROLE_FIELDS:
                setattr(existing, role, getattr(existing, role) or getattr(old, role))
            existing.save(update_fields=list(ROLE_FIELDS))
        summary.assignments_reused += 1
        return existing, True
    new = Assignment.objects.create(
        task_id=old.task_id,
        organization=successor,
        via_group=old.via_group,
        written=old.written,
        inferred=old.inferred,
        active_from=effective,
        transferred_from=old,
        **{role: getattr(old, role) for role in ROLE_FIELDS},
    )
    summary.assignments_created += 1
    return new, False


def _owed_periods(assignment: Assignment) -> set[tuple[dt.date, str]]:
    return set(assignment.occurrences.exclude(status=WITHDRAWN).values_list("due_date", "label"))


_DONE_TO = {
    Reorganization.Kind.MERGE: "đã sáp nhập",
    Reorganization.Kind.SPLIT: "đã chia tách",
    Reorganization.Kind.RENAME: "đã đổi tên",
    Reorganization.Kind.ABOLISH: "đã giải thể",
}


@dataclass(frozen=True)
class Succession:
    """Who carries the work of a body that no longer exists on a day: the successors of the
    reorganisation that ended it, followed through later ones, as of that day."""

    body: Organization
    reorganization: Reorganization  # the one that ended ``body``
    successors: tuple[Organization, ...]  # valid on the day; empty: nobody took it over

    @property
    def since(self) -> dt.date:
        return self.reorganization.effective

    def describe(self) -> str:
        """The change, for messages: "Huyện ủy Sơn Tịnh đã sáp nhập (từ 01/07/2025)"."""
        done = _DONE_TO.get(self.reorganization.kind, "đã sắp xếp lại")
        return f"{self.body.name} {done} (từ {self.since:%d/%m/%Y})"


class Successions:
    """The recorded reorganisations, read once (at most three queries), for an import that
    asks about many bodies: who carries a body's work on a day (``on``), and whose work a
    body took over (``predecessors``)."""

    def __init__(self) -> None:
        self._ended: dict[int, list[Reorganization]] = {}  # predecessor -> reorganisations
        self._before: dict[int, set[int]] = {}  # successor -> its direct predecessors
        reorganizations = Reorganization.objects.prefetch_related(
            "predecessors", "successors"
        ).order_by("effective", "pk")
        for reorganization in reorganizations:
            for predecessor in reorganization.predecessors.all():
                self._ended.setdefault(predecessor.pk, []).append(reorganization)
                for successor in reorganization.successors.all():
                    self._before.setdefault(successor.pk, set()).add(predecessor.pk)

    def on(self, organization: Organization, day: dt.date) -> Succession | None:
        """None while ``organization`` is valid on ``day``, or when no reorganisation records
        what became of it (its own record is then all there is). Otherwise the successors
        valid that day: a successor itself reorganised by then is replaced by its own."""
        ended = self._ended_by(organization, day)
        if ended is None:
            return None
        found: dict[int, Organization] = {}
        seen = {organization.pk}

        def follow(body: Organization) -> None:
            if body.pk in seen:
                return
            seen.add(body.pk)
            later = self._ended_by(body, day)
            if later is None:
                found.setdefault(body.pk, body)
                return
            for successor in later.successors.all():
                follow(successor)

        for successor in ended.successors.all():
            follow(successor)
        ordered = sorted(found.values(), key=lambda body: (body.name_key, body.pk))
        return Succession(body=organization, reorganization=ended, successors=tuple(ordered))

    def predecessors(self, organization_id: int) -> set[int]:
        """The bodies whose work ``organization_id`` took over, through every step."""
        found: set[int] = set()
        stack = [organization_id]
        while stack:
            for pk in self._before.get(stack.pop(), ()):
                if pk not in found and pk != organization_id:
                    found.add(pk)
                    stack.append(pk)
        return found

    def _ended_by(self, organization: Organization, day: dt.date) -> Reorganization | None:
        if organization.valid_to is None or organization.valid_to >= day:
            return None
        started = [r for r in self._ended.get(organization.pk, ()) if r.effective <= day]
        return started[-1] if started else None


def record_reorganization(
    *,
    kind: str,
    effective: dt.date,
    predecessors: list[str],
    successors: list[str] | None = None,
    new_code: str | None = None,
    new_name: str | None = None,
    new_kind: str | None = None,
    new_level: str | None = None,
    basis: str = "",
) -> tuple[Reorganization, TransferSummary]:
    """Record a reorganisation by codes and apply it, all in one transaction: with
    ``new_code`` and ``new_name`` the successor body is created first (kind, level and parent
    taken from the predecessors when they agree, valid from the effective date)."""
    if kind not in Reorganization.Kind.values:
        raise ReorganizationError(
            f"hình thức '{kind}' không hợp lệ (dùng {' | '.join(Reorganization.Kind.values)})"
        )
    if bool(new_code) != bool(new_name):
        raise ReorganizationError("cần cả mã (--new-code) và tên (--new-name) của cơ quan mới")
    successors = list(successors or [])
    with transaction.atomic():
        before = _by_code(predecessors, "cơ quan trước")
        after = _by_code(successors, "cơ quan kế thừa")
        if new_code:
            after.append(
                _new_body(
                    code=new_code,
                    name=new_name,
                    kind=new_kind,
                    level=new_level,
                    effective=effective,
                    predecessors=before,
                )
            )
        reorganization = Reorganization.objects.create(
            kind=kind, effective=effective, basis=basis[:400]
        )
        reorganization.predecessors.set(before)
        reorganization.successors.set(after)
        summary = apply_reorganization(reorganization=reorganization)
    return reorganization, summary


def _by_code(codes: list[str], role: str) -> list[Organization]:
    found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ReorganizationError(f"không có {role} mã {', '.join(unknown)}")
    return [found[code] for code in dict.fromkeys(codes)]


def _new_body(
    *,
    code: str,
    name: str,
    kind: str | None,
    level: str | None,
    effective: dt.date,
    predecessors: list[Organization],
) -> Organization:
    code, name = code.strip(), nfc(name)
    if not code or not name or len(code) > 120 or len(name) > 300:
        raise ReorganizationError(
            "mã (tối đa 120 ký tự) hoặc tên (tối đa 300 ký tự) cơ quan mới không hợp lệ"
        )
    if Organization.objects.filter(code=code).exists():
        raise ReorganizationError(
            f"mã {code} đã có; dùng --to {code} để chọn cơ quan đó làm cơ quan kế thừa"
        )
    if kind is not None and kind not in Kind.values:
        raise ReorganizationError(f"loại '{kind}' không hợp lệ (dùng {' | '.join(Kind.values)})")
    if level is not None and level not in Level.values:
        raise ReorganizationError(f"cấp '{level}' không hợp lệ (dùng {' | '.join(Level.values)})")

    def shared(attribute, default):
        values = {getattr(p, attribute) for p in predecessors}
        return values.pop() if len(values) == 1 else default

    return Organization.objects.create(
        code=code,
        name=name,
        kind=kind or shared("kind", Kind.OTHER),
        level=level if level is not None else shared("level", ""),
        parent_id=shared("parent_id", None),
        valid_from=effective,
    )

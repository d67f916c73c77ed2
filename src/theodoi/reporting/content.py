"""What a periodic report says, as data: the figures and lists of a program as of the end of
a period, read from the stored history (``theodoi.tracking.rollup`` and
``theodoi.tracking.status``; never today's status), and the document frame around them
(``theodoi.reporting.frame``). The web preview, the PDF, the DOCX and the XLSX all lay out
this one object, so they say the same thing.

"Done in the period" is the work the office had confirmed done by the period's end and not
yet by the day before it began: each piece of work is listed once across successive reports,
in the period its confirmation came in, whatever date it was done on.

A period that has not ended yet is reported as of today: open work due later in the period is
not overdue yet. A period that has not begun has nothing to report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from theodoi.programs.models import Assignment, Occurrence, Program
from theodoi.tracking.models import Extension, ReportRevision, ReportStatus
from theodoi.tracking.rollup import Row, overview, program_occurrences
from theodoi.tracking.status import (
    DONE_LATE,
    DONE_ON_TIME,
    NO_DEADLINE,
    OPEN_OVERDUE,
    WITHDRAWN,
    OccurrenceStatus,
    Tally,
    end_of_day,
    statuses,
)

from .frame import DocumentFrame, NumberError, Signer, profile_for, read_number, report_frame
from .models import IssuerProfile
from .periods import Period

__all__ = [
    "Evidence",
    "ExtensionItem",
    "Item",
    "Line",
    "Report",
    "ReportContentError",
    "TaskGroup",
    "build_report",
    "format_rate",
    "group_by_task",
]

TOP_BODIES = 3  # bodies named in the generated proposals
ROLE_LABELS = (  # the roles a body owes work in, as a report names them
    ("leads", "Chủ trì"),
    ("coordinates", "Phối hợp"),
    ("advises", "Tham mưu"),
    ("implements", "Thực hiện"),
)


class ReportContentError(ValueError):
    """A report that cannot be made as asked; the message says why, for a person. ``field``:
    the input at fault, for a form to show it there."""

    def __init__(self, message: str, *, field: str = "period") -> None:
        super().__init__(message)
        self.field = field


def checked_number(profile: IssuerProfile, number: str) -> str:
    """``number`` as ``read_number`` reads it, or ``ReportContentError`` on the number."""
    try:
        return read_number(number, profile)
    except NumberError as exc:
        raise ReportContentError(str(exc), field="number") from None


def format_rate(rate: float | None) -> str:
    """ "85,3%" (Vietnamese decimal comma); "-" when nothing is due yet."""
    if rate is None:
        return "-"
    return f"{rate * 100:.1f}".replace(".", ",") + "%"


@dataclass(frozen=True)
class Line:
    """One row of a table of figures (an area, a body, or the whole program)."""

    key: str
    label: str
    total: int
    due: int
    done: int
    done_on_time: int
    done_late: int
    open_overdue: int
    open_in_time: int
    no_deadline: int
    withdrawn: int
    rate: float | None

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    @classmethod
    def of(cls, key: str, label: str, tally: Tally) -> Line:
        return cls(
            key=key, label=label, total=tally.total, due=tally.due, done=tally.done,
            done_on_time=tally.done_on_time, done_late=tally.done_late,
            open_overdue=tally.open_overdue, open_in_time=tally.open_in_time,
            no_deadline=tally.no_deadline, withdrawn=tally.withdrawn, rate=tally.rate,
        )  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    """The document a body cited as done, as the confirmed report recorded it."""

    type: str
    number: str
    date: dt.date | None
    signer: str = ""

    @property
    def text(self) -> str:
        """ "Kế hoạch số 05-KH/TU ngày 10/01/2021"."""
        parts = [self.type or _("Văn bản")]
        if self.number:
            parts.append(_("số %(number)s") % {"number": self.number})
        if self.date:
            parts.append(_("ngày %(date)s") % {"date": f"{self.date:%d/%m/%Y}"})
        return " ".join(parts)


@dataclass(frozen=True)
class Item:
    """One occurrence, as a list in the report shows it."""

    occurrence_id: int
    task_position: int
    task_key: str
    task_text: str
    body: str
    role: str
    period_label: str
    due: dt.date
    original_due: dt.date
    bucket: str
    status: str
    done_on: dt.date | None
    days_late: int
    evidence: Evidence | None


@dataclass(frozen=True)
class TaskGroup:
    """The items of one task, so a task that many bodies owe reads as one entry."""

    task_key: str
    task_text: str
    items: list[Item]


def _done_line(item: Item) -> str:
    line = f"{item.body}: {item.done_on:%d/%m/%Y}"
    if item.bucket == DONE_LATE and item.days_late:
        line += " " + _("(chậm %(days)s ngày)") % {"days": item.days_late}
    if item.evidence:
        line += f"; {item.evidence.text}"
    return line


def _overdue_line(item: Item) -> str:
    late = _("hạn %(due)s, quá %(days)s ngày") % {
        "due": f"{item.due:%d/%m/%Y}",
        "days": item.days_late,
    }
    if item.role:  # a body that only directs has no role to name: no empty "()"
        return f"{item.body} ({item.role.lower()}): {late}"
    return f"{item.body}: {late}"


def done_lines(group: TaskGroup, *, short: bool = False) -> list[str]:
    """The bodies that did the task in the period. Short form: how many did it on time, and
    by name only those late (the exceptions a reader acts on)."""
    if not short:
        return [_done_line(item) for item in group.items]
    late = [item for item in group.items if item.bucket == DONE_LATE]
    on_time = len(group.items) - len(late)
    lines = []
    if on_time:
        lines.append(_("%(count)s cơ quan, đơn vị hoàn thành đúng hạn") % {"count": on_time})
    lines += [_done_line(item) for item in late]
    return lines


def overdue_lines(group: TaskGroup, *, short: bool = False) -> list[str]:
    """The bodies overdue on the task. Short form: the bodies of one due date on one line."""
    if not short:
        return [_overdue_line(item) for item in group.items]
    by_due: dict[dt.date, list[Item]] = {}
    for item in group.items:
        by_due.setdefault(item.due, []).append(item)
    return [
        _("Hạn %(due)s (quá %(days)s ngày): %(bodies)s")
        % {
            "due": f"{due:%d/%m/%Y}",
            "days": items[0].days_late,
            "bodies": "; ".join(item.body for item in items),
        }
        for due, items in by_due.items()
    ]


def group_by_task(items: Iterable[Item]) -> list[TaskGroup]:
    """Items grouped by task, in the order each task first appears."""
    groups: dict[str, TaskGroup] = {}
    for item in items:
        group = groups.get(item.task_key)
        if group is None:
            group = groups[item.task_key] = TaskGroup(item.task_key, item.task_text, [])
        group.items.append(item)
    return list(groups.values())


@dataclass(frozen=True)
class ExtensionItem:
    task_key: str
    task_text: str
    body: str
    period_label: str
    original_due: dt.date
    new_due: dt.date
    decided_on: dt.date
    reason: str


@dataclass
class Report:
    template: ClassVar[str] = "reporting/_document.html"  # its body, around the frame

    program: Program
    period: Period
    as_of: dt.date
    frame: DocumentFrame
    total: Line
    tasks: int
    bodies: int
    in_period: Line  # occurrences whose due date (in force) falls in the period
    continuous_due: int  # no-deadline periods ending in the period
    continuous_reported: int  # of those, how many were reported
    summary: list[str]
    by_area: list[Line]
    by_body: list[Line]
    done_in_period: list[Item]
    overdue: list[Item]
    extensions: list[ExtensionItem]
    proposals: list[str]
    proposals_generated: bool
    occurrences: list[Item] = field(default_factory=list)  # every occurrence (statistics)
    short: bool = False  # bodies listed by exception (late, overdue) instead of every one

    @property
    def done_rows(self) -> list[tuple[TaskGroup, list[str]]]:
        """Each task done in the period with its lines, as both layouts print them."""
        return [(group, done_lines(group, short=self.short)) for group in self.done_groups]

    @property
    def overdue_rows(self) -> list[tuple[TaskGroup, list[str]]]:
        return [(group, overdue_lines(group, short=self.short)) for group in self.overdue_groups]

    @property
    def done_groups(self) -> list[TaskGroup]:
        return group_by_task(
            sorted(self.done_in_period, key=lambda i: (i.task_position, i.done_on, i.body))
        )

    @property
    def overdue_groups(self) -> list[TaskGroup]:
        return group_by_task(sorted(self.overdue, key=lambda i: (i.task_position, i.due, i.body)))

    @property
    def file_stem(self) -> str:
        """ "bao-cao-CTHD-TINHUY-2020-2025-2021-q2": ASCII, for a file name."""
        return f"bao-cao-{slugify(self.program.number)}-{self.period.slug}"

    @property
    def display_name(self) -> str:
        """The Vietnamese name of the file: "Báo cáo quý II năm 2021 - <program number>"."""
        return _("Báo cáo %(period)s - %(number)s") % {
            "period": self.period.label,
            "number": self.program.number.replace("/", "-"),
        }


def build_report(
    program: Program,
    period: Period,
    *,
    number: str = "",
    day: dt.date | None = None,
    proposals: str = "",
    today: dt.date | None = None,
    signer: Signer | None = None,
    short: bool = False,
) -> Report:
    """The report on ``program`` for ``period``, numbered ``number`` (blank for a draft),
    dated ``day`` (today by default); ``proposals``: the user's own text for the proposals,
    paragraphs separated by line breaks, instead of the generated one; ``signer``: who signs
    and the recipients, as the form set them (the issuing body's profile fills what is left
    blank); ``short``: bodies listed by exception only."""
    today = today or timezone.localdate()
    if period.start > today:
        raise ReportContentError(
            _("Kỳ báo cáo %(period)s chưa bắt đầu; chưa có số liệu để báo cáo.")
            % {"period": period.label}
        )
    number = checked_number(profile_for(program.issuer, written=program.issuer_name), number)
    as_of = min(period.end, today)
    chosen = program_occurrences(program)
    rows = list(
        chosen.defer(*_UNUSED_TASK_FIELDS).order_by("assignment__task__position", "due_date")
    )
    found = statuses(chosen, as_of=as_of)
    view = overview(program, as_of=as_of, judged=found)
    evidence = _evidence(program, as_of)

    items = [_item(o, found[o.pk], as_of, evidence.get(o.pk)) for o in rows]
    live = [(o, found[o.pk]) for o in rows if found[o.pk].bucket != WITHDRAWN]
    in_period = Tally()
    continuous_due = continuous_reported = 0
    for _occurrence, state in live:
        if not period.start <= state.due <= period.end:
            continue
        if state.bucket == NO_DEADLINE:
            continuous_due += 1
            continuous_reported += int(state.reported)
        else:
            in_period.add(state)
    # Done in the period: done (confirmed) by its end and not yet by the day before it began,
    # so successive reports list each piece of work once, however late it was confirmed.
    before = statuses(chosen, as_of=period.start - dt.timedelta(days=1))
    done_in_period = sorted(
        (
            i
            for i in items
            if i.bucket in (DONE_ON_TIME, DONE_LATE) and not before[i.occurrence_id].done
        ),
        key=lambda i: (i.done_on, i.task_key),
    )
    overdue = [_item(o, s, as_of, evidence.get(o.pk)) for o, s in view.overdue]
    report = Report(
        program=program,
        period=period,
        as_of=as_of,
        frame=report_frame(
            program, period_label=period.label, number=number, day=day or today, signer=signer
        ),
        total=Line.of("", _("Toàn chương trình"), view.total),
        tasks=task_count(program),
        bodies=len({o.assignment.organization_id for o, _s in live}),
        in_period=Line.of("", period.short_label, in_period),
        continuous_due=continuous_due,
        continuous_reported=continuous_reported,
        summary=[],
        by_area=[_line(row) for row in view.by_area],
        by_body=[_line(row) for row in view.by_body],
        done_in_period=done_in_period,
        overdue=overdue,
        extensions=_extensions(program, period, as_of),
        proposals=[],
        proposals_generated=not proposals.strip(),
        occurrences=items,
        short=short,
    )
    report.summary = _summary(report)
    report.proposals = _paragraphs(proposals) or _proposals(report)
    return report


def task_count(program: Program) -> int:
    """The program's tasks, withdrawn ones left out: the count the program's page shows."""
    return program.tasks.filter(withdrawn_in__isnull=True).count()


def _line(row: Row) -> Line:
    return Line.of(row.key, row.label, row.tally)


def _role(assignment: Assignment) -> str:
    return ", ".join(label for name, label in ROLE_LABELS if getattr(assignment, name))


# A task's fields a report never prints: not read for each of thousands of rows.
_UNUSED_TASK_FIELDS = (
    "assignment__task__time", "assignment__task__milestones", "assignment__task__text_key",
)  # fmt: skip


def _item(
    occurrence: Occurrence, state: OccurrenceStatus, as_of: dt.date, evidence: Evidence | None
) -> Item:
    task = occurrence.assignment.task
    late = 0
    if state.bucket == OPEN_OVERDUE:
        late = (as_of - state.due).days
    elif state.bucket == DONE_LATE and state.done_on is not None:
        late = (state.done_on - state.due).days
    return Item(
        occurrence_id=occurrence.pk,
        task_position=task.position,
        task_key=task.key,
        task_text=" ".join(task.text.split()),
        body=occurrence.assignment.organization.name,
        role=_role(occurrence.assignment),
        period_label=occurrence.label,
        due=state.due,
        original_due=state.original_due,
        bucket=state.bucket,
        status=_(state.label),
        done_on=state.done_on,
        days_late=late,
        evidence=evidence if state.bucket in (DONE_ON_TIME, DONE_LATE) else None,
    )


def _evidence(program: Program, as_of: dt.date) -> dict[int, Evidence]:
    """Each occurrence's evidence as the office last confirmed it by the end of ``as_of``:
    the document fields of the latest confirmed revision of its own body's report."""
    revisions = (
        ReportRevision.objects.filter(
            report__occurrence__assignment__task__program=program,
            report__organization_id=F("report__occurrence__assignment__organization_id"),
            status=ReportStatus.CONFIRMED,
            at__lt=end_of_day(as_of),
        )
        .values_list("report__occurrence_id", "at", "version", "data")
        .order_by("at", "version")
    )
    found: dict[int, Evidence] = {}
    for occurrence_id, _at, _version, data in revisions:
        if not data.get("document_number") and not data.get("document_type"):
            found.pop(occurrence_id, None)
            continue
        day = data.get("document_date")
        found[occurrence_id] = Evidence(
            type=data.get("document_type", ""),
            number=data.get("document_number", ""),
            date=dt.date.fromisoformat(day) if day else None,
            signer=data.get("document_signer", ""),
        )
    return found


def _extensions(program: Program, period: Period, as_of: dt.date) -> list[ExtensionItem]:
    """Extensions approved within the period (up to ``as_of``)."""
    rows = (
        Extension.objects.filter(
            occurrence__assignment__task__program=program,
            status=Extension.Status.APPROVED,
            decided_at__gte=end_of_day(period.start - dt.timedelta(days=1)),
            decided_at__lt=end_of_day(as_of),
        )
        .select_related("occurrence__assignment__task", "occurrence__assignment__organization")
        .order_by("decided_at", "pk")
    )
    zone = timezone.get_default_timezone()
    result = []
    for extension in rows:
        assignment = extension.occurrence.assignment
        result.append(
            ExtensionItem(
                task_key=assignment.task.key,
                task_text=" ".join(assignment.task.text.split()),
                body=assignment.organization.name if assignment.organization else "",
                period_label=extension.occurrence.label,
                original_due=extension.occurrence.due_date,
                new_due=extension.new_due,
                decided_on=timezone.localtime(extension.decided_at, zone).date(),
                reason=extension.reason,
            )
        )
    return result


def _summary(report: Report) -> list[str]:
    t, p = report.total, report.in_period
    first = _(
        "Tính đến hết ngày %(day)s, Chương trình có %(tasks)s nhiệm vụ, giao %(bodies)s cơ "
        "quan, đơn vị thực hiện, với %(total)s lượt thực hiện (mỗi cơ quan, mỗi kỳ một lượt)."
    ) % {
        "day": f"{report.as_of:%d/%m/%Y}",
        "tasks": report.tasks,
        "bodies": report.bodies,
        "total": t.total - t.withdrawn,
    }
    if t.due:
        second = _(
            "Trong %(due)s lượt đã đến hạn, đã hoàn thành %(done)s lượt (%(on_time)s đúng hạn, "
            "%(late)s quá hạn), đạt tỷ lệ %(rate)s; còn %(overdue)s lượt chưa hoàn thành đã "
            "quá hạn."
        ) % {
            "due": t.due, "done": t.done, "on_time": t.done_on_time, "late": t.done_late,
            "rate": t.rate_text, "overdue": t.open_overdue,
        }  # fmt: skip
    else:
        second = _("Chưa có lượt thực hiện nào đến hạn.")
    second += " " + _(
        "%(in_time)s lượt chưa đến hạn; %(continuous)s lượt thuộc các nhiệm vụ thực hiện "
        "thường xuyên (không tính vào tỷ lệ hoàn thành)."
    ) % {"in_time": t.open_in_time, "continuous": t.no_deadline}
    # "Đến hạn" means one thing everywhere: done + unfinished past the due date (Tally.due),
    # as the dashboard counts it; work due later in the period is counted apart.
    third = _(
        "Trong %(period)s: %(due)s lượt đã đến hạn, đã hoàn thành %(done)s (%(on_time)s đúng "
        "hạn), %(overdue)s lượt quá hạn chưa hoàn thành; các cơ quan đã hoàn thành "
        "%(finished)s lượt (kể cả lượt đến hạn từ trước); %(extensions)s đề nghị gia hạn được "
        "chấp thuận."
    ) % {
        "period": report.period.label, "due": p.due, "done": p.done,
        "on_time": p.done_on_time, "overdue": p.open_overdue,
        "finished": len(report.done_in_period), "extensions": len(report.extensions),
    }  # fmt: skip
    if p.open_in_time:
        third += " " + _("Còn %(in_time)s lượt có hạn trong kỳ chưa đến hạn.") % {
            "in_time": p.open_in_time
        }
    paragraphs = [first, second, third]
    if report.continuous_due:
        paragraphs.append(
            _(
                "Nhiệm vụ thường xuyên: %(reported)s/%(due)s kỳ báo cáo trong kỳ đã được các "
                "cơ quan báo cáo."
            )
            % {"reported": report.continuous_reported, "due": report.continuous_due}
        )
    return paragraphs


def _proposals(report: Report) -> list[str]:
    """A short proposal from the figures: the bodies with the most overdue work first."""
    lines = []
    behind = [line for line in report.by_body if line.open_overdue][:TOP_BODIES]
    if behind:
        names = "; ".join(
            _("%(body)s (%(count)s lượt)") % {"body": line.label, "count": line.open_overdue}
            for line in behind
        )
        lines.append(
            _(
                "Đề nghị các cơ quan có nhiều nhiệm vụ quá hạn nhất: %(names)s khẩn trương "
                "hoàn thành, báo cáo kết quả; trường hợp không thể hoàn thành đúng thời hạn, "
                "đề nghị gia hạn và nêu rõ lý do."
            )
            % {"names": names}
        )
    rate = report.total.rate
    if rate is not None and rate < 0.8:
        lines.append(
            _(
                "Tỷ lệ hoàn thành mới đạt %(rate)s; đề nghị Văn phòng tăng cường theo dõi, "
                "đôn đốc các cơ quan thực hiện nhiệm vụ theo đúng tiến độ."
            )
            % {"rate": report.total.rate_text}
        )
    if report.continuous_due > report.continuous_reported:
        lines.append(
            _(
                "Đề nghị các cơ quan báo cáo định kỳ kết quả các nhiệm vụ thực hiện thường "
                "xuyên (còn %(missing)s kỳ chưa báo cáo)."
            )
            % {"missing": report.continuous_due - report.continuous_reported}
        )
    if not lines:
        lines.append(
            _(
                "Các cơ quan, đơn vị tiếp tục triển khai các nhiệm vụ theo đúng tiến độ "
                "Chương trình đề ra."
            )
        )
    return lines


def _paragraphs(text: str) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]

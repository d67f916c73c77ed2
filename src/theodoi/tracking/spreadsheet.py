"""The spreadsheet round trip: a body exports what it owes for a period to XLSX, fills in its
progress offline, and uploads the file back.

- ``export_workbook`` writes one row per occurrence the body owes (the work list's rows: the
  assignments that advise, implement, lead or coordinate) due in the period, or still open
  and due before it. Each row carries the occurrence's id and a signed row token holding the
  version of the body's report at export and a hash of the values exported, so an import
  knows what the person changed and whether someone else changed the report since.
- ``plan_import`` reads an uploaded file and decides, row by row, without writing anything:
  unchanged (skipped), a change (each field from what to what), or refused (why). A file
  that is not an XLSX, not one of our exports, lacks columns or is too large is refused
  whole with a ``SheetError``.
- ``apply_import`` applies the accepted rows as ordinary progress reports through
  ``theodoi.tracking.reports`` (the same rules, the same audit), all in one transaction,
  each row in its own savepoint: a report changed since the plan refuses that row only.

Unchanged means the row as read equals the row as exported (or the report as it is now), so
exporting and importing again with no edits changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from theodoi.orgs.models import Organization
from theodoi.parsing.text import fold
from theodoi.programs.models import DOING_ROLES, Occurrence, Program

from .models import ProgressReport, ReportRevision, ReportState
from .policy import Action, actor_of, refusal, visible_occurrences
from .reports import ReportError, StaleReport, save_report
from .status import OPEN_OVERDUE, statuses
from .worklist import WorkItem, send_report

__all__ = [
    "CHANGE",
    "REFUSED",
    "UNCHANGED",
    "Change",
    "ImportPlan",
    "ImportResult",
    "PlannedRow",
    "SheetError",
    "applied_summary",
    "apply_import",
    "export_workbook",
    "max_upload_bytes",
    "owed_by",
    "plan_import",
]

KIND = "theodoi.sheet/1"
META_SHEET = "_theodoi"
META_SALT = "theodoi.tracking.spreadsheet.meta"
ROW_SALT = "theodoi.tracking.spreadsheet.row"
MAX_BYTES = 5 * 1024 * 1024  # the upload itself
MAX_UNPACKED = 60 * 1024 * 1024  # what its zip unpacks to (a zip bomb stops here)
MAX_ROWS = 5000

UNCHANGED = "unchanged"
CHANGE = "change"
REFUSED = "refused"

# The columns, in order: (key, header, editable, width). Headers are what a person reads; the
# import finds each column by the header it was exported with (kept in the hidden sheet).
COLUMNS = (
    ("id", gettext_noop("Mã"), False, 9),
    ("program", gettext_noop("Chương trình"), False, 22),
    ("task_key", gettext_noop("Mã nhiệm vụ"), False, 13),
    ("task", gettext_noop("Nội dung nhiệm vụ"), False, 60),
    ("body", gettext_noop("Cơ quan"), False, 24),
    ("role", gettext_noop("Vai trò"), False, 11),
    ("period", gettext_noop("Kỳ"), False, 22),
    ("due", gettext_noop("Hạn"), False, 12),
    ("bucket", gettext_noop("Tình trạng"), False, 22),
    ("review", gettext_noop("Xét duyệt"), False, 16),
    ("state", gettext_noop("Tiến độ"), True, 17),
    ("percent", gettext_noop("Phần trăm"), True, 10),
    ("narrative", gettext_noop("Nội dung báo cáo"), True, 50),
    ("done_on", gettext_noop("Ngày hoàn thành"), True, 14),
    ("document_type", gettext_noop("Loại văn bản"), True, 14),
    ("document_number", gettext_noop("Số, ký hiệu văn bản"), True, 18),
    ("document_date", gettext_noop("Ngày văn bản"), True, 13),
    ("document_signer", gettext_noop("Cơ quan ký văn bản"), True, 24),
    ("token", gettext_noop("Mã dòng (không sửa)"), False, 12),
)
WIDTHS = {key: width for key, _header, _editable, width in COLUMNS}
EDITABLE = tuple(key for key, _header, editable, _width in COLUMNS if editable)
REQUIRED = ("id", "token", *EDITABLE)
DATE_FIELDS = ("done_on", "document_date")
MAX_LENGTHS = {"document_type": 60, "document_number": 100, "document_signer": 300}

EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: fill these in
EDITABLE_HEADER_FILL = PatternFill("solid", fgColor="FFD966")
READ_ONLY_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")  # grey: theodoi's, read-only
READ_ONLY_FONT = Font(color="595959")
DATE_FORMAT = "dd/mm/yyyy"


class SheetError(ValueError):
    """A file that cannot be read as one of our exports; the message says why, for a person."""


# --- Export ------------------------------------------------------------------------------------


def export_workbook(
    user,
    *,
    program: Program | None = None,
    organization: Organization | None = None,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    period_label: str = "",
) -> bytes:
    """The XLSX of what ``organization`` (the user's own body by default) owes: occurrences
    due from ``start`` to ``end``, and those still open that fell due before; statuses as of
    ``as_of``. A body's head and staff export their own body's only (``SheetError``)."""
    body = _export_body(user, organization)
    items = _export_items(user, body, program=program, start=start, end=end, as_of=as_of)
    headers = {key: _(header) for key, header, _editable, _width in COLUMNS}
    state_labels = {_(label): code for code, label in ReportState.choices}

    book = Workbook()
    sheet = book.active
    sheet.title = _("Báo cáo tiến độ")[:31]
    _write_header(sheet, headers)
    for index, item in enumerate(items, start=2):
        _write_row(sheet, index, item, body)
    _decorate(sheet, len(items), list(state_labels))
    _write_guide(book, user, body, program, start, end, as_of, period_label, len(items))
    meta = {
        "kind": KIND,
        "organization": body.pk,
        "user": user.pk,
        "at": timezone.now().isoformat(timespec="seconds"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "program": program.pk if program is not None else None,
        "sheet": sheet.title,
        "columns": headers,
        "states": state_labels,
    }
    hidden = book.create_sheet(META_SHEET)
    hidden["A1"] = signing.dumps(meta, salt=META_SALT, compress=True)
    hidden["A2"] = _("Dữ liệu để theodoi nhận lại bảng tính; không sửa, không xóa trang này.")
    hidden.sheet_state = "veryHidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _export_body(user, organization: Organization | None) -> Organization:
    actor = actor_of(user)
    if actor is None:
        raise SheetError(refusal(user, Action.VIEW_OCCURRENCE) or _("Tài khoản không có quyền."))
    own = user.membership.organization
    if organization is None or organization.pk == own.pk:
        return own
    if not actor.sees_everything:
        raise SheetError(
            _("Bạn chỉ được tải bảng tính việc của cơ quan mình (%(body)s).") % {"body": own.name}
        )
    return organization


def _export_items(
    user, body: Organization, *, program, start: dt.date, end: dt.date, as_of: dt.date
) -> list[WorkItem]:
    rows = owed_by(user, body).filter(
        Q(due_date__range=(start, end)) | Q(status=Occurrence.Status.OPEN, due_date__lt=start)
    )
    rows = rows.exclude(status=Occurrence.Status.WITHDRAWN)
    if program is not None:
        rows = rows.filter(assignment__task__program=program)
    rows = rows.select_related("assignment__task__program", "assignment__organization")
    occurrences = list(rows)
    found = statuses(occurrences, as_of=as_of)
    reports = {
        r.occurrence_id: r
        for r in ProgressReport.objects.filter(occurrence__in=occurrences, organization=body)
    }
    items = [
        WorkItem(occurrence=o, status=found[o.pk], report=reports.get(o.pk), extension=None)
        for o in occurrences
    ]
    items.sort(key=lambda i: (i.status.bucket != OPEN_OVERDUE, i.status.due, i.occurrence.pk))
    return items


def owed_by(user, body: Organization) -> QuerySet[Occurrence]:
    """The occurrences ``body`` owes work on (the work list's rows), among those the user
    may see."""
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    return visible_occurrences(user).filter(doing, assignment__organization=body)


def _write_header(sheet, headers: dict[str, str]) -> None:
    for col, (key, _header, editable, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=headers[key])
        cell.font = Font(bold=True)
        cell.fill = EDITABLE_HEADER_FILL if editable else READ_ONLY_HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(col)].width = width


def _write_row(sheet, index: int, item: WorkItem, body: Organization) -> None:
    occurrence, report, state = item.occurrence, item.report, item.status
    task = occurrence.assignment.task
    values = _report_values(report)
    shown = {
        "id": occurrence.pk,
        "program": task.program.number,
        "task_key": task.key,
        "task": task.text,
        "body": body.name,
        "role": item.role_label,
        "period": occurrence.label,
        "due": state.due,
        "bucket": _(state.label),
        "review": report.get_status_display() if report is not None else "",
        **_cell_values(values),
        "token": _row_token(occurrence.pk, report, values),
    }
    # Spreadsheet programs do not size rows for wrapped text on their own: an estimate.
    lines = max(
        _lines(shown["task"], WIDTHS["task"]), _lines(shown["narrative"], WIDTHS["narrative"])
    )
    sheet.row_dimensions[index].height = min(15 * lines, 180)
    for col, (key, _header, editable, _width) in enumerate(COLUMNS, start=1):
        value = shown[key]
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = sheet.cell(row=index, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text
        if key in ("due", *DATE_FIELDS):
            cell.number_format = DATE_FORMAT
        if key in ("task", "narrative"):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            cell.alignment = Alignment(vertical="top")
        if editable:
            cell.fill = EDITABLE_FILL
            cell.protection = Protection(locked=False)
        else:
            cell.font = READ_ONLY_FONT


def _lines(text: str, width: int) -> int:
    return sum(max(1, math.ceil(len(line) / (width * 1.1))) for line in text.split("\n"))


def _cell_values(values: dict[str, Any]) -> dict[str, Any]:
    """A report's values as the cells show them: the state's label, dates as dates."""
    state = values["state"]
    return {
        **values,
        "state": _(ReportState(state).label) if state else "",
        "percent": values["percent"],
    }


def _decorate(sheet, count: int, state_labels: list[str]) -> None:
    """Frozen header and ID, filters, the state list, protected read-only cells."""
    last_row = max(count + 1, 2)
    col = {key: get_column_letter(i) for i, (key, *_rest) in enumerate(COLUMNS, start=1)}
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{col['token']}{count + 1}"
    states = DataValidation(
        type="list",
        formula1='"' + ",".join(state_labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Tiến độ"),
        error=_("Chọn một tiến độ trong danh sách."),
    )
    states.add(f"{col['state']}2:{col['state']}{last_row}")
    percent = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Phần trăm"),
        error=_("Phần trăm là một số nguyên từ 0 đến 100."),
    )
    percent.add(f"{col['percent']}2:{col['percent']}{last_row}")
    sheet.add_data_validation(states)
    sheet.add_data_validation(percent)
    sheet.column_dimensions[col["token"]].hidden = True
    # Printed: landscape, as wide as the page, the header on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    # Read-only cells are locked; the sheet is protected without a password (a mark, not a
    # lock) and still lets people filter, sort and resize.
    protection = sheet.protection
    protection.sheet = True
    protection.autoFilter = False
    protection.sort = False
    protection.formatColumns = False
    protection.formatRows = False


def _write_guide(book, user, body, program, start, end, as_of, period_label, count) -> None:
    guide = book.create_sheet(_("Hướng dẫn"))
    lines = [
        (_("Cơ quan"), body.name),
        (_("Chương trình"), program.number if program is not None else _("Tất cả")),
        (_("Kỳ"), period_label or f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"),
        (_("Tình trạng tính đến hết ngày"), f"{as_of:%d/%m/%Y}"),
        (_("Người tải"), user.get_username()),
        (_("Tải lúc"), f"{timezone.localtime():%d/%m/%Y %H:%M}"),
        (_("Số dòng"), count),
        ("", ""),
        (
            _("Cách dùng"),
            _(
                "Điền các cột nền vàng (tiến độ, phần trăm, nội dung, ngày hoàn thành, văn bản "
                "đã ban hành); các cột nền xám do theodoi ghi, không sửa. Ngày ghi dd/mm/yyyy. "
                "Không thêm dòng, không sửa cột Mã. Tải lên ở trang “Nhập từ bảng tính”: "
                "theodoi cho xem trước những gì sẽ thay đổi rồi mới lưu."
            ),
        ),
        (
            _("Thay đổi đồng thời"),
            _(
                "Dòng có báo cáo đã được người khác thay đổi sau khi tải bảng tính sẽ không "
                "được nhận; tải bảng tính mới để báo cáo lại dòng đó."
            ),
        ),
    ]
    for row, (label, value) in enumerate(lines, start=1):
        guide.cell(row=row, column=1, value=label).font = Font(bold=True)
        guide.cell(row=row, column=2, value=value).alignment = Alignment(wrap_text=True)
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 90


# --- Values and tokens -------------------------------------------------------------------------


def _report_values(report: ProgressReport | None) -> dict[str, Any]:
    """A report's editable values, normalised as a read cell is (blank without a report)."""
    if report is None:
        return {
            "state": "", "percent": None, "narrative": "", "done_on": None,
            "document_type": "", "document_number": "", "document_date": None,
            "document_signer": "",
        }  # fmt: skip
    return {
        "state": report.state,
        "percent": report.percent,
        "narrative": _text(report.narrative, multiline=True),
        "done_on": report.done_on,
        "document_type": _text(report.document_type),
        "document_number": _document_number(report.document_number),
        "document_date": report.document_date,
        "document_signer": _text(report.document_signer),
    }


def _fingerprint(values: dict[str, Any]) -> str:
    canonical = [
        v.isoformat() if isinstance(v, dt.date) else ("" if v is None else str(v))
        for v in (values[key] for key in EDITABLE)
    ]
    text = json.dumps(canonical, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _row_token(occurrence_id: int, report: ProgressReport | None, values: dict) -> str:
    payload = {
        "o": occurrence_id,
        "v": report.version if report is not None else 0,
        "h": _fingerprint(values),
    }
    return signing.dumps(payload, salt=ROW_SALT, compress=True)


def _read_token(raw: Any) -> dict | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        payload = signing.loads(raw.strip(), salt=ROW_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not {"o", "v", "h"} <= payload.keys():
        return None
    return payload


def _text(value: Any, *, multiline: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = ILLEGAL_CHARACTERS_RE.sub("", text)  # what a cell cannot hold
    if multiline:
        return "\n".join(line.rstrip() for line in text.strip().split("\n"))
    return re.sub(r"\s+", " ", text).strip()


def _document_number(value: Any) -> str:
    """As the web form keeps it: single spaces, without a leading "Số:"."""
    number = _text(value)
    return re.sub(r"^(?:số|so)\s*:?\s*", "", number, flags=re.IGNORECASE)


# --- Import: reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of one row: its label, the value now and the value the file gives."""

    field: str
    label: str
    before: str
    after: str


@dataclass
class PlannedRow:
    """What the import does with one row of the file."""

    row: int  # the row number in the spreadsheet (the header is row 1)
    outcome: str  # UNCHANGED, CHANGE or REFUSED
    occurrence_id: int | None = None
    task_key: str = ""
    period: str = ""
    task_text: str = ""
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    note: str = ""
    values: dict[str, Any] | None = None
    expected_version: int | None = None

    @property
    def message(self) -> str:
        """The row's refusal for a person: "Dòng 5 (mã 12): why"."""
        where = _("Dòng %(row)s") % {"row": self.row}
        if self.occurrence_id is not None:
            where += " " + _("(mã %(id)s)") % {"id": self.occurrence_id}
        return f"{where}: {self.reason}"


@dataclass
class ImportPlan:
    """Every row of an uploaded file and what importing it would do; nothing written yet."""

    user_id: int
    source_body: str  # the body the file was exported for
    exported_at: str
    rows: list[PlannedRow]
    notice: str = ""  # why nothing can apply, for a user who may not report at all

    @property
    def changes(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.outcome == CHANGE]

    @property
    def refused(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.outcome == REFUSED]

    @property
    def unchanged(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.outcome == UNCHANGED]

    def digest(self) -> str:
        """A fingerprint of what applying would do: the preview a person saw is the plan
        applied only while the digest is the same."""
        parts = [
            [r.row, r.outcome, r.occurrence_id, r.expected_version,
             {k: str(v) for k, v in (r.values or {}).items()}]
            for r in self.rows
        ]  # fmt: skip
        text = json.dumps(parts, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def plan_import(user, data: bytes) -> ImportPlan:
    """What importing ``data`` (an XLSX exported by ``export_workbook``) would change for
    ``user``'s body, row by row. Raises ``SheetError`` when the file cannot be used at all."""
    book = _open(data)
    meta = _meta(book)
    sheet = _main_sheet(book, meta)
    columns = _columns(sheet, meta)
    states = _state_names(meta)
    cells = []
    for index, values in enumerate(sheet.iter_rows(min_row=2), start=2):
        row = {key: values[col] if col < len(values) else None for key, col in columns.items()}
        if all(_blank(c.value) if c is not None else True for c in row.values()):
            continue  # an empty row (formatting alone makes those)
        cells.append((index, row))
        if len(cells) > max_rows():
            raise SheetError(
                _("Bảng tính có quá nhiều dòng; tối đa %(max)s dòng.") % {"max": max_rows()}
            )
    body_name = ""
    source = Organization.objects.filter(pk=meta.get("organization")).first()
    if source is not None:
        body_name = source.name
    at = meta.get("at", "")
    try:
        exported = timezone.localtime(dt.datetime.fromisoformat(at)).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        exported = ""
    planner = _Planner(user, states)
    rows = planner.plan(cells)
    notice = ""
    why = refusal(user, Action.CREATE_REPORT)
    if why is not None:
        notice = (
            why
            + " "
            + _(
                "Chỉ cơ quan được giao mới nhập báo cáo tiến độ của mình; bảng tính này không "
                "thay đổi gì."
            )
        )
    return ImportPlan(
        user_id=user.pk, source_body=body_name, exported_at=exported, rows=rows,
        notice=notice,
    )  # fmt: skip


def _open(data: bytes):
    not_xlsx = _(
        "Tệp không phải bảng tính Excel (.xlsx). Hãy tải lên đúng tệp đã tải về từ theodoi "
        "(nếu đã lưu thành .xls hay .ods, hãy lưu lại thành .xlsx)."
    )
    if not data:
        raise SheetError(_("Tệp trống; hãy chọn bảng tính đã điền."))
    limit = max_upload_bytes()
    if len(data) > limit:
        raise SheetError(
            _("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"size": f"{len(data) / 1048576:.1f}", "max": f"{limit / 1048576:g}"}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise SheetError(not_xlsx) from None
    if unpacked > MAX_UNPACKED:
        raise SheetError(
            _("Bảng tính quá lớn khi giải nén (%(size)s MB); tối đa %(max)s MB.")
            % {"size": f"{unpacked / 1048576:.0f}", "max": f"{MAX_UNPACKED / 1048576:g}"}
        )
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise SheetError(not_xlsx) from None


def _meta(book) -> dict:
    not_ours = _(
        "Bảng tính này không phải bảng tính theodoi xuất ra (thiếu hoặc hỏng phần dữ liệu "
        "ẩn). Hãy tải bảng tính ở trang “Việc của cơ quan”, điền vào đó rồi tải lên."
    )
    if META_SHEET not in book.sheetnames:
        raise SheetError(not_ours)
    raw = book[META_SHEET]["A1"].value
    try:
        meta = signing.loads(raw or "", salt=META_SALT)
    except signing.BadSignature:
        raise SheetError(not_ours) from None
    if not isinstance(meta, dict) or meta.get("kind") != KIND:
        raise SheetError(not_ours)
    return meta


def _main_sheet(book, meta: dict):
    title = meta.get("sheet")
    if title in book.sheetnames:
        return book[title]
    return book.worksheets[0]


def _columns(sheet, meta: dict) -> dict[str, int]:
    """Each needed column's index, found by the header it was exported with."""
    wanted = meta.get("columns") or {}
    found: dict[str, int] = {}
    headers = {}
    for col, cell in enumerate(next(sheet.iter_rows(min_row=1, max_row=1), ())):
        text = _text(cell.value)
        if text:
            headers.setdefault(fold(text), col)
    missing = []
    for key in (k for k, *_rest in COLUMNS):
        header = wanted.get(key, "")
        col = headers.get(fold(_text(header))) if header else None
        if col is None:
            if key in REQUIRED:
                missing.append(header or key)
            continue
        found[key] = col
    if missing:
        raise SheetError(
            _("Bảng tính thiếu cột: %(columns)s. Đừng xóa hay đổi tên cột; hãy tải bảng tính mới.")
            % {"columns": ", ".join(f"“{name}”" for name in missing)}
        )
    return found


def _state_names(meta: dict) -> dict[str, str]:
    """Every way a state may be written, folded, to its code: the code, the labels the file
    was exported with, and the labels in Vietnamese and in the current language."""
    names = {fold(code): code for code in ReportState.values}
    for label, code in (meta.get("states") or {}).items():
        if code in ReportState.values:
            names[fold(_text(label))] = code
    for code, label in ReportState.choices:
        names[fold(str(label))] = code
        with translation.override("vi"):
            names[fold(str(label))] = code
    return names


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- Import: deciding --------------------------------------------------------------------------

LABELS = {key: header for key, header, *_rest in COLUMNS}


class _Planner:
    """Decides each row; loads the occurrences and reports the file names in a few queries."""

    def __init__(self, user, states: dict[str, str]) -> None:
        self.user = user
        self.states = states
        actor = actor_of(user)
        self.body_id = actor.organization_id if actor is not None else None

    def plan(self, cells: list[tuple[int, dict]]) -> list[PlannedRow]:
        ids = {_int(row["id"].value) for _index, row in cells if row.get("id") is not None}
        ids.discard(None)
        occurrences = {
            o.pk: o
            for o in Occurrence.objects.filter(pk__in=ids).select_related(
                "assignment__task", "assignment__organization"
            )
        }
        reports = {
            r.occurrence_id: r
            for r in ProgressReport.objects.filter(
                occurrence__in=occurrences.keys(), organization_id=self.body_id
            ).select_related("occurrence__assignment__task")
        }
        seen: dict[int, int] = {}
        planned = []
        for index, row in cells:
            planned.append(self._row(index, row, occurrences, reports, seen))
        return planned

    def _row(self, index, row, occurrences, reports, seen) -> PlannedRow:
        raw_id = row["id"].value if row.get("id") is not None else None
        occurrence_id = _int(raw_id)
        if occurrence_id is None:
            return PlannedRow(
                index,
                REFUSED,
                reason=_(
                    "Cột Mã trống hoặc không phải số (“%(value)s”); không biết dòng này là kỳ nào."
                )
                % {"value": _text(raw_id)},
            )
        occurrence = occurrences.get(occurrence_id)
        if occurrence is None:
            return PlannedRow(
                index,
                REFUSED,
                occurrence_id,
                reason=_("Không có kỳ thực hiện mã %(id)s.") % {"id": occurrence_id},
            )
        task = occurrence.assignment.task
        planned = PlannedRow(
            index, REFUSED, occurrence_id, task.key, occurrence.label, task_text=task.text
        )
        if occurrence_id in seen:
            planned.reason = _("Mã %(id)s đã có ở dòng %(row)s; mỗi kỳ chỉ một dòng.") % {
                "id": occurrence_id,
                "row": seen[occurrence_id],
            }
            return planned
        seen[occurrence_id] = index

        values, errors = self._values(row)
        token = _read_token(row["token"].value if row.get("token") is not None else None)
        if token is not None and token["o"] != occurrence_id:
            token = None
        if token is not None and not errors and _fingerprint(values) == token["h"]:
            planned.outcome = UNCHANGED
            return planned

        owner = occurrence.assignment.organization
        if owner is None or occurrence.assignment.organization_id != self.body_id:
            planned.reason = refusal(self.user, Action.CREATE_REPORT) or _(
                "Kỳ thực hiện này là việc của %(body)s, không phải của cơ quan bạn; mỗi cơ quan "
                "chỉ báo cáo việc của mình."
            ) % {"body": owner.name if owner is not None else _("một nhóm cơ quan")}
            return planned
        report = reports.get(occurrence_id)
        current = _report_values(report)
        if not errors and not values["state"] and report is not None:
            errors.append(_("Chọn tiến độ ở cột “%(column)s”.") % {"column": _(LABELS["state"])})
        if not errors:
            values = _with_defaults(values)
            planned.changes = _changes(current, values)
            if not planned.changes:
                planned.outcome = UNCHANGED
                return planned
        if token is None:
            planned.reason = _(
                "Dòng này không có trong bảng tính đã tải về (thiếu hoặc sai mã dòng); hãy tải "
                "bảng tính mới rồi điền lại."
            )
            return planned
        version = report.version if report is not None else 0
        if version != token["v"]:
            planned.reason = _stale_reason(report, token["v"])
            return planned
        if report is None:
            why = refusal(
                self.user,
                Action.CREATE_REPORT,
                ProgressReport(occurrence=occurrence, organization_id=self.body_id),
            )
        else:
            why = refusal(self.user, Action.EDIT_REPORT, report)
        if why:
            planned.reason = why
            return planned
        if errors:
            planned.reason = " ".join(errors)
            return planned
        expected = report.version if report is not None else None
        try:
            after = _dry_run(self.user, occurrence, expected, values)
        except (ReportError, PermissionDenied, StaleReport) as error:
            planned.reason = str(error)
            return planned
        planned.changes = _changes(current, after)
        if not planned.changes:
            planned.outcome = UNCHANGED
            return planned
        planned.outcome = CHANGE
        planned.values = values
        planned.expected_version = expected
        if values["state"] == ReportState.DONE and values["done_on"] is None:
            planned.note = _("Cần ghi ngày hoàn thành trước khi gửi; lưu nháp thì được.")
        return planned

    def _values(self, row: dict) -> tuple[dict[str, Any], list[str]]:
        """The row's editable values, normalised, and what is wrong with them."""
        errors: list[str] = []
        values: dict[str, Any] = {}
        cell = row.get("state")
        raw = cell.value if cell is not None else None
        if _blank(raw):
            values["state"] = ""
        else:
            code = self.states.get(fold(_text(raw)))
            if code is None:
                errors.append(
                    _("Tiến độ “%(value)s” không hợp lệ; chọn một trong: %(choices)s.")
                    % {"value": _text(raw), "choices": ", ".join(map(str, ReportState.labels))}
                )
            values["state"] = code or _text(raw)
        values["percent"], error = _percent(row.get("percent"))
        if error:
            errors.append(error)
        values["narrative"] = _text(_value(row.get("narrative")), multiline=True)
        for key in DATE_FIELDS:
            values[key], error = _day(row.get(key), str(_(LABELS[key])))
            if error:
                errors.append(error)
        values["document_type"] = _text(_value(row.get("document_type")))
        values["document_number"] = _document_number(_value(row.get("document_number")))
        values["document_signer"] = _text(_value(row.get("document_signer")))
        for key, limit in MAX_LENGTHS.items():
            if len(values[key]) > limit:
                errors.append(
                    _("%(column)s dài quá %(limit)s ký tự.")
                    % {"column": _(LABELS[key]), "limit": limit}
                )
        number = values["document_number"]
        if number and not re.search(r"\d", number):
            errors.append(_("Số, ký hiệu văn bản cần có số, ví dụ 05-CT/TU."))
        if not errors:
            errors.extend(_rule_errors(values))
        return values, errors


def _value(cell) -> Any:
    return cell.value if cell is not None else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _percent(cell) -> tuple[int | None, str]:
    raw = _value(cell)
    wrong = _("Phần trăm “%(value)s” không hợp lệ; ghi một số nguyên từ 0 đến 100.") % {
        "value": _text(raw)
    }
    if _blank(raw):
        return None, ""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw)
        if "%" in (cell.number_format or ""):  # "50%" typed in Excel is stored as 0.5
            number *= 100
            number = round(number, 6)
    elif isinstance(raw, str):
        text = raw.strip().rstrip("%").strip().replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None, wrong
    else:
        return None, wrong
    if not number.is_integer() or not 0 <= number <= 100:
        return None, wrong
    return int(number), ""


def _day(cell, label: str) -> tuple[dt.date | None, str]:
    """A date cell: a real date, or text written dd/mm/yyyy (yyyy-mm-dd is read too)."""
    raw = _value(cell)
    if _blank(raw):
        return None, ""
    if isinstance(raw, dt.datetime):
        return raw.date(), ""
    if isinstance(raw, dt.date):
        return raw, ""
    if isinstance(raw, str):
        text = raw.strip()
        for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text, pattern).date(), ""
            except ValueError:
                continue
    return None, _("%(column)s “%(value)s” không phải ngày hợp lệ; ghi theo dạng dd/mm/yyyy.") % {
        "column": label,
        "value": _text(raw),
    }


def _rule_errors(values: dict[str, Any]) -> list[str]:
    """The report rules (``theodoi.tracking.reports``) checked before anything is saved."""
    state = values["state"]
    if not state:
        if any(values[key] not in ("", None) for key in EDITABLE if key != "state"):
            return [_("Chọn tiến độ ở cột “%(column)s”.") % {"column": _(LABELS["state"])}]
        return []
    if state != ReportState.DONE and values["done_on"] is not None:
        return [_("Chỉ ghi ngày hoàn thành khi đã hoàn thành.")]
    if values["done_on"] is not None and values["done_on"] > timezone.localdate():
        return [_("Ngày hoàn thành không thể ở tương lai.")]
    return []


def _with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """What ``save_report`` stores: a done report without a percentage is 100%."""
    if values["state"] == ReportState.DONE and values["percent"] is None:
        return {**values, "percent": 100}
    return values


def _changes(current: dict[str, Any], values: dict[str, Any]) -> list[Change]:
    if not values["state"]:  # a blank row on an occurrence without a report
        return []
    return [
        Change(key, str(_(LABELS[key])), _shown(key, current[key]), _shown(key, values[key]))
        for key in EDITABLE
        if current[key] != values[key]
    ]


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if key == "state":
        return str(ReportState(value).label)
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


class _Rollback(Exception):
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values


def _dry_run(user, occurrence: Occurrence, expected: int | None, values: dict) -> dict:
    """The report's values as ``save_report`` would store them (its rules fill a document
    cited in the narrative, a done report's 100%), found by saving it in a transaction that is
    rolled back: the preview shows exactly what the save will do. Raises what it raises."""
    try:
        with transaction.atomic():
            saved = save_report(
                user=user, occurrence=occurrence, expected_version=expected, **values
            )
            raise _Rollback(_report_values(saved))
    except _Rollback as done:
        return done.values


def _stale_reason(report: ProgressReport | None, exported_version: int) -> str:
    if report is None:  # removed since: cannot happen through the services, said plainly
        return _("Báo cáo kỳ này không còn như lúc tải bảng tính; hãy tải bảng tính mới.")
    latest = (
        ReportRevision.objects.filter(report=report).select_related("by").order_by("-version")
    ).first()
    if latest is None:
        who = ""
    else:
        who = _(" (%(user)s, lúc %(at)s)") % {
            "user": latest.by.get_username(),
            "at": f"{timezone.localtime(latest.at):%d/%m/%Y %H:%M}",
        }
    return _(
        "Báo cáo kỳ này đã được thay đổi sau khi bạn tải bảng tính%(who)s; hãy tải bảng "
        "tính mới, xem thay đổi rồi điền lại dòng này."
    ) % {"who": who}


# --- Import: applying --------------------------------------------------------------------------


@dataclass
class ImportResult:
    applied: list[PlannedRow]
    refused: list[PlannedRow]  # refused at apply time, with the reason
    sent: bool
    reports: list[ProgressReport] = field(default_factory=list)


def apply_import(user, plan: ImportPlan, *, send: bool) -> ImportResult:
    """Save each change of ``plan`` as the user's body's report (and send it on if ``send``,
    as the work list's "send" does), in one transaction. Each row is checked again against
    the report's version: a row whose report changed since the plan is refused, the others
    apply."""
    if plan.user_id != user.pk:
        raise ValueError("the plan was made for another user")
    applied: list[PlannedRow] = []
    refused: list[PlannedRow] = []
    reports: list[ProgressReport] = []
    with transaction.atomic():
        for row in plan.changes:
            try:
                with transaction.atomic():
                    report = _apply_row(user, row, send=send)
            except (StaleReport, IntegrityError):
                refused.append(replace(row, outcome=REFUSED, reason=_changed_meanwhile()))
            except (ReportError, PermissionDenied) as error:
                refused.append(replace(row, outcome=REFUSED, reason=str(error)))
            else:
                applied.append(row)
                reports.append(report)
    return ImportResult(applied=applied, refused=refused, sent=send, reports=reports)


def _apply_row(user, row: PlannedRow, *, send: bool) -> ProgressReport:
    occurrence = Occurrence.objects.select_related(
        "assignment__task", "assignment__organization"
    ).get(pk=row.occurrence_id)
    report = save_report(
        user=user,
        occurrence=occurrence,
        expected_version=row.expected_version,
        **(row.values or {}),
    )
    if send:
        report = send_report(user=user, report=report, expected_version=report.version)
    return report


def _changed_meanwhile() -> str:
    return _(
        "Báo cáo kỳ này vừa được người khác thay đổi; dòng này không được lưu. Hãy tải bảng "
        "tính mới để xem thay đổi."
    )


def applied_summary(result: ImportResult) -> str:
    """One sentence on what an import did, for the page and the command."""
    if not result.applied:
        return _("Không lưu báo cáo nào.")
    n = len(result.applied)
    if result.sent:
        return ngettext("Đã lưu và gửi %(n)s báo cáo.", "Đã lưu và gửi %(n)s báo cáo.", n) % {
            "n": n
        }
    return ngettext("Đã lưu nháp %(n)s báo cáo.", "Đã lưu nháp %(n)s báo cáo.", n) % {"n": n}


def max_upload_bytes() -> int:
    return int(getattr(settings, "THEODOI_SHEET_MAX_BYTES", MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "THEODOI_SHEET_MAX_ROWS", MAX_ROWS))

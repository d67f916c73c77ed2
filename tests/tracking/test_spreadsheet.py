"""The spreadsheet round trip on the example program: Ban Tổ chức exports what it owes in
quý I/2021, fills the file in offline and imports it back. The expected rows and values are
read from the database, never typed in."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone
from docx import Document
from openpyxl import Workbook, load_workbook

from theodoi.programs.models import DOING_ROLES, Occurrence
from theodoi.reporting.periods import parse_period
from theodoi.tracking.models import ProgressReport, ReportRevision, ReportState, ReportStatus
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.spreadsheet import (
    CHANGE,
    REFUSED,
    UNCHANGED,
    SheetError,
    apply_import,
    export_workbook,
    plan_import,
)
from theodoi.tracking.status import statuses

# Staff send straight to the office here: what is tested is not the sign-off.
pytestmark = pytest.mark.usefixtures("straight_to_the_office")

Q1 = parse_period("2021-Q1")
AS_OF = dt.date(2021, 3, 31)
HEADER = {  # the headers a person reads, Vietnamese by default
    "id": "Mã",
    "state": "Tiến độ",
    "percent": "Phần trăm",
    "narrative": "Nội dung báo cáo",
    "done_on": "Ngày hoàn thành",
    "document_type": "Loại văn bản",
    "document_number": "Số, ký hiệu văn bản",
    "document_date": "Ngày văn bản",
    "token": "Mã dòng (không sửa)",
}


def export(user, **options) -> bytes:
    return export_workbook(user, start=Q1.start, end=Q1.end, as_of=AS_OF, **options)


def sheet_of(data: bytes):
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1]}
    return book, sheet, columns


def ids_in(data: bytes) -> list[int]:
    _book, sheet, columns = sheet_of(data)
    return [sheet.cell(row=r, column=columns["Mã"]).value for r in range(2, sheet.max_row + 1)]


def row_of(sheet, columns, occurrence_id: int) -> int:
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(row=r, column=columns["Mã"]).value == occurrence_id:
            return r
    raise AssertionError(f"no row for {occurrence_id}")


def fill(data: bytes, edits: dict[int, dict[str, object]]) -> bytes:
    """The file with some cells changed, as a person would: ``{occurrence id: {column: value}}``."""
    book, sheet, columns = sheet_of(data)
    for occurrence_id, values in edits.items():
        r = row_of(sheet, columns, occurrence_id)
        for key, value in values.items():
            sheet.cell(row=r, column=columns[HEADER[key]], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def owed(code: str):
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    return Occurrence.objects.filter(doing, assignment__organization__code=code)


def in_q1(code: str) -> set[int]:
    """Independently: due in Q1/2021, or still open and due before it; not withdrawn."""
    rows = owed(code).exclude(status=Occurrence.Status.WITHDRAWN)
    due = rows.filter(due_date__gte=Q1.start, due_date__lte=Q1.end)
    before = rows.filter(status=Occurrence.Status.OPEN, due_date__lt=Q1.start)
    return set(due.values_list("pk", flat=True)) | set(before.values_list("pk", flat=True))


def audit_count() -> int:
    return LogEntry.objects.count()


@pytest.fixture
def staff(users):
    return users["staff"]


@pytest.fixture
def two(example) -> tuple[Occurrence, Occurrence]:
    """Two of Ban Tổ chức's occurrences due on 31/03/2021."""
    rows = owed("qn.btctu").filter(due_date=dt.date(2021, 3, 31)).order_by("pk")
    return rows[0], rows[1]


# --- Export ------------------------------------------------------------------------------------


def test_export_has_the_bodys_rows_with_real_dates_a_state_list_and_a_hidden_sheet(staff, two):
    data = export(staff)
    assert set(ids_in(data)) == in_q1("qn.btctu") and len(ids_in(data)) == len(in_q1("qn.btctu"))
    book, sheet, columns = sheet_of(data)
    occurrence = two[0]
    r = row_of(sheet, columns, occurrence.pk)
    due = sheet.cell(row=r, column=columns["Hạn"])
    assert due.value.date() == occurrence.due_date and due.number_format == "dd/mm/yyyy"
    assert sheet.cell(row=r, column=columns["Mã nhiệm vụ"]).value == occurrence.assignment.task.key
    assert sheet.cell(row=r, column=columns["Cơ quan"]).value == "Ban Tổ chức Tỉnh ủy"
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref.startswith("A1:")
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists and all(
        label in lists[0].formula1
        for label in ("Chưa thực hiện", "Đang thực hiện", "Đã hoàn thành")
    )
    state_cell = sheet.cell(row=r, column=columns["Tiến độ"])
    task_cell = sheet.cell(row=r, column=columns["Nội dung nhiệm vụ"])
    assert not state_cell.protection.locked and task_cell.protection.locked
    assert sheet.protection.sheet
    assert state_cell.fill.fgColor.rgb != task_cell.fill.fgColor.rgb  # editable ones stand out
    token_column = sheet.cell(row=1, column=columns["Mã dòng (không sửa)"]).column_letter
    assert sheet.column_dimensions[token_column].hidden
    assert book["_theodoi"].sheet_state == "veryHidden"


def test_export_shows_the_current_report(staff, two):
    occurrence = two[0]
    save_report(
        user=staff, occurrence=occurrence, expected_version=None, state="in_progress",
        percent=40, narrative="Đang dự thảo.",
    )  # fmt: skip
    _book, sheet, columns = sheet_of(export(staff))
    r = row_of(sheet, columns, occurrence.pk)
    assert sheet.cell(row=r, column=columns["Tiến độ"]).value == "Đang thực hiện"
    assert sheet.cell(row=r, column=columns["Phần trăm"]).value == 40
    assert sheet.cell(row=r, column=columns["Xét duyệt"]).value == "Đang soạn"


def test_a_body_exports_only_its_own_the_monitor_any(users, example):
    from theodoi.orgs.models import Organization

    other = Organization.objects.get(code="qn.btgtu")
    with pytest.raises(SheetError, match="của cơ quan mình"):
        export(users["staff"], organization=other)
    assert set(ids_in(export(users["monitor"], organization=other))) == in_q1("qn.btgtu")


def test_export_then_import_unchanged_changes_nothing(staff, two):
    save_report(
        user=staff, occurrence=two[0], expected_version=None, state="in_progress", percent=10,
        narrative="Dòng một\nDòng hai", document_number="Số: 12-KH/BTCTU",
    )  # fmt: skip
    save_report(
        user=staff, occurrence=two[1], expected_version=None, state="in_progress",
        narrative="=1+1 là công thức?\x0b ký tự điều khiển",
    )  # fmt: skip
    revisions, entries = ReportRevision.objects.count(), audit_count()
    plan = plan_import(staff, export(staff))
    assert plan.rows and {r.outcome for r in plan.rows} == {UNCHANGED}
    result = apply_import(staff, plan, send=True)
    assert result.applied == [] and result.refused == []
    assert ReportRevision.objects.count() == revisions and audit_count() == entries


# --- Import: changes ---------------------------------------------------------------------------


def test_two_filled_rows_preview_exactly_those_changes_then_apply(staff, users, two):
    done, going = two
    data = fill(
        export(staff),
        {
            done.pk: {
                "state": "Đã hoàn thành",
                "narrative": "Đã ban hành kế hoạch.",
                "done_on": dt.datetime(2021, 3, 20),
                "document_type": "Kế hoạch",
                "document_number": "15-KH/TU",
                "document_date": "20/03/2021",
            },
            going.pk: {"state": "Đang thực hiện", "percent": 60, "narrative": "Đang lấy ý kiến."},
        },
    )
    before = statuses(Occurrence.objects.filter(pk__in=[done.pk, going.pk]), as_of=AS_OF)
    entries = audit_count()
    plan = plan_import(staff, data)
    assert {r.occurrence_id for r in plan.changes} == {done.pk, going.pk}
    assert plan.refused == [] and len(plan.unchanged) == len(plan.rows) - 2
    changes = {
        r.occurrence_id: {c.field: (c.before, c.after) for c in r.changes} for r in plan.rows
    }
    assert changes[done.pk] == {
        "state": ("", "Đã hoàn thành"),
        "percent": ("", "100"),
        "narrative": ("", "Đã ban hành kế hoạch."),
        "done_on": ("", "20/03/2021"),
        "document_type": ("", "Kế hoạch"),
        "document_number": ("", "15-KH/TU"),
        "document_date": ("", "20/03/2021"),
    }
    assert changes[going.pk] == {
        "state": ("", "Đang thực hiện"),
        "percent": ("", "60"),
        "narrative": ("", "Đang lấy ý kiến."),
    }
    assert not ProgressReport.objects.exists() and audit_count() == entries  # a preview only

    result = apply_import(staff, plan, send=True)
    assert [r.occurrence_id for r in result.applied] == [r.occurrence_id for r in plan.changes]
    report = ProgressReport.objects.get(occurrence=done)
    assert (report.state, report.done_on, report.document_number, report.document_date) == (
        ReportState.DONE,
        dt.date(2021, 3, 20),
        "15-KH/TU",
        dt.date(2021, 3, 20),
    )
    assert report.status == ReportStatus.SUBMITTED and report.organization.code == "qn.btctu"
    other = ProgressReport.objects.get(occurrence=going)
    assert (other.state, other.percent, other.status) == ("in_progress", 60, "submitted")
    for r in (report, other):  # audited as any report, by the person who imported
        entry = LogEntry.objects.get_for_object(r).order_by("pk").first()
        assert entry is not None and entry.actor == staff
        assert [rev.by for rev in r.revisions.all()] == [staff, staff]
    after = statuses(
        Occurrence.objects.filter(pk__in=[done.pk, going.pk]), as_of=timezone.localdate()
    )
    assert before[done.pk].workflow == "not_started"
    assert after[done.pk].workflow == "awaiting_confirmation"
    assert after[going.pk].workflow == "in_progress"
    # The office confirms the one done: it counts as done on time, on 20/03/2021.
    review_report(
        user=users["monitor"], report=report, expected_version=report.version, accept=True
    )
    confirmed = statuses(Occurrence.objects.filter(pk=done.pk), as_of=timezone.localdate())
    assert confirmed[done.pk].bucket == "done_on_time"
    assert confirmed[done.pk].done_on == dt.date(2021, 3, 20)


def test_saved_as_draft_without_send(staff, two):
    data = fill(export(staff), {two[0].pk: {"state": "Đang thực hiện", "percent": "30%"}})
    result = apply_import(staff, plan_import(staff, data), send=False)
    report = ProgressReport.objects.get(occurrence=two[0])
    assert len(result.applied) == 1 and (report.status, report.percent) == ("draft", 30)
    # Imported again: now unchanged, nothing new.
    revisions = ReportRevision.objects.count()
    again = plan_import(staff, export(staff))
    assert {r.outcome for r in again.rows} == {UNCHANGED}
    assert ReportRevision.objects.count() == revisions


def test_the_preview_shows_what_the_report_rules_fill_in(staff, two):
    """A document cited in the narrative fills the empty evidence columns, as on the web."""
    narrative = "Đã ban hành Kế hoạch số 15-KH/TU ngày 25/3/2021 về tinh giản biên chế."
    data = fill(
        export(staff),
        {two[0].pk: {"state": "Đã hoàn thành", "done_on": "25/03/2021", "narrative": narrative}},
    )
    plan = plan_import(staff, data)
    (row,) = plan.changes
    shown = {c.field: c.after for c in row.changes}
    assert not ProgressReport.objects.exists()  # the dry run left nothing behind
    apply_import(staff, plan, send=False)
    report = ProgressReport.objects.get(occurrence=two[0])
    assert shown["document_number"] == report.document_number != ""
    assert shown["document_date"] == f"{report.document_date:%d/%m/%Y}"
    assert shown["document_type"] == report.document_type
    # The same file again: the report changed since that export (by this import itself).
    again = plan_import(staff, data).rows
    assert next(r for r in again if r.occurrence_id == two[0].pk).outcome == REFUSED
    assert {r.outcome for r in plan_import(staff, export(staff)).rows} == {UNCHANGED}


def test_dates_as_text_accepted_and_impossible_ones_refused_with_the_row(staff, two):
    data = fill(
        export(staff),
        {
            two[0].pk: {"state": "Đã hoàn thành", "done_on": "25/03/2021", "narrative": "Đã xong."},
            two[1].pk: {"state": "Đã hoàn thành", "done_on": "31/02/2021", "narrative": "Đã xong."},
        },
    )
    plan = plan_import(staff, data)
    rows = {r.occurrence_id: r for r in plan.rows}
    assert rows[two[0].pk].outcome == CHANGE
    assert rows[two[0].pk].values["done_on"] == dt.date(2021, 3, 25)
    bad = rows[two[1].pk]
    _book, sheet, columns = sheet_of(data)
    assert bad.outcome == REFUSED and bad.row == row_of(sheet, columns, two[1].pk)
    assert "31/02/2021" in bad.reason and "dd/mm/yyyy" in bad.reason
    assert bad.message.startswith(f"Dòng {bad.row} (mã {two[1].pk}):")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"percent": 150}, "Phần trăm"),
        ({"state": "Xong rồi"}, "Tiến độ “Xong rồi” không hợp lệ"),
        ({"state": "Đang thực hiện", "done_on": "01/03/2021"}, "Chỉ ghi ngày hoàn thành"),
        ({"narrative": "Có nội dung mà không chọn tiến độ"}, "Chọn tiến độ"),
        ({"state": "Đang thực hiện", "document_number": "KH/TU"}, "cần có số"),
    ],
)
def test_invalid_values_are_refused_with_the_reason(staff, two, edit, words):
    plan = plan_import(staff, fill(export(staff), {two[0].pk: edit}))
    row = next(r for r in plan.rows if r.occurrence_id == two[0].pk)
    assert row.outcome == REFUSED and words in row.reason


# --- Import: refusals --------------------------------------------------------------------------


def test_a_row_of_another_body_inserted_is_refused(staff, two):
    foreign = owed("qn.btgtu").filter(status=Occurrence.Status.OPEN).first()
    book, sheet, columns = sheet_of(export(staff))
    r = sheet.max_row + 1
    sheet.cell(row=r, column=columns["Mã"], value=foreign.pk)
    sheet.cell(row=r, column=columns["Tiến độ"], value="Đã hoàn thành")
    sheet.cell(row=r, column=columns["Ngày hoàn thành"], value="01/03/2021")
    out = io.BytesIO()
    book.save(out)
    plan = plan_import(staff, out.getvalue())
    row = next(x for x in plan.rows if x.occurrence_id == foreign.pk)
    assert row.outcome == REFUSED and row.row == r
    assert "Ban Tuyên giáo Tỉnh ủy" in row.reason and "cơ quan bạn" in row.reason
    assert apply_import(staff, plan, send=True).applied == []
    assert not ProgressReport.objects.filter(occurrence=foreign).exists()


def test_a_report_changed_by_someone_else_after_the_export_is_refused_the_rest_apply(
    staff, users, two
):
    first, second = two
    save_report(user=staff, occurrence=first, expected_version=None, state="in_progress")
    data = fill(
        export(staff),
        {
            first.pk: {"state": "Đang thực hiện", "percent": 70},
            second.pk: {"state": "Đang thực hiện", "percent": 20},
        },
    )
    head = users["head"]  # the head edits the report meanwhile, in the web
    save_report(user=head, occurrence=first, expected_version=1, state="in_progress", percent=50)
    plan = plan_import(staff, data)
    rows = {r.occurrence_id: r for r in plan.rows}
    assert rows[first.pk].outcome == REFUSED and "đã được thay đổi" in rows[first.pk].reason
    assert "head" in rows[first.pk].reason
    assert rows[second.pk].outcome == CHANGE
    result = apply_import(staff, plan, send=False)
    assert [r.occurrence_id for r in result.applied] == [second.pk]
    assert ProgressReport.objects.get(occurrence=first).percent == 50  # the head's stays
    assert ProgressReport.objects.get(occurrence=second).percent == 20


def test_a_change_between_plan_and_apply_refuses_that_row_only(staff, users, two):
    first, second = two
    data = fill(
        export(staff),
        {
            first.pk: {"state": "Đang thực hiện", "percent": 70},
            second.pk: {"state": "Đang thực hiện", "percent": 20},
        },
    )
    plan = plan_import(staff, data)
    assert len(plan.changes) == 2
    save_report(user=users["head"], occurrence=first, expected_version=None, state="in_progress")
    revisions = ReportRevision.objects.count()
    result = apply_import(staff, plan, send=True)
    assert [r.occurrence_id for r in result.applied] == [second.pk]
    assert [r.occurrence_id for r in result.refused] == [first.pk]
    assert "vừa được người khác thay đổi" in result.refused[0].reason
    assert ProgressReport.objects.get(occurrence=first).percent is None
    assert ReportRevision.objects.count() == revisions + 2  # the second: saved and sent


def test_awaiting_confirmation_and_confirmed_reports_are_refused(staff, users, two):
    first, second = two
    for occurrence in two:
        report = save_report(
            user=staff, occurrence=occurrence, expected_version=None, state="done",
            done_on=dt.date(2021, 3, 1), narrative="Đã xong.",
        )  # fmt: skip
        submit_report(user=staff, report=report, expected_version=report.version)
    confirmed = ProgressReport.objects.get(occurrence=second)
    review_report(
        user=users["monitor"], report=confirmed, expected_version=confirmed.version, accept=True
    )
    data = fill(
        export(staff),
        {first.pk: {"narrative": "Bổ sung"}, second.pk: {"narrative": "Bổ sung"}},
    )
    rows = {r.occurrence_id: r for r in plan_import(staff, data).rows}
    assert rows[first.pk].outcome == REFUSED and "chờ Văn phòng xác nhận" in rows[first.pk].reason
    assert rows[second.pk].outcome == REFUSED
    assert "hoàn thành" in rows[second.pk].reason or "xác nhận" in rows[second.pk].reason


def test_an_occurrence_withdrawn_after_the_export_is_refused(staff, two):
    data = fill(export(staff), {two[0].pk: {"state": "Đang thực hiện"}})
    Occurrence.objects.filter(pk=two[0].pk).update(
        status=Occurrence.Status.WITHDRAWN, withdrawn_on=dt.date(2021, 3, 1)
    )
    row = next(r for r in plan_import(staff, data).rows if r.occurrence_id == two[0].pk)
    assert row.outcome == REFUSED and "không còn thực hiện" in row.reason


def test_the_monitors_file_applies_nothing_and_says_why(users, two):
    monitor = users["monitor"]
    from theodoi.orgs.models import Organization

    body = Organization.objects.get(code="qn.btctu")
    data = fill(
        export(monitor, organization=body),
        {two[0].pk: {"state": "Đã hoàn thành", "done_on": "01/03/2021"}},
    )
    plan = plan_import(monitor, data)
    assert plan.changes == []
    refused = plan.refused
    assert [r.occurrence_id for r in refused] == [two[0].pk]
    assert "không có quyền lập báo cáo" in refused[0].reason
    assert "Chỉ cơ quan được giao" in plan.notice
    assert apply_import(monitor, plan, send=True).applied == []
    assert not ProgressReport.objects.exists()


def test_unknown_and_duplicate_ids_are_refused(staff, two):
    book, sheet, columns = sheet_of(export(staff))
    r = sheet.max_row
    sheet.cell(row=r + 1, column=columns["Mã"], value=99999999)
    sheet.cell(row=r + 1, column=columns["Tiến độ"], value="Đang thực hiện")
    for col in range(1, sheet.max_column + 1):  # a copy of the first row
        sheet.cell(row=r + 2, column=col, value=sheet.cell(row=2, column=col).value)
    sheet.cell(row=r + 2, column=columns["Phần trăm"], value=5)
    out = io.BytesIO()
    book.save(out)
    rows = {x.row: x for x in plan_import(staff, out.getvalue()).rows}
    assert (
        rows[r + 1].outcome == REFUSED and "Không có kỳ thực hiện mã 99999999" in rows[r + 1].reason
    )
    assert rows[r + 2].outcome == REFUSED and "đã có ở dòng 2" in rows[r + 2].reason


# --- Files that cannot be used -----------------------------------------------------------------


def _workbook_bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_files_that_are_not_our_exports_are_refused_whole(staff, two):
    with pytest.raises(SheetError, match="không phải bảng tính Excel"):
        plan_import(staff, b"%PDF-1.4 not a spreadsheet")
    with pytest.raises(SheetError, match="trống"):
        plan_import(staff, b"")
    document = io.BytesIO()
    Document().save(document)  # a Word file: a zip too, but no workbook inside
    with pytest.raises(SheetError, match="không phải bảng tính Excel"):
        plan_import(staff, document.getvalue())
    plain = Workbook()
    plain.active["A1"] = "Mã"
    with pytest.raises(SheetError, match="không phải bảng tính theodoi"):
        plan_import(staff, _workbook_bytes(plain))
    book, sheet, columns = sheet_of(export(staff))
    book["_theodoi"]["A1"] = book["_theodoi"]["A1"].value[:-3] + "xyz"  # tampered
    with pytest.raises(SheetError, match="không phải bảng tính theodoi"):
        plan_import(staff, _workbook_bytes(book))
    book, sheet, columns = sheet_of(export(staff))
    sheet.delete_cols(columns["Tiến độ"])
    with pytest.raises(SheetError, match="thiếu cột: “Tiến độ”"):
        plan_import(staff, _workbook_bytes(book))


def test_too_large_a_file_is_refused(staff, two, settings):
    data = export(staff)
    settings.THEODOI_SHEET_MAX_BYTES = len(data) - 1
    with pytest.raises(SheetError, match="quá lớn"):
        plan_import(staff, data)
    settings.THEODOI_SHEET_MAX_BYTES = len(data)
    settings.THEODOI_SHEET_MAX_ROWS = len(in_q1("qn.btctu")) - 1
    with pytest.raises(SheetError, match="quá nhiều dòng"):
        plan_import(staff, data)


# --- The command -------------------------------------------------------------------------------


def test_command_exports_previews_and_applies(staff, two, tmp_path):
    path = tmp_path / "btctu.xlsx"
    out = StringIO()
    call_command("sheet", "export", "staff", str(path), "--period", "2021-Q1", stdout=out)
    assert path.is_file() and str(len(in_q1("qn.btctu"))) in out.getvalue()
    path.write_bytes(
        fill(path.read_bytes(), {two[0].pk: {"state": "Đang thực hiện", "percent": 25}})
    )
    out = StringIO()
    call_command("sheet", "import", "staff", str(path), stdout=out)
    assert f"mã {two[0].pk}" in out.getvalue() and "Phần trăm: — → 25" in out.getvalue()
    assert not ProgressReport.objects.exists()  # a preview without --apply
    out = StringIO()
    call_command("sheet", "import", "staff", str(path), "--apply", stdout=out)
    assert "Đã lưu nháp 1 báo cáo" in out.getvalue()
    assert ProgressReport.objects.get(occurrence=two[0]).percent == 25


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "nobody", "x.xlsx"], "không có người dùng nobody"),
        (["export", "staff", "x.xlsx", "--period", "2021-Q7"], "2021-Q7"),
        (["export", "staff", "x.xlsx", "--program", "khong-co"], "không có chương trình"),
        (["import", "staff", "missing.xlsx"], "không đọc được"),
        (["import", "staff", "bad.xlsx"], "không phải bảng tính Excel"),
    ],
)
def test_command_bad_input_exits_2_with_one_line(
    staff, tmp_path, monkeypatch, args, message, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(SystemExit) as exit_info:
        call_command("sheet", *args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not ProgressReport.objects.exists()

"""Every change is one transaction: when the database refuses a write half-way (here a save made
to fail after the change's first writes: its audit entry, its revision, a later row), the
person gets a page or a form error that says nothing was saved and to try again — never a
traceback — and every table is exactly as before. Files follow the database: a file the
storage cannot write leaves no row, a row the database refuses leaves no file."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError
from django.urls import reverse

from tests.plans.helpers import district_accounts, sent_plan, written_plan
from tests.reliability.conftest import changed, snapshot
from tests.web.test_spreadsheet_page import IMPORT as SHEET_IMPORT
from tests.web.test_spreadsheet_page import download, fill, token_of
from tests.web.test_spreadsheet_page import upload as upload_sheet
from tests.web.test_work_and_review import pdf_bytes, report_data, review_data, stored_files
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.plans.models import EvaluationDecision, PersonalPlan
from theodoi.plans.services import submit_plan
from theodoi.programs.models import Assignment, Occurrence, Program
from theodoi.tracking.extensions import request_extension
from theodoi.tracking.models import (
    EvidenceFile,
    Extension,
    ProgressReport,
    ReportRevision,
    ReportStatus,
)
from theodoi.tracking.reports import save_report, submit_report

pytestmark = pytest.mark.django_db

WORK = "/work/"
REVIEW = "/review/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_SAVED = "chưa có gì được lưu"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path  # uploads awaiting confirmation
    return settings.MEDIA_ROOT


@pytest.fixture
def occurrence(example) -> Occurrence:
    return Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )


def assert_not_saved_page(response) -> None:
    """The friendly answer to a failed write: 503, try again, no traceback."""
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"]
    html = response.content.decode()
    assert "Chưa lưu được thay đổi" in html and NOT_SAVED in html and "thử lại" in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert 'class="panel error-page"' in html  # theodoi.js shows its .reason on htmx requests


# --- progress reports --------------------------------------------------------------------------


def test_a_draft_whose_audit_entry_fails_saves_nothing(client_for, occurrence, fault):
    staff = client_for("staff")
    before = snapshot()
    failing = fault(LogEntry)  # the report row is written, then its audit entry fails
    response = staff.post(WORK, report_data(occurrence, action="save"))
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []

    # The same form again, once the database answers: saved.
    failing.after = 10**6
    assert staff.post(WORK, report_data(occurrence, action="save")).status_code == 302
    assert ProgressReport.objects.get().status == ReportStatus.DRAFT


def test_a_report_sent_with_a_file_failing_at_the_send_keeps_neither(
    client_for, occurrence, media, fault
):
    """Saved (revision 1), file stored, then the send's revision fails: no report, no evidence
    row, no file on disk."""
    staff = client_for("staff")
    before = snapshot()
    failing = fault(ReportRevision, after=1)
    upload = SimpleUploadedFile("chi-thi.pdf", pdf_bytes(), content_type="application/pdf")
    response = staff.post(WORK, report_data(occurrence, file=upload), **HTMX)
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []
    assert stored_files(media) == []


def test_a_file_the_storage_cannot_write_is_told_and_nothing_is_saved(
    client_for, occurrence, media, monkeypatch
):
    def full_disk(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
    staff = client_for("staff")
    before = snapshot()
    upload = SimpleUploadedFile("chi-thi.pdf", pdf_bytes(), content_type="application/pdf")
    response = staff.post(WORK, report_data(occurrence, file=upload))
    assert response.status_code == 200
    (row,) = [row for row in response.context["rows"] if row["expanded"]]
    errors = " ".join(row["report_form"].errors["file"])
    assert "không lưu được tệp" in errors and NOT_SAVED in errors
    assert changed(before, snapshot()) == []
    assert stored_files(media) == []


def test_a_review_failing_after_the_report_changed_leaves_it_submitted(
    client_for, users, occurrence, fault
):
    report = save_report(
        user=users["staff"], occurrence=occurrence, expected_version=None, state="in_progress",
        percent=50, narrative="Đang triển khai.",
    )  # fmt: skip
    report = submit_report(user=users["staff"], report=report, expected_version=report.version)
    monitor = client_for("monitor")
    before = snapshot()
    failing = fault(ReportRevision)
    response = monitor.post(REVIEW, review_data(report, "accept"), **HTMX)
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# --- extensions ---------------------------------------------------------------------------------


def test_an_extension_request_whose_audit_fails_is_not_kept(client_for, occurrence, fault):
    staff = client_for("staff")
    before = snapshot()
    failing = fault(LogEntry)
    ask = {"form": "extension", "occurrence": occurrence.pk, "new_due": "30/06/2027",
           "reason": "Chờ hướng dẫn của Trung ương."}  # fmt: skip
    response = staff.post(WORK, ask)
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []
    assert not Extension.objects.exists()


def test_an_extension_decision_whose_audit_fails_leaves_it_pending(
    client_for, users, occurrence, fault
):
    extension = request_extension(
        user=users["staff"], occurrence=occurrence, new_due=dt.date(2027, 6, 30),
        reason="Chờ hướng dẫn của Trung ương.",
    )  # fmt: skip
    monitor = client_for("monitor")
    before = snapshot()
    failing = fault(LogEntry)
    response = monitor.post(
        REVIEW, {"kind": "extension", "pk": extension.pk, "decision": "approve"}
    )
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []
    extension.refresh_from_db()
    assert extension.status == Extension.Status.PENDING


# --- importing a program, the spreadsheet round trip --------------------------------------------


def test_an_import_failing_half_way_keeps_nothing_and_can_be_confirmed_again(client_for, fault):
    """An amendment of the example: tasks and assignments half written when the database
    refuses; the upload stays, and confirming it again imports it once."""
    client = client_for("monitor")
    text = example_path().read_text(encoding="utf-8")
    cut = "- Xây dựng Chương trình định vị và phát triển thương hiệu du lịch Quảng Ngãi"
    start = text.index(cut)
    amended = text[:start] + text[text.index("\n- ", start + 1) + 1 :]
    preview = client.post(
        reverse("web:import"),
        {"document": SimpleUploadedFile("dieu-chinh.md", amended.encode())},
        follow=True,
    ).context["preview"]
    assert preview.summary.version == 2
    before = snapshot()
    failing = fault(Assignment, after=20)
    confirm = {"token": preview.token, "action": "confirm"}
    response = client.post(reverse("web:import"), confirm)
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []

    failing.after = 10**6
    response = client.post(reverse("web:import"), confirm)
    assert response.status_code == 302
    assert Program.objects.get().versions.count() == 2


def test_a_spreadsheet_failing_at_its_second_row_saves_no_row(client_for, example, fault):
    rows = Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", assignment__leads=True,
        due_date=dt.date(2021, 3, 31),
    ).order_by("pk")[:2]  # fmt: skip
    client = client_for("staff")
    data = fill(
        download(client),
        {o.pk: {"Tiến độ": "Đang thực hiện", "Phần trăm": 40} for o in rows},
    )
    token = token_of(upload_sheet(client, data))
    before = snapshot()
    # Each row: the report, its revision, the send, its revision. The second row's fails.
    failing = fault(ReportRevision, after=2)
    response = client.post(SHEET_IMPORT, {"token": token, "action": "send"})
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []


# --- personal plans, evaluation, the registry --------------------------------------------------


def test_a_plan_approval_failing_while_its_tasks_are_made_keeps_the_plan_submitted(
    client_for, example, fault
):
    bs = district_accounts()
    plan = written_plan(example, bs.staff)
    submit_plan(user=bs.staff, plan=plan)
    from django.test import Client

    head = Client()
    head.force_login(bs.head)
    before = snapshot()
    failing = fault(Assignment, after=1)  # the plan's program and first task are made
    response = head.post(
        f"/plans/{plan.pk}/",
        {"step": "approval", "approval_kind": "standing_committee",
         "approved_on": "15/03/2021", "reference": "Thông báo 05-TB/HU"},
    )  # fmt: skip
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []
    plan.refresh_from_db()
    assert plan.approved_on is None and plan.program is None


def test_an_evaluation_decision_whose_audit_fails_is_not_recorded(
    client_for, example, users, fault
):
    bs = district_accounts()
    plan = sent_plan(example, bs.head, bs.staff)
    monitor = client_for("monitor")
    before = snapshot()
    failing = fault(LogEntry)
    response = monitor.post(
        f"/evaluation/?program={example.pk}&year=2021",
        {"kind": "leader", "pk": plan.leader.pk, "rating": "good", "comment": "Đạt"},
    )
    assert failing.fired
    assert_not_saved_page(response)
    assert changed(before, snapshot()) == []
    assert not EvaluationDecision.objects.exists()
    assert PersonalPlan.objects.get().pk == plan.pk


def test_a_registry_load_failing_half_way_keeps_nothing(db, fault):
    from theodoi.orgs.models import Organization

    before = snapshot()
    failing = fault(Organization, after=5)
    with pytest.raises(DatabaseError):
        load_registry_file(None)
    assert failing.fired
    assert changed(before, snapshot()) == []


def test_a_first_report_racing_another_is_told_to_reload(client_for, occurrence, fault):
    """An IntegrityError (the other first report won the unique row) is not the 503 page: the
    form says to reload, as for any change made meanwhile."""
    staff = client_for("staff")
    before = snapshot()
    failing = fault(ProgressReport, error=IntegrityError("UNIQUE constraint failed"))
    response = staff.post(WORK, report_data(occurrence), **HTMX)
    assert failing.fired
    assert response.status_code == 200
    assert "tải lại" in response.content.decode()
    assert changed(before, snapshot()) == []
    assert not EvidenceFile.objects.exists()


def test_a_page_that_cannot_read_the_database_says_so_in_the_frame(
    client_for, example, monkeypatch
):
    from django.db import OperationalError

    from theodoi.web.views import task as task_views

    def busy(task):
        raise OperationalError("database is locked")

    monkeypatch.setattr(task_views, "breadcrumb", busy)
    monitor = client_for("monitor")
    response = monitor.get(f"/tasks/{example.tasks.first().pk}/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "Chưa tải được trang" in html and "thử lại" in html and NOT_SAVED not in html
    assert 'href="/programs/"' in html  # the site's menu: the frame rendered
    assert "Traceback" not in html


def test_the_api_answers_a_database_failure_as_json(client_for, monkeypatch):
    """The same guard answers the API in its own shape."""
    from theodoi.web.middleware import DatabaseErrorMiddleware

    middleware = DatabaseErrorMiddleware(lambda request: None)
    from django.test import RequestFactory

    request = RequestFactory().post("/api/v1/reports/")
    response = middleware.process_exception(request, DatabaseError("server closed"))
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    import json

    assert NOT_SAVED in json.loads(response.content)["detail"]
    assert middleware.process_exception(request, ValueError("not ours")) is None

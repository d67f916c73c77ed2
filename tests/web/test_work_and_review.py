"""My work and the review queue on the example program: a body reports (with a document and a
file), the office confirms or returns, extensions are asked and decided; every refusal,
error and race leaves the record as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF

from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.models import (
    EvidenceFile,
    Extension,
    ProgressReport,
    ReportRevision,
    ReportStatus,
)
from theodoi.tracking.reports import save_report
from theodoi.tracking.status import OPEN_OVERDUE

WORK = "/work/"
REVIEW = "/review/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def straight_to_the_office(settings):
    """These tests follow staff sending straight to the office (THEODOI_HEAD_SIGN_OFF=0);
    the head's sign-off, on by default, has its own tests, which turn it back on."""
    settings.THEODOI_HEAD_SIGN_OFF = False


@pytest.fixture
def occurrence(example) -> Occurrence:
    """Ban Tổ chức leads "Xây dựng Kế hoạch ... tinh giản biên chế", due in quý I/2021."""
    return Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )


def pdf_bytes(text: str = "Chi thi so 05-CT/TU") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def report_data(occurrence: Occurrence, **changes) -> dict:
    data = {
        "form": "report",
        "occurrence": occurrence.pk,
        "state": "done",
        "percent": "",
        "narrative": "Ban Thường vụ đã ban hành Chỉ thị về tinh giản biên chế.",
        "done_on": "20/03/2021",
        "document_type": "Chỉ thị",
        "document_number": "05-CT/TU",
        "document_date": "2021-03-20",
        "document_signer": "Ban Thường vụ Tỉnh ủy",
        "version": "",
        "action": "send",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, occurrence, **changes):
    return client.post(WORK, report_data(occurrence, **changes))


def review_data(report: ProgressReport, decision: str, comment: str = "") -> dict:
    return {
        "kind": "report",
        "pk": report.pk,
        "version": report.version,
        "decision": decision,
        "comment": comment,
    }


def opened(response) -> dict:
    """The row of the page that is open (the one posted to)."""
    (row,) = [row for row in response.context["rows"] if row["expanded"]]
    return row


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- My work -----------------------------------------------------------------------------------


def test_staff_sees_only_their_body_overdue_first(client_for, users, occurrence):
    # One occurrence moved to a future date: in time now, so after every overdue one.
    later = Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", status="open"
    ).exclude(pk=occurrence.pk)[0]
    extension = request_extension(
        user=users["staff"],
        occurrence=later,
        new_due=timezone.localdate() + dt.timedelta(days=60),
        reason="Chờ Trung ương hướng dẫn.",
    )
    decide_extension(user=users["monitor"], extension=extension, approve=True)

    response = client_for("staff").get(WORK, {"show": "all"})
    assert response.status_code == 200
    items = [row["item"] for row in response.context["rows"]]
    owed = Occurrence.objects.filter(assignment__organization__code="qn.btctu")
    assert {i.occurrence.pk for i in items} == {o.pk for o in owed if o.assignment.owes_work}
    assert all(i.occurrence.assignment.organization.code == "qn.btctu" for i in items)

    overdue = [i.status.bucket == OPEN_OVERDUE for i in items]
    assert overdue[0] and not overdue[-1]
    assert overdue == sorted(overdue, reverse=True)  # every overdue one before the rest
    dues = [i.status.due for i in items if i.status.bucket == OPEN_OVERDUE]
    assert dues == sorted(dues)
    assert items[-1].occurrence == later

    html = response.content.decode()
    assert f'href="/tasks/{occurrence.assignment.task_id}/"' in html
    assert "chủ trì" in html
    assert "gia hạn từ" in html
    assert 'class="stack work"' in html
    # Ban Tuyên giáo's work is not on Ban Tổ chức's list.
    theirs = Occurrence.objects.filter(assignment__organization__code="qn.btgtu").first()
    assert f'id="occ-{theirs.pk}"' not in html


def test_filters_open_and_done(client_for, occurrence):
    staff = client_for("staff")
    open_rows = staff.get(WORK).context["rows"]
    assert all(r["item"].occurrence.status == "open" for r in open_rows)
    assert staff.get(WORK, {"show": "done"}).context["rows"] == []
    occurrence.status = "done"
    occurrence.save(update_fields=["status"])
    done = staff.get(WORK, {"show": "done"}).context["rows"]
    assert [r["item"].occurrence for r in done] == [occurrence]
    assert len(staff.get(WORK, {"show": "nonsense"}).context["rows"]) == len(open_rows) - 1


def test_only_the_bodies_people_open_my_work(client_for):
    assert client_for("monitor").get(WORK).status_code == 403
    assert client_for("leader").get(WORK).status_code == 403
    assert client_for("head").get(WORK).status_code == 200


def test_a_signed_out_partial_request_is_sent_to_the_login_page_whole(client, db):
    plain = client.get(WORK + "?show=all")
    assert plain.status_code == 302 and plain["Location"] == "/login/?next=/work/%3Fshow%3Dall"
    # htmx would swap a redirect's target (the login form) into the row; the whole page
    # goes to the login page instead, and back to the page the person was on.
    partial = client.get(
        WORK + "?occurrence=1", HTTP_HX_CURRENT_URL="http://testserver/work/?show=all", **HTMX
    )
    assert partial.status_code == 200 and partial.content == b""
    assert partial["HX-Redirect"] == "/login/?next=/work/%3Fshow%3Dall"


# --- Report, review, confirm -------------------------------------------------------------------


def test_done_report_with_document_and_pdf_is_reviewed_and_confirmed(client_for, occurrence, media):
    staff, monitor = client_for("staff"), client_for("monitor")
    upload = SimpleUploadedFile("chi-thi-05.pdf", pdf_bytes(), content_type="application/pdf")
    response = submit(staff, occurrence, file=upload)
    assert response.status_code == 302
    assert response["Location"] == f"/work/?show=open#occ-{occurrence.pk}"

    report = ProgressReport.objects.get(occurrence=occurrence)
    assert report.status == ReportStatus.SUBMITTED
    assert (report.document_type, report.document_number) == ("Chỉ thị", "05-CT/TU")
    assert report.done_on == dt.date(2021, 3, 20)
    assert report.document_date == dt.date(2021, 3, 20)
    assert [r.action for r in report.revisions.all()] == ["create", "submit"]
    evidence = EvidenceFile.objects.get(report=report)
    assert (evidence.original_name, evidence.content_type) == ("chi-thi-05.pdf", "application/pdf")
    assert len(stored_files(media)) == 1

    page = staff.get(WORK)
    assert "Đã gửi báo cáo đến Văn phòng." in page.content.decode()
    row = staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    assert "Chờ xác nhận" in row and "chi-thi-05.pdf" in row
    assert 'name="action" value="save"' not in row  # submitted: read-only for the body

    queue = monitor.get(REVIEW)
    html = queue.content.decode()
    assert f'id="report-{report.pk}"' in html
    assert "Ban Tổ chức Tỉnh ủy" in html and "05-CT/TU" in html and "chi-thi-05.pdf" in html
    assert "Ban Thường vụ đã ban hành Chỉ thị" in html
    assert f'href="/evidence/{evidence.pk}/"' in html  # the file, served through the policy

    response = monitor.post(REVIEW, review_data(report, "accept"))
    assert response.status_code == 302 and response["Location"] == REVIEW
    report.refresh_from_db()
    occurrence.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED
    assert occurrence.status == Occurrence.Status.DONE
    assert f'id="report-{report.pk}"' not in monitor.get(REVIEW).content.decode()
    done = staff.get(WORK, {"show": "done"}).context["rows"]
    assert [r["item"].occurrence for r in done] == [occurrence]


def test_returned_with_comment_then_resubmitted(client_for, occurrence):
    staff, monitor = client_for("staff"), client_for("monitor")
    submit(staff, occurrence)
    report = ProgressReport.objects.get(occurrence=occurrence)

    # Returning needs a comment: nothing changes without one.
    response = monitor.post(REVIEW, review_data(report, "return"))
    assert response.status_code == 200
    assert "Trả lại báo cáo cần ghi ý kiến" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    monitor.post(REVIEW, review_data(report, "return", "Bổ sung bản chụp Chỉ thị."))
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert f'id="report-{report.pk}"' not in monitor.get(REVIEW).content.decode()

    row = staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    assert "Văn phòng trả lại:" in row and "Bổ sung bản chụp Chỉ thị." in row
    assert f'name="version" value="{report.version}"' in row

    upload = SimpleUploadedFile("ban-chup.pdf", pdf_bytes(), content_type="application/pdf")
    response = submit(staff, occurrence, version=str(report.version), file=upload)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.files.count() == 1

    monitor.post(REVIEW, review_data(report, "accept", "Đạt."))
    report.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED
    assert [r.action for r in report.revisions.all()] == [
        "create", "submit", "return", "edit", "submit", "confirm"
    ]  # fmt: skip


def test_heads_sign_off_where_it_is_required(client_for, occurrence, settings):
    settings.THEODOI_HEAD_SIGN_OFF = True
    staff, head = client_for("staff"), client_for("head")
    assert (
        "Gửi thủ trưởng ký duyệt" in staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    )
    submit(staff, occurrence)
    report = ProgressReport.objects.get(occurrence=occurrence)
    assert report.status == ReportStatus.AWAITING_SIGNOFF
    assert f'id="report-{report.pk}"' not in client_for("monitor").get(REVIEW).content.decode()

    row = head.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    assert "Ký duyệt và gửi" in row
    submit(head, occurrence, version=str(report.version))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.revisions.last().action == "sign_off"


def test_without_sign_off_heads_and_staff_send_to_the_office(client_for, occurrence):
    assert (
        "Gửi Văn phòng"
        in client_for("staff").get(WORK, {"occurrence": occurrence.pk}).content.decode()
    )
    assert (
        "Ký duyệt và gửi"
        in client_for("head").get(WORK, {"occurrence": occurrence.pk}).content.decode()
    )


def test_a_draft_is_saved_and_sent_later(client_for, occurrence):
    staff = client_for("staff")
    submit(staff, occurrence, state="in_progress", done_on="", percent="40", action="save")
    report = ProgressReport.objects.get(occurrence=occurrence)
    assert (report.status, report.state, report.percent) == ("draft", "in_progress", 40)
    assert "Đã lưu nháp báo cáo." in staff.get(WORK).content.decode()


# --- Races and errors leave everything as it was -----------------------------------------------


def test_two_forms_of_one_version_the_second_is_told_to_reload(client_for, users, occurrence):
    save_report(
        user=users["staff"], occurrence=occurrence, expected_version=None, state="in_progress"
    )
    head, staff = client_for("head"), client_for("staff")
    first = submit(head, occurrence, state="in_progress", done_on="", narrative="Bản của thủ trưởng.",
                   version="1", action="save")  # fmt: skip
    assert first.status_code == 302
    second = submit(staff, occurrence, state="in_progress", done_on="", narrative="Bản của cán bộ.",
                    version="1", action="save")  # fmt: skip
    assert second.status_code == 200
    html = second.content.decode()
    assert "Báo cáo vừa được người khác thay đổi; tải lại để xem bản mới" in html
    assert "Bản của cán bộ." in html  # what the person typed is still there
    report = ProgressReport.objects.get(occurrence=occurrence)
    assert (report.narrative, report.version) == ("Bản của thủ trưởng.", 2)
    assert report.revisions.count() == 2

    # The same through htmx: the row comes back alone, with the message.
    third = staff.post(WORK, report_data(occurrence, state="in_progress", done_on="", narrative="x",
                                         version="1", action="save"), **HTMX)  # fmt: skip
    assert "tải lại để xem bản mới" in third.content.decode()
    assert "<html" not in third.content.decode()


def test_two_new_reports_at_once_the_second_is_told_to_reload(client_for, occurrence):
    staff, head = client_for("staff"), client_for("head")
    submit(head, occurrence, action="save")
    response = submit(staff, occurrence, narrative="Của cán bộ", action="save")  # no version
    assert "tải lại để xem bản mới" in response.content.decode()
    assert ProgressReport.objects.get(occurrence=occurrence).version == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"done_on": "31/02/2021"}, "done_on", "Ngày không hợp lệ"),
        ({"done_on": "hôm qua"}, "done_on", "Ngày không hợp lệ"),
        ({"done_on": ""}, "done_on", "cần ghi ngày hoàn thành"),
        ({"document_date": "2021-13-01"}, "document_date", "Ngày không hợp lệ"),
        ({"percent": "150", "state": "in_progress", "done_on": ""}, "percent", "từ 0 đến 100"),
        ({"document_number": "không số"}, "document_number", "cần có số"),
        ({"state": "finished"}, "state", ""),
        ({"done_on": "01/01/2099"}, "done_on", "không thể ở tương lai"),
    ],
)
def test_bad_input_gives_a_field_error_and_changes_nothing(
    client_for, occurrence, changes, field, message
):
    response = submit(client_for("staff"), occurrence, **changes)
    assert response.status_code == 200
    form = opened(response)["report_form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not ProgressReport.objects.exists()
    assert not ReportRevision.objects.exists()


def test_a_file_that_is_not_a_pdf_leaves_no_half_saved_report(client_for, occurrence, media):
    fake = SimpleUploadedFile(
        "chi-thi.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = submit(client_for("staff"), occurrence, file=fake)
    assert response.status_code == 200
    form = opened(response)["report_form"]
    assert "file" in form.errors
    assert not ProgressReport.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert stored_files(media) == []

    # A file that passes but a send that fails: the stored file goes too.
    good = SimpleUploadedFile("ok.pdf", pdf_bytes(), content_type="application/pdf")
    response = submit(client_for("staff"), occurrence, file=good, state="in_progress",
                      done_on="", percent="", action="send", document_number="")  # fmt: skip
    assert response.status_code == 302  # in progress may be sent
    assert len(stored_files(media)) == 1


def test_a_failed_send_after_the_file_keeps_nothing(
    client_for, users, occurrence, media, monkeypatch
):
    from theodoi.tracking.reports import ReportError
    from theodoi.web.views import work

    def refuse(**kwargs):
        raise ReportError("Báo cáo hoàn thành cần ghi ngày hoàn thành.")

    monkeypatch.setattr(work, "send_report", refuse)
    good = SimpleUploadedFile("ok.pdf", pdf_bytes(), content_type="application/pdf")
    response = submit(client_for("staff"), occurrence, file=good)
    assert "cần ghi ngày hoàn thành" in response.content.decode()
    assert not ProgressReport.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert stored_files(media) == []


def test_another_body_is_refused_and_nothing_changes(client_for, occurrence, media):
    outsider = client_for("outsider")
    upload = SimpleUploadedFile("x.pdf", pdf_bytes(), content_type="application/pdf")
    assert submit(outsider, occurrence, file=upload).status_code == 403
    assert outsider.get(WORK, {"occurrence": occurrence.pk}).status_code == 403
    response = outsider.post(
        WORK,
        {"form": "extension", "occurrence": occurrence.pk, "new_due": "2027-01-31", "reason": "x"},
    )
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()
    assert not Extension.objects.exists()
    assert stored_files(media) == []
    missing = {**report_data(occurrence), "occurrence": "999999"}
    assert client_for("staff").post(WORK, missing).status_code == 404


def test_only_the_office_opens_the_review_queue(client_for):
    for name in ("staff", "head", "outsider"):
        assert client_for(name).get(REVIEW).status_code == 403, name
        assert client_for(name).post(REVIEW, {"kind": "report", "pk": "1"}).status_code == 403
    assert client_for("monitor").get(REVIEW).status_code == 200
    assert client_for("admin").get(REVIEW).status_code == 200
    # the leader reviews the office's own work there (tests/tracking/test_own_work_review.py)
    assert client_for("leader").get(REVIEW).status_code == 200


def test_a_report_reviewed_by_someone_else_meanwhile(client_for, users, occurrence):
    submit(client_for("staff"), occurrence)
    report = ProgressReport.objects.get(occurrence=occurrence)
    stale = review_data(report, "return", "Thiếu văn bản.")
    client_for("admin").post(REVIEW, review_data(report, "accept"))
    response = client_for("monitor").post(REVIEW, stale, **HTMX)
    assert response.status_code == 200
    assert "đã được xử lý" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED


# --- htmx --------------------------------------------------------------------------------------


def test_htmx_gets_partials(client_for, occurrence):
    staff, monitor = client_for("staff"), client_for("monitor")
    row = staff.get(WORK, {"occurrence": occurrence.pk}, **HTMX)
    html = row.content.decode()
    assert "<html" not in html
    assert html.strip().startswith(f'<tbody id="occ-{occurrence.pk}"')
    assert 'hx-post="/work/"' in html and 'enctype="multipart/form-data"' in html
    closed = staff.get(WORK, {"occurrence": occurrence.pk, "expand": "0"}, **HTMX).content.decode()
    assert "<form" not in closed

    # An error comes back as the row with the form, not the page.
    bad = staff.post(WORK, report_data(occurrence, done_on="32/01/2021"), **HTMX).content.decode()
    assert "<html" not in bad and "Ngày không hợp lệ" in bad

    sent = staff.post(WORK, report_data(occurrence), **HTMX)
    assert sent.status_code == 200
    html = sent.content.decode()
    assert "<html" not in html and "Đã gửi báo cáo đến Văn phòng." in html

    report = ProgressReport.objects.get(occurrence=occurrence)
    done = monitor.post(REVIEW, review_data(report, "accept"), **HTMX).content.decode()
    assert "<html" not in done
    assert (
        f'id="report-{report.pk}"' in done
        and "Đã xác nhận báo cáo của Ban Tổ chức Tỉnh ủy." in done
    )

    # Without htmx the full page comes back.
    assert "<html" in staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()


# --- Extensions --------------------------------------------------------------------------------


def test_extension_asked_then_rejected_then_approved(client_for, occurrence):
    staff, monitor = client_for("staff"), client_for("monitor")
    new_due = timezone.localdate() + dt.timedelta(days=90)
    ask = {"form": "extension", "occurrence": occurrence.pk, "reason": "", "new_due": "31/02/2021"}
    response = staff.post(WORK, ask)
    form = opened(response)["extension_form"]
    assert set(form.errors) == {"new_due", "reason"}
    assert not Extension.objects.exists()

    ask.update(new_due=new_due.strftime("%d/%m/%Y"), reason="Chờ hướng dẫn của Trung ương.")
    assert staff.post(WORK, ask).status_code == 302
    extension = Extension.objects.get()
    assert (extension.status, extension.new_due) == ("pending", new_due)
    row = staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    assert "chờ quyết định" in row and 'name="new_due"' not in row  # one request at a time

    queue = monitor.get(REVIEW).content.decode()
    assert f'id="extension-{extension.pk}"' in queue and "Chờ hướng dẫn của Trung ương." in queue
    decide = {"kind": "extension", "pk": extension.pk, "decision": "reject", "comment": ""}
    response = monitor.post(REVIEW, decide)
    assert "Không đồng ý gia hạn cần ghi ý kiến" in response.content.decode()
    extension.refresh_from_db()
    assert extension.status == "pending"

    monitor.post(REVIEW, {**decide, "comment": "Đề nghị hoàn thành đúng hạn."})
    extension.refresh_from_db()
    assert extension.status == "rejected"
    assert f'id="extension-{extension.pk}"' not in monitor.get(REVIEW).content.decode()

    # Asked again, approved: the new date is in force and the original shows beside it.
    assert staff.post(WORK, ask, **HTMX).status_code == 200
    second = Extension.objects.get(status="pending")
    response = monitor.post(
        REVIEW, {"kind": "extension", "pk": second.pk, "decision": "approve"}, **HTMX
    )
    assert "Đã đồng ý gia hạn" in response.content.decode()
    rows = staff.get(WORK).context["rows"]
    item = next(r["item"] for r in rows if r["item"].occurrence == occurrence)
    assert item.status.due == new_due and item.status.original_due == dt.date(2021, 3, 31)
    assert "gia hạn từ 31/03/2021" in staff.get(WORK).content.decode()


# --- Escaping ----------------------------------------------------------------------------------


def test_a_narrative_with_script_tags_is_shown_as_text(client_for, occurrence):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    submit(client_for("staff"), occurrence, narrative=evil, document_signer=evil)
    queue = client_for("monitor").get(REVIEW).content.decode()
    assert "<script>alert" not in queue and "<img src=x" not in queue
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in queue
    row = client_for("staff").get(WORK, {"occurrence": occurrence.pk}).content.decode()
    assert "<script>alert" not in row and "&lt;script&gt;" in row

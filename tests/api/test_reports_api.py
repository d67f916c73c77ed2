"""Progress reports, evidence files and extensions through the API, on the example program: a
body writes, changes and sends its report, its head signs off, the office confirms or returns
it; files go up and come down through the policy; extensions are asked for and decided. Every
refusal answers a Vietnamese sentence and leaves the record as it was."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF

from theodoi.api.tokens import create_token
from theodoi.programs.models import Occurrence
from theodoi.tracking.models import (
    EvidenceFile,
    Extension,
    ProgressReport,
    ReportRevision,
)
from theodoi.tracking.reports import save_report

REPORTS = "/api/progress-reports"
EXTENSIONS = "/api/extensions"


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
def api(users):
    """``api("staff")``: a client calling as that account with its own API token."""

    class Caller:
        def __init__(self, username: str) -> None:
            from django.test import Client

            _, secret = create_token(users[username], "test")
            self.client = Client()
            self.auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        def get(self, url, data=None):
            return self.client.get(url, data, **self.auth)

        def post(self, url, data=None):
            return self.client.post(
                url, json.dumps(data or {}), content_type="application/json", **self.auth
            )

        def patch(self, url, data):
            return self.client.patch(
                url, json.dumps(data), content_type="application/json", **self.auth
            )

        def upload(self, url, upload):
            return self.client.post(url, {"file": upload}, **self.auth)

    return Caller


@pytest.fixture
def occurrence(example) -> Occurrence:
    """Ban Tổ chức leads "Xây dựng Kế hoạch ... tinh giản biên chế", due in quý I/2021."""
    return Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )


@pytest.fixture
def theirs(example) -> Occurrence:
    """An occurrence of Ban Tuyên giáo (the outsider's body)."""
    return Occurrence.objects.filter(
        assignment__organization__code="qn.btgtu", status="open"
    ).first()


def pdf_bytes(text: str = "Chi thi so 05-CT/TU") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


DONE = {
    "state": "done",
    "narrative": "Ban Thường vụ đã ban hành Chỉ thị số 05-CT/TU ngày 20/3/2021 về tinh giản.",
    "done_on": "2021-03-20",
}


def counts() -> tuple[int, ...]:
    return (
        ProgressReport.objects.count(),
        ReportRevision.objects.count(),
        EvidenceFile.objects.count(),
        Extension.objects.count(),
    )


# --- Writing and sending -------------------------------------------------------------------------


def test_staff_writes_changes_and_sends_a_report_the_office_confirms(api, occurrence):
    staff, monitor = api("staff"), api("monitor")
    response = staff.post(REPORTS, {"occurrence": occurrence.pk, "state": "in_progress",
                                    "percent": 40, "narrative": "Đang dự thảo kế hoạch."})  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["version"] == 1
    assert body["occurrence"] == occurrence.pk and body["task_key"] == "B.III.1.3/2"
    assert body["organization_name"] == "Ban Tổ chức Tỉnh ủy"
    assert [r["action"] for r in body["revisions"]] == ["create"]
    assert body["revisions"][0]["by"] == "staff"
    report_url = f"{REPORTS}/{body['id']}"

    # Only the fields sent change; the document cited in the narrative fills the evidence.
    response = staff.patch(report_url, {"version": 1, **DONE})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["percent"], body["done_on"]) == ("done", 100, "2021-03-20")
    assert (body["document_type"], body["document_number"]) == ("Chỉ thị", "05-CT/TU")
    assert body["version"] == 2

    response = staff.post(f"{report_url}/submit", {"version": 2})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"

    listed = monitor.get(REPORTS, {"status": "submitted"}).json()
    assert [r["id"] for r in listed["items"]] == [body["id"]] and listed["count"] == 1

    response = monitor.post(f"{report_url}/review", {"version": 3, "decision": "accept"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert [r["action"] for r in body["revisions"]] == ["create", "edit", "submit", "confirm"]
    occurrence.refresh_from_db()
    assert occurrence.status == Occurrence.Status.DONE


def test_a_stale_version_is_refused_with_409_and_nothing_changes(api, occurrence, users):
    report = save_report(user=users["head"], occurrence=occurrence, expected_version=None,
                         state="in_progress", narrative="Bản của thủ trưởng.")  # fmt: skip
    save_report(user=users["head"], occurrence=occurrence, expected_version=1,
                state="in_progress", percent=60, narrative="Bản thứ hai.")  # fmt: skip
    before = counts()
    response = api("staff").patch(f"{REPORTS}/{report.pk}", {"version": 1, "percent": 10})
    assert response.status_code == 409
    assert "phiên bản hiện tại: 2" in response.json()["detail"]
    response = api("staff").post(f"{REPORTS}/{report.pk}/submit", {"version": 1})
    assert response.status_code == 409
    report.refresh_from_db()
    assert (report.percent, report.version, report.status) == (60, 2, "draft")
    assert counts() == before


def test_a_second_report_on_the_same_occurrence_is_a_conflict(api, occurrence):
    staff = api("staff")
    first = staff.post(REPORTS, {"occurrence": occurrence.pk, "state": "not_started"})
    assert first.status_code == 201
    before = counts()
    again = staff.post(REPORTS, {"occurrence": occurrence.pk, "state": "in_progress"})
    assert again.status_code == 409
    assert f"PATCH /api/progress-reports/{first.json()['id']}" in again.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"percent": 140}, "Phần trăm phải từ 0 đến 100."),
        ({"state": "in_progress", "done_on": "2021-03-20"}, "Chỉ ghi ngày hoàn thành"),
        ({"state": "done", "done_on": "2199-01-01"}, "không thể ở tương lai"),
        # Past the years theodoi reads (1900-2200): refused on the field, saying why.
        ({"state": "done", "done_on": "2999-01-01"}, "nằm ngoài khoảng năm 1900–2200"),
    ],
)
def test_the_services_refusals_are_422_with_their_message(api, occurrence, changes, message):
    before = counts()
    response = api("staff").post(
        REPORTS, {"occurrence": occurrence.pk, "state": "in_progress", **changes}
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert counts() == before


def test_malformed_values_are_422_never_500(api, occurrence):
    staff = api("staff")
    before = counts()
    for payload in (
        {"occurrence": occurrence.pk, "state": "finished"},
        {"occurrence": occurrence.pk, "state": "done", "done_on": "20/03/2021"},
        {"occurrence": occurrence.pk, "state": "done", "done_on": "2021-02-30"},
        {"occurrence": "abc", "state": "done"},
        {"state": "done"},
    ):
        response = staff.post(REPORTS, payload)
        assert response.status_code == 422, (payload, response.content)
        assert response.json()["detail"]
    assert staff.post(REPORTS, {"occurrence": 10**9, "state": "done"}).status_code == 404
    # Ids past what a database stores: refused or not found, never an overflow (500).
    assert staff.post(REPORTS, {"occurrence": 10**30, "state": "done"}).status_code == 422
    assert staff.get(REPORTS, {"occurrence": 10**30}).status_code == 422
    assert staff.get(f"{REPORTS}/{10**30}").status_code == 404
    assert staff.get(f"/api/evidence/{10**30}").status_code == 404
    assert counts() == before


def test_heads_sign_off_where_it_is_required(api, occurrence, settings):
    settings.THEODOI_HEAD_SIGN_OFF = True
    staff, head = api("staff"), api("head")
    created = staff.post(REPORTS, {"occurrence": occurrence.pk, **DONE}).json()
    url = f"{REPORTS}/{created['id']}"
    sent = staff.post(f"{url}/submit", {"version": 1}).json()
    assert sent["status"] == "awaiting_signoff"

    before = counts()
    refused = staff.post(f"{url}/sign-off", {"version": 2})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Bạn không có quyền ký duyệt báo cáo tiến độ."
    assert counts() == before

    signed = head.post(f"{url}/sign-off", {"version": 2})
    assert signed.status_code == 200
    assert signed.json()["status"] == "submitted"
    assert signed.json()["revisions"][-1]["action"] == "sign_off"


def test_a_returned_report_is_amended_and_sent_again(api, occurrence):
    staff, monitor = api("staff"), api("monitor")
    created = staff.post(REPORTS, {"occurrence": occurrence.pk, **DONE}).json()
    url = f"{REPORTS}/{created['id']}"
    staff.post(f"{url}/submit", {"version": 1})

    before = counts()
    bare = monitor.post(f"{url}/review", {"version": 2, "decision": "return"})
    assert bare.status_code == 422
    assert "Trả lại báo cáo cần ghi ý kiến" in bare.json()["detail"]
    assert counts() == before

    returned = monitor.post(
        f"{url}/review", {"version": 2, "decision": "return", "comment": "Bổ sung bản chụp."}
    ).json()
    assert (returned["status"], returned["review_comment"]) == ("returned", "Bổ sung bản chụp.")
    assert staff.patch(url, {"version": 3, "narrative": "Đã bổ sung."}).status_code == 200
    assert staff.post(f"{url}/submit", {"version": 4}).json()["status"] == "submitted"


def test_nobody_outside_the_body_writes_its_report(api, occurrence, users):
    report = save_report(user=users["staff"], occurrence=occurrence, expected_version=None,
                         state="in_progress", narrative="Nháp.")  # fmt: skip
    url = f"{REPORTS}/{report.pk}"
    before = counts()
    # Another body cannot even see it (403 with the policy's reason, never 200).
    for call in (
        lambda c: c.get(url),
        lambda c: c.patch(url, {"version": 1, "percent": 5}),
        lambda c: c.post(f"{url}/submit", {"version": 1}),
        lambda c: c.get(f"{url}/files"),
    ):
        response = call(api("outsider"))
        assert response.status_code == 403
        assert "của cơ quan mình" in response.json()["detail"]
    # The office sees it but does not write it; an administrator of the office neither.
    assert api("monitor").patch(url, {"version": 1, "percent": 5}).status_code == 403
    response = api("admin").patch(url, {"version": 1, "percent": 5})
    assert response.status_code == 403
    assert "Ban Tổ chức Tỉnh ủy" in response.json()["detail"]
    # Nobody reviews a draft.
    response = api("monitor").post(f"{url}/review", {"version": 1, "decision": "accept"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert (report.version, report.status, report.percent) == (1, "draft", None)
    assert counts() == before


def test_another_bodys_occurrence_cannot_be_reported_on(api, theirs):
    before = counts()
    response = api("staff").post(REPORTS, {"occurrence": theirs.pk, "state": "done"})
    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn chỉ được lập báo cáo tiến độ của cơ quan mình."
    assert counts() == before


def test_the_list_holds_only_what_the_caller_may_see(api, occurrence, theirs, users):
    mine = save_report(user=users["staff"], occurrence=occurrence, expected_version=None,
                       state="in_progress")  # fmt: skip
    other = save_report(user=users["outsider"], occurrence=theirs, expected_version=None,
                        state="in_progress")  # fmt: skip
    assert [r["id"] for r in api("staff").get(REPORTS).json()["items"]] == [mine.pk]
    assert [r["id"] for r in api("outsider").get(REPORTS).json()["items"]] == [other.pk]
    assert {r["id"] for r in api("leader").get(REPORTS).json()["items"]} == {mine.pk, other.pk}
    by_occurrence = api("monitor").get(REPORTS, {"occurrence": theirs.pk}).json()
    assert [r["id"] for r in by_occurrence["items"]] == [other.pk]
    by_assignment = api("monitor").get(REPORTS, {"assignment": occurrence.assignment_id}).json()
    assert [r["id"] for r in by_assignment["items"]] == [mine.pk]
    assert api("monitor").get(REPORTS, {"status": "nonsense"}).status_code == 422


def test_signed_out_callers_and_bad_tokens_get_401(client, occurrence):
    assert client.get(REPORTS).status_code == 401
    response = client.post(
        REPORTS,
        json.dumps({"occurrence": occurrence.pk, "state": "done"}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer td_abcdefgh_" + "x" * 40,
    )
    assert response.status_code == 401
    assert ProgressReport.objects.count() == 0


# --- Evidence files ------------------------------------------------------------------------------


def test_a_file_goes_up_and_comes_down_with_its_name(api, occurrence, media):
    staff = api("staff")
    created = staff.post(REPORTS, {"occurrence": occurrence.pk, **DONE}).json()
    url = f"{REPORTS}/{created['id']}/files"
    data = pdf_bytes()
    upload = SimpleUploadedFile('Chỉ thị 05 "bản chụp".exe', data, content_type="text/plain")
    response = staff.upload(url, upload)
    assert response.status_code == 201, response.content
    evidence = response.json()
    assert evidence["content_type"] == "application/pdf"  # read from the content
    assert evidence["original_name"] == 'Chỉ thị 05 "bản chụp".exe'
    assert evidence["size"] == len(data) and evidence["uploaded_by"] == "staff"
    stored = EvidenceFile.objects.get()
    assert stored.file.name.endswith(".pdf") and ".exe" not in stored.file.name

    assert [f["id"] for f in staff.get(url).json()] == [evidence["id"]]
    assert staff.get(f"{REPORTS}/{created['id']}").json()["files"][0]["id"] == evidence["id"]

    download = api("monitor").get(evidence["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/pdf"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "Ch%E1%BB%89%20th%E1%BB%8B%2005%20%22b%E1%BA%A3n" in disposition

    refused = api("outsider").get(evidence["download"])
    assert refused.status_code == 403
    assert api("outsider").get("/api/evidence/999999").status_code == 404


def test_refused_files_leave_nothing_behind(api, occurrence, media, settings):
    settings.THEODOI_MAX_UPLOAD_BYTES = 2048
    staff = api("staff")
    created = staff.post(REPORTS, {"occurrence": occurrence.pk, **DONE}).json()
    url = f"{REPORTS}/{created['id']}/files"
    before = counts()

    big = staff.upload(url, SimpleUploadedFile("lon.pdf", b"%PDF-" + b"0" * 4096))
    assert big.status_code == 413
    assert big.json()["detail"] == "Tệp quá lớn (4,0\xa0KB); dung lượng tối đa là 2,0\xa0KB."
    fake = staff.upload(url, SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf"))
    assert fake.status_code == 422
    assert fake.json()["detail"] == "Tệp chương trình chạy được không được đính kèm."
    empty = staff.upload(url, SimpleUploadedFile("rong.pdf", b""))
    assert empty.status_code == 422
    missing = staff.client.post(url, {}, **staff.auth)
    assert missing.status_code == 422
    outsider = api("outsider").upload(url, SimpleUploadedFile("a.pdf", pdf_bytes()))
    assert outsider.status_code == 403

    assert counts() == before
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_no_file_is_attached_to_a_submitted_report(api, occurrence):
    staff = api("staff")
    created = staff.post(REPORTS, {"occurrence": occurrence.pk, **DONE}).json()
    staff.post(f"{REPORTS}/{created['id']}/submit", {"version": 1})
    before = counts()
    response = staff.upload(
        f"{REPORTS}/{created['id']}/files", SimpleUploadedFile("a.pdf", pdf_bytes())
    )
    assert response.status_code == 403
    assert "chờ Văn phòng xác nhận" in response.json()["detail"]
    assert counts() == before


# --- Extensions ----------------------------------------------------------------------------------


def test_an_extension_is_asked_for_and_approved(api, occurrence):
    staff, monitor = api("staff"), api("monitor")
    new_due = (timezone.localdate() + dt.timedelta(days=45)).isoformat()
    response = staff.post(
        EXTENSIONS, {"occurrence": occurrence.pk, "new_due": new_due, "reason": "Chờ hướng dẫn."}
    )
    assert response.status_code == 201, response.content
    asked = response.json()
    assert (asked["status"], asked["new_due"], asked["requested_by"]) == (
        "pending", new_due, "staff"
    )  # fmt: skip
    assert asked["due_date"] == occurrence.due_date.isoformat()

    listed = monitor.get(EXTENSIONS, {"status": "pending"}).json()
    assert [e["id"] for e in listed["items"]] == [asked["id"]]
    assert api("outsider").get(EXTENSIONS).json()["items"] == []
    assert api("outsider").get(f"{EXTENSIONS}/{asked['id']}").status_code == 403

    decided = monitor.post(f"{EXTENSIONS}/{asked['id']}/decide", {"decision": "approve"})
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["decided_by"]) == ("approved", "monitor")
    again = monitor.post(f"{EXTENSIONS}/{asked['id']}/decide", {"decision": "reject",
                                                                  "comment": "Không."})  # fmt: skip
    assert again.status_code == 403
    assert again.json()["detail"] == "Đề nghị gia hạn này đã được quyết định."


def test_extension_refusals(api, occurrence, theirs):
    staff, monitor = api("staff"), api("monitor")
    before = counts()
    early = staff.post(EXTENSIONS, {"occurrence": occurrence.pk, "new_due": "2020-01-01",
                                    "reason": "Sớm."})  # fmt: skip
    assert early.status_code == 422
    assert "phải sau hạn hiện hành (31/03/2021)" in early.json()["detail"]
    bad_date = staff.post(EXTENSIONS, {"occurrence": occurrence.pk, "new_due": "31/12/2030",
                                       "reason": "x"})  # fmt: skip
    assert bad_date.status_code == 422
    no_reason = staff.post(EXTENSIONS, {"occurrence": occurrence.pk, "new_due": "2030-12-31",
                                        "reason": "  "})  # fmt: skip
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"] == "Đề nghị gia hạn cần nêu lý do."
    other = staff.post(EXTENSIONS, {"occurrence": theirs.pk, "new_due": "2030-12-31",
                                    "reason": "x"})  # fmt: skip
    assert other.status_code == 403
    office = monitor.post(EXTENSIONS, {"occurrence": occurrence.pk, "new_due": "2030-12-31",
                                       "reason": "x"})  # fmt: skip
    assert office.status_code == 403
    assert counts() == before

    asked = staff.post(EXTENSIONS, {"occurrence": occurrence.pk, "new_due": "2030-12-31",
                                    "reason": "Chờ."}).json()  # fmt: skip
    url = f"{EXTENSIONS}/{asked['id']}/decide"
    assert staff.post(url, {"decision": "approve"}).status_code == 403
    bare = monitor.post(url, {"decision": "reject"})
    assert bare.status_code == 422
    assert "cần ghi ý kiến" in bare.json()["detail"]
    assert monitor.post(url, {"decision": "maybe"}).status_code == 422
    assert Extension.objects.get().status == Extension.Status.PENDING

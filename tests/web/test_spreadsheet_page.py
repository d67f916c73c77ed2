"""The spreadsheet round trip in the browser, with Django's test client: the work list links
to it, Ban Tổ chức downloads its quý I/2021 sheet, fills it in, uploads it, reads the preview
and confirms; the file waits on the server between preview and confirm, and a change made
meanwhile stops the confirmation."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from openpyxl import load_workbook

from theodoi.programs.models import DOING_ROLES, Occurrence
from theodoi.tracking.models import ProgressReport, ReportRevision
from theodoi.tracking.reports import save_report
from theodoi.web.views.spreadsheet import sheets_dir

# Staff send straight to the office here: what is tested is not the sign-off.
pytestmark = pytest.mark.usefixtures("straight_to_the_office")

DOWNLOAD = "/work/sheet/"
IMPORT = "/work/sheet/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def owed(code: str):
    doing = Q()
    for role in DOING_ROLES:
        doing |= Q(**{f"assignment__{role}": True})
    return Occurrence.objects.filter(doing, assignment__organization__code=code)


@pytest.fixture
def two(example) -> tuple[Occurrence, Occurrence]:
    rows = owed("qn.btctu").filter(due_date=dt.date(2021, 3, 31)).order_by("pk")
    return rows[0], rows[1]


def download(client, **params) -> bytes:
    response = client.get(DOWNLOAD, {"period": "2021-Q1", **params})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return response.content


def fill(data: bytes, edits: dict[int, dict[str, object]]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1]}
    rows = {sheet.cell(row=r, column=columns["Mã"]).value: r for r in range(2, sheet.max_row + 1)}
    for occurrence_id, values in edits.items():
        for header, value in values.items():
            sheet.cell(row=rows[occurrence_id], column=columns[header], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "bao-cao.xlsx"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def token_of(response) -> str:
    found = re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())
    assert found, "no confirm form"
    return found[1]


def test_the_work_list_links_to_both(client_for):
    page = client_for("staff").get("/work/").content.decode()
    assert f'href="{DOWNLOAD}"' in page and "Tải bảng tính (Excel)" in page
    assert f'href="{IMPORT}"' in page and "Nhập từ bảng tính" in page


def test_the_download_page_and_a_bad_period(client_for, example):
    client = client_for("staff")
    page = client.get(DOWNLOAD).content.decode()
    assert 'name="period"' in page and 'name="organization"' not in page  # a body: its own
    response = client.get(DOWNLOAD, {"period": "2021-Q9"})
    assert response.status_code == 200 and "text/html" in response["Content-Type"]
    assert "2021-Q9" in response.content.decode()
    monitor_page = client_for("monitor").get(DOWNLOAD).content.decode()
    assert 'name="organization"' in monitor_page


def test_upload_preview_confirm_round_trip(client_for, users, two):
    client = client_for("staff")
    done, going = two
    data = fill(
        download(client),
        {
            done.pk: {
                "Tiến độ": "Đã hoàn thành",
                "Ngày hoàn thành": "25/03/2021",
                "Loại văn bản": "Kế hoạch",
                "Số, ký hiệu văn bản": "15-KH/TU",
                "Ngày văn bản": dt.datetime(2021, 3, 25),
            },
            going.pk: {"Tiến độ": "Đang thực hiện", "Phần trăm": 40},
        },
    )
    entries = LogEntry.objects.count()
    preview = upload(client, data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'data-count="changes">2<' in html and 'data-count="refused">0<' in html
    changed = re.findall(
        r'<tr data-row="\d+" data-occurrence="(\d+)">', html.split("sheet-refused")[0]
    )
    assert sorted(map(int, changed)) == sorted([done.pk, going.pk])
    assert "15-KH/TU" in html and "25/03/2021" in html and "Đang thực hiện" in html
    assert not ProgressReport.objects.exists() and LogEntry.objects.count() == entries
    token = token_of(preview)
    assert (sheets_dir() / f"{token}.xlsx").is_file()

    result = client.post(IMPORT, {"token": token, "action": "send"})
    assert result.status_code == 200
    assert "Đã lưu và gửi 2 báo cáo" in result.content.decode()
    report = ProgressReport.objects.get(occurrence=done)
    assert (report.status, report.done_on, report.document_number) == (
        "submitted",
        dt.date(2021, 3, 25),
        "15-KH/TU",
    )
    assert ProgressReport.objects.get(occurrence=going).percent == 40
    assert LogEntry.objects.count() > entries
    assert not (sheets_dir() / f"{token}.xlsx").exists()  # used once
    again = client.post(IMPORT, {"token": token, "action": "send"}, follow=True)
    assert "không còn" in again.content.decode()
    assert ReportRevision.objects.count() == 4  # two saves and two sends, nothing more


def test_unchanged_file_offers_nothing_to_save(client_for, two):
    client = client_for("staff")
    html = upload(client, download(client)).content.decode()
    assert 'data-count="changes">0<' in html and 'id="sheet-confirm"' not in html
    assert "Không có gì để lưu" in html


def test_a_change_between_preview_and_confirm_stops_the_confirmation(client_for, users, two):
    client = client_for("staff")
    first, second = two
    data = fill(
        download(client),
        {first.pk: {"Tiến độ": "Đang thực hiện"}, second.pk: {"Tiến độ": "Đang thực hiện"}},
    )
    token = token_of(upload(client, data))
    save_report(user=users["head"], occurrence=first, expected_version=None, state="in_progress",
                percent=90)  # fmt: skip
    again = client.post(IMPORT, {"token": token, "action": "draft"})
    html = again.content.decode()
    assert 'id="sheet-error"' in html and "Dữ liệu đã thay đổi" in html
    assert ProgressReport.objects.filter(occurrence=second).exists() is False
    assert 'data-count="refused">1<' in html and "đã được thay đổi" in html
    # Confirmed again, the new preview applies: the other row only.
    done = client.post(IMPORT, {"token": token_of(again), "action": "draft"})
    assert "Đã lưu nháp 1 báo cáo" in done.content.decode()
    assert ProgressReport.objects.get(occurrence=second).status == "draft"
    assert ProgressReport.objects.get(occurrence=first).percent == 90


def test_another_users_token_is_not_theirs_to_confirm(client_for, two):
    staff = client_for("staff")
    data = fill(download(staff), {two[0].pk: {"Tiến độ": "Đang thực hiện"}})
    token = token_of(upload(staff, data))
    head = client_for("head")
    response = head.post(IMPORT, {"token": token, "action": "send"}, follow=True)
    assert "không còn" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_not_an_xlsx_is_refused_next_to_the_field(client_for, example):
    client = client_for("staff")
    response = upload(client, b"%PDF-1.4 hello", name="bao-cao.pdf")
    html = response.content.decode()
    assert response.status_code == 200 and 'class="errorlist"' in html
    assert "bao-cao.pdf: Tệp không phải bảng tính Excel" in html
    assert not ProgressReport.objects.exists() and not any(sheets_dir().iterdir())


def test_the_monitor_downloads_a_body_and_its_upload_saves_nothing(client_for, two):
    client = client_for("monitor")
    data = download(client, organization="qn.btctu")
    ids = {cell.value for cell in load_workbook(io.BytesIO(data)).worksheets[0]["A"][1:]}
    assert two[0].pk in ids
    filled = fill(data, {two[0].pk: {"Tiến độ": "Đang thực hiện"}})
    html = upload(client, filled).content.decode()
    assert 'id="sheet-notice"' in html and "không có quyền lập báo cáo" in html
    assert 'data-count="refused">1<' in html and 'id="sheet-confirm"' not in html
    assert not ProgressReport.objects.exists()


def test_a_body_cannot_download_another_bodys(client_for, example):
    response = client_for("staff").get(DOWNLOAD, {"period": "2021-Q1", "organization": "qn.btgtu"})
    # The field is not offered to a body; what it sends is ignored: its own rows come back.
    book = load_workbook(io.BytesIO(response.content))
    bodies = {c.value for c in book.worksheets[0]["E"][1:]}
    assert bodies == {"Ban Tổ chức Tỉnh ủy"}

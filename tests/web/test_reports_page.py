"""The periodic reports page: the office and leaders see the form, the preview and the three
downloads; a body's people are refused; a bad period is answered next to the field."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.reporting.conftest import make_history
from tests.reporting.expected import expected_q2

URL = "/reports/"


@pytest.fixture
def history(example, users):
    """The example with a history up to July 2021 (tests/reporting/conftest.py)."""
    return make_history(example, users)


def params(program, **extra) -> dict:
    return {"program": program.pk, "period": "2021-Q2", "number": "", "date": "2021-07-05",
            **extra}  # fmt: skip


@pytest.mark.parametrize("role", ["monitor", "leader", "admin"])
def test_the_form_and_the_menu(client_for, example, role):
    response = client_for(role).get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="report-form"' in content and 'href="/reports/"' in content
    assert 'name="period"' in content


@pytest.mark.parametrize("role", ["staff", "head", "outsider"])
def test_bodies_are_refused(client_for, example, role):
    client = client_for(role)
    assert client.get(URL).status_code == 403
    assert client.get(URL, params(example, format="docx")).status_code == 403
    assert 'href="/reports/"' not in client.get("/programs/").content.decode()


def test_signed_out_goes_to_login(client, example):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_preview_and_downloads(client_for, history):
    expected = expected_q2(history.program)
    for role in ("monitor", "leader"):
        client = client_for(role)
        response = client.get(URL, params(history.program, number="9"))
        assert response.status_code == 200
        content = response.content.decode()
        assert 'id="report-document"' in content and "Số 9-BC/TU" in content
        assert "Quảng Ngãi, ngày 05 tháng 07 năm 2021" in content
        assert f"{expected.due} lượt đã đến hạn" in content and expected.rate_text in content

    client = client_for("monitor")
    names = {
        "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        "pdf": ("application/pdf", b"%PDF"),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    }
    files = {}
    for fmt, (content_type, magic) in names.items():
        response = client_for("leader").get(URL, params(history.program, format=fmt))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; ")
        assert f'filename="bao-cao-cthd-tinhuy-2020-2025-2021-q2.{fmt}"' in disposition
        assert disposition.isascii()
        vietnamese = f"Báo cáo quý II năm 2021 - CTHD-TINHUY-2020-2025.{fmt}"
        assert f"filename*=UTF-8''{quote(vietnamese)}" in disposition
        assert response.content.startswith(magic)
        files[fmt] = response.content
    doc = Document(io.BytesIO(files["docx"]))
    assert "TỈNH ỦY" in doc.tables[0].rows[0].cells[0].text
    book = load_workbook(io.BytesIO(files["xlsx"]))
    figures = {r[0]: r[1] for r in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert figures["Quá hạn chưa hoàn thành"] == expected.buckets["open_overdue"]
    assert client.get(URL, params(history.program)).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period": "2021-Q9"}, "period", "Kỳ báo cáo “2021-Q9” không hợp lệ"),
        ({"period": ""}, "period", "Ghi kỳ báo cáo"),
        ({"period": "2099-Q1"}, "period", "chưa bắt đầu"),
        ({"date": "31/02/2021"}, "date", "không phải là ngày"),
        ({"number": "12/BC"}, "number", "không đúng thể thức"),
    ],
)
def test_errors_next_to_the_field(client_for, example, changes, field, message):
    response = client_for("monitor").get(URL, params(example, **changes))
    assert response.status_code == 200
    content = response.content.decode()
    block = re.search(rf'<div class="field" id="field-{field}">(.*?)</div>', content, re.S)
    assert block and 'class="errorlist' in block.group(1)
    assert message in block.group(1).replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert 'id="report-document"' not in content


def test_a_bad_format_is_an_error_not_a_crash(client_for, example):
    response = client_for("monitor").get(URL, params(example, format="exe"))
    content = response.content.decode()
    assert response.status_code == 200 and 'id="report-document"' not in content
    assert 'class="errorlist' in content

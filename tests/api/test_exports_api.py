"""Periodic reports through the API: the same documents as the reports page and ``theodoi
report`` (DOCX, PDF, XLSX; the section II report), for the office and leaders only; a period,
a date or a number that cannot be read is 422 with what to write instead."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.reporting.conftest import make_history
from tests.reporting.expected import expected_q2

PERIODIC = "/api/reports/periodic"
SECTION_TWO = "/api/reports/section-ii"
TYPES = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    "pdf": ("application/pdf", b"%PDF"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
}


@pytest.fixture
def history(example, users):
    """The example with a history up to July 2021 (tests/reporting/conftest.py)."""
    return make_history(example, users)


def params(program, **extra) -> dict:
    return {"program": program.pk, "period": "2021-Q2", "date": "2021-07-05", **extra}


def test_the_periodic_report_in_each_format(api_as, history):
    expected = expected_q2(history.program)
    files = {}
    for fmt, (content_type, magic) in TYPES.items():
        response = api_as("leader").get(PERIODIC, params(history.program, format=fmt, number="9"))
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == content_type
        disposition = response["Content-Disposition"]
        assert disposition.isascii()
        assert f'filename="bao-cao-cthd-tinhuy-2020-2025-2021-q2.{fmt}"' in disposition
        vietnamese = f"Báo cáo quý II năm 2021 - CTHD-TINHUY-2020-2025.{fmt}"
        assert f"filename*=UTF-8''{quote(vietnamese)}" in disposition
        assert response.content.startswith(magic)
        files[fmt] = response.content
    text = "\n".join(p.text for p in Document(io.BytesIO(files["docx"])).paragraphs)
    assert "Số 9-BC/TU" in text or any(
        "Số 9-BC/TU" in cell.text
        for table in Document(io.BytesIO(files["docx"])).tables
        for row in table.rows
        for cell in row.cells
    )
    book = load_workbook(io.BytesIO(files["xlsx"]))
    figures = {r[0]: r[1] for r in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert figures["Quá hạn chưa hoàn thành"] == expected.buckets["open_overdue"]


def test_the_section_two_report(api_as, history):
    response = api_as("monitor").get(SECTION_TWO, params(history.program, period="2021"))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == TYPES["docx"][0]
    assert response.content.startswith(b"PK")
    assert "filename*=UTF-8''" in response["Content-Disposition"]


@pytest.mark.parametrize("role", ["staff", "head", "outsider"])
def test_bodies_are_refused(api_as, example, role):
    for url in (PERIODIC, SECTION_TWO):
        response = api_as(role).get(url, params(example))
        assert response.status_code == 403
        assert response.json()["detail"] == "Bạn không có quyền lập báo cáo định kỳ, thống kê."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": "2021-Q9"}, "Kỳ báo cáo “2021-Q9” không hợp lệ"),
        ({"period": "2025-2020"}, "năm cuối phải sau năm đầu"),
        ({"period": "2099-Q1"}, "chưa bắt đầu"),
        ({"number": "12/BC"}, "Số, ký hiệu 12/BC không đúng thể thức"),
    ],
)
def test_what_cannot_be_read_is_422_with_its_message(api_as, example, changes, message):
    response = api_as("monitor").get(PERIODIC, params(example, **changes))
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_malformed_parameters_are_422_and_unknown_programs_404(api_as, example):
    monitor = api_as("monitor")
    for changes in ({"date": "31/02/2021"}, {"date": "2021-02-31"}, {"format": "odt"},
                    {"program": "abc"}):  # fmt: skip
        response = monitor.get(PERIODIC, {**params(example), **changes})
        assert response.status_code == 422, changes
        assert response.json()["detail"]
    assert monitor.get(PERIODIC, {"program": example.pk}).status_code == 422  # no period
    assert monitor.get(PERIODIC, {**params(example), "program": 10**9}).status_code == 404

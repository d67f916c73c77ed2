"""The report's signer, recipients, short form and document number as the reports page and
the API set them (both call ``build_report``): defaults from the issuing body's profile, not
the program's 2020 signer; a number written whole ("125-BC/TU") accepted, a wrong one refused
with a message a person can act on."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from theodoi.orgs.models import Organization
from theodoi.reporting.content import build_report, overdue_lines
from theodoi.reporting.models import IssuerProfile
from theodoi.reporting.periods import parse_period

from ..api.conftest import api_as, secrets_for  # noqa: F401 (fixtures)
from .conftest import make_history

PERIODIC = "/api/reports/periodic"


@pytest.fixture
def history(example, users):
    return make_history(example, users)


def form(example, **changes) -> dict:
    return {"program": example.pk, "period": "2021-Q2", "date": "05/07/2021", **changes}


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def test_defaults_come_from_the_profile_not_the_program(client_for, example):
    page = client_for("monitor").get("/reports/").content.decode()
    assert example.signer["name"] not in page  # the 2020 secretary is not offered
    IssuerProfile.objects.create(
        organization=example.issuer, format="party", superior_line="ĐẢNG BỘ TỈNH QUẢNG NGÃI",
        issuer_line="TỈNH ỦY", abbreviation="TU", place="Quảng Ngãi",
        on_behalf="T/M BAN THƯỜNG VỤ", signer_title="PHÓ BÍ THƯ", signer_name="Đặng Văn Minh",
        recipients="Ban Bí thư (báo cáo)\nLưu Văn phòng Tỉnh ủy",
    )  # fmt: skip
    page = client_for("monitor").get("/reports/").content.decode()
    assert 'value="Đặng Văn Minh"' in page and 'value="PHÓ BÍ THƯ"' in page
    assert "Ban Bí thư (báo cáo)\nLưu Văn phòng Tỉnh ủy" in page


def test_signer_and_recipients_set_on_the_form(client_for, example):
    response = client_for("monitor").get(
        "/reports/",
        form(example, format="docx", signer_title="Phó Bí thư Thường trực",
             signer_name="Nguyễn Văn A", recipients="- Ban Bí thư (báo cáo),\nLưu VT."),
    )  # fmt: skip
    assert response.status_code == 200
    text = docx_text(response.content)
    assert "PHÓ BÍ THƯ THƯỜNG TRỰC" in text and "Nguyễn Văn A" in text
    assert "- Ban Bí thư (báo cáo)," in text and "- Lưu VT." in text
    assert example.signer["name"] not in text


def test_signer_and_short_form_through_the_api(api_as, example):  # noqa: F811
    response = api_as("monitor").get(
        PERIODIC,
        {**form(example), "date": "2021-07-05", "format": "docx", "signer_name": "Trần Thị B",
         "recipients": "Ban Thường vụ Tỉnh ủy", "number": "125-BC/TU"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    text = docx_text(response.content)
    assert "Trần Thị B" in text and "- Ban Thường vụ Tỉnh ủy." in text
    assert "Số 125-BC/TU" in text


@pytest.mark.parametrize("number", ["125-BC/TU", "125", "số 125-bc/tu"])
def test_a_number_as_written(client_for, example, number):
    response = client_for("monitor").get("/reports/", form(example, number=number))
    page = response.content.decode()
    assert "Số 125-BC/TU" in page
    assert "Số 125-BC/TU-BC/TU" not in page


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("125-KH/TU", "báo cáo ghi “BC”"),
        ("12/BC-UBND", "không đúng thể thức"),
        ("BC/TU", "không đúng thể thức"),
    ],
)
def test_a_wrong_number_is_refused_with_its_message(client_for, api_as, example, number, message):  # noqa: F811
    page = client_for("monitor").get("/reports/", form(example, number=number)).content.decode()
    assert message in page and 'id="report-document"' not in page
    response = api_as("monitor").get(
        PERIODIC, {**form(example), "date": "2021-07-05", "number": number}
    )
    assert response.status_code == 422 and message in response.json()["detail"]


def test_short_form_names_only_the_exceptions(history):
    q2 = parse_period("2021-Q2")
    full = build_report(history.program, q2, day=dt.date(2021, 7, 5))
    short = build_report(history.program, q2, day=dt.date(2021, 7, 5), short=True)
    assert [g for g, _lines in short.done_rows] == [g for g, _lines in full.done_rows]
    for group, lines in short.done_rows:
        late = [i.body for i in group.items if i.bucket == "done_late"]
        named = "\n".join(lines)
        for item in group.items:
            assert (item.body + ":" in named) == (item.body in late)
    many = max(full.overdue_rows, key=lambda row: len(row[1]))
    assert len(many[1]) > 3  # a task many bodies owe
    assert len(overdue_lines(many[0], short=True)) < len(many[1])
    assert sum(len(lines) for _g, lines in short.done_rows) < sum(
        len(lines) for _g, lines in full.done_rows
    )


def test_short_form_on_the_form(client_for, history):
    page = client_for("monitor").get("/reports/", form(history.program, short="on"))
    assert "hoàn thành đúng hạn</td>" in page.content.decode()
    assert Organization.objects.exists()

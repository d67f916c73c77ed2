"""The organisation board's yearly report on section II of the example: Bình Sơn's program
issued on time, the districts that never issued theirs listed as missing, Bình Sơn's
secretary's personal plan approved and sent on time, other leaders' plans missing; the same
facts in DOCX, PDF, XLSX, through the command and the reports page."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.plans.models import Leader
from theodoi.programs.importer import import_program
from theodoi.programs.lineage import example_district, link_lower_program
from theodoi.programs.models import Assignment, Program
from theodoi.reporting.content import ReportContentError
from theodoi.reporting.periods import parse_period
from theodoi.reporting.produce import produce
from theodoi.reporting.section_two import build_section_two

from ..plans.helpers import district_accounts, sent_plan
from .test_report_pdf import save_first_page

YEAR = parse_period("2021")
DAY = dt.date(2022, 1, 10)


@pytest.fixture
def world(example, users):
    district_program, district_registry = example_district()
    load_registry_file(district_registry)
    summary = import_program(path=district_program, parent=example.number)
    link_lower_program(program=Program.objects.get(number=summary.program))
    bs = district_accounts()
    sent_plan(example, bs.head, bs.staff)  # approved 15/03, sent 20/03/2021
    # A leader whose plan never came.
    Leader.objects.create(
        organization=Organization.objects.get(code="qn.btgtu"),
        name="Trần Thị Bình",
        position="Trưởng Ban Tuyên giáo Tỉnh ủy",
    )
    return example


def must_issue(program: Program) -> set[str]:
    """The bodies B.II.1 asks for a program, read from its assignments."""
    return set(
        Assignment.objects.filter(
            task__program=program, task__key="B.II.1", organization__isnull=False
        ).values_list("organization__name", flat=True)
    )


def test_the_board_reports_who_issued_and_whose_plans_came(world):
    report = build_section_two(world, YEAR, number="07", day=DAY, today=DAY)
    frame = report.frame
    # Issued by the organisation board, in the Party's format, to the Standing Committee.
    assert frame.issuer_lines == ["BAN TỔ CHỨC"] and frame.superior_lines == ["TỈNH ỦY QUẢNG NGÃI"]
    assert frame.number_line.startswith("Số 07-BC/")
    assert frame.place_date == "Quảng Ngãi, ngày 10 tháng 01 năm 2022"
    assert "Ban Thường vụ Tỉnh ủy (báo cáo)" in frame.recipients
    assert frame.subject.startswith("Kết quả xây dựng chương trình hành động")

    (issuing,) = report.issuing
    assert issuing.task.key == "B.II.1"
    rows = {row.body.name: row for row in issuing.rows}
    assert set(rows) == must_issue(world)
    binh_son = rows["Huyện ủy Bình Sơn"]
    assert binh_son.first.program.number == "05-CTr/HU" and binh_son.state == "issued_on_time"
    assert rows["Huyện ủy Lý Sơn"].state == "missing_overdue"
    assert issuing.issued == 1 and issuing.missing == len(rows) - 1

    plans = {row.leader.name: row for row in report.plans}
    assert plans["Nguyễn Văn An"].approval == "on_time" and plans["Nguyễn Văn An"].sending == (
        "on_time"
    )
    assert plans["Trần Thị Bình"].approval == "missing"
    assert report.summary[0].startswith(
        f"Theo nhiệm vụ B.II.1, đến hết ngày 31/12/2021 có 1/{len(rows)} cơ quan"
    )


def test_the_same_facts_in_every_format(world):
    report = build_section_two(world, YEAR, number="07", day=DAY, today=DAY)

    doc = Document(io.BytesIO(produce(report, "docx").data))
    header = doc.tables[0].rows[0].cells
    assert "BAN TỔ CHỨC" in header[0].text and "Số 07-BC/" in header[0].text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header[1].text
    tables = "\n".join(
        cell.text for table in doc.tables for row in table.rows for cell in row.cells
    )
    assert "Huyện ủy Bình Sơn" in tables and "05-CTr/HU, 15/03/2021" in tables
    assert "Chưa ban hành, quá hạn" in tables
    assert "Nguyễn Văn An" in tables and "15/03/2021 — Đúng hạn" in tables
    assert "TRƯỞNG BAN" in tables

    book = load_workbook(io.BytesIO(produce(report, "xlsx").data))
    bodies = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    (binh_son,) = [r for r in bodies if r[1] == "Huyện ủy Bình Sơn"]
    assert binh_son[3] == "05-CTr/HU" and binh_son[4] == dt.datetime(2021, 3, 15)
    assert len(bodies) == len(must_issue(world))
    plans = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    (an,) = [r for r in plans if r[0] == "Nguyễn Văn An"]
    assert an[4] == dt.datetime(2021, 3, 15) and an[8] >= 1  # approved; copies sent

    pdf = produce(report, "pdf")
    with pdfplumber.open(io.BytesIO(pdf.data)) as document:
        text = " ".join(" ".join(page.extract_text() for page in document.pages).split())
        cells = [  # a table's cells wrap over lines, which the text layer interleaves
            " ".join((cell or "").split())
            for page in document.pages
            for table in page.extract_tables()
            for row in table
            for cell in row
        ]
    assert "BAN TỔ CHỨC" in text and "Số 07-BC/BTCTU" in text
    assert save_first_page(pdf.data, "section-ii-2021.png").stat().st_size > 10_000
    for expected in ("Huyện ủy Bình Sơn", "05-CTr/HU, 15/03/2021", "Nguyễn Văn An"):
        assert expected in cells


def test_a_program_without_a_board_says_so(world):
    world.issuer = None
    world.save()
    with pytest.raises(ReportContentError, match="Không tìm thấy Ban Tổ chức"):
        build_section_two(world, YEAR, day=DAY, today=DAY)


def test_the_command_and_the_page(world, client_for, tmp_path):
    target = tmp_path / "muc-ii.docx"
    call_command(
        "report", program=world.number, period="2021", kind="section-ii", output=str(target)
    )
    assert "Huyện ủy Bình Sơn" in "\n".join(
        cell.text for table in Document(target).tables for row in table.rows for cell in row.cells
    )
    page = client_for("monitor").get(
        "/reports/", {"kind": "section-ii", "program": world.pk, "period": "2021"}
    )
    content = page.content.decode()
    assert page.status_code == 200 and "05-CTr/HU" in content and "Nguyễn Văn An" in content
    staff = client_for("staff").get("/reports/", {"kind": "section-ii", "period": "2021"})
    assert staff.status_code == 403

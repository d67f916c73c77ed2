"""The example's term report (2020-2025) as printed: rendered to PDF and read back (pdfplumber,
pdftoppm for the pages a person looks at in test-artifacts/reports/layout/), and as DOCX read
back by its structure. No table row split across pages, the header row repeated, page numbers
from page 2 only, no task text cut with "…", no empty "()", and every count the same as the
dashboard's and the program page's for the same date."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from theodoi.reporting.content import build_report
from theodoi.reporting.docx_report import render_docx
from theodoi.reporting.pdf_report import render_pdf
from theodoi.reporting.periods import parse_period

from .conftest import make_history

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports" / "layout"
TERM = parse_period("2020-2025")
TODAY = dt.date(2021, 9, 30)  # the term not over: the report is as of this day


def words(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip()


@pytest.fixture
def history(example, users):
    return make_history(example, users)


@pytest.fixture
def term_report(history):
    return build_report(history.program, TERM, number="125-BC/TU", today=TODAY, day=TODAY)


def bare(text: str) -> str:
    """Text without any space: a line may wrap after a hyphen ("306-" / "QĐ/TU")."""
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", text or ""))


def render(report) -> tuple[list[str], list[set[str]]]:
    """The PDF's pages: each page's text, and the text of each table cell on it (pdfplumber
    reads cells by the ruling lines); the pages also as PNG for a person to look at."""
    pdf = render_pdf(report)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "term.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / "term.pdf"), str(ARTIFACTS / "p")],
            check=True,
        )
    texts, cells = [], []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            texts.append(page.extract_text() or "")
            cells.append({bare(c) for t in page.extract_tables() for row in t for c in row if c})
    return texts, cells


def web_figures(client, program, day: dt.date) -> dict[str, int]:
    """The dashboard's tiles and the program page's task count, as a person reads them."""
    html = client.get(
        "/dashboard/", {"program": program.pk, "as_of": f"{day:%d/%m/%Y}"}
    ).content.decode()
    tiles = {name: int(value) for name, value in re.findall(r'data-figure="(\w+)">(\d+)<', html)}
    page = client.get(f"/programs/{program.pk}/").content.decode()
    tiles["tasks"] = int(re.search(r"(\d+) nhiệm vụ", words(page)).group(1))
    return tiles


def test_pdf_layout_and_counts(term_report, client_for, history):
    pages, cells = render(term_report)
    assert len(pages) >= 4, "the term report spans pages (else nothing below is tested)"
    lines = [[words(line) for line in page.splitlines()] for page in pages]
    # No page number on the first page; from the second, the page's number alone on a line
    # (the Party's format: at the bottom).
    assert str(1) not in lines[0][-1:]
    for number, page in enumerate(lines[1:], start=2):
        assert page[-1] == str(number), (number, page[-3:])
    # No row split across pages: the whole "key. text" of every listed task is one table
    # cell on one page (a row split over two pages leaves two cells, neither whole).
    flat = [words(page) for page in pages]
    for group in [*term_report.overdue_groups, *term_report.done_groups]:
        head = f"{group.task_key}. {group.task_text}"
        assert any(bare(head) in found for found in cells), head[:80]
    # The header row repeats on every page a table continues on.
    overdue = bare("Cơ quan chịu trách nhiệm, hạn, số ngày quá hạn")
    holding = [i for i, page in enumerate(flat) if re.search(r"hạn \d\d/\d\d/\d{4}, quá", page)]
    assert len(holding) >= 2, "the overdue list spans pages"
    for i in holding:
        assert overdue in cells[i], f"page {i + 1}: no header row"
    done = bare("Cơ quan, ngày hoàn thành, văn bản đã ban hành")
    for i, page in enumerate(flat):
        if re.search(r": \d\d/\d\d/\d{4}", page) and i not in holding and i > 0:
            assert done in cells[i] or overdue in cells[i], f"page {i + 1}: no header row"
    text = " ".join(flat)
    assert "…" not in text and "()" not in text and "( )" not in text
    assert "Số 125-BC/TU" in flat[0]

    # Every count is the web's for the same date.
    web = web_figures(client_for("monitor"), history.program, term_report.as_of)
    text = words(" ".join(pages))
    t = term_report.total
    assert (t.total, t.done_on_time, t.done_late, t.open_overdue, t.open_in_time) == (
        web["total"], web["done_on_time"], web["done_late"], web["open_overdue"],
        web["open_in_time"],
    )  # fmt: skip
    assert f"Chương trình có {web['tasks']} nhiệm vụ" in text
    due = web["done_on_time"] + web["done_late"] + web["open_overdue"]
    assert f"Trong {due} lượt đã đến hạn" in text
    # The same count of "đến hạn" wherever the document gives one for the whole term: the
    # period paragraph (the term) and the figures' total row.
    assert f"Trong {TERM.label}: {due} lượt đã đến hạn" in text
    assert re.search(rf"Tổng cộng {t.total} {due} {web['done_on_time']} ", text)


def _rows_flag(row, name: str) -> bool:
    tr_pr = row._tr.trPr
    return tr_pr is not None and tr_pr.find(qn(name)) is not None


def test_docx_structure(term_report):
    doc = Document(io.BytesIO(render_docx(term_report)))
    tables = doc.tables[1:-1]  # the header and the signature are layout, not lists
    assert len(tables) >= 4
    for table in tables:
        assert _rows_flag(table.rows[0], "w:tblHeader")
        assert all(_rows_flag(row, "w:cantSplit") for row in table.rows)
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in "".join(t.text or "" for t in section.footer._element.iter(qn("w:instrText")))
    first = section.first_page_footer._element
    assert not list(first.iter(qn("w:instrText"))) and not list(first.iter(qn("w:fldChar")))
    text = "\n".join(cell.text for table in tables for row in table.rows for cell in row.cells)
    assert "…" not in text and "()" not in text
    for group in term_report.overdue_groups:
        assert f"{group.task_key}. {group.task_text}" in text

"""The DOCX read back with python-docx: the header where the format puts it (a borderless
two-column table), fonts and sizes of the key runs, A4, the figures, the signature and the
recipients; the Party's format and the State's."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.shared import Pt

from theodoi.orgs.models import Organization
from theodoi.reporting.content import build_report
from theodoi.reporting.docx_report import render_docx
from theodoi.reporting.frame import signer_of
from theodoi.reporting.periods import parse_period

from .expected import expected_q2

Q2 = parse_period("2021-Q2")


def read(report) -> Document:
    return Document(io.BytesIO(render_docx(report)))


def paragraphs(cell) -> list:
    return [p for p in cell.paragraphs if p.text.strip()]


def run_of(paragraph):
    return next(r for r in paragraph.runs if r.text.strip())


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_party_report(history):
    signer = signer_of(name="Bùi Thị Quỳnh Vân")  # the office types who signs
    report = build_report(history.program, Q2, number="123", day=dt.date(2021, 7, 5), signer=signer)
    doc = read(report)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]

    header = doc.tables[0]
    left, right = header.rows[0].cells
    lines = paragraphs(left)
    assert [p.text for p in lines] == [
        "ĐẢNG BỘ TỈNH QUẢNG NGÃI", "TỈNH ỦY", "*", "Số 123-BC/TU",
    ]  # fmt: skip
    superior, issuer, _star, number = (run_of(p) for p in lines)
    assert superior.font.size == Pt(14) and not superior.bold
    assert issuer.font.size == Pt(14) and issuer.bold
    assert number.font.size == Pt(14) and number.font.name == "Times New Roman"
    national, date_line = paragraphs(right)
    assert national.text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert run_of(national).font.size == Pt(15) and run_of(national).bold
    assert (
        national._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr")
        is not None
    )  # the rule under it
    assert date_line.text == "Quảng Ngãi, ngày 05 tháng 07 năm 2021"
    assert run_of(date_line).italic and run_of(date_line).font.size == Pt(14)
    # No borders on the header table (no table style with a grid).
    assert header.style is None or "Grid" not in header.style.name

    body = [p for p in doc.paragraphs if p.text.strip()]
    title = next(p for p in body if p.text == "BÁO CÁO")
    assert run_of(title).bold and run_of(title).font.size == Pt(16)
    subject = body[body.index(title) + 1]
    assert subject.text == report.frame.subject and run_of(subject).bold
    assert run_of(subject).font.size == Pt(14)
    summary = next(p for p in body if p.text.startswith("Tính đến hết ngày 30/06/2021"))
    assert run_of(summary).font.size == Pt(14)

    expected = expected_q2(history.program)
    text = all_text(doc)
    assert expected.rate_text in text
    assert f"{expected.due} lượt đã đến hạn" in text
    # The figures table by body: a row per body with the recomputed figures.
    by_body = doc.tables[2]
    rows = {row.cells[1].text: [c.text for c in row.cells[2:]] for row in by_body.rows[1:]}
    for name, counts in expected.by_body.items():
        assert rows[name][:5] == [
            str(sum(counts.values())),
            str(counts["done_on_time"] + counts["done_late"] + counts["open_overdue"]),
            str(counts["done_on_time"]), str(counts["done_late"]), str(counts["open_overdue"]),
        ]  # fmt: skip
    assert rows["Tổng cộng"][-1] == expected.rate_text
    assert "Kế hoạch số 15-KH/BTCTU ngày 20/04/2021" in text

    signature = doc.tables[-1]
    recipients_cell, sign_cell = signature.rows[0].cells
    recipients = paragraphs(recipients_cell)
    assert recipients[0].text == "Nơi nhận:" and run_of(recipients[0]).underline
    assert [p.text for p in recipients[1:]] == [
        f"- {name}{'.' if i == len(report.frame.recipients) - 1 else ','}"
        for i, name in enumerate(report.frame.recipients)
    ]
    assert run_of(recipients[1]).font.size == Pt(12)
    signs = paragraphs(sign_cell)
    assert [p.text for p in signs] == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Bùi Thị Quỳnh Vân"]
    assert all(run_of(p).bold for p in signs)


def test_state_report(example):
    example.issuer = Organization.objects.get(code="qn.ubnd")
    example.save()
    doc = read(build_report(example, Q2, number="12", day=dt.date(2021, 7, 5)))
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in paragraphs(left)] == [
        "ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 12/BC-UBND",
    ]  # fmt: skip
    assert [p.text for p in paragraphs(right)] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Ngãi, ngày 05 tháng 7 năm 2021",
    ]
    motto = paragraphs(right)[1]
    assert run_of(motto).bold and run_of(motto).font.size == Pt(14)
    assert "*" not in [p.text for p in paragraphs(left)]
    signs = paragraphs(doc.tables[-1].rows[0].cells[1])
    assert [p.text for p in signs][:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    recipients_title = paragraphs(doc.tables[-1].rows[0].cells[0])[0]
    assert run_of(recipients_title).bold and run_of(recipients_title).italic


def test_draft_leaves_the_number_blank(example):
    doc = read(build_report(example, Q2, day=dt.date(2021, 7, 5)))
    number = paragraphs(doc.tables[0].rows[0].cells[0])[-1].text
    assert number.startswith("Số ") and number.endswith("-BC/TU")
    assert not any(ch.isdigit() for ch in number) and len(number) > len("Số -BC/TU")

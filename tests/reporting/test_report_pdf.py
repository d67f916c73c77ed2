"""The PDF (WeasyPrint, from the preview's HTML): its text layer holds the header, the
figures and the signature; its first page is rendered to PNG in test-artifacts/reports/ for a
person to look at."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pypdfium2

from theodoi.orgs.models import Organization
from theodoi.reporting.content import build_report
from theodoi.reporting.frame import signer_of
from theodoi.reporting.html_report import render_document
from theodoi.reporting.pdf_report import render_pdf
from theodoi.reporting.periods import parse_period

from .expected import expected_q2

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
Q2 = parse_period("2021-Q2")


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def save_first_page(pdf: bytes, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    path = ARTIFACTS / name
    document[0].render(scale=1.5).to_pil().save(path)
    document.close()
    return path


def test_party_pdf(history):
    signer = signer_of(name="Bùi Thị Quỳnh Vân")  # the office types who signs
    report = build_report(history.program, Q2, number="123", day=dt.date(2021, 7, 5), signer=signer)
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        first = document.pages[0]
        assert (round(first.width * 25.4 / 72), round(first.height * 25.4 / 72)) == (210, 297)
        first_text = words(first.extract_text())
        text = words(" ".join(page.extract_text() for page in document.pages))
        fonts = Counter(c["fontname"].split("+")[-1].split("-")[0] for c in first.chars)
    assert "ĐẢNG BỘ TỈNH QUẢNG NGÃI" in first_text and "TỈNH ỦY" in first_text
    assert "Số 123-BC/TU" in first_text and "ĐẢNG CỘNG SẢN VIỆT NAM" in first_text
    assert "Quảng Ngãi, ngày 05 tháng 07 năm 2021" in first_text
    assert "BÁO CÁO" in first_text
    # Times New Roman, else Liberation Serif 2 (Debian's fonts-liberation2, which .ci/run
    # installs): every letter in it, none fallen back to another font (Liberation 1.x lacks
    # some Vietnamese letters).
    assert set(fonts) <= {"Liberation", "TimesNewRoman", "Times"}, fonts
    expected = expected_q2(history.program)
    assert f"{expected.due} lượt đã đến hạn" in text
    assert f"đã hoàn thành {expected.done} lượt" in text and expected.rate_text in text
    assert f"còn {expected.buckets['open_overdue']} lượt chưa hoàn thành" in text
    assert "Kế hoạch số 15-KH/BTCTU ngày 20/04/2021" in text
    assert "T/M BAN THƯỜNG VỤ" in text and "Bùi Thị Quỳnh Vân" in text and "Nơi nhận:" in text
    # The PDF prints the preview's HTML: the same words.
    assert report.frame.subject in words(render_document(report))
    assert save_first_page(pdf, "party-2021-q2.png").stat().st_size > 10_000


def test_state_pdf(example):
    example.issuer = Organization.objects.get(code="qn.ubnd")
    example.save()
    pdf = render_pdf(build_report(example, Q2, number="12", day=dt.date(2021, 7, 5)))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        first_text = words(document.pages[0].extract_text())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first_text
    assert "Độc lập - Tự do - Hạnh phúc" in first_text
    assert "Số: 12/BC-UBND" in first_text and "ỦY BAN NHÂN DÂN" in first_text
    save_first_page(pdf, "state-2021-q2.png")

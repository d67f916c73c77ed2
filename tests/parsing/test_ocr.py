"""Scanned PDFs: a page of the example, printed, scanned (an image-only PDF), read through OCR.

The OCR tools come from Debian (ocrmypdf, tesseract-ocr-vie); .ci/run installs them. As with
Chromium for the browser tests, a machine without them fails here rather than skipping, so a
CI run cannot pass without having tried OCR.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from theodoi.parsing import ParseError, parse_file, parse_text
from theodoi.parsing.blocks import Paragraph
from theodoi.parsing.readers import ocr, read_file, read_text
from theodoi.parsing.text import fold

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "src/theodoi/data/examples/quang-ngai-chuong-trinh-hanh-dong-xx.md"
)
DPI = 250


@cache
def excerpt() -> str:
    """One page of the example: its title, the headings down to III.1.1 and the first two
    tasks of III.1.1 with their role lines and times."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("B. NỘI DUNG"))
    heading = next(i for i, line in enumerate(lines) if line.startswith("III. Giải pháp"))
    task = next(i for i, line in enumerate(lines) if line.startswith("1.1. Chú trọng"))
    end = next(i for i, line in enumerate(lines) if line.startswith("- Củng cố, tinh gọn"))
    return "\n".join([*lines[:7], "", lines[start], "", *lines[heading:task], *lines[task:end]])


def scanned_pdf(folder: Path) -> Path:
    """The excerpt printed by WeasyPrint, rasterised by pdfium at DPI, saved back as a PDF of
    page images only (what a scanner gives)."""
    import pypdfium2
    from weasyprint import HTML

    body = []
    for block in read_text(excerpt()):
        assert isinstance(block, Paragraph)
        text = html.escape(f"{block.bullet} {block.text}" if block.bullet else block.text)
        body.append(f"<p>{text}</p>")
    style = (
        "@page{size:A4;margin:18mm 20mm}"
        "body{font-family:'Liberation Serif','DejaVu Serif',serif;font-size:13pt;line-height:1.25}"
        "p{margin:0 0 4pt 0;text-align:left}"
    )
    printed = HTML(string=f"<html><style>{style}</style><body>{''.join(body)}</body></html>")
    document = pypdfium2.PdfDocument(printed.write_pdf())
    assert len(document) == 1, "the excerpt must fit on one page"
    image = document[0].render(scale=DPI / 72).to_pil().convert("L")
    document.close()
    path = folder / "ban-quet.pdf"
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=DPI)
    path.write_bytes(buffer.getvalue())
    return path


def require_ocr() -> None:
    if not ocr.available():
        pytest.fail("ocrmypdf and tesseract-ocr-vie are missing: apt-get install ocrmypdf "
                    "tesseract-ocr-vie (.ci/run does it)")  # fmt: skip


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text).lower()))


def similar(read: str, written: str) -> bool:
    """OCR's tolerance: nearly every word of the written text is read back."""
    expected = words(written)
    return len(expected & words(read)) >= 0.9 * len(expected)


def test_scanned_pdf_is_read_through_ocr(tmp_path):
    require_ocr()
    path = scanned_pdf(tmp_path)
    with pytest.raises(ParseError):  # no text layer at all: only OCR can read it
        _read_without_ocr(path)

    draft = parse_file(path)
    expected = parse_text(excerpt())
    assert len(expected.tasks) == 2
    # The section tree, by titles: Tesseract reads the Roman "III." as "II." (a known
    # weakness with serif numerals), so the numbers are not compared.
    assert len(draft.sections) == len(expected.sections)
    for got, want in zip(draft.sections, expected.sections, strict=True):
        assert similar(got.title, want.title), (got.title, want.title)
    assert len(draft.tasks) == len(expected.tasks)
    for got, want in zip(draft.tasks, expected.tasks, strict=True):
        assert similar(got.text, want.text), (got.text, want.text)
        assert got.section.split(".")[-2:] == want.section.split(".")[-2:]  # "1.1"
        assert {a.org for a in got.assignments} == {a.org for a in want.assignments}
        assert got.time.kind == want.time.kind and got.time.due == want.time.due
    assert draft.tasks[0].time.due.isoformat() == "2021-03-31"  # "Trong quý I/2021"
    assert draft.tasks[1].time.kind == "continuous"  # "Thường xuyên"


def _read_without_ocr(path: Path) -> None:
    from theodoi.parsing.readers.pdf import read_pdf_bytes

    read_pdf_bytes(path.read_bytes(), ocr=False)


def test_scanned_pdf_without_ocr_tools_is_one_clear_line(tmp_path, monkeypatch):
    """Where ocrmypdf (or the Vietnamese data) is missing: a ParseError saying what to install,
    and `theodoi parse` exits 2 with that one line."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (800, 300), 255)
    ImageDraw.Draw(image).text((40, 140), "KE HOACH", fill=0)
    path = tmp_path / "scan.pdf"
    image.save(path, format="PDF", resolution=100)
    monkeypatch.setattr(ocr, "OCRMYPDF", "ocrmypdf-khong-co")
    with pytest.raises(ParseError) as caught:
        read_file(path)
    assert str(caught.value) == ocr.MISSING
    assert "ocrmypdf" in ocr.MISSING and "tesseract-ocr-vie" in ocr.MISSING

    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "parse", str(path), "--format", "json"],
        capture_output=True, text=True, env={"PATH": str(empty_path)}, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    [line] = done.stderr.splitlines()
    assert str(path) in line and ocr.MISSING in line


def test_missing_language_data_is_reported(monkeypatch):
    monkeypatch.setattr(ocr, "_has_language", lambda tesseract: False)
    monkeypatch.setattr(ocr.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(ParseError) as caught:
        ocr.recognise(b"%PDF-1.4\n%%EOF\n")
    assert str(caught.value) == ocr.MISSING


def test_ocr_failure_and_timeout_are_parse_errors(monkeypatch):
    monkeypatch.setattr(ocr, "_has_language", lambda tesseract: True)
    monkeypatch.setattr(ocr.shutil, "which", lambda name: f"/usr/bin/{name}")

    def hang(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(ocr.subprocess, "run", hang)
    with pytest.raises(ParseError, match="quá 90 giây"):
        ocr.recognise(b"%PDF-1.4\n%%EOF\n", pages=1)

    def fail(*args, **kwargs):
        return subprocess.CompletedProcess(args[0], 15, "", "Traceback ...\nSomeError: hỏng\n")

    monkeypatch.setattr(ocr.subprocess, "run", fail)
    with pytest.raises(ParseError) as caught:
        ocr.recognise(b"%PDF-1.4\n%%EOF\n")
    assert "\n" not in str(caught.value) and "SomeError: hỏng" in str(caught.value)


def test_timeout_grows_with_pages_and_is_bounded():
    assert ocr.timeout_for(1) == 90
    assert ocr.timeout_for(10) == 360
    assert ocr.timeout_for(500) == 900

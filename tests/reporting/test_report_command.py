"""`theodoi report` as a person runs it: a file in each format, named after the program and
the period, and bad input answered in one Vietnamese line with exit status 2, no file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from .expected import expected_q2


def run(*args: str, capsys) -> tuple[int, str, str]:
    try:
        call_command("report", *args)
        status = 0
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_docx_pdf_xlsx(history, tmp_path, capsys, monkeypatch):
    number = history.program.number
    monkeypatch.chdir(tmp_path)
    status, out, err = run("--program", number, "--period", "2021-Q2", "--format", "docx",
                           "--number", "45", "--date", "2021-07-05", capsys=capsys)  # fmt: skip
    assert status == 0, err
    default = tmp_path / "bao-cao-cthd-tinhuy-2020-2025-2021-q2.docx"
    assert default.exists() and str(default.name) in out
    assert "30/06/2021" in out
    doc = Document(default)
    header = [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
    assert header[-1] == "Số 45-BC/TU"
    assert "Quảng Ngãi, ngày 05 tháng 07 năm 2021" in doc.tables[0].rows[0].cells[1].text

    target = tmp_path / "q2.xlsx"
    status, _out, err = run("--program", number, "--period", "2021-Q2", "--format", "xlsx",
                            "--output", str(target), capsys=capsys)  # fmt: skip
    assert status == 0, err
    summary = load_workbook(io.BytesIO(target.read_bytes()))["Tổng hợp"]
    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert figures["Đến hạn"] == expected_q2(history.program).due

    folder = tmp_path / "out"
    folder.mkdir()
    status, _out, err = run("--program", number, "--period", "2021-H1", "--format", "pdf",
                            "--output", str(folder), capsys=capsys)  # fmt: skip
    assert status == 0, err
    assert (folder / "bao-cao-cthd-tinhuy-2020-2025-2021-h1.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "KHONG-CO", "--period", "2021-Q2"], "không có chương trình số 'KHONG-CO'"),
        (["--period", "2021-Q7"], "Kỳ báo cáo “2021-Q7” không hợp lệ"),
        (["--period", "2021-Q2", "--date", "05/07/2021"], "ngày không hợp lệ '05/07/2021'"),
        (["--period", "2021-Q2", "--number", "12/BC"], "không đúng thể thức"),
        (["--period", "2099"], "chưa bắt đầu"),
        (["--period", "2021-Q2", "--output", "/khong/co/thu-muc/a.docx"], "thư mục không tồn tại"),
    ],
)
def test_bad_input(example, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    if "--program" not in args:
        args = ["--program", example.number, *args]
    status, out, err = run(*args, capsys=capsys)
    assert status == 2
    assert message in err and err.startswith("theodoi report: ") and err.count("\n") == 1
    assert out == "" and list(Path(tmp_path).iterdir()) == []


def test_unwritable_output(example, tmp_path, capsys):
    locked = tmp_path / "khoa"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        status, _out, err = run("--program", example.number, "--period", "2021-Q1",
                                "--format", "xlsx", "--output", str(locked / "a.xlsx"),
                                capsys=capsys)  # fmt: skip
    finally:
        locked.chmod(0o700)
    if status == 0:  # running as root: the folder cannot be locked
        assert (locked / "a.xlsx").exists()
        return
    assert status == 2 and "không có quyền ghi" in err
    assert list(locked.iterdir()) == []

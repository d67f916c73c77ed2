"""`theodoi parse` as a person runs it: output formats, and bad input answered in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from theodoi.parsing import example_path


def theodoi(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "theodoi.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_parse_json_follows_the_contract():
    result = theodoi("parse", str(example_path()), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == "theodoi.program/1"
    assert data["term"] == {"start": 2020, "end": 2025}
    assert data["signer"]["name"] == "Bùi Thị Quỳnh Vân"
    assert len([t for t in data["tasks"] if t["section"].startswith("B.III.")]) == 100
    task = next(t for t in data["tasks"] if t["id"] == "B.III.1.1/1")
    assert task["time"] == {
        "text": "Trong quý I/2021",
        "kind": "deadline",
        "due": "2021-03-31",
        "start": None,
        "every": None,
        "parts": [],
        "scope": None,
    }
    assert task["assignments"][0] == {
        "org": "Ban Thường vụ Tỉnh ủy",
        "roles": ["directs", "issues"],
        "group": False,
        "id": "qn.btv",
        "written": "Ban Thường vụ Tỉnh ủy",
        "inferred": False,
    }
    assert {"line", "message"} <= set(data["warnings"][0])


def test_parse_text_prints_the_tree_with_roles_and_times():
    result = theodoi("parse", "--example")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "B.III.1.1. Chú trọng xây dựng Đảng về chính trị, tư tưởng  (3 nhiệm vụ)" in out
    assert "chỉ đạo, ban hành: Ban Thường vụ Tỉnh ủy" in out
    assert "thời gian: hạn 31/03/2021" in out
    assert "Cảnh báo (" in out
    assert result.stderr == ""


def test_parse_default_format_is_text():
    assert theodoi("parse", str(example_path())).stdout == theodoi("parse", "--example").stdout


def _bad_inputs(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    random_docx = tmp_path / "random.docx"
    random_docx.write_bytes(os.urandom(2048))
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%garbage")
    no_document = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(no_document, "w") as archive:
        archive.writestr("hello.txt", "not a word file")
    sheet = tmp_path / "data.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not really")
    return {
        "missing": tmp_path / "does-not-exist.docx",
        "folder": folder,
        "empty": empty,
        "random bytes .docx": random_docx,
        "broken pdf": broken_pdf,
        "zip without a document": no_document,
        "unsupported type": sheet,
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "folder", "empty", "random bytes .docx", "broken pdf", "zip without a document",
     "unsupported type"],
)  # fmt: skip
def test_bad_input_exits_2_with_one_clear_line(tmp_path, case):
    path = _bad_inputs(tmp_path)[case]
    for fmt in ("text", "json"):
        result = theodoi("parse", str(path), "--format", fmt)
        assert result.returncode == 2, (case, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert str(path) in lines[0]
        assert "Traceback" not in result.stderr


def test_a_bad_registry_file_is_a_clear_error(tmp_path):
    registry = tmp_path / "orgs.toml"
    registry.write_text("[[org]]\nname = 'no id and [broken", encoding="utf-8")
    result = theodoi("parse", "--example", "--registry", str(registry))
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(registry) in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_cli_runs_django_commands(tmp_path):
    env_dir = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "migrate", "--noinput"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        | {"THEODOI_DATA_DIR": str(env_dir), "DJANGO_SETTINGS_MODULE": "theodoi.settings"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (env_dir / "theodoi.sqlite3").exists()


@pytest.mark.django_db
def test_import_of_a_document_without_tasks_exits_2_with_one_line(tmp_path, capsys):
    """`theodoi import` confirms through the import service: a report (no task to track) is
    refused with the service's message, in one line, and nothing is stored."""
    from django.core.management import call_command

    from theodoi.orgs.models import Organization
    from theodoi.orgs.registry import load_registry_file
    from theodoi.programs.models import PendingImport, Program, ProgramVersion, Task

    load_registry_file(None)
    report = tmp_path / "bao-cao.md"
    report.write_text(
        "TỈNH ỦY QUẢNG NGÃI\n\nBÁO CÁO\n\nkết quả công tác tháng 11 năm 2026\n\n"
        "Trong tháng, các cơ quan đã hoàn thành tốt nhiệm vụ được giao.\n",
        encoding="utf-8",
    )
    bodies = Organization.objects.count()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(report), "--number", "01-BC/TU")
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(
        f"theodoi import: {report}: không đọc được nhiệm vụ nào, nên không nhập được."
    )
    assert "Traceback" not in captured.err
    assert not Program.objects.exists() and not ProgramVersion.objects.exists()
    assert not Task.objects.exists() and not PendingImport.objects.exists()
    assert Organization.objects.count() == bodies

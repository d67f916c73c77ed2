"""What theodoi writes is readable by its owner only (0700 folders, 0600 files), whatever the
umask it runs under: the data folder, the SQLite database and its journal, the folder key,
uploaded evidence, backups and the files a restore puts back. Umask 0 is the worst case: with
it every file would otherwise be world-writable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from theodoi.private import private_file, private_folder
from theodoi.programs.models import Occurrence
from theodoi.tracking.evidence import attach_file
from theodoi.tracking.models import ReportState
from theodoi.tracking.reports import save_report

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def everything_under(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): mode(p) for p in sorted(root.rglob("*"))}


def theodoi(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as an operator runs it, on SQLite in ``data_dir``, under umask 0, with no key
    configured (so the folder's own key is made)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "THEODOI_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env["THEODOI_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "theodoi.cli", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, umask=0,
    )  # fmt: skip


def test_the_data_folder_database_and_backups_are_private_whatever_the_umask(tmp_path):
    data = tmp_path / "du-lieu" / "theodoi"  # two folders to make
    result = theodoi(data, "migrate", "-v", "0")
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "du-lieu") == 0o700 and mode(data) == 0o700
    database = data / "theodoi.sqlite3"
    assert mode(database) == 0o600 and database.stat().st_size > 0
    assert mode(data / "secret-key") == 0o600
    journal = [p for p in data.iterdir() if p.name.startswith("theodoi.sqlite3-")]
    assert all(mode(p) == 0o600 for p in journal), {p.name: oct(mode(p)) for p in journal}

    file = tmp_path / "sao-luu" / "thang-12" / "theodoi.zip"
    result = theodoi(data, "backup", str(file))
    assert result.returncode == 0, result.stderr
    assert mode(file) == 0o600
    assert mode(file.parent) == 0o700 and mode(file.parent.parent) == 0o700


@pytest.fixture
def loose_umask():
    old = os.umask(0)
    yield
    os.umask(old)


def test_uploaded_evidence_is_private_whatever_the_umask(users, settings, tmp_path, loose_umask):
    settings.MEDIA_ROOT = tmp_path / "media"
    occurrence = Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", assignment__leads=True
    ).first()
    report = save_report(
        user=users["staff"], occurrence=occurrence, expected_version=None,
        state=ReportState.IN_PROGRESS, percent=10, narrative="Đang làm",
    )  # fmt: skip
    evidence = attach_file(
        user=users["staff"], report=report, upload=SimpleUploadedFile("Kế hoạch.pdf", PDF)
    )
    stored = Path(evidence.file.path)
    assert mode(stored) == 0o600
    found = everything_under(tmp_path / "media")
    assert found and all(
        value == (0o700 if (tmp_path / "media" / name).is_dir() else 0o600)
        for name, value in found.items()
    ), {name: oct(value) for name, value in found.items()}
    assert mode(tmp_path / "media") == 0o700

    # A backup of it, restored elsewhere: the files come back as private as they were.
    file = tmp_path / "sao-luu.zip"
    call_command("backup", str(file))
    restored = tmp_path / "restored"
    result = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "restore", str(file)], cwd=ROOT, umask=0,
        env={**os.environ, "THEODOI_DATA_DIR": str(restored), "DATABASE_URL": "",
             "DJANGO_SETTINGS_MODULE": "theodoi.settings"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    back = everything_under(restored / "media")
    assert back.keys() == found.keys()
    assert back == found, {name: oct(value) for name, value in back.items()}
    assert mode(restored) == 0o700 and mode(restored / "theodoi.sqlite3") == 0o600


def test_private_helpers_leave_existing_things_alone(tmp_path, loose_umask):
    shared = tmp_path / "chung"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert private_folder(shared / "a" / "b") == shared / "a" / "b"
    assert mode(shared) == 0o755  # the operator's folder keeps its mode
    assert mode(shared / "a") == 0o700 and mode(shared / "a" / "b") == 0o700
    file = private_file(shared / "a" / "db")
    assert mode(file) == 0o600
    file.write_bytes(b"SQLite")
    private_file(file)
    assert file.read_bytes() == b"SQLite"  # never truncated

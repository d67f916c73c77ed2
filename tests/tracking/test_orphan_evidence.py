"""An evidence file whose row never committed (the process killed between writing the file and
the commit: kill -9, a power cut) is an orphan: nothing shows it, and it used to go into every
backup. A backup now holds only the files its rows refer to, and ``remove_orphans`` (run when
the server starts) deletes orphans older than an hour; a younger one may be an upload whose
transaction is still open, and a file with its row is never touched."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from django.db import transaction

from theodoi.backup import backup
from theodoi.programs.models import Occurrence
from theodoi.tracking import evidence
from theodoi.tracking.evidence import attach_file
from theodoi.tracking.reports import save_report
from theodoi.web.management.commands.serve import Command

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Killed(Exception):
    """Stands for the kill: the transaction ends without its commit."""


@pytest.fixture
def report(users, example):
    occurrence = Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )
    return save_report(
        user=users["staff"], occurrence=occurrence, expected_version=None,
        state="in_progress", narrative="Đang làm",
    )  # fmt: skip


def stored(media) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def test_an_upload_that_never_committed_is_left_out_and_removed(users, report, media, tmp_path):
    kept = attach_file(user=users["staff"], report=report, upload=("giu-lai.pdf", PDF))
    with pytest.raises(Killed), transaction.atomic():
        attach_file(user=users["staff"], report=report, upload=("mo-coi.pdf", PDF))
        raise Killed
    (orphan,) = stored(media) - {kept.file.name}
    assert orphan.startswith("evidence/")

    assert evidence.orphans() == []  # young: it may be an upload still on its way to the commit
    an_hour_ago = time.time() - 2 * 3600
    for name in stored(media):
        os.utime(media / name, (an_hour_ago, an_hour_ago))
    assert evidence.orphans() == [orphan]

    summary = backup(tmp_path / "sao-luu.zip")
    with zipfile.ZipFile(tmp_path / "sao-luu.zip") as archive:
        members = set(archive.namelist())
    assert f"media/{kept.file.name}" in members and f"media/{orphan}" not in members
    assert summary.files == 1

    assert evidence.remove_orphans() == [orphan]
    assert stored(media) == {kept.file.name}
    assert evidence.orphans() == [] and evidence.remove_orphans() == []


def test_nothing_to_remove_without_files(db, media):
    assert evidence.orphans() == [] and evidence.remove_orphans() == []


def test_theodoi_serve_removes_them_when_it_starts(users, report, media):
    with pytest.raises(Killed), transaction.atomic():
        attach_file(user=users["staff"], report=report, upload=("mo-coi.pdf", PDF))
        raise Killed
    (orphan,) = stored(media)
    an_hour_ago = time.time() - 2 * 3600
    os.utime(media / orphan, (an_hour_ago, an_hour_ago))
    out = io.StringIO()
    Command(stdout=out)._remove_orphans()  # what `theodoi serve` does before it serves
    assert stored(media) == set()
    assert "đã xóa 1 tệp minh chứng không thuộc báo cáo nào" in out.getvalue()

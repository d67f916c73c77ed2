"""`theodoi backup` and `theodoi restore`: a whole installation round-trips through one file
into a new, empty database (a separate process, as an operator would run it), row for row and
file for file; a damaged file is refused and leaves the new database as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import theodoi.backup
from theodoi.api.tokens import create_token
from theodoi.programs.models import Occurrence
from theodoi.tracking.evidence import attach_file
from theodoi.tracking.extensions import request_extension
from theodoi.tracking.models import EvidenceFile, Extension, Notification, ReportState
from theodoi.tracking.reminders import run_reminders
from theodoi.tracking.reports import save_report, submit_report

ROOT = Path(__file__).resolve().parent.parent
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
NATURAL = {"contenttypes.contenttype", "auth.permission"}
SKIPPED = {*NATURAL, "sessions.session"}


def all_rows() -> dict[str, list]:
    """Every row of every table (many-to-many tables included), every column, ordered by
    primary key; ids of content types and permissions, which each database numbers itself,
    as their natural keys. Written without theodoi.backup, so it checks it."""
    found = {}
    tables = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in SKIPPED or not model._meta.managed or model._meta.proxy:
            continue
        if model._meta.db_table not in tables:  # a database not migrated yet: empty
            found[label] = []
            continue
        columns = model._meta.concrete_fields
        rows = []
        for obj in model._base_manager.order_by("pk"):
            row = {}
            for column in columns:
                value = getattr(obj, column.attname)
                if column.is_relation and column.related_model._meta.label_lower in NATURAL:
                    value = getattr(obj, column.name).natural_key() if value else None
                row[column.attname] = value
            rows.append(row)
        found[label] = json.loads(json.dumps(rows, default=str))
    return found


def media_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(root).rglob("*"))
        if path.is_file()
    }


ROWS_SCRIPT = (
    "import json, django; django.setup(); from django.conf import settings; "
    "from tests.test_backup import all_rows, media_hashes; "
    "print(json.dumps({'rows': all_rows(), 'media': media_hashes(settings.MEDIA_ROOT)}))"
)


class Target:
    """A new, empty database (and data folder) another process restores into: a SQLite file,
    or on PostgreSQL a database this test creates and drops."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "theodoi.settings",
            "THEODOI_DATA_DIR": str(folder),
        }
        self.env.pop("DATABASE_URL", None)
        self.database = None
        base = os.environ.get("THEODOI_TEST_DATABASE_URL")
        if base:
            import psycopg

            self.database = f"theodoi_restore_{uuid.uuid4().hex[:10]}"
            self.server = base.rsplit("/", 1)[0]
            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.database}"')
            self.env["DATABASE_URL"] = f"{self.server}/{self.database}"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip

    def theodoi(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("-m", "theodoi.cli", *args)

    def contents(self) -> dict:
        result = self.run("-c", ROWS_SCRIPT)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def drop(self) -> None:
        if self.database:
            import psycopg

            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path / "restored")
    yield made
    made.drop()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def installation(users, media):
    """The example program with the work of a few weeks: reports (one with two evidence
    files), an extension, notifications, audit entries, a group with permissions, an API
    token."""
    staff, head = users["staff"], users["head"]
    occurrences = Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", assignment__leads=True
    ).order_by("due_date", "pk")
    first, second = occurrences[0], occurrences[1]
    now = dt.datetime(2021, 3, 1, 9, 30, 12, 345678, tzinfo=dt.UTC)  # microseconds kept
    report = save_report(
        user=staff, occurrence=first, expected_version=None, state=ReportState.DONE,
        narrative="Đã ban hành Kế hoạch số 12-KH/BTCTU", done_on=dt.date(2021, 2, 26), now=now,
    )  # fmt: skip
    attach_file(user=staff, report=report, upload=SimpleUploadedFile("Kế hoạch.pdf", PDF), now=now)
    attach_file(
        user=staff, report=report, upload=SimpleUploadedFile("phu-luc.pdf", PDF + b"%2\n"), now=now
    )
    submit_report(user=staff, report=report, expected_version=report.version, now=now)
    save_report(
        user=head, occurrence=second, expected_version=None, state=ReportState.IN_PROGRESS,
        percent=40, narrative="Đang triển khai", now=now,
    )  # fmt: skip
    request_extension(
        user=head, occurrence=second, new_due=second.due_date + dt.timedelta(days=90),
        reason="Chờ hướng dẫn của Trung ương", now=now,
    )  # fmt: skip
    run_reminders(today=first.due_date - dt.timedelta(days=3))
    group = Group.objects.create(name="Văn thư")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_")[:5])
    users["monitor"].groups.add(group)
    create_token(staff, "Hệ thống báo cáo của tỉnh", by=staff)
    assert EvidenceFile.objects.count() == 2
    assert Extension.objects.exists() and Notification.objects.exists()
    return all_rows()


def test_backup_then_restore_into_a_new_database_gives_every_row_and_file_back(
    installation, media, target, tmp_path
):
    rows = installation
    assert rows["auditlog.logentry"] and rows["api.apitoken"] and rows["auth.user_groups"]
    file = tmp_path / "sao-luu.zip"
    call_command("backup", str(file))

    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["models"]["tracking.progressreport"]["rows"] == 2
    assert manifest["migrations"]["tracking"][0] == "0001_initial"
    assert {name for name in manifest["files"] if name.startswith("media/")} == {
        f"media/{name}" for name in media_hashes(media)
    }
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sao-luu")]  # no temp left

    result = target.theodoi("restore", str(file))
    assert result.returncode == 0, result.stderr
    assert "Đã khôi phục" in result.stdout

    restored = target.contents()
    assert restored["rows"] == rows
    assert restored["media"] == media_hashes(media) and len(restored["media"]) == 2

    # The restored installation goes on: new rows get new ids (sequences moved past the
    # restored ones), and a second restore into it is refused, saying what is there.
    again = target.theodoi("restore", str(file))
    assert again.returncode != 0
    assert "đã có dữ liệu" in again.stderr and "auth.user (6)" in again.stderr
    made = target.run(
        "-c",
        "import django; django.setup(); from django.contrib.auth.models import Group; "
        "print(Group.objects.create(name='Mới').pk)",
    )
    assert made.returncode == 0, made.stderr
    assert int(made.stdout) > max(row["id"] for row in rows["auth.group"])


def _rewrite(source: Path, destination: Path, change) -> None:
    """A copy of a backup with ``change(name, data) -> data`` applied to each member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(destination, "w") as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))


@pytest.fixture
def backup_file(installation, tmp_path) -> Path:
    file = tmp_path / "sao-luu.zip"
    call_command("backup", str(file))
    return file


def _truncated(file: Path, copy: Path) -> None:
    data = file.read_bytes()
    copy.write_bytes(data[: len(data) // 2])


def _changed_evidence(file: Path, copy: Path) -> None:
    _rewrite(
        file, copy,
        lambda name, data: data.replace(b"%%EOF", b"%%EOX") if name.startswith("media/") else data,
    )  # fmt: skip


def _from_a_newer_theodoi(file: Path, copy: Path) -> None:
    """As a newer theodoi of this installation would write it: signed with the same key."""
    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["migrations"]["tracking"].append("9999_from_the_future")
    manifest_bytes = json.dumps(manifest).encode()
    signature = theodoi.backup.sign_manifest(manifest_bytes, secret=settings.SECRET_KEY)

    def change(name, data):
        if name == "manifest.json":
            return manifest_bytes
        return json.dumps(signature).encode() if name == "signature.json" else data

    _rewrite(file, copy, change)


def _edit_rows(file: Path, copy: Path, member: str, edit, *, sign_with: str | None) -> None:
    """A copy of a backup with ``edit(row)`` applied to each row of ``member`` and the
    manifest's hashes recomputed, as someone who knows the format would; signed again with
    ``sign_with`` (a key) or, with None, the signature left as it was."""
    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        lines = archive.read(member).decode().splitlines()
    lines = [json.dumps(edit(json.loads(line)), ensure_ascii=False) for line in lines]
    data = ("\n".join(lines) + "\n").encode()
    manifest["files"][member] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    manifest_bytes = json.dumps(manifest).encode()

    def change(name, old):
        if name == member:
            return data
        if name == "manifest.json":
            return manifest_bytes
        if name == "signature.json" and sign_with is not None:
            return json.dumps(
                theodoi.backup.sign_manifest(manifest_bytes, secret=sign_with)
            ).encode()
        return old

    _rewrite(file, copy, change)


def _broken_reference(file: Path, copy: Path) -> None:
    """Consistent-looking, signed with the installation's key: the hashes and the signature
    agree, but a membership names a user who is not there, which the database refuses only at
    the end of the transaction."""
    with zipfile.ZipFile(file) as archive:
        last = json.loads(archive.read("data/tracking.membership.jsonl").splitlines()[-1])

    def edit(row):
        if row["pk"] == last["pk"]:
            row["fields"]["user"] = 987654
        return row

    _edit_rows(file, copy, "data/tracking.membership.jsonl", edit, sign_with=settings.SECRET_KEY)


def _staff_made_administrator(row: dict) -> dict:
    if row["fields"]["username"] == "staff":
        row["fields"].update(is_staff=True, is_superuser=True)
    return row


def _unsigned(file: Path, copy: Path) -> None:
    """The backup as a theodoi from before signatures wrote it: no signature member."""
    with zipfile.ZipFile(file) as old, zipfile.ZipFile(copy, "w") as new:
        for name in old.namelist():
            if name != "signature.json":
                new.writestr(name, old.read(name))


def test_a_damaged_file_is_refused_and_nothing_is_restored(backup_file, target, tmp_path):
    cases = [  # the last one gets as far as loading rows, in the migrated new database
        (_truncated, "bị hỏng hoặc không đầy đủ"),
        (_changed_evidence, "media/evidence/"),
        (_from_a_newer_theodoi, "mới hơn (có bước cập nhật cơ sở dữ liệu tracking.9999_from"),
        (_broken_reference, "cơ sở dữ liệu từ chối dữ liệu khôi phục"),
    ]
    for damage, message in cases:
        copy = tmp_path / f"{damage.__name__}.zip"
        damage(backup_file, copy)
        result = target.theodoi("restore", str(copy))
        assert result.returncode == 1, (damage.__name__, result.stderr)
        assert message in result.stderr, (damage.__name__, result.stderr)
        assert "Traceback" not in result.stderr
        contents = target.contents()
        assert not any(contents["rows"].values()), f"{damage.__name__} left rows behind"
        assert contents["media"] == {}, f"{damage.__name__} left files behind"


def test_not_a_backup_at_all(db, tmp_path):
    file = tmp_path / "khong-phai.zip"
    file.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CommandError, match="bị hỏng hoặc không đầy đủ"):
        call_command("restore", str(file))
    with pytest.raises(CommandError, match="không tìm thấy"):
        call_command("restore", str(tmp_path / "missing.zip"))


def test_restore_over_data_is_refused_and_force_cannot_erase_the_audit_log(backup_file):
    with pytest.raises(CommandError, match=r"đã có dữ liệu: .*tracking\.progressreport \(2\)"):
        call_command("restore", str(backup_file))
    with pytest.raises(CommandError, match="nhật ký chỉ được ghi thêm"):
        call_command("restore", str(backup_file), "--force")


def _is_administrator(contents: dict, username: str) -> bool:
    (user,) = [row for row in contents["rows"]["auth.user"] if row["username"] == username]
    return user["is_superuser"]


def test_a_backup_edited_to_make_staff_an_administrator_is_refused(backup_file, target, tmp_path):
    """The hashes recomputed, as anyone who reads the manifest can: only the signature, made
    with a key that is not in the file, tells the edit apart."""
    forged = tmp_path / "sua.zip"
    _edit_rows(
        backup_file, forged, "data/auth.user.jsonl", _staff_made_administrator, sign_with=None
    )

    result = target.theodoi("restore", str(forged))
    assert result.returncode == 1, result.stdout
    assert "chữ ký" in result.stderr and "đã bị thay đổi sau khi ký" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(target.contents()["rows"].values())

    # No override lets it through: a signature this installation can check must match.
    again = target.theodoi("restore", str(forged), "--trust-unsigned")
    assert again.returncode == 1 and "đã bị thay đổi sau khi ký" in again.stderr
    assert not any(target.contents()["rows"].values())

    # Signed with another key (someone who made one up): refused as another installation's.
    other = tmp_path / "ky-khac.zip"
    _edit_rows(backup_file, other, "data/auth.user.jsonl", _staff_made_administrator,
               sign_with="khóa-của-người-khác")  # fmt: skip
    refused = target.theodoi("restore", str(other))
    assert refused.returncode == 1 and "khóa khác" in refused.stderr, refused.stderr
    assert "--key-from" in refused.stderr


def test_a_backup_of_another_installation_restores_with_its_key(backup_file, target, tmp_path):
    """A pilot moving to production: the new installation has its own key; the old one's key,
    given with --key-from, checks the signature, and restore says which key it used."""
    target.env["THEODOI_SECRET_KEY"] = "khóa-của-cài-đặt-mới-" + "x" * 40
    refused = target.theodoi("restore", str(backup_file))
    assert refused.returncode == 1
    assert "khóa khác" in refused.stderr and "--key-from" in refused.stderr
    assert f"mã khóa {theodoi.backup.key_id(settings.SECRET_KEY)}" in refused.stderr
    assert "Traceback" not in refused.stderr

    wrong = tmp_path / "khoa-sai"
    wrong.write_text("không-phải-khóa-này\n", encoding="utf-8")
    result = target.theodoi("restore", str(backup_file), "--key-from", str(wrong))
    assert result.returncode == 1 and "khóa khác" in result.stderr

    missing = target.theodoi("restore", str(backup_file), "--key-from", str(tmp_path / "khong"))
    assert missing.returncode == 1 and "không đọc được khóa" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not any(target.contents()["rows"].values())

    key = tmp_path / "secret-key"
    key.write_text(settings.SECRET_KEY + "\n", encoding="utf-8")
    result = target.theodoi("restore", str(backup_file), "--key-from", str(key))
    assert result.returncode == 0, result.stderr
    assert f"khóa trong {key}" in result.stdout and "Đã khôi phục" in result.stdout
    assert target.contents()["rows"]["auth.user"]


def test_an_unsigned_backup_restores_only_when_trusted_and_says_so(backup_file, target, tmp_path):
    """A backup made before signatures (or with its signature removed, which is how one would
    pass off an edited file) is refused; --trust-unsigned restores it, saying so."""
    unsigned = tmp_path / "cu.zip"
    _unsigned(backup_file, unsigned)
    refused = target.theodoi("restore", str(unsigned))
    assert refused.returncode == 1
    assert "không có chữ ký" in refused.stderr and "--trust-unsigned" in refused.stderr
    assert not any(target.contents()["rows"].values())

    result = target.theodoi("restore", str(unsigned), "--trust-unsigned")
    assert result.returncode == 0, result.stderr
    assert "không kiểm tra chữ ký" in result.stdout.lower(), result.stdout
    assert not _is_administrator(target.contents(), "staff")


def test_a_backup_is_signed_with_the_installation_key(backup_file):
    with zipfile.ZipFile(backup_file) as archive:
        manifest = archive.read("manifest.json")
        signature = json.loads(archive.read("signature.json"))
    assert signature == theodoi.backup.sign_manifest(manifest, secret=settings.SECRET_KEY)
    assert signature["algorithm"] == "HMAC-SHA256" and len(signature["signature"]) == 64
    assert settings.SECRET_KEY not in json.dumps(signature)

"""A pilot on SQLite moves to production on PostgreSQL, as an operator would do it: the demo
with its invented history (the real services: reports, revisions, reviews, extensions, the
audit trail) on a SQLite file, `theodoi backup` there, `theodoi restore` into a new PostgreSQL
database of an installation with its own key, and every row compared.

PostgreSQL is the server THEODOI_TEST_DATABASE_URL names, or this machine's (127.0.0.1:5432);
the test creates its database and drops it, and is skipped, saying why, only when no server
answers."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.test_backup import ROWS_SCRIPT

ROOT = Path(__file__).resolve().parent.parent
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
# The demo's history up to this day: the same services as `theodoi demo --with-history`, over
# the first quarter of 2021 (about 500 reports) rather than five years (2,500, minutes more).
HISTORY_UNTIL = dt.date(2021, 3, 31)
BUILD = f"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from theodoi.tracking.evidence import attach_file
from theodoi.tracking.models import ProgressReport, ReportState
from theodoi.web import demo

program = demo.ensure_example()
demo.ensure_accounts()
assert demo.invent_history(program, today=dt.date.fromisoformat("{HISTORY_UNTIL}")) > 100
report = ProgressReport.objects.filter(demo=True, state=ReportState.IN_PROGRESS).first()
reporter = get_user_model().objects.get(username="minhhoa-" + report.organization.code)
pdf = b"%PDF-1.4\\n1 0 obj<</Type/Catalog>>endobj\\ntrailer<</Root 1 0 R>>\\n%%EOF\\n"
attach_file(user=reporter, report=report, upload=SimpleUploadedFile("Báo cáo kết quả.pdf", pdf))
"""
SAMPLE = """
import json
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.db import connection
from theodoi.tracking.models import Extension, ProgressReport, ReportRevision
accounts = json.load(open(ACCOUNTS, encoding="utf-8"))
print(json.dumps({
    "vendor": connection.vendor,
    "narratives": sorted({r.narrative for r in ProgressReport.objects.all()}),
    "revisions": ReportRevision.objects.count(),
    "extensions": Extension.objects.filter(status="approved").count(),
    "audit": LogEntry.objects.count(),
    "audit_last": list(LogEntry.objects.order_by("-pk").values_list("object_repr", "changes")[:20]),
    "signs_in": [User.objects.get(username=u).check_password(p) for u, p in sorted(accounts.items())],
}, default=str))
"""


def _server() -> str:
    base = os.environ.get("THEODOI_TEST_DATABASE_URL") or LOCAL_SERVER
    return urlunsplit(urlsplit(base)._replace(path="/postgres"))


@pytest.fixture
def postgresql_database():
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    server = _server()
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL không truy cập được tại {server}: {str(error).strip()}")
    name = f"theodoi_restore_demo_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Installation:
    """One theodoi installation driven through the `theodoi` command in its own processes."""

    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PYTEST", "DATABASE_URL", "THEODOI_SECRET_KEY"))
        }
        self.env.update(
            THEODOI_DATA_DIR=str(folder), DJANGO_SETTINGS_MODULE="theodoi.settings", **env
        )

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip

    def theodoi(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("-m", "theodoi.cli", *args)

    def python(self, code: str, **names: str) -> dict:
        """What ``code`` prints, as JSON, run in this installation's Django (``names``: strings
        it reads as variables)."""
        setup = (
            "import os, django; os.environ.setdefault('THEODOI_SECRET_KEY', 'read-only'); "
            "django.setup()\n" + "".join(f"{name} = {value!r}\n" for name, value in names.items())
        )
        result = self.run("-c", setup + code)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)


def test_a_sqlite_pilot_with_history_restores_into_postgresql_production(
    tmp_path, postgresql_database
):
    # The pilot: SQLite, no key configured (its data folder's own key), the demo's history.
    pilot = Installation(tmp_path / "pilot")
    assert pilot.theodoi("migrate", "-v", "0").returncode == 0
    built = pilot.theodoi("shell", "-v", "0", "-c", BUILD)
    assert built.returncode == 0, built.stderr[-3000:]
    file = tmp_path / "chuyen" / "pilot.zip"
    made = pilot.theodoi("backup", str(file))
    assert made.returncode == 0, made.stderr
    accounts = str(tmp_path / "pilot" / "demo-accounts.json")
    before = pilot.python(ROWS_SCRIPT)
    sample = pilot.python(SAMPLE, ACCOUNTS=accounts)
    assert sample["vendor"] == "sqlite"

    # Production: PostgreSQL, its own key. The pilot's file is another installation's.
    production = Installation(
        tmp_path / "production",
        DATABASE_URL=postgresql_database,
        THEODOI_SECRET_KEY="khóa-sản-xuất-" + uuid.uuid4().hex,
    )
    refused = production.theodoi("restore", str(file))
    assert refused.returncode == 1 and "khóa khác" in refused.stderr, refused.stderr
    key = tmp_path / "pilot" / "secret-key"
    restored = production.theodoi("restore", str(file), "--key-from", str(key))
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert f"khóa trong {key}" in restored.stdout

    after = production.python(ROWS_SCRIPT)
    copy = production.python(SAMPLE, ACCOUNTS=accounts)
    assert copy["vendor"] == "postgresql"
    assert {label: len(rows) for label, rows in after["rows"].items()} == {
        label: len(rows) for label, rows in before["rows"].items()
    }
    for label in before["rows"]:  # every row, every column
        assert after["rows"][label] == before["rows"][label], label
    assert after["media"] == before["media"] and len(before["media"]) == 1

    # The parts that matter most to a person, said outright: Vietnamese text as typed (NFC),
    # the report history, the audit trail, the pilot's accounts signing in on production.
    assert copy["narratives"] == sample["narratives"]
    assert any("Đã hoàn thành; văn bản đã ban hành" in text for text in copy["narratives"])
    assert all(unicodedata.is_normalized("NFC", text) for text in copy["narratives"])
    assert copy["revisions"] == sample["revisions"] > 500
    assert copy["extensions"] == sample["extensions"] > 0
    assert copy["audit"] == sample["audit"] > 1000
    assert copy["audit_last"] == sample["audit_last"]
    assert copy["signs_in"] == [True] * 5
    counts = {label: len(rows) for label, rows in before["rows"].items()}
    assert counts["tracking.progressreport"] > 100 and counts["programs.task"] > 100

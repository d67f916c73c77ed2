"""On SQLite a long write does not fail other people's requests: a sign-in during an import
waits for the file's one write lock (``THEODOI_SQLITE_WAIT_SECONDS``, 60 s by default; it was
20 s, and a long import made sign-ins fail), then goes through; past the bound it is told,
in a sentence, that the database was busy with another long change and how long it waited
(503 with Retry-After), never a traceback or "the database failed".

Real parts: a SQLite file in a data folder of its own, migrated, the example program imported
in one thread inside its transaction while another signs in through Django's WSGI handler.
Run in a child process, since the test database is SQLite in memory, whose locks differ."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "mat-khau-thu-dai-du"
SCRIPT = r"""
import json, sys, threading, time
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

if sys.argv[1] == "setup":
    call_command("migrate", verbosity=0)
    User.objects.create_user("staff", password=sys.argv[2])
    sys.exit(0)

from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Program

hold = float(sys.argv[3])
holding, done = threading.Event(), threading.Event()

def long_write():
    start = time.monotonic()
    with transaction.atomic():  # BEGIN IMMEDIATE: the write lock, until the commit
        load_registry_file(None)
        holding.set()
        import_program(path=example_path())
        # A country's program takes longer than the example: hold as long as one would.
        while time.monotonic() - start < hold and not done.is_set():
            time.sleep(0.05)
    connection.close()

client = Client(raise_request_exception=False)
assert client.get("/login/").status_code == 200  # warm: the sign-in's first write comes at once
writer = threading.Thread(target=long_write)
writer.start()
holding.wait(60)
start = time.monotonic()
response = client.post("/login/", {"username": "staff", "password": sys.argv[2]})
waited = time.monotonic() - start
done.set()
writer.join()
print(json.dumps({
    "status": response.status_code,
    "waited": waited,
    "retry_after": response.get("Retry-After"),
    "page": response.content.decode(),
    "imported": Program.objects.count(),
}))
"""


def run(folder: Path, *args: str, wait: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        THEODOI_DATA_DIR=str(folder),
        THEODOI_SECRET_KEY="sqlite-wait-" + "k" * 40,
        THEODOI_HTTPS="0",
        THEODOI_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="theodoi.settings",
        THEODOI_STATIC_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    if wait is not None:
        env["THEODOI_SQLITE_WAIT_SECONDS"] = wait
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env,
        timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-wait")
    done = run(folder, "setup", PASSWORD)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def folder(migrated, tmp_path) -> Path:
    """A copy of the migrated data folder: each test imports the example afresh."""
    copy = tmp_path / "data"
    shutil.copytree(migrated, copy)
    return copy


def answer(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_sign_in_waits_for_a_long_import_and_goes_through(folder):
    # 25 s: longer than the 20 s SQLite used to wait, shorter than the 60 s it waits now.
    found = answer(run(folder, "race", PASSWORD, "25"))
    assert found["status"] == 302, found["page"][:500]
    assert found["waited"] >= 20, found["waited"]
    assert found["imported"] == 1


def test_past_the_bound_the_person_is_told_the_database_is_busy(folder):
    done = run(folder, "race", PASSWORD, "30", wait="1")
    found = answer(done)
    assert found["status"] == 503 and found["retry_after"]
    assert found["waited"] < 15, found["waited"]
    assert "đang bận với một thay đổi lớn khác" in found["page"]
    assert "đã chờ 1 giây" in found["page"] and "Chưa có gì được lưu" in found["page"]
    assert "Traceback" not in done.stderr and "database busy on POST /login/" in done.stderr

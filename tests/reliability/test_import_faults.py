"""`theodoi import` is one transaction: killed half-way it leaves nothing, and run again it
imports the program once; the same file twice gives no second copy; a database that fails
half-way is told in one line, with a non-zero exit, and leaves nothing."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import time

import pytest
from django.core.management import call_command

from tests.reliability.conftest import changed, snapshot
from tests.reliability.processes import THEODOI, Site, new_site
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.models import Assignment, Program

COUNTS = (
    "import json\n"
    "from theodoi.programs.models import Program, ProgramVersion, Task, Assignment, Occurrence\n"
    "from auditlog.models import LogEntry\n"
    "print(json.dumps({m.__name__: m.objects.count() for m in "
    "(Program, ProgramVersion, Task, Assignment, Occurrence, LogEntry)}))"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    site = new_site(
        tmp_path_factory.mktemp("import-template"),
        "from theodoi.orgs.registry import load_registry_file; load_registry_file(None)",
    )
    yield site
    site.drop()


@pytest.fixture
def site(template, tmp_path):
    copy = template.copy(tmp_path / "site")
    yield copy
    copy.drop()


def counts(site) -> dict[str, int]:
    return json.loads(site.python(COUNTS).strip().splitlines()[-1])


def kill_mid_import(site, path) -> str:
    """Start ``theodoi import`` with its progress on a terminal, kill it (SIGKILL) once it
    says it has stored some tasks: the transaction is then open, half written."""
    leader, follower = pty.openpty()  # progress is shown only on a terminal
    process = site.start("import", str(path), stdout=follower, stderr=follower)
    os.close(follower)
    seen = ""
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(leader, 4096).decode("utf-8", "replace")
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
            if re.search(r"Đã lưu \d+/\d+ nhiệm vụ", seen):
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
        os.close(leader)
    assert process.returncode == -signal.SIGKILL, (process.returncode, seen)
    return seen


def test_an_import_killed_half_way_leaves_nothing_and_a_rerun_imports_once(site):
    empty = counts(site)
    assert empty["Program"] == 0
    seen = kill_mid_import(site, example_path())
    assert "Đã lưu" in seen and "Đã nhập" not in seen
    assert counts(site) == empty  # nothing of the half-done import is left

    done = site.run("import", str(example_path()), "--format", "json")
    assert done.returncode == 0, done.stderr
    after = counts(site)
    assert (after["Program"], after["ProgramVersion"], after["Task"]) == (1, 1, 106)

    # The same file again: recognised by its content, nothing added.
    again = site.run("import", str(example_path()), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] is True
    assert counts(site) == after


@pytest.mark.django_db
def test_a_database_failing_half_way_is_told_and_leaves_nothing(monkeypatch, capsys):
    load_registry_file(None)
    before = snapshot()
    original = Assignment.save
    calls = {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 40:  # tasks and assignments half written
            from django.db import OperationalError

            raise OperationalError("disk I/O error")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Assignment, "save", failing)
    with pytest.raises(SystemExit) as exit:
        call_command("import", str(example_path()))
    assert exit.value.code not in (0, None)
    assert calls["n"] > 40
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(example_path()) in lines[0] and "chưa nhập gì" in lines[0]
    assert "disk I/O error" in lines[0] and "Traceback" not in err
    assert changed(before, snapshot()) == []
    assert not Program.objects.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["import", str(example_path())],
        ["orgs", "list"],
        ["remind", "--today", "2021-03-24"],
        ["member", "to-chuc", "qn.btctu", "--role", "staff"],
    ],
)
def test_a_database_that_cannot_be_reached_is_one_line_and_exit_1(tmp_path, command):
    """Nothing listens on port 1: every command says the database failed and to run it again,
    in one line, without a traceback."""
    site = Site(tmp_path, "unreachable")
    env = site.env(DATABASE_URL="postgresql://theodoi@127.0.0.1:1/theodoi")
    done = subprocess.run(
        [THEODOI, *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"theodoi {command[0]}")
    assert "cơ sở dữ liệu báo lỗi" in lines[0] and "Connection refused" in lines[0]
    assert "chạy lại" in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""

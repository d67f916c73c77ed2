"""`theodoi demo` from the command line, as a newcomer runs it: a data folder, the example,
one account per role with a generated password, the same accounts and data on a second run;
and the demo server answering with the dashboard to the printed monitor account."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.smtp import free_port

ACCOUNT = re.compile(r"^account: (\S+) (\S+) (admin|monitor|leader|head|staff) (.+)$", re.M)


def theodoi(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "theodoi.cli", *args],
        capture_output=True, text=True, timeout=timeout, env=_env(),
    )  # fmt: skip


def _env() -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return env


def test_demo_prepares_once_and_reuses_everything(tmp_path: Path):
    folder = tmp_path / "data"
    first = theodoi("demo", "--data-dir", str(folder), "--no-serve")
    assert first.returncode == 0, first.stderr
    accounts = ACCOUNT.findall(first.stdout)
    assert {role for _u, _p, role, _o in accounts} == {
        "admin",
        "monitor",
        "leader",
        "head",
        "staff",
    }
    assert ("canbo", "staff", "Ban Tổ chức Tỉnh ủy") in {(u, r, o) for u, _p, r, o in accounts}
    assert all(len(password) >= 10 for _u, password, _r, _o in accounts)
    assert (folder / "theodoi.sqlite3").exists()
    with sqlite3.connect(folder / "theodoi.sqlite3") as db:
        tasks = db.execute("select count(*) from programs_task").fetchone()[0]
    assert tasks > 100

    second = theodoi("demo", "--data-dir", str(folder), "--no-serve")
    assert second.returncode == 0, second.stderr
    assert ACCOUNT.findall(second.stdout) == accounts  # the same passwords
    with sqlite3.connect(folder / "theodoi.sqlite3") as db:
        assert db.execute("select count(*) from programs_task").fetchone()[0] == tasks
        programs = db.execute(
            "select p.number, parent.number from programs_program p"
            " left join programs_program parent on parent.id = p.parent_program_id order by p.id"
        ).fetchall()
    # The example, and the sample district program under it.
    assert programs == [("CTHD-TINHUY-2020-2025", None), ("05-CTr/HU", "CTHD-TINHUY-2020-2025")]


def test_a_bad_port_is_refused(tmp_path: Path):
    result = theodoi("demo", "--data-dir", str(tmp_path), "--port", "70000", "--no-serve")
    assert result.returncode == 2
    assert "cổng không hợp lệ 70000" in result.stderr


@pytest.fixture
def demo_server(tmp_path: Path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "theodoi.cli", "demo", "--data-dir", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )  # fmt: skip
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("account: quantri"):
                break
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.3)
        yield base, "".join(lines)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_printed_monitor_account_opens_the_dashboard(demo_server):
    base, output = demo_server
    assert f"theodoi: {base}/" in output
    accounts = {u: p for u, p, _r, _o in ACCOUNT.findall(output)}
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urlencode(
        {"username": "vanphong", "password": accounts["vanphong"], "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        base + "/login/", data=form, headers={"Referer": base + "/login/"}
    )
    response = opener.open(request)
    assert response.url == base + "/dashboard/"
    html = response.read().decode()
    assert "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY" in html
    assert "Theo lĩnh vực" in html and "Ban Tổ chức Tỉnh ủy" in html
    css = opener.open(
        re.search(r'href="(/static/web/theodoi\.[^"]*css)"', html).group(1).join([base, ""])
    )
    assert css.status == 200

"""Calendar secrets and API tokens never reach a log, and a calendar address can be replaced
from the notifications page (the old one then answers 404)."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client
from django.urls import reverse

from tests.smtp import free_port
from theodoi.logsecrets import SecretsFilter, mask

API_TOKEN = "td_AbCd1234_" + "s3cr3t-Value_" * 3
URL = re.compile(r"http://[^<\s]+/calendar/([A-Za-z0-9_-]+)\.ics")


def new_address(client: Client, *, confirm: bool = False) -> str:
    data = {"action": "calendar"}
    if confirm:
        data["confirm"] = "1"
    page = client.post(reverse("web:notifications"), data)
    assert page.status_code == 200
    found = URL.search(page.content.decode())
    assert found, page.content.decode()
    return found.group(1)


@pytest.fixture
def console():
    """What the configured log handlers (settings.LOGGING) write, as text."""
    stream = io.StringIO()
    configured = logging.getLogger().handlers + logging.getLogger("django.server").handlers
    handlers = [h for h in configured if any(isinstance(f, SecretsFilter) for f in h.filters)]
    assert len(handlers) == 2
    previous = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def test_mask_hides_secrets_but_keeps_what_identifies_them():
    line = (
        f'GET /calendar/{"x" * 43}.ics HTTP/1.1 "https://h/calendar/abc_DEF-1/qn.vptu.ics" '
        f"/api/programs?token={API_TOKEN}&page=2 Authorization: Bearer {API_TOKEN} ?key=abc"
    )
    masked = mask(line)
    assert "x" * 43 not in masked and "abc_DEF-1" not in masked
    assert "s3cr3t" not in masked
    assert "/calendar/***.ics" in masked and "/calendar/***/qn.vptu.ics" in masked
    # The prefix names the token (the token list shows it); it cannot be used.
    assert "token=td_AbCd1234_***&page=2" in masked
    assert "Bearer td_AbCd1234_***" in masked
    assert "?key=***" in masked
    assert "page=2" in masked


def test_rotate_from_the_notifications_page(client_for):
    staff = client_for("staff")
    first = new_address(staff)
    assert staff.get(f"/calendar/{first}.ics").status_code == 200
    # A second request asks first, and changes nothing until confirmed.
    asked = staff.post(reverse("web:notifications"), {"action": "calendar"})
    assert "ngừng hoạt động" in asked.content.decode()
    assert not URL.search(asked.content.decode())
    assert staff.get(f"/calendar/{first}.ics").status_code == 200
    second = new_address(staff, confirm=True)
    assert second != first
    assert staff.get(f"/calendar/{first}.ics").status_code == 404
    assert staff.get(f"/calendar/{second}.ics").status_code == 200
    # The page never shows the address again.
    again = staff.get(reverse("web:notifications"))
    assert second not in again.content.decode()
    assert "Tạo địa chỉ mới" in again.content.decode()
    assert "no-cache" in asked["Cache-Control"] or "max-age=0" in asked["Cache-Control"]


def test_django_logs_never_carry_the_secret(client_for, console):
    staff = client_for("staff")
    good = new_address(staff)
    anyone = Client()
    assert anyone.get(f"/calendar/{good}.ics").status_code == 200
    assert anyone.get(f"/calendar/{'B' * 43}.ics").status_code == 404
    assert anyone.get(f"/calendar/{good}/qn.btgtu.ics").status_code == 404  # not theirs
    # No route matches: Django itself logs "Not Found: <path>".
    assert anyone.get(f"/calendar/{good}/a/b.ics").status_code == 404
    assert anyone.get(f"/nowhere/{API_TOKEN}/?token={API_TOKEN}").status_code == 404
    logging.getLogger("theodoi").error("failed for %s", f"/calendar/{good}.ics?token={API_TOKEN}")
    try:
        raise ValueError(f"bad /calendar/{good}.ics")
    except ValueError:
        logging.getLogger("theodoi").exception("feed")
    written = console.getvalue()
    assert "Not Found: /calendar/***/a/b.ics" in written
    assert "Not Found: /nowhere/td_AbCd1234_***/" in written
    assert "ValueError: bad /calendar/***.ics" in written
    assert good not in written
    assert "B" * 43 not in written
    assert "s3cr3t" not in written


def _run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "theodoi.cli", *args],
        env=env, capture_output=True, text=True, timeout=600, **kwargs,
    )  # fmt: skip


def test_the_served_access_log_masks_secrets(tmp_path):
    """A real `theodoi serve` (gunicorn) with its access log on."""
    folder = tmp_path / "data"
    access_log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        THEODOI_DATA_DIR=str(folder),
        THEODOI_SECRET_KEY="k" * 60,
        THEODOI_ACCESS_LOG=str(access_log),
        THEODOI_HTTPS="0",  # plain HTTP on 127.0.0.1, as behind a TLS-terminating proxy
        # Plain static files: compressing them at start is slow and beside the point here.
        THEODOI_STATIC_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    prepared = _run(["demo", "--no-serve", "--data-dir", str(folder)], env)
    assert prepared.returncode == 0, prepared.stderr
    made = _run(["calendar", "canbo"], env)
    assert made.returncode == 0, made.stderr
    secret = URL.search(made.stdout).group(1)
    port = free_port()
    errors = tmp_path / "errors.log"
    with errors.open("w") as error_stream:
        server = subprocess.Popen(
            [sys.executable, "-m", "theodoi.cli", "serve", "--data-dir", str(folder),
             "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=error_stream,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while server.poll() is None and time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(base + "/login/", timeout=5)
                    break
                except OSError:
                    time.sleep(0.5)
            assert server.poll() is None, errors.read_text()

            def status(path: str, **headers) -> int:
                request = urllib.request.Request(base + path, headers=headers)
                try:
                    return urllib.request.urlopen(request, timeout=30).status
                except urllib.error.HTTPError as error:
                    return error.code

            assert status(f"/calendar/{secret}.ics") == 200
            assert status(f"/calendar/{'Z' * 43}.ics") == 404
            assert status(f"/calendar/{secret}/a/b.ics") == 404
            assert status(f"/api/programs?token={API_TOKEN}") == 401
            assert status("/login/", Referer=f"{base}/calendar/{secret}.ics") == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = access_log.read_text()
    assert written.count("\n") >= 5
    assert '"GET /calendar/***.ics HTTP/1.1" 200' in written
    assert "/calendar/***/a/b.ics" in written
    assert "token=td_AbCd1234_***" in written
    errors_written = errors.read_text()
    assert "Not Found: /calendar/***/a/b.ics" in errors_written
    for text in (written, errors_written):
        assert secret not in text
        assert "Z" * 43 not in text
        assert "s3cr3t" not in text

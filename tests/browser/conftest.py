"""A real browser (Debian's Chromium, driven by Playwright) against the demo server started
as a person starts it (`theodoi demo` on a fresh data folder, on a free port)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.smtp import free_port

CHROMIUM = "/usr/bin/chromium"
# For a machine without network: nothing in the browser may reach out.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
ACCOUNT = re.compile(r"^account: (\S+) (\S+) (\S+) (.+)$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo server: its address and the printed accounts ({username: password})."""
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "theodoi.cli", "demo", "--data-dir", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    accounts: dict[str, str] = {}
    try:
        for line in process.stdout:
            found = ACCOUNT.match(line.strip())
            if found:
                accounts[found.group(1)] = found.group(2)
            if len(accounts) == 5:
                break
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.3)
        yield {"base": base, "accounts": accounts, "folder": folder}
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(20_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def shot(page, name: str) -> None:
    """A screenshot of the page for a person to look at (test-artifacts/, ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, demo, username: str) -> None:
    page.goto(demo["base"] + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo["accounts"][username])
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.click("header form[action$='/logout/'] button")
    page.wait_for_url("**/login/")

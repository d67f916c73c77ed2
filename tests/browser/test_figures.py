"""The figures a person sees after the example's term (`theodoi demo --with-history`): the
dashboard shows the finished program as of its end, with both on-time figures, and the
"Thường xuyên" tile lists the periods it counts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.smtp import free_port

from .conftest import ACCOUNT, shot, sign_in


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo server with its invented history (the example's whole term)."""
    folder = tmp_path_factory.mktemp("demo-history")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "theodoi.cli", "demo", "--data-dir", str(folder), "--port",
         str(port), "--with-history"],
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
        for _ in range(400):
            try:
                urllib.request.urlopen(base + "/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.3)
        yield {"base": base, "accounts": accounts, "folder": folder}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_after_the_term_the_dashboard_shows_the_finished_program_as_of_its_end(page, demo):
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/dashboard/")
    ended = page.locator("#program-ended")
    expect(ended).to_contain_text("Đã kết thúc")
    expect(ended).to_contain_text("31/12/2025")
    expect(page.locator("main")).to_contain_text("Số liệu tính đến hết ngày 31/12/2025")
    expect(page.locator("[data-figure=on_time]")).to_be_visible()
    expect(page.locator("[data-figure=on_time_original]")).to_be_visible()
    expect(page.locator("#quarter-chart-counts")).to_contain_text("kỳ không còn thực hiện")
    shot(page, "figures-1-dashboard-after-term")


def test_the_no_deadline_tile_lists_its_periods(page, demo):
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/dashboard/")
    tile = page.locator("#tile-no-deadline-unreported")
    count = int(tile.locator("[data-figure=no_deadline_unreported]").inner_text())
    assert count > 0
    tile.click()
    page.wait_for_load_state()
    assert "status=no_deadline_unreported" in page.url
    main = page.locator("main")
    expect(main).to_contain_text("Thường xuyên: chưa báo cáo")
    expect(page.locator("[data-count=occurrences]")).to_have_text(str(count))
    shot(page, "figures-2-no-deadline-unreported")

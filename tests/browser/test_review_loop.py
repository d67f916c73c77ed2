"""The review loop in a browser, on the demo: the Standing Committee's leader confirms a report
of Văn phòng Tỉnh ủy (the office's own work, which the office may not confirm)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in, sign_out


SEED = """
from theodoi.programs.models import Occurrence
from theodoi.tracking.reports import save_report, submit_report
from theodoi.tracking.models import Membership, Role
from theodoi.orgs.models import Organization
from django.contrib.auth import get_user_model
office = Organization.objects.get(code="qn.vptu")
user = get_user_model().objects.create_user("vp-canbo", password="x")
Membership.objects.create(user=user, organization=office, role=Role.HEAD)
occ = Occurrence.objects.filter(assignment__organization=office, status="open").order_by(
    "due_date", "pk").first()
report = save_report(user=user, occurrence=occ, expected_version=None, state="in_progress",
                     percent=60, narrative="Đã tổng hợp báo cáo của các cơ quan.")
submit_report(user=user, report=report, expected_version=report.version)
"""


def seed(demo) -> None:
    """The office's own body reports on its work (as its head would), into the demo's data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["THEODOI_DATA_DIR"] = str(demo["folder"])
    subprocess.run([sys.executable, "-m", "theodoi.cli", "shell", "-c", SEED], env=env,
                   check=True, capture_output=True, text=True)  # fmt: skip


def test_the_leader_confirms_the_offices_own_report(page, demo):
    seed(demo)
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/review/")
    own = page.locator("article.review-item", has_text="Văn phòng Tỉnh ủy").first
    if own.count():
        expect(own).to_contain_text("lãnh đạo")  # the office is told who confirms it
        expect(own.locator("button[value=accept]")).to_have_count(0)
    sign_out(page)

    sign_in(page, demo, "lanhdao")
    page.goto(demo["base"] + "/review/")
    shot(page, "review-loop-1-leader-queue")
    cards = page.locator("#reports article.review-item")
    assert cards.count() >= 1, "the demo has a report of the office awaiting confirmation"
    card = cards.first
    expect(card.locator("header strong")).to_have_text("Văn phòng Tỉnh ủy")
    card.locator("button[value=accept]").click()
    expect(page.locator("main")).to_contain_text(re.compile("Đã xác nhận báo cáo của Văn phòng"))
    shot(page, "review-loop-2-confirmed")

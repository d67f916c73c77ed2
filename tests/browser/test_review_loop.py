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


AGAIN = """
from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import request_extension
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.models import Membership, Role
from theodoi.orgs.models import Organization
from django.contrib.auth import get_user_model
import datetime as dt
users = get_user_model().objects
btc = Organization.objects.get(code="qn.btctu")
head = users.get(username="truongban")
occ = Occurrence.objects.filter(assignment__organization=btc, status="open", reports__isnull=True
    ).order_by("-due_date", "pk").first()
report = save_report(user=head, occurrence=occ, expected_version=None, state="in_progress",
                     percent=30, narrative="Đã xây dựng dự thảo.")
report = submit_report(user=head, report=report, expected_version=report.version)
review_report(user=users.get(username="vanphong"), report=report,
              expected_version=report.version, accept=True)
ask = request_extension(user=head, occurrence=occ, new_due=occ.due_date + dt.timedelta(days=90),
                        reason="Chờ ý kiến Trung ương.")
print(occ.pk, f"{occ.due_date + dt.timedelta(days=30):%d/%m/%Y}")
"""


def test_report_again_after_progress_confirmation_and_an_earlier_extension(page, demo):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["THEODOI_DATA_DIR"] = str(demo["folder"])
    out = subprocess.run([sys.executable, "-m", "theodoi.cli", "shell", "-c", AGAIN], env=env,
                         check=True, capture_output=True, text=True).stdout.split()  # fmt: skip
    pk, earlier = out[-2], out[-1]
    # the office grants an earlier date than asked
    sign_in(page, demo, "vanphong")
    page.goto(demo["base"] + "/review/")
    card = page.locator("#extensions article.review-item").first
    card.locator("input[name=granted]").fill(earlier)
    card.locator("button[value=approve]").click()
    expect(page.locator("main")).to_contain_text(f"Đã đồng ý gia hạn đến {earlier}")
    shot(page, "review-loop-3-earlier-date")
    sign_out(page)
    # the body reports again on the period whose progress was confirmed
    sign_in(page, demo, "truongban")
    page.goto(demo["base"] + f"/work/?show=open&occurrence={pk}#occ-{pk}")
    row = page.locator(f"#occ-{pk}")
    expect(row).to_contain_text("Cập nhật để báo cáo lại")
    row.locator("[name=percent]").fill("70")
    row.locator("button[value=send]").click()
    expect(page.locator(f"#occ-{pk}")).to_contain_text("Đã gửi")
    shot(page, "review-loop-4-reported-again")

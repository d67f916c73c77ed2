"""The head's sign-off is on unless the installation turns it off (THEODOI_HEAD_SIGN_OFF=0):
a body's report goes out under its head's signature."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from theodoi.tracking.models import Role
from theodoi.tracking.reports import save_report
from theodoi.tracking.worklist import send_report, send_step


def setting_with(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "THEODOI_HEAD_SIGN_OFF"}
    if value is not None:
        env["THEODOI_HEAD_SIGN_OFF"] = value
    env["DJANGO_SETTINGS_MODULE"] = "theodoi.settings"
    code = "from django.conf import settings; print(settings.THEODOI_HEAD_SIGN_OFF)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_on_unless_zero():
    assert setting_with(None) == "True"
    assert setting_with("1") == "True"
    assert setting_with("0") == "False"


@pytest.mark.django_db
@pytest.mark.parametrize(("on", "status"), [(True, "awaiting_signoff"), (False, "submitted")])
def test_staff_send_to_their_head_or_to_the_office(one_task, member, settings, on, status):
    settings.THEODOI_HEAD_SIGN_OFF = on
    staff = member("a-cb", one_task.a, Role.STAFF)
    report = save_report(user=staff, occurrence=one_task.occurrence, expected_version=None,
                         state="in_progress", percent=30)  # fmt: skip
    assert send_step(staff, report) == ("submit_for_sign_off" if on else "submit")
    sent = send_report(user=staff, report=report, expected_version=report.version)
    assert sent.status == status


@pytest.mark.django_db
def test_the_review_card_says_who_wrote_who_signed_and_when(one_task, member, settings):
    from django.test import Client

    settings.THEODOI_HEAD_SIGN_OFF = True
    staff = member("a-cb", one_task.a, Role.STAFF, first_name="Lan", last_name="Nguyễn Thị")
    head = member("a-tb", one_task.a, Role.HEAD, first_name="Hùng", last_name="Trần Văn")
    monitor = member("vp", one_task.office, Role.MONITOR)
    report = save_report(user=staff, occurrence=one_task.occurrence, expected_version=None,
                         state="in_progress", percent=30)  # fmt: skip
    report = send_report(user=staff, report=report, expected_version=report.version)
    send_report(user=head, report=report, expected_version=report.version)  # signs off
    client = Client()
    client.force_login(monitor)
    page = client.get("/review/").content.decode()
    card = page[page.index(f'id="report-{report.pk}"') :]
    assert "Người lập" in card and staff.get_full_name() in card
    assert "Thủ trưởng ký duyệt" in card and head.get_full_name() in card

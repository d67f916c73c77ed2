"""Every audit entry and report revision says who acted, through what (a web session: "web";
a token: "api:<prefix>"; a command: "cli") and from where (the client's address, read behind
THEODOI_PROXY_COUNT proxies as sign-in throttling reads it, never what the client wrote first);
and the pages that show the history show both."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client

from theodoi.acting import acting
from theodoi.api.tokens import create_token
from theodoi.programs.models import Occurrence, Task
from theodoi.tracking.audit import describe
from theodoi.tracking.models import Membership, ProgressReport, ReportRevision
from theodoi.tracking.reports import save_report

KEY = "B.III.1.3/2"  # Ban Tổ chức leads it, due in quý I/2021
WHY = "Theo Công văn số 15-CV/TU của Thường trực Tỉnh ủy."


@pytest.fixture
def occurrence(example) -> Occurrence:
    return Occurrence.objects.get(
        assignment__task__key=KEY, assignment__organization__code="qn.btctu"
    )


def new_entries(since: int) -> list[LogEntry]:
    return list(LogEntry.objects.filter(pk__gt=since).order_by("pk"))


def last_entry() -> int:
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def api_report(secret: str, occurrence: Occurrence, **meta):
    return Client().post(
        "/api/progress-reports",
        json.dumps({"occurrence": occurrence.pk, "state": "in_progress", "narrative": "Đang làm."}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        **meta,
    )


def test_a_write_through_a_token_names_the_token_and_the_address(users, occurrence):
    row, secret = create_token(users["staff"], "bảng tính")
    since = last_entry()
    answer = api_report(secret, occurrence, REMOTE_ADDR="203.0.113.7")
    assert answer.status_code == 201, answer.content
    entries = new_entries(since)
    assert entries, "the report's creation is audited"
    for entry in entries:
        assert entry.actor == users["staff"]
        assert entry.remote_addr == "203.0.113.7"
        assert entry.additional_data["via"] == f"api:{row.prefix}"
    revision = ReportRevision.objects.get(report_id=answer.json()["id"])
    assert (revision.via, revision.address) == (f"api:{row.prefix}", "203.0.113.7")
    # The API answers them with the revision.
    shown = answer.json()["revisions"][0]
    assert (shown["via"], shown["address"]) == (f"api:{row.prefix}", "203.0.113.7")


def test_a_write_in_a_web_session_says_web_and_the_address(client_for, users, occurrence):
    since = last_entry()
    answer = client_for("staff").post(
        "/work/",
        {"form": "report", "occurrence": occurrence.pk, "state": "in_progress",
         "percent": "30", "narrative": "Đang dự thảo.", "version": "", "action": "save"},
        REMOTE_ADDR="198.51.100.4",
    )  # fmt: skip
    assert answer.status_code in (200, 302), answer.content
    report = ProgressReport.objects.get(occurrence=occurrence)
    entries = new_entries(since)
    assert entries
    for entry in entries:
        assert (entry.actor, entry.remote_addr) == (users["staff"], "198.51.100.4")
        assert entry.additional_data["via"] == "web"
    revision = report.revisions.get()
    assert (revision.via, revision.address) == ("web", "198.51.100.4")


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(users, occurrence, settings):
    """What the client wrote into X-Forwarded-For itself proves nothing; the nearest proxy's
    entry is the client's address (django-auditlog's own middleware took the first)."""
    settings.THEODOI_PROXY_COUNT = 1
    _row, secret = create_token(users["staff"], "bảng tính")
    since = last_entry()
    answer = api_report(
        secret, occurrence, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10"
    )
    assert answer.status_code == 201
    assert {e.remote_addr for e in new_entries(since)} == {"192.0.2.10"}
    assert ReportRevision.objects.get(report_id=answer.json()["id"]).address == "192.0.2.10"


def test_outside_a_request_the_channel_is_the_command_line(users, occurrence):
    since = last_entry()
    call_command("member", "nguoimoi", "qn.btctu", "--role", "staff", "--create")
    member = Membership.objects.get(user__username="nguoimoi")
    entry = LogEntry.objects.get_for_object(member).get()
    assert entry.additional_data["via"] == "cli" and entry.remote_addr is None
    assert entry.pk > since
    with acting(users["staff"]):
        report = save_report(
            user=users["staff"], occurrence=occurrence, expected_version=None,
            state="in_progress", narrative="Từ lệnh.",
        )  # fmt: skip
    assert (report.revisions.get().via, report.revisions.get().address) == ("cli", None)
    created = LogEntry.objects.get_for_object(report).get()
    assert created.actor == users["staff"] and created.additional_data["via"] == "cli"


def test_the_histories_show_the_channel_and_the_address(users, client_for, occurrence):
    row, secret = create_token(users["monitor"], "phần mềm văn phòng")
    task = Task.objects.get(key=KEY, withdrawn_in__isnull=True)
    changed = Client().patch(
        f"/api/tasks/{task.pk}",
        json.dumps({"reason": WHY, "text": task.text + " (sửa)"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        REMOTE_ADDR="203.0.113.9",
    )
    assert changed.status_code == 200, changed.content
    entry = LogEntry.objects.get_for_object(task).order_by("pk").last()
    shown = describe(entry)
    assert (shown.via, shown.address) == (f"khóa API td_{row.prefix}", "203.0.113.9")

    page = client_for("monitor").get(f"/tasks/{task.pk}/").content.decode()
    assert f"khóa API td_{row.prefix}" in page and "203.0.113.9" in page

    staff_row, staff_secret = create_token(users["staff"], "bảng tính")
    assert api_report(staff_secret, occurrence, REMOTE_ADDR="203.0.113.8").status_code == 201
    page = client_for("monitor").get(f"/tasks/{task.pk}/").content.decode()
    assert f"khóa API td_{staff_row.prefix}" in page and "203.0.113.8" in page


def test_no_service_calls_auditlogs_set_actor():
    """``set_actor`` replaces the request's address with none: every write goes through
    ``acting`` instead (one place that keeps the channel)."""
    from pathlib import Path

    import theodoi

    root = Path(theodoi.__file__).parent
    users_of = [p for p in root.rglob("*.py") if "set_actor(" in p.read_text(encoding="utf-8")]
    assert users_of == []

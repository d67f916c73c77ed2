"""A report marked done is believed on what it shows: 100% (or why not), the day it was done
within the period and not in the future, and a narrative or evidence. The service says so;
the form and the API show its message."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from theodoi.tracking.models import Role
from theodoi.tracking.reports import ReportError, save_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(one_task, member):
    one_task.occurrence.period_start = date(2021, 4, 1)
    one_task.occurrence.save()
    return dict(occurrence=one_task.occurrence, staff=member("a-cb", one_task.a, Role.STAFF))


def save(w, **values):
    values.setdefault("state", "done")
    return save_report(user=w["staff"], occurrence=w["occurrence"], expected_version=None,
                       **values)  # fmt: skip


def test_done_below_100_percent_needs_the_reason(w):
    with pytest.raises(ReportError, match="lý do chưa đủ 100%"):
        save(w, percent=80, done_on=date(2021, 6, 1), document_number="12-KH/TU")
    report = save(w, percent=80, done_on=date(2021, 6, 1),
                  narrative="Còn 2 huyện chưa triển khai do sáp nhập.")  # fmt: skip
    assert report.percent == 80


def test_done_needs_a_day_within_the_period_and_not_in_the_future(w):
    with pytest.raises(ReportError, match="trước khi kỳ thực hiện bắt đầu"):
        save(w, done_on=date(2021, 3, 31), narrative="Đã xong.")
    with pytest.raises(ReportError, match="tương lai"):
        save(w, done_on=timezone.localdate() + dt.timedelta(days=1), narrative="Đã xong.")
    assert save(w, done_on=date(2021, 4, 1), narrative="Đã xong.").percent == 100


def test_done_needs_a_narrative_or_evidence(w):
    with pytest.raises(ReportError, match="nội dung kết quả hoặc minh chứng"):
        save(w, done_on=date(2021, 6, 1))
    assert save(w, done_on=date(2021, 6, 1), document_type="Kế hoạch", document_number="12-KH/TU")


def test_in_progress_needs_none_of_it(w):
    assert save(w, state="in_progress", percent=10).percent == 10


def test_the_form_and_the_api_show_the_message(w):
    client = Client()
    client.force_login(w["staff"])
    pk = w["occurrence"].pk
    response = client.post("/work/?show=open", {
        "form": "report", "occurrence": pk, "show": "open", "action": "save",
        "state": "done", "percent": "100", "done_on": "01/06/2021",
    }, HTTP_HX_REQUEST="true")  # fmt: skip
    assert "nội dung kết quả hoặc minh chứng" in response.content.decode()

"""Days are typed and shown as dd/mm/yyyy whatever the browser's language: no page renders the
browser's own date field (which Chromium shows as mm/dd/yyyy in an English browser), every day
field says dd/mm/yyyy, a day typed so is stored as that day and shown back so, and a wrong day
is answered in Vietnamese next to its field."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from tests.plans.helpers import district_accounts
from theodoi.plans.models import PersonalPlan
from theodoi.programs.models import Occurrence
from theodoi.tracking.models import ProgressReport
from theodoi.web.forms import DayInput, ExtensionRequestForm, ReportForm

pytestmark = pytest.mark.django_db

WORK = "/work/"
DAY_INPUT = re.compile(r"<input[^>]*placeholder=\"dd/mm/yyyy\"[^>]*>")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def occurrence(example) -> Occurrence:
    return Occurrence.objects.get(
        assignment__task__key="B.III.1.3/2", assignment__organization__code="qn.btctu"
    )


def day_inputs(html: str) -> list[str]:
    return DAY_INPUT.findall(html)


def assert_typed_days(html: str, names: set[str]) -> None:
    """No native date field; the named fields are text fields saying dd/mm/yyyy."""
    assert 'type="date"' not in html and "type=date" not in html
    found = {re.search(r'name="([^"]+)"', tag).group(1): tag for tag in day_inputs(html)}
    assert names <= set(found), found
    for tag in (found[name] for name in names):
        assert 'type="text"' in tag and 'inputmode="numeric"' in tag and "pattern=" in tag


def test_no_page_renders_a_native_date_field(client_for, example, occurrence):
    monitor, staff = client_for("monitor"), client_for("staff")
    pages = {
        f"/dashboard/?program={example.pk}": {"as_of"},
        f"/programs/{example.pk}/": {"as_of"},
        f"/tasks/{occurrence.assignment.task_id}/": {"as_of"},
        f"/organizations/?program={example.pk}": {"as_of"},
        "/national/": {"as_of"},
        f"/search/?program={example.pk}": {"due_from", "due_to", "as_of"},
        "/reports/": {"date"},
    }
    for url, names in pages.items():
        response = monitor.get(url)
        assert response.status_code == 200, url
        assert_typed_days(response.content.decode(), names)
    work = staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    assert_typed_days(work, {"done_on", "document_date", "new_due"})


def test_plan_forms_type_days_too(example):
    bs = district_accounts()
    client = Client()
    client.force_login(bs.staff)
    client.post(
        f"/plans/?program={example.pk}",
        {"leader_name": "Nguyễn Văn An", "leader_position": "Bí thư Huyện ủy Bình Sơn"},
    )
    plan = PersonalPlan.objects.get()
    html = client.get(f"/plans/{plan.pk}/").content.decode()
    assert_typed_days(html, {"due_date"})
    assert (
        client.post(
            f"/plans/{plan.pk}/",
            {"step": "plan-item", "text": "Tổng kết", "due_date": "30/06/2021"},
        ).status_code
        == 302
    )
    assert plan.items.get().due_date == dt.date(2021, 6, 30)


def test_a_day_typed_dd_mm_yyyy_is_stored_and_shown_back_so(client_for, occurrence):
    staff = client_for("staff")
    response = staff.post(WORK, {
        "form": "report", "occurrence": occurrence.pk, "state": "done", "percent": "100",
        "narrative": "Đã ban hành Chỉ thị.", "done_on": "05/03/2021", "document_type": "Chỉ thị",
        "document_number": "05-CT/TU", "document_date": "4/3/2021", "action": "save",
    })  # fmt: skip
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.done_on == dt.date(2021, 3, 5)  # 5 March, not 3 May
    assert report.document_date == dt.date(2021, 3, 4)
    html = staff.get(WORK, {"occurrence": occurrence.pk}).content.decode()
    shown = {re.search(r'name="([^"]+)"', t).group(1): t for t in day_inputs(html)}
    assert 'value="05/03/2021"' in shown["done_on"]
    assert 'value="04/03/2021"' in shown["document_date"]


def test_the_widget_shows_a_day_as_dd_mm_yyyy():
    html = DayInput().render("d", dt.date(2021, 12, 31))
    assert 'value="31/12/2021"' in html and 'type="text"' in html
    assert 'placeholder="dd/mm/yyyy"' in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2021", "Ngày không hợp lệ; ghi theo dạng dd/mm/yyyy."),
        ("hôm qua", "Ngày không hợp lệ; ghi theo dạng dd/mm/yyyy."),
        ("12/31/2021", "Ngày không hợp lệ; ghi theo dạng dd/mm/yyyy."),  # mm/dd/yyyy
        ("31/12/9999", "nằm ngoài khoảng năm"),
    ],
)
def test_a_wrong_day_gets_a_vietnamese_message(typed, message):
    form = ExtensionRequestForm(data={"new_due": typed, "reason": "Chờ ý kiến của Trung ương."})
    assert not form.is_valid()
    assert message in " ".join(form.errors["new_due"])
    report = ReportForm(data={"state": "in_progress", "document_date": typed})
    assert not report.is_valid()
    assert message in " ".join(report.errors["document_date"])


@pytest.mark.parametrize("typed", ["30/06/2021", "30-06-2021", "2021-06-30", " 30/6/2021 "])
def test_the_forms_read_every_accepted_shape(typed):
    form = ExtensionRequestForm(data={"new_due": typed, "reason": "Chờ ý kiến."})
    form.is_valid()
    assert form.cleaned_data.get("new_due") == dt.date(2021, 6, 30), form.errors

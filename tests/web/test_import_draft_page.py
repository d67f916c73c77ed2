"""The import draft page: every task listed, each field corrected in place (htmx swaps the
task's row; without JavaScript the same forms post and come back), only for the office."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from theodoi.programs.models import PendingImport, Program

DOCUMENT = Path(__file__).parents[1] / "programs" / "data" / "ke-hoach-chuyen-doi-so.md"
HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(client_for) -> str:
    response = client_for("monitor").post(
        reverse("web:import"),
        {"document": SimpleUploadedFile(DOCUMENT.name, DOCUMENT.read_bytes())},
    )
    assert response.status_code == 302
    return PendingImport.objects.get().token


def row(html: str, task_id: str) -> str:
    start = html.index(f'data-task="{task_id}"')
    return html[start : html.index("</tbody>", start)]


def test_every_task_is_listed_with_its_bodies_time_and_dates(client_for, token):
    html = client_for("monitor").get(reverse("web:import_draft", args=[token])).content.decode()
    for task_id in ("II.1", "II.2", "II.3", "II.4", "II.5"):
        assert f'data-task="{task_id}"' in html
    first = row(html, "II.1")
    assert "<strong>Ban Tổ chức Tỉnh ủy</strong>" in first  # the lead
    assert "Văn phòng Tỉnh ủy" in first and "phối hợp" in first
    assert "Quý IV/2026" in first and "31/12/2026" in first  # as written, as understood
    # What needs a look is marked, and the filter that shows only those is there.
    assert 'class="task review"' in html and 'id="only-review"' in html
    assert "Cơ quan chưa có trong danh mục: Trung tâm Dữ liệu tỉnh." in row(html, "II.3")
    assert 'data-name="Trung tâm"' in html


def test_a_field_edited_in_place_swaps_only_its_row(client_for, token):
    client = client_for("monitor")
    opened = client.get(
        reverse("web:import_task", args=[token]), {"task": "II.5", "field": "time"}, **HTMX
    ).content.decode()
    assert opened.startswith("\n<tbody") or "<tbody" in opened[:200]
    assert 'name="op" value="time"' in opened
    saved = client.post(
        reverse("web:import_correct", args=[token]),
        {"op": "time", "task": "II.5", "text": "Quý III/2026"},
        **HTMX,
    ).content.decode()
    assert "<tbody" in saved and "<html" not in saved
    assert "Quý III/2026" in saved and "30/09/2026" in saved
    # A time not understood: the row again with the message, nothing changed.
    refused = client.post(
        reverse("web:import_correct", args=[token]),
        {"op": "time", "task": "II.5", "text": "sớm"},
        **HTMX,
    ).content.decode()
    assert "Không hiểu thời gian “sớm”" in refused
    assert PendingImport.objects.get().draft["tasks"][4]["time"]["text"] == "Quý III/2026"


def test_without_javascript_the_forms_post_and_come_back(client_for, token):
    client = client_for("monitor")
    page = client.get(
        reverse("web:import_draft", args=[token]), {"task": "II.1", "field": "bodies"}
    ).content.decode()
    assert 'name="op" value="lead"' in row(page, "II.1")
    response = client.post(
        reverse("web:import_correct", args=[token]),
        {"op": "lead", "task": "II.1", "body": "qn.vptu"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:import_draft", args=[token]))
    html = client.get(response["Location"]).content.decode()
    assert "<strong>Văn phòng Tỉnh ủy</strong>" in row(html, "II.1")


def test_structural_changes_redraw_the_draft(client_for, token):
    client = client_for("monitor")
    html = client.post(
        reverse("web:import_correct", args=[token]),
        {"op": "merge", "task": "II.4", "other": "II.5"},
        **HTMX,
    ).content.decode()
    assert html.lstrip().startswith('<div id="draft">') or 'id="draft"' in html[:300]
    assert 'data-task="II.5"' not in html and 'data-count="tasks">4<' in html


def test_bodies_are_found_by_typing_without_diacritics(client_for, token):
    html = (
        client_for("monitor")
        .get(reverse("web:import_bodies", args=[token]), {"q": "van phong tinh uy"})
        .content.decode()
    )
    assert '<option value="qn.vptu">Văn phòng Tỉnh ủy</option>' in html
    html = (
        client_for("monitor")
        .get(reverse("web:import_bodies", args=[token]), {"q": "ban to chuc tinh uỷ"})
        .content.decode()
    )
    assert "Ban Tổ chức Tỉnh ủy" in html  # old tone placement ("uỷ") is the same


@pytest.mark.parametrize("who", ["staff", "head", "leader"])
def test_nobody_but_the_office_sees_or_corrects_a_draft(client_for, token, who):
    client = client_for(who)
    assert client.get(reverse("web:import_draft", args=[token])).status_code == 403
    response = client.post(
        reverse("web:import_correct", args=[token]), {"op": "remove", "task": "II.1"}
    )
    assert response.status_code == 403
    response = client.post(reverse("web:import_decide", args=[token]), {"action": "confirm"})
    assert response.status_code == 403
    assert len(PendingImport.objects.get().draft["tasks"]) == 5
    assert not Program.objects.filter(number="05-KH/TU").exists()


def test_a_document_without_tasks_says_why_it_cannot_be_confirmed(client_for):
    client = client_for("monitor")
    programs = Program.objects.count()
    report = "TỈNH ỦY QUẢNG NGÃI\n\nBÁO CÁO\n\nkết quả tháng 11\n\nCác cơ quan đã làm tốt.\n"
    response = client.post(
        reverse("web:import"),
        {"document": SimpleUploadedFile("bao-cao.md", report.encode())},
        follow=True,
    )
    html = response.content.decode()
    assert "Không đọc được nhiệm vụ nào" in html
    assert re.search(r'value="confirm"\s+disabled', html)
    token = response.context["preview"].token
    response = client.post(reverse("web:import_decide", args=[token]), {"action": "confirm"})
    assert response.status_code == 200
    assert "không đọc được nhiệm vụ nào" in response.content.decode()
    assert Program.objects.count() == programs
    assert PendingImport.objects.filter(token=token).exists()  # kept, to add tasks to


def test_the_name_typed_whole_comes_first(client_for, token):
    html = (
        client_for("monitor")
        .get(reverse("web:import_bodies", args=[token]), {"q": "uy ban nhan dan tinh"})
        .content.decode()
    )
    first = re.search(r'<option value="([^"]+)">', html).group(1)
    assert first == "qn.ubnd"
    assert "Ban cán sự đảng Ủy ban nhân dân tỉnh" in html  # still offered, after

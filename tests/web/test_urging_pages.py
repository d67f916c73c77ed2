"""Đôn đốc on the pages: the list of bodies offers the office an urge button for a body with
overdue work (and a body's staff none); one click urges it, the body is told, the urging page
links the letter, the task's history shows the urging, and a task page offers urging too."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document

from theodoi.tracking.models import Notification, Urging

pytestmark = pytest.mark.django_db
BODY = "qn.btgtu"


def test_the_office_urges_from_the_list_and_the_task_history_shows_it(client_for, users):
    office = client_for("monitor")
    listing = office.get("/organizations/").content.decode()
    assert f'data-urge="{BODY}"' in listing
    assert 'data-urge="' not in client_for("staff").get("/organizations/").content.decode()
    answer = office.post(f"/organizations/{BODY}/urge/", {"next": "/organizations/"})
    assert answer.status_code == 302
    urging = Urging.objects.get()
    assert answer["Location"] == f"/urgings/{urging.pk}/"
    page = office.get(answer["Location"]).content.decode()
    assert f"/urgings/{urging.pk}/letter.docx" in page
    assert Notification.objects.filter(kind="urged", recipient=users["outsider"]).count() == 1
    letter = office.get(f"/urgings/{urging.pk}/letter.docx")
    doc = Document(io.BytesIO(letter.content))
    listed = [r for t in doc.tables for r in t.rows if r.cells[0].text.isdigit()]
    assert len(listed) == len(urging.items)
    task_id = urging.items[0]["task_id"]
    task_page = office.get(f"/tasks/{task_id}/").content.decode()
    history = task_page[task_page.index('id="history"') :]
    assert "Đôn đốc: Ban Tuyên giáo" in history
    # A task page offers urging its late bodies, and urging from it names that task alone.
    assert re.search(rf'data-urge="{BODY}"', task_page)
    office.post(f"/organizations/{BODY}/urge/", {"task": task_id, "message": "Riêng nhiệm vụ này."})
    only = Urging.objects.exclude(pk=urging.pk).get()
    assert {i["task_id"] for i in only.items} == {task_id}


def test_a_staff_may_not_urge_nor_read_the_letter(client_for, users):
    staff = client_for("staff")
    assert staff.post(f"/organizations/{BODY}/urge/").status_code == 403
    client_for("monitor").post(f"/organizations/{BODY}/urge/")
    urging = Urging.objects.get()
    assert staff.get(f"/urgings/{urging.pk}/letter.docx").status_code == 403

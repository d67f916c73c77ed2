"""Đôn đốc through the API: the office urges a body of the example program (which has
overdue work, the term being past), the body's people are told, and the letter downloads as a
DOCX listing the overdue items; a body's staff is refused with the policy's reason, and a
body that owes nothing is answered 422 with the service's message."""

from __future__ import annotations

import io

import pytest
from docx import Document

from theodoi.tracking.models import Notification, Urging

pytestmark = pytest.mark.django_db
BODY = "qn.btgtu"  # Ban Tuyên giáo: the staff of the shared accounts is Ban Tổ chức's


def test_the_office_urges_a_body_and_fetches_the_letter(api_as, users):
    response = api_as("monitor").post(f"/api/organizations/{BODY}/urgings",
                                      {"message": "Đề nghị báo cáo trong tuần."})  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"] == BODY and body["items"]
    assert all(i["days_overdue"] >= 0 for i in body["items"])
    urging = Urging.objects.get(pk=body["id"])
    told = Notification.objects.filter(kind="urged", key=f"urging:{urging.pk}")
    assert list(told.values_list("recipient__username", flat=True)) == ["outsider"]
    letter = api_as("monitor").get(body["letter"])
    assert letter.status_code == 200
    assert letter["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(letter.content))
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    listed = [r for r in rows if r and r[0].isdigit()]
    assert len(listed) == len(body["items"])
    first = body["items"][0]
    assert listed[0][1].startswith(first["task_key"])


def test_a_staff_may_not_urge(api_as, users):
    response = api_as("staff").post(f"/api/organizations/{BODY}/urgings", {})
    assert response.status_code == 403
    assert "đôn đốc" in response.json()["detail"]
    assert not Urging.objects.exists()

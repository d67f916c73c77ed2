"""The office amending a program through the API: a task changed (PATCH), withdrawn, added,
and the program's versions with their diff; anyone else refused with the policy's reason,
input that cannot be used answered 422 with the service's Vietnamese message."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from theodoi.programs.models import Occurrence, ProgramVersion, Task

pytestmark = pytest.mark.django_db
KEY = "B.III.1.3/2"  # Ban Tổ chức leads, Ban Cán sự đảng UBND tỉnh coordinates
WHY = "Theo Công văn số 15-CV/TU của Thường trực Tỉnh ủy."


def task(key: str = KEY) -> Task:
    return Task.objects.get(key=key, withdrawn_in__isnull=True)


def patch(api, path: str, data: dict):
    """A PATCH signed with the client's token (the shared client has get and post)."""
    return api.client.patch(
        path, json.dumps(data), content_type="application/json", **api._headers()
    )


def next_year() -> int:
    return timezone.localdate().year + 1


def test_the_office_changes_a_task(api_as, example):
    year = next_year()
    response = patch(
        api_as("monitor"), f"/api/tasks/{task().pk}",
        {"reason": WHY, "time": f"Quý IV/{year}", "add_coordinators": ["qn.btgtu"],
         "remove": ["qn.bcsd-ubnd"]},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"]["number"] == 2 and body["version"]["how"] == "office"
    assert body["version"]["author"] == "monitor" and body["version"]["reason"] == WHY
    fields = [c["field"] for c in body["version"]["changes"]]
    assert fields == ["coordinators", "time"]
    time = body["version"]["changes"][1]
    assert (time["before"], time["after"]) == ("Trong quý I/2021", f"Quý IV/{year}")
    assert body["task"]["time_text"] == f"Quý IV/{year}" and body["task"]["key"] == KEY
    assert body["version"]["changes"][0]["added"] == ["Ban Tuyên giáo Tỉnh ủy"]
    owed = Occurrence.objects.filter(assignment__task=task()).exclude(status="withdrawn")
    assert {o.assignment.organization.code for o in owed} == {"qn.btctu", "qn.btgtu"}


def test_the_lead_is_designated_through_the_api(api_as, example):
    flagged = task("B.III.1.1/2")
    response = patch(
        api_as("admin"), f"/api/tasks/{flagged.pk}", {"reason": WHY, "lead": "qn.btgtu"}
    )
    assert response.status_code == 200
    assert response.json()["task"]["lead"]["code"] == "qn.btgtu"
    assert response.json()["task"]["needs_lead"] is False


@pytest.mark.parametrize("who", ["staff", "head", "leader"])
def test_others_are_refused_with_the_policy_reason(api_as, example, who):
    api = api_as(who)
    refused = patch(api, f"/api/tasks/{task().pk}", {"reason": WHY, "time": "30/6/2030"})
    assert refused.status_code == 403
    assert "sửa nhiệm vụ của chương trình" in refused.json()["detail"]
    assert api.post(f"/api/tasks/{task().pk}/withdraw", {"reason": WHY}).status_code == 403
    added = api.post(f"/api/programs/{example.pk}/tasks", {
        "reason": WHY, "section": "B.II", "text": "Việc mới", "lead": "qn.btctu",
        "time": "Quý IV/2030"})  # fmt: skip
    assert added.status_code == 403
    assert example.versions.count() == 1 and task().changed_in is None


def test_input_that_cannot_be_used_says_why(api_as, example):
    api, url = api_as("monitor"), f"/api/tasks/{task().pk}"
    cases = [
        ({"reason": "", "time": "30/6/2030"}, "Cần ghi lý do"),
        ({"reason": WHY, "time": "khi nào xong"}, "Chưa hiểu thời gian “khi nào xong”"),
        ({"reason": WHY, "time": "Trong năm 2020"}, "bãi bỏ nhiệm vụ"),
        ({"reason": WHY, "lead": "khong-co"}, "Không có cơ quan “khong-co”"),
        ({"reason": WHY, "remove": ["qn.btctu"]}, "là cơ quan chủ trì"),
        ({"reason": WHY}, "Không có gì thay đổi"),
    ]
    for data, message in cases:
        response = patch(api, url, data)
        assert response.status_code == 422, data
        assert message in response.json()["detail"], response.json()
    # Not the schema at all: which field.
    wrong = patch(api, url, {"reason": WHY, "add_coordinators": "qn.btgtu"})
    assert wrong.status_code == 422 and "add_coordinators" in wrong.json()["detail"]
    assert example.versions.count() == 1


def test_a_task_withdrawn_and_one_added_and_the_versions(api_as, example):
    api = api_as("monitor")
    gone = api.post(f"/api/tasks/{task().pk}/withdraw", {"reason": WHY})
    assert gone.status_code == 200 and gone.json()["task"]["withdrawn"] is True
    again = api.post(f"/api/tasks/{gone.json()['task']['id']}/withdraw", {"reason": WHY})
    assert again.status_code == 422 and "đã bị bãi bỏ" in again.json()["detail"]
    added = api.post(f"/api/programs/{example.pk}/tasks", {
        "reason": WHY, "section": "B.II", "text": "Tổng kết công tác bảo vệ chính trị nội bộ.",
        "lead": "qn.btctu", "coordinators": ["qn.btgtu"], "time": f"Quý IV/{next_year()}"})  # fmt: skip
    assert added.status_code == 201, added.content
    assert added.json()["task"]["key"] == "B.II.4" and added.json()["version"]["number"] == 3
    wrong = api.post(f"/api/programs/{example.pk}/tasks", {
        "reason": WHY, "section": "Z.9", "text": "Việc", "lead": "qn.btctu",
        "time": f"Quý IV/{next_year()}"})  # fmt: skip
    assert wrong.status_code == 422 and "không có mục" in wrong.json()["detail"]
    # Any member reads the versions, oldest first.
    versions = api_as("staff").get(f"/api/programs/{example.pk}/versions").json()
    assert [(v["number"], v["how"]) for v in versions] == [
        (1, "document"),
        (2, "office"),
        (3, "office"),
    ]
    assert versions[1]["changes"][0]["field"] == "withdrawn" and versions[0]["changes"] == []
    assert versions[2]["changes"][0] == {
        "task": "B.II.4", "task_id": added.json()["task"]["id"], "field": "added", "before": "",
        "after": "Tổng kết công tác bảo vệ chính trị nội bộ.", "added": [], "removed": [],
    }  # fmt: skip
    assert ProgramVersion.objects.filter(how="office").count() == 2

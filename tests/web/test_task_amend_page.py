"""The office amending a task from its page: the forms it sees (and nobody else does), each
change posted with htmx (the task's block redrawn) or without (back to the page), the
version list of the program, and a task added."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from theodoi.programs.models import Occurrence, ProgramVersion, Task

pytestmark = pytest.mark.django_db
KEY = "B.III.1.3/2"  # Ban Tổ chức leads, Ban Cán sự đảng UBND tỉnh coordinates
FLAGGED = "B.III.1.1/2"  # several bodies, no lead
WHY = "Theo ý kiến của Thường trực Tỉnh ủy."
HTMX = {"HTTP_HX_REQUEST": "true"}


def task(key: str = KEY) -> Task:
    return Task.objects.get(key=key, withdrawn_in__isnull=True)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def next_year() -> int:
    return timezone.localdate().year + 1


def amend_url(t: Task) -> str:
    return reverse("web:task_amend", args=[t.pk])


def test_the_office_sees_the_forms_and_the_flag_becomes_a_form(client_for, example):
    flagged = task(FLAGGED)
    content = client_for("monitor").get(reverse("web:task", args=[flagged.pk])).content.decode()
    assert "Văn phòng cần chỉ định cơ quan chủ trì" in content
    notice = content[
        content.index('id="needs-lead"') : content.index(
            "</form>", content.index('id="needs-lead"')
        )
    ]
    assert 'name="change" value="lead"' in notice and "Chỉ định cơ quan chủ trì" in notice
    assert 'name="reason"' in notice and 'value="qn.btgtu"' in notice
    for form in ("amend-bodies-form", "amend-time", "amend-text", "amend-withdraw"):
        assert f'id="{form}"' in content


@pytest.mark.parametrize("who", ["staff", "head", "leader"])
def test_others_see_no_form_and_are_refused(client_for, example, who):
    client = client_for(who)
    content = client.get(reverse("web:task", args=[task(FLAGGED).pk])).content.decode()
    assert "Văn phòng cần chỉ định cơ quan chủ trì" in content  # the flag, as text
    assert 'id="amend"' not in content and 'value="lead"' not in content
    refused = client.post(
        amend_url(task()), {"change": "time", "time": f"30/6/{next_year()}", "reason": WHY}
    )
    assert refused.status_code == 403
    assert client.get(reverse("web:task_add", args=[example.pk])).status_code == 403
    assert task().changed_in is None and example.versions.count() == 1


def test_the_office_designates_the_lead_with_htmx(client_for, example):
    flagged = task(FLAGGED)
    response = client_for("monitor").post(
        amend_url(flagged), {"change": "lead", "lead": "qn.btgtu", "reason": WHY}, **HTMX
    )
    assert response.status_code == 200
    block = response.content.decode()
    assert block.startswith('<div id="task-amendable">') or 'id="task-amendable"' in block[:200]
    assert "Đã lưu: lần điều chỉnh thứ 2 của chương trình." in block
    assert "Văn phòng cần chỉ định cơ quan chủ trì" not in block
    assert 'id="work" hx-swap-oob="true"' in block  # the periods, redrawn too
    amendments = text_of(block[block.index('id="amendments"') :])
    assert WHY in amendments and "Cơ quan chủ trì : — → Ban Tuyên giáo Tỉnh ủy" in amendments
    flagged = task(FLAGGED)
    assert flagged.lead.code == "qn.btgtu" and not flagged.needs_lead


def test_a_lead_not_on_the_task_is_typed_and_added(client_for, example):
    client = client_for("monitor")
    response = client.post(
        amend_url(task()), {"change": "lead", "lead": "", "lead_other": "qn.btgtu", "reason": WHY}
    )
    assert response.status_code == 302
    assert response.url == reverse("web:task", args=[task().pk]) + "#amend"
    assert task().lead.code == "qn.btgtu"
    page = client.get(response.url).content.decode()
    assert "Đã lưu: lần điều chỉnh thứ 2 của chương trình." in page


def test_the_time_is_set_and_shown_as_understood(client_for, example):
    client, year = client_for("monitor"), next_year()
    preview = client.get(
        reverse("web:task_time_preview", args=[task().pk]), {"time": f"Quý IV/{year}"}
    ).content.decode()
    assert f"Hạn 31/12/{year}" in preview and "Có thời hạn" in preview
    response = client.post(
        amend_url(task()), {"change": "time", "time": f"Quý IV/{year}", "reason": WHY}, **HTMX
    )
    block = response.content.decode()
    time = text_of(block[block.index('id="time"') : block.index('id="roles"')])
    assert f"Quý IV/{year}" in time and f"31/12/{year}" in time
    assert "Hạn 31/03/2021" not in time  # no longer asked
    assert task().time_text == f"Quý IV/{year}"
    old = Occurrence.objects.get(assignment__task=task(), assignment__organization__code="qn.btctu",
                                 due_date__year=2021)  # fmt: skip
    assert old.status == Occurrence.Status.WITHDRAWN


def test_a_change_that_cannot_be_made_says_why_in_place(client_for, example):
    client = client_for("monitor")
    response = client.post(
        amend_url(task()), {"change": "time", "time": "khi nào xong", "reason": WHY}, **HTMX
    )
    block = response.content.decode()
    assert response.status_code == 200 and "Chưa hiểu thời gian “khi nào xong”" in html.unescape(
        block
    )
    assert 'value="khi nào xong"' in block  # what was typed stays
    # Without a reason, without JavaScript: back to the page with the message.
    response = client.post(amend_url(task()), {"change": "text", "text": "Nội dung mới"})
    assert response.status_code == 302 and response.url.endswith("#amend-text")
    page = html.unescape(client.get(response.url).content.decode())
    assert "Cần ghi lý do sửa" in page
    assert task().text != "Nội dung mới" and example.versions.count() == 1


def test_coordinators_added_and_removed(client_for, example):
    client = client_for("monitor")
    client.post(amend_url(task()), {"change": "bodies", "add": "Ban Tuyên giáo Tỉnh ủy",
                                    "remove": ["qn.bcsd-ubnd"], "reason": WHY})  # fmt: skip
    codes = {
        a.organization.code
        for a in task().assignments.filter(organization__isnull=False, active_to__isnull=True)
    }
    assert "qn.btgtu" in codes and "qn.bcsd-ubnd" not in codes
    content = client.get(reverse("web:task", args=[task().pk])).content.decode()
    amendments = text_of(content[content.index('id="amendments"') :])
    assert "thêm Ban Tuyên giáo Tỉnh ủy" in amendments and "bỏ Ban cán sự đảng" in amendments
    options = client.get(reverse("web:amend_bodies"), {"add": "tuyen giao"}).content.decode()
    assert 'value="qn.btgtu"' in options
    assert client_for("staff").get(reverse("web:amend_bodies"), {"q": "ban"}).status_code == 403


def test_the_text_edited_and_the_task_withdrawn(client_for, example):
    client = client_for("monitor")
    client.post(amend_url(task()), {"change": "text", "text": "Nội dung đã sửa.", "reason": WHY})
    assert task().text == "Nội dung đã sửa."
    pk = task().pk
    client.post(amend_url(task()), {"change": "withdraw", "reason": WHY})
    content = client.get(reverse("web:task", args=[pk])).content.decode()
    assert "đã được bãi bỏ ở lần điều chỉnh thứ 3" in content
    assert 'id="amend"' not in content  # nothing left to amend


def test_the_version_list_shows_each_change(client_for, example):
    client = client_for("monitor")
    client.post(amend_url(task()), {"change": "time", "time": f"30/6/{next_year()}", "reason": WHY})
    tree = client.get(reverse("web:program", args=[example.pk])).content.decode()
    assert reverse("web:program_versions", args=[example.pk]) in tree
    assert reverse("web:task_add", args=[example.pk]) in tree
    content = client_for("staff").get(reverse("web:program_versions", args=[example.pk]))
    words = text_of(content.content.decode())
    assert "Lần 2 (văn phòng sửa trên nhiệm vụ)" in words and "Lần 1 (văn bản)" in words
    assert WHY in words and "monitor" in words
    assert f"Trong quý I/2021 30/6/{next_year()}" in words
    assert "106 nhiệm vụ" in words
    assert reverse("web:task_add", args=[example.pk]) not in content.content.decode()


def test_a_task_added_from_the_program(client_for, example):
    client = client_for("monitor")
    url = reverse("web:task_add", args=[example.pk])
    assert 'name="section"' in client.get(url).content.decode()
    data = {"section": "B.II", "text": "Tổng kết công tác bảo vệ chính trị nội bộ.",
            "lead": "qn.btctu", "coordinators": ["qn.btgtu", ""], "time": f"Quý IV/{next_year()}",
            "reason": WHY}  # fmt: skip
    refused = client.post(url, {**data, "time": "khi nào xong"})
    assert refused.status_code == 422 and "Chưa hiểu thời gian" in html.unescape(
        refused.content.decode()
    )
    response = client.post(url, data)
    added = Task.objects.get(key="B.II.4")
    assert response.status_code == 302 and response.url == reverse("web:task", args=[added.pk])
    assert added.added_in.how == ProgramVersion.How.OFFICE
    assert {a.organization.code for a in added.assignments.all()} == {"qn.btctu", "qn.btgtu"}

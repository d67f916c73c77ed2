"""Đôn đốc: the office urges a body about its overdue and soon-due work in one action; the
body is told at once, the urging is kept with its list (the task's history shows it), and it
prints as a letter. Only the office urges, and only bodies below its own committee."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from docx import Document

from theodoi.orgs.models import Kind, Organization
from theodoi.programs.models import Assignment, Occurrence, Task
from theodoi.reporting.urging_letter import render_urging_letter
from theodoi.tracking.models import Notification, Role, Urging
from theodoi.tracking.policy import Action, allows
from theodoi.tracking.urging import UrgingError, urge, urgings_of_task

pytestmark = pytest.mark.django_db
TODAY = dt.date(2021, 7, 20)


@pytest.fixture
def work(one_task, member):
    """A owes task 1 (due 30/6/2021: 20 days overdue on TODAY) and task 2 (due 23/7/2021:
    soon due) and task 3 (due at the end of the year: not urged)."""
    for key, due in (("2", dt.date(2021, 7, 23)), ("3", dt.date(2021, 12, 31))):
        task = Task.objects.create(
            program=one_task.program, key=key, text=f"Nhiệm vụ số {key}", time_kind="deadline",
            lead=one_task.a, added_in=one_task.v1, position=int(key),
        )  # fmt: skip
        row = Assignment.objects.create(task=task, organization=one_task.a, leads=True)
        Occurrence.objects.create(assignment=row, due_date=due, label="Năm 2021", source="deadline")
    return {
        **vars(one_task),
        "monitor": member("vp", one_task.office, Role.MONITOR),
        "staff": member("cb", one_task.a, Role.STAFF, first_name="Nguyễn Thị Lan"),
        "head": member("tt", one_task.a, Role.HEAD),
        "b_staff": member("cb-b", one_task.b, Role.STAFF),
    }


def test_urging_lists_the_work_tells_the_body_once_and_is_in_the_task_history(work):
    urging = urge(
        work["monitor"], work["a"], message="Đề nghị báo cáo trước ngày 25/7.", today=TODAY
    )
    assert [(i["task_key"], i["due"], i["days_overdue"]) for i in urging.items] == [
        ("1", "2021-06-30", 20),
        ("2", "2021-07-23", 0),
    ]
    told = Notification.objects.filter(kind=Notification.Kind.URGED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["cb", "tt"]
    assert "Đề nghị báo cáo trước ngày 25/7." in told.first().text
    # The same urging sent twice (a double click) is one urging, told once.
    assert (
        urge(work["monitor"], work["a"], message="Đề nghị báo cáo trước ngày 25/7.", today=TODAY)
        == urging
    )
    assert Urging.objects.count() == 1 and told.count() == 2
    assert list(urgings_of_task(work["task"])) == [urging]
    # B owes nothing: nothing to urge, said so.
    with pytest.raises(UrgingError, match="không có việc quá hạn"):
        urge(work["monitor"], work["b"], today=TODAY)


def test_urging_from_a_task_names_that_task_only(work):
    urging = urge(work["monitor"], work["a"], task=work["task"], today=TODAY)
    assert [i["task_key"] for i in urging.items] == ["1"]
    assert Notification.objects.filter(kind="urged").first().link == f"/tasks/{work['task'].pk}/"


def test_the_letter_lists_the_overdue_items_in_the_administrative_format(work):
    urging = urge(work["monitor"], work["a"], today=TODAY)
    doc = Document(io.BytesIO(render_urging_letter(urging)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert "Kính gửi: Ban Tổ chức Tỉnh ủy." in text
    assert "CÔNG VĂN" in text and "đôn đốc" in text
    assert any("ĐẢNG CỘNG SẢN VIỆT NAM" in c or "CỘNG HÒA" in c for row in cells for c in row)
    listed = [row for row in cells if row and row[0].isdigit()]
    assert [(r[1].split(".")[0], r[3], r[4]) for r in listed] == [
        ("1", "30/06/2021", "20"),
        ("2", "23/07/2021", "sắp đến hạn"),
    ]
    assert doc.styles["Normal"].font.name == "Times New Roman"


def test_only_the_office_urges_and_only_within_its_committee(work, member):
    assert not allows(work["staff"], Action.URGE, work["b"])  # a body's staff
    assert not allows(work["head"], Action.URGE, work["b"])
    with pytest.raises(PermissionDenied):
        urge(work["staff"], work["a"], today=TODAY)
    with pytest.raises(PermissionDenied, match="chính cơ quan mình"):
        urge(work["monitor"], work["office"], today=TODAY)
    # A district's office may not urge a province body.
    district = Organization.objects.create(
        code="hu", name="Huyện ủy Sơn Tịnh", kind=Kind.PARTY_COMMITTEE, parent=work["committee"]
    )
    district_office = Organization.objects.create(
        code="hu.vp", name="Văn phòng Huyện ủy Sơn Tịnh", parent=district
    )
    district_monitor = member("vp-huyen", district_office, Role.MONITOR)
    assert allows(work["monitor"], Action.URGE, work["a"])
    with pytest.raises(PermissionDenied, match="cấp khác"):
        urge(district_monitor, work["a"], today=TODAY)
    assert not Urging.objects.exists()
    assert not Notification.objects.filter(kind="urged").exists()


def test_the_command_urges_and_writes_the_letter(work, tmp_path, capsys, monkeypatch):
    from django.core.management import call_command

    from theodoi.tracking import urging as service

    letter = tmp_path / "don-doc.docx"
    monkeypatch.setattr(service.timezone, "localdate", lambda *a: TODAY)  # the fixture's day
    call_command("urge", "vp", "a", "--letter", str(letter))
    out = capsys.readouterr().out
    assert "Đã đôn đốc Ban Tổ chức Tỉnh ủy: 2 việc" in out and "quá hạn 20 ngày" in out
    assert Document(io.BytesIO(letter.read_bytes())).tables
    with pytest.raises(SystemExit):
        call_command("urge", "cb", "b")
    assert "đôn đốc" in capsys.readouterr().err

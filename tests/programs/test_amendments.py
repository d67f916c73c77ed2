"""The office correcting the example program after import: each change a new version with
its diff, periods changed only from the change's day, reports kept, nobody owing a period
twice, and the document still recognised when it is uploaded again."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied

from theodoi.orgs.models import Organization
from theodoi.parsing import example_path
from theodoi.programs.amendments import AmendmentError, add_task, amend_task, withdraw_task
from theodoi.programs.importer import import_program
from theodoi.programs.models import Assignment, Occurrence, ProgramVersion, Task
from theodoi.tracking.leads import designate_lead
from theodoi.tracking.reports import save_report
from theodoi.tracking.status import occurrence_status

D = dt.date
ON = D(2021, 2, 1)  # the day the office makes its changes: before the first deadlines
KEY = "B.III.1.3/2"  # Ban Tổ chức leads, Ban Cán sự đảng UBND tỉnh coordinates; quý I/2021
WHY = "Thường trực Tỉnh ủy đồng ý điều chỉnh (Công văn số 15-CV/TU)."

pytestmark = pytest.mark.django_db


def task(key: str = KEY) -> Task:
    return Task.objects.select_related("lead").get(key=key, withdrawn_in__isnull=True)


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def owed(key: str, code: str) -> list[tuple[dt.date, str]]:
    """A body's periods on a task still asked for, by due date."""
    rows = Occurrence.objects.filter(
        assignment__task__key=key, assignment__organization__code=code
    ).exclude(status=Occurrence.Status.WITHDRAWN)
    return list(rows.order_by("due_date").values_list("due_date", "label"))


def no_period_owed_twice() -> None:
    rows = Occurrence.objects.exclude(status=Occurrence.Status.WITHDRAWN).values_list(
        "assignment_id", "due_date", "label"
    )
    twice = [key for key, n in Counter(rows).items() if n > 1]
    assert twice == []


def test_each_change_is_a_version_with_its_diff(users, example):
    monitor, first = users["monitor"], example.current_version
    version = amend_task(
        user=monitor, task=task(), reason=WHY, on=ON, time_text="30/6/2021",
        add_coordinators=["qn.btgtu"], text="Xây dựng Kế hoạch tinh giản biên chế (sửa).",
    )  # fmt: skip
    assert version.number == 2 and version.how == ProgramVersion.How.OFFICE
    assert (version.author, version.reason) == (monitor, WHY)
    assert version.source_name == f"Văn phòng sửa nhiệm vụ {KEY}"
    assert version.source_sha256 == first.source_sha256
    assert [c["field"] for c in version.changes] == ["text", "coordinators", "time"]
    time = version.changes[2]
    assert (time["task"], time["before"], time["after"]) == (KEY, "Trong quý I/2021", "30/6/2021")
    bodies = version.changes[1]
    assert bodies["added"] == ["Ban Tuyên giáo Tỉnh ủy"] and bodies["removed"] == []
    assert "Ban Tuyên giáo Tỉnh ủy" in bodies["after"]
    assert "Ban Tuyên giáo Tỉnh ủy" not in bodies["before"]
    changed = task()
    assert changed.changed_in == version and changed.text.endswith("(sửa).")
    assert (changed.time_kind, changed.needs_time) == ("deadline", False)
    assert owed(KEY, "qn.btctu") == [(D(2021, 6, 30), "Hạn 30/06/2021")]
    assert owed(KEY, "qn.btgtu") == [(D(2021, 6, 30), "Hạn 30/06/2021")]
    added = Assignment.objects.get(task=changed, organization__code="qn.btgtu")
    assert (added.coordinates, added.active_from) == (True, ON)
    # The next change is the next version.
    again = amend_task(user=monitor, task=changed, reason=WHY, on=ON, time_text="Quý III/2021")
    assert again.number == 3 and again.changes[0]["before"] == "30/6/2021"


def test_a_deadline_moved_after_a_report_keeps_the_report_where_it_was(users, example):
    before = Occurrence.objects.get(
        assignment__task=task(), assignment__organization__code="qn.btctu"
    )
    report = save_report(
        user=users["staff"], occurrence=before, expected_version=None, state="in_progress",
        percent=40, narrative="Đã xây dựng dự thảo kế hoạch.",
    )  # fmt: skip
    amend_task(user=users["monitor"], task=task(), reason=WHY, on=ON, time_text="30/6/2021")
    before.refresh_from_db()
    report.refresh_from_db()
    assert report.occurrence_id == before.pk
    assert (before.status, before.withdrawn_on) == (Occurrence.Status.WITHDRAWN, ON)
    # As of a day before the change the period was owed; from the change on, no longer.
    assert occurrence_status(before, as_of=ON - dt.timedelta(days=1)).bucket == "open_in_time"
    assert occurrence_status(before, as_of=ON).bucket == "withdrawn"
    assert owed(KEY, "qn.btctu") == [(D(2021, 6, 30), "Hạn 30/06/2021")]


def test_moving_a_deadline_back_and_forth_owes_each_period_once(users, example):
    monitor = users["monitor"]
    lead_row = Assignment.objects.get(task=task(), organization__code="qn.btctu")
    first = lead_row.occurrences.get()
    for typed in ("30/6/2021", "Trong quý I/2021", "30/6/2021", "Trong quý I/2021"):
        amend_task(user=monitor, task=task(), reason=WHY, on=ON, time_text=typed)
    # Two rows in all, one per period: the first one reopened, with its history.
    assert lead_row.occurrences.count() == 2
    assert owed(KEY, "qn.btctu") == [(D(2021, 3, 31), "Hạn 31/03/2021")]
    first.refresh_from_db()
    assert (first.status, first.withdrawn_on) == (Occurrence.Status.OPEN, None)
    no_period_owed_twice()


def test_a_time_not_understood_or_past_is_refused(users, example):
    monitor = users["monitor"]
    with pytest.raises(AmendmentError, match="Chưa hiểu thời gian “khi nào xong”"):
        amend_task(user=monitor, task=task(), reason=WHY, on=ON, time_text="khi nào xong")
    with pytest.raises(AmendmentError, match=r"từ ngày 01/02/2021 trở đi.*bãi bỏ"):
        amend_task(user=monitor, task=task(), reason=WHY, on=ON, time_text="Trong năm 2020")
    assert task().changed_in is None and example.versions.count() == 1


def test_removing_a_coordinator_ends_its_work_from_the_day(users, example):
    monitor = users["monitor"]
    theirs = Occurrence.objects.get(
        assignment__task=task(), assignment__organization__code="qn.bcsd-ubnd"
    )
    version = amend_task(
        user=monitor, task=task(), reason=WHY, on=ON, remove_bodies=["qn.bcsd-ubnd"]
    )
    entry = version.changes[0]
    assert entry["field"] == "coordinators" and entry["removed"] == [
        theirs.assignment.organization.name
    ]
    theirs.refresh_from_db()
    assert (theirs.status, theirs.withdrawn_on) == (Occurrence.Status.WITHDRAWN, ON)
    assert occurrence_status(theirs, as_of=D(2021, 1, 31)).bucket == "open_in_time"
    row = Assignment.objects.get(pk=theirs.assignment_id)
    assert row.active_to == ON - dt.timedelta(days=1) and row.coordinates  # kept as history
    # A later change of time gives the removed body nothing.
    amend_task(user=monitor, task=task(), reason=WHY, on=ON, time_text="30/6/2021")
    assert owed(KEY, "qn.bcsd-ubnd") == []
    assert owed(KEY, "qn.btctu") == [(D(2021, 6, 30), "Hạn 30/06/2021")]
    # Added back, it owes again from the day, on a row of its own.
    amend_task(user=monitor, task=task(), reason=WHY, on=ON, add_coordinators=["qn.bcsd-ubnd"])
    assert owed(KEY, "qn.bcsd-ubnd") == [(D(2021, 6, 30), "Hạn 30/06/2021")]
    assert Assignment.objects.filter(task=task(), organization__code="qn.bcsd-ubnd").count() == 2
    no_period_owed_twice()


def test_the_lead_is_removed_only_once_another_leads(users, example):
    monitor = users["monitor"]
    with pytest.raises(AmendmentError, match="là cơ quan chủ trì"):
        amend_task(user=monitor, task=task(), reason=WHY, on=ON, remove_bodies=["qn.btctu"])
    version = amend_task(
        user=monitor, task=task(), reason=WHY, on=ON, lead="qn.bcsd-ubnd",
        remove_bodies=["qn.btctu"],
    )  # fmt: skip
    assert [c["field"] for c in version.changes] == ["lead", "coordinators"]
    assert (version.changes[0]["before"], version.changes[0]["after"]) == (
        "Ban Tổ chức Tỉnh ủy",
        org("qn.bcsd-ubnd").name,
    )
    assert task().lead.code == "qn.bcsd-ubnd"
    assert owed(KEY, "qn.btctu") == []


def test_a_lead_not_yet_on_the_task_is_added_and_owes_from_the_day(users, example):
    flagged = task("B.III.1.1/2")
    assert flagged.needs_lead and flagged.lead is None
    version = amend_task(user=users["monitor"], task=flagged, reason=WHY, on=D(2021, 4, 1),
                         lead="qn.btctu")  # fmt: skip
    flagged = task("B.III.1.1/2")
    assert (flagged.lead.code, flagged.needs_lead, flagged.changed_in) == (
        "qn.btctu",
        False,
        version,
    )
    row = Assignment.objects.get(task=flagged, organization__code="qn.btctu")
    assert (row.leads, row.active_from) == (True, D(2021, 4, 1))
    # The task runs every half-year: the new lead owes the periods due from the day on.
    dues = [due for due, _ in owed("B.III.1.1/2", "qn.btctu")]
    assert dues[0] == D(2021, 6, 30) and dues[-1] == D(2025, 12, 31)
    others = [due for due, _ in owed("B.III.1.1/2", "qn.btgtu")]
    assert others[0] == D(2020, 6, 30)


def test_designating_a_lead_is_an_amendment_too(users, example):
    flagged = task("B.III.1.1/2")
    designate_lead(user=users["monitor"], task=flagged, organization=org("qn.btgtu"))
    version = example.current_version
    assert version.number == 2 and version.how == ProgramVersion.How.OFFICE
    assert version.changes[0]["field"] == "lead" and version.reason
    assert task("B.III.1.1/2").changed_in == version


@pytest.mark.parametrize("who", ["staff", "head", "leader"])
def test_only_the_office_amends(users, example, who):
    with pytest.raises(PermissionDenied, match="sửa nhiệm vụ của chương trình"):
        amend_task(user=users[who], task=task(), reason=WHY, on=ON, time_text="30/6/2021")
    with pytest.raises(PermissionDenied):
        withdraw_task(user=users[who], task=task(), reason=WHY, on=ON)
    with pytest.raises(PermissionDenied):
        add_task(user=users[who], program=example, reason=WHY, section="B.II", text="Việc mới",
                 lead="qn.btctu", time_text="Quý IV/2021", on=ON)  # fmt: skip
    assert example.versions.count() == 1


def test_what_cannot_be_done_says_why(users, example):
    monitor = users["monitor"]
    cases = [
        ({"reason": " ", "time_text": "30/6/2021"}, "Cần ghi lý do"),
        ({"reason": WHY}, "Không có gì thay đổi"),
        ({"reason": WHY, "time_text": "Trong quý I/2021"}, "Không có gì thay đổi"),
        ({"reason": WHY, "add_coordinators": ["qn.bcsd-ubnd"]}, "đã được giao thực hiện"),
        ({"reason": WHY, "add_coordinators": ["khong-co"]}, "Không có cơ quan “khong-co”"),
        ({"reason": WHY, "remove_bodies": ["qn.btgtu"]}, "không có trên nhiệm vụ này"),
        ({"reason": WHY, "text": "  "}, "không được để trống"),
    ]
    for given, message in cases:
        with pytest.raises(AmendmentError, match=message):
            amend_task(user=monitor, task=task(), on=ON, **given)
    assert example.versions.count() == 1


def test_withdrawing_a_task_keeps_what_was_done(users, example):
    version = withdraw_task(user=users["monitor"], task=task(), reason=WHY, on=ON)
    gone = Task.objects.get(key=KEY)
    assert gone.withdrawn_in == version and version.changes[0]["field"] == "withdrawn"
    assert version.source_name == f"Văn phòng bãi bỏ nhiệm vụ {KEY}"
    rows = Occurrence.objects.filter(assignment__task=gone)
    assert {(o.status, o.withdrawn_on) for o in rows} == {(Occurrence.Status.WITHDRAWN, ON)}
    with pytest.raises(AmendmentError, match="bãi bỏ"):
        amend_task(user=users["monitor"], task=gone, reason=WHY, on=ON, time_text="30/6/2021")


def test_adding_a_task_the_document_forgot(users, example):
    added = add_task(
        user=users["monitor"], program=example, reason=WHY, section="B.II",
        text="Tổng kết công tác bảo vệ chính trị nội bộ.", lead="qn.btctu",
        coordinators=["qn.btgtu"], time_text="Quý IV/2021", on=ON,
    )  # fmt: skip
    assert added.key == "B.II.4" and added.section.number == "B.II"
    version = added.added_in
    assert version.how == ProgramVersion.How.OFFICE and version.number == 2
    assert [c["field"] for c in version.changes] == ["added", "lead", "time", "coordinators"]
    assert all(c["task_id"] == added.pk for c in version.changes)
    assert (added.lead.code, added.needs_lead, added.time_kind) == ("qn.btctu", False, "deadline")
    assert owed("B.II.4", "qn.btctu") == [(D(2021, 12, 31), "Hạn 31/12/2021")]
    assert owed("B.II.4", "qn.btgtu") == [(D(2021, 12, 31), "Hạn 31/12/2021")]
    keys = list(
        example.tasks.filter(section__number="B.II")
        .order_by("position")
        .values_list("key", flat=True)
    )
    assert keys == ["B.II.1", "B.II.2", "B.II.3", "B.II.4"]
    with pytest.raises(AmendmentError, match=r"không có mục “Z\.9”"):
        add_task(user=users["monitor"], program=example, reason=WHY, section="Z.9",
                 text="Việc", lead="qn.btctu", time_text="Quý IV/2021", on=ON)  # fmt: skip


def test_the_original_document_uploaded_again_is_unchanged(users, example):
    amend_task(user=users["monitor"], task=task(), reason=WHY, on=ON, time_text="30/6/2021")
    summary = import_program(path=example_path())
    assert summary.unchanged and summary.version == 2
    assert example.versions.count() == 2
    assert owed(KEY, "qn.btctu") == [(D(2021, 6, 30), "Hạn 30/06/2021")]


def test_an_amended_document_after_office_changes_matches_the_tasks(users, example, tmp_path):
    monitor = users["monitor"]
    kept = task()
    amend_task(user=monitor, task=kept, reason=WHY, on=ON, time_text="30/6/2021",
               add_coordinators=["qn.btgtu"])  # fmt: skip
    added = add_task(user=monitor, program=example, reason=WHY, section="B.II", text="Việc mới.",
                     lead="qn.btctu", time_text="Quý IV/2021", on=ON)  # fmt: skip
    # The province's own amendment moves the same deadline to quý II/2021 (30/6/2021).
    text = example_path().read_text(encoding="utf-8")
    marker = "phối hợp với Ban Cán sự đảng Ủy ban nhân dân tỉnh.\n\n+ *Thời gian hoàn thành*: Trong quý I/2021."
    assert text.count(marker) == 1
    amended = tmp_path / "dieu-chinh.md"
    amended.write_text(text.replace(marker, marker.replace("quý I/", "quý II/")), encoding="utf-8")
    summary = import_program(path=amended)
    assert not summary.unchanged and summary.version == 4
    assert task().pk == kept.pk and KEY in summary.changed
    assert owed(KEY, "qn.btctu") == [(D(2021, 6, 30), "Hạn 30/06/2021")]
    # The document is the program now: what it does not name is withdrawn, kept.
    assert added.key in summary.removed
    assert owed(KEY, "qn.btgtu") == []
    no_period_owed_twice()

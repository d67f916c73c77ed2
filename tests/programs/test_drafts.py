"""The import draft: what the office checks and corrects before a document is tracked, and
the confirmation that stores exactly that (``theodoi.programs.drafts``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.utils import timezone

from theodoi.orgs.models import Alias, Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.programs import drafts
from theodoi.programs.drafts import DraftError
from theodoi.programs.models import Assignment, Occurrence, PendingImport, Program, Task

pytestmark = pytest.mark.django_db

DOCUMENT = Path(__file__).parent / "data" / "ke-hoach-chuyen-doi-so.md"


@pytest.fixture
def office():
    load_registry_file(None)
    return get_user_model().objects.create_user("vanphong", password="mat-khau-thu")


def upload(user, path: Path = DOCUMENT, **options) -> PendingImport:
    return drafts.receive(user=user, name=path.name, chunks=[path.read_bytes()], options=options)


def again(user, pending: PendingImport) -> PendingImport:
    """The upload as a new request finds it (a reload, another session of the same person)."""
    found = drafts.pending_for(user=user, token=pending.token)
    assert found is not None
    return found


def view(pending: PendingImport, task_id: str) -> drafts.TaskView:
    return drafts.task_view(pending, task_id)


def codes(task_view: drafts.TaskView, role: str) -> list[str]:
    return [b.code for b in task_view.bodies if role in b.roles]


def stored(key: str) -> Task:
    return Task.objects.get(key=key, withdrawn_in__isnull=True)


def bodies(task: Task, role: str) -> set[str]:
    return set(
        task.assignments.filter(**{role: True}, organization__isnull=False).values_list(
            "organization__code", flat=True
        )
    )


def test_an_upload_lists_every_task_with_its_bodies_time_and_dates(office):
    pending = upload(office)
    views = drafts.task_views(pending)
    assert [v.id for v in views] == ["II.1", "II.2", "II.3", "II.4", "II.5"]
    first = views[0]
    assert first.lead.code == "qn.btctu"
    assert codes(first, "coordinates") == ["qn.vptu"]
    assert first.time_text == "Quý IV/2026"
    assert [p.due for p in first.periods] == [dt.date(2026, 12, 31)]
    # What the registry does not know is listed, undecided, with the tasks naming it.
    names = {n["name"]: n for n in drafts.unknown_names(pending)}
    assert set(names) == {"Trung tâm Dữ liệu tỉnh", "Trung tâm"}
    assert names["Trung tâm"]["tasks"] == ["II.3"] and names["Trung tâm"]["decision"] == ""
    assert view(pending, "II.3").needs_review


def test_corrections_survive_a_reload_and_are_listed_in_order(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="time", task="II.5", text="Quý III/2026")
    drafts.correct(user=office, pending=again(office, pending), op="text", task="II.4",
                   text="Vận động nhân dân dùng dịch vụ công trực tuyến.")  # fmt: skip
    reloaded = again(office, pending)
    assert view(reloaded, "II.5").time_text == "Quý III/2026"
    assert [p.due for p in view(reloaded, "II.5").periods] == [dt.date(2026, 9, 30)]
    assert view(reloaded, "II.4").text == "Vận động nhân dân dùng dịch vụ công trực tuyến."
    assert [c["op"] for c in reloaded.corrections] == ["time", "text"]
    assert reloaded.corrections[0]["before"]["time"] == "trong năm 2026"
    # The parser's reading is kept as it was.
    assert reloaded.parsed["tasks"][4]["time"]["text"] == "trong năm 2026"


def test_a_time_not_understood_is_refused_and_nothing_changes(office):
    pending = upload(office)
    with pytest.raises(DraftError, match="Không hiểu thời gian"):
        drafts.correct(user=office, pending=pending, op="time", task="II.1", text="sớm nhất")
    reloaded = again(office, pending)
    assert view(reloaded, "II.1").time_text == "Quý IV/2026"
    assert reloaded.corrections == []


def test_a_new_lead_takes_over_and_the_old_one_coordinates(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="lead", task="II.1", body="qn.vptu")
    task = view(again(office, pending), "II.1")
    assert task.lead.code == "qn.vptu"
    assert codes(task, "coordinates") == ["qn.btctu"]
    with pytest.raises(DraftError, match="Không có cơ quan mã"):
        drafts.correct(user=office, pending=pending, op="lead", task="II.1", body="khong.co")


def test_merge_split_remove_and_add(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="merge", task="II.4", other="II.5")
    merged = view(again(office, pending), "II.4")
    assert merged.text.startswith("Ban Dân vận Tỉnh ủy chủ trì vận động")
    assert "hướng dẫn các đoàn thể" in merged.text
    assert codes(merged, "leads") == ["qn.bdvtu"]  # one body named twice: one entry
    assert [v.id for v in drafts.task_views(again(office, pending))] == [
        "II.1", "II.2", "II.3", "II.4"
    ]  # fmt: skip
    # The text's second sentence is its time ("Thời gian: thường xuyên."); the third starts
    # what was II.5.
    drafts.correct(user=office, pending=pending, op="split", task="II.4", at=2)
    ids = [v.id for v in drafts.task_views(again(office, pending))]
    assert ids == ["II.1", "II.2", "II.3", "II.4", "II.4-2"]
    assert view(again(office, pending), "II.4-2").text.startswith(
        "Ban Dân vận Tỉnh ủy chủ trì hướng"
    )
    drafts.correct(user=office, pending=pending, op="remove", task="II.4-2")
    drafts.correct(user=office, pending=pending, op="add", section="II", after="II.1",
                   text="Rà soát hạ tầng mạng.")  # fmt: skip
    ids = [v.id for v in drafts.task_views(again(office, pending))]
    assert ids == ["II.1", "II-2", "II.2", "II.3", "II.4"]
    with pytest.raises(DraftError, match="một câu"):
        drafts.correct(user=office, pending=pending, op="split", task="II-2", at=1)


def test_a_fragment_mapped_away_leaves_no_alias_and_no_body(office):
    pending = upload(office)
    aliases = Alias.objects.count()
    drafts.correct(user=office, pending=pending, op="fragment", name="Trung tâm")
    drafts.correct(user=office, pending=pending, op="map", name="Trung tâm Dữ liệu tỉnh",
                   body="qn.vptu", alias=False)  # fmt: skip
    task = view(again(office, pending), "II.3")
    assert [b.code for b in task.bodies] == ["qn.vptu"]
    drafts.confirm(user=office, pending=again(office, pending))
    assert Alias.objects.count() == aliases
    assert not Organization.objects.filter(name__in=["Trung tâm", "Trung tâm Dữ liệu tỉnh"])
    assert bodies(stored("II.3"), "leads") == {"qn.vptu"}


def test_a_mapping_asked_to_be_remembered_becomes_an_alias(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="fragment", name="Trung tâm")
    drafts.correct(user=office, pending=pending, op="map", name="Trung tâm Dữ liệu tỉnh",
                   body="qn.vptu", alias=True)  # fmt: skip
    drafts.confirm(user=office, pending=again(office, pending))
    alias = Alias.objects.get(name="Trung tâm Dữ liệu tỉnh")
    assert alias.organization.code == "qn.vptu"
    assert not Alias.objects.filter(name="Trung tâm").exists()


def test_two_names_of_one_task_mapped_to_one_body_give_one_assignment(office):
    pending = upload(office)
    for name in ("Trung tâm Dữ liệu tỉnh", "Trung tâm"):
        drafts.correct(user=office, pending=pending, op="map", name=name, body="qn.vptu")
    task = view(again(office, pending), "II.3")
    assert [b.code for b in task.bodies] == ["qn.vptu"]
    assert "leads" in task.bodies[0].roles
    assert "coordinates" not in task.bodies[0].roles  # the lead does not also coordinate
    drafts.confirm(user=office, pending=again(office, pending))
    rows = Assignment.objects.filter(task=stored("II.3"), organization__code="qn.vptu")
    assert rows.count() == 1
    dues = Occurrence.objects.filter(assignment__in=rows).values_list("due_date", flat=True)
    assert list(dues) == [dt.date(2027, 6, 30)]  # owed once


def test_a_body_created_in_the_draft_is_stored_with_its_kind_level_and_parent(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="create", name="Trung tâm Dữ liệu tỉnh",
                   body_name="Trung tâm Dữ liệu tỉnh Quảng Ngãi", kind="other",
                   level="province", parent="qn.ubnd")  # fmt: skip
    drafts.correct(user=office, pending=pending, op="fragment", name="Trung tâm")
    task = view(again(office, pending), "II.3")
    assert task.lead.new and task.lead.name == "Trung tâm Dữ liệu tỉnh Quảng Ngãi"
    assert not Organization.objects.filter(name="Trung tâm Dữ liệu tỉnh Quảng Ngãi").exists()
    done = drafts.confirm(user=office, pending=again(office, pending))
    body = Organization.objects.get(name="Trung tâm Dữ liệu tỉnh Quảng Ngãi")
    assert (body.level, body.parent.code, body.unresolved) == ("province", "qn.ubnd", False)
    assert done.created == [body]
    assert stored("II.3").lead == body


def test_the_confirmed_program_is_what_the_office_saw(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="lead", task="II.2", body="qn.bdvtu")
    drafts.correct(user=office, pending=pending, op="add_body", task="II.2", body="qn.vptu",
                   role="coordinates")  # fmt: skip
    drafts.correct(user=office, pending=pending, op="time", task="II.5", text="30/9/2026")
    drafts.correct(user=office, pending=pending, op="merge", task="II.1", other="II.4")
    drafts.correct(user=office, pending=pending, op="create", name="Trung tâm Dữ liệu tỉnh",
                   body_name="Trung tâm Dữ liệu tỉnh", level="province")  # fmt: skip
    drafts.correct(user=office, pending=pending, op="fragment", name="Trung tâm")
    seen = drafts.task_views(again(office, pending))
    done = drafts.confirm(user=office, pending=again(office, pending))
    program = done.program
    tasks = list(program.tasks.order_by("position"))
    assert [t.key for t in tasks] == [v.id for v in seen]
    for task, shown in zip(tasks, seen, strict=True):
        assert task.text == shown.text
        assert task.time_text == shown.time_text
        assert task.lead.code == shown.lead.code.removeprefix(drafts.NEW) or (
            task.lead.name == shown.lead.name
        )
        assert bodies(task, "coordinates") == {
            b.code for b in shown.bodies if "coordinates" in b.roles and not b.new
        }
        owed = sorted({o.due_date for o in Occurrence.objects.filter(assignment__task=task)})
        assert owed == sorted({p.due for p in shown.periods})
    # The version says who confirmed it and what was corrected; the audit trail too.
    version = program.versions.get()
    assert version.author == office
    assert [c["op"] for c in version.corrections] == [
        "lead", "add_body", "time", "merge", "create", "fragment"
    ]  # fmt: skip
    entries = LogEntry.objects.get_for_object(version)
    assert entries.filter(action=LogEntry.Action.CREATE).get().actor == office
    assert {e.actor for e in LogEntry.objects.get_for_objects(program.tasks.all())} == {office}
    assert not PendingImport.objects.exists()


def test_confirm_is_all_or_nothing(office, monkeypatch):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="create", name="Trung tâm Dữ liệu tỉnh",
                   body_name="Trung tâm Dữ liệu tỉnh")  # fmt: skip
    programs, bodies_before = Program.objects.count(), Organization.objects.count()

    def fails(*args, **kwargs):
        raise drafts.ProgramImportError("hỏng giữa chừng")

    # The tasks are written, then the last step fails: nothing of it may stay.
    real = drafts.import_program

    def half_way(**kwargs):
        real(**kwargs)
        fails()

    monkeypatch.setattr(drafts, "import_program", half_way)
    with pytest.raises(DraftError, match="hỏng giữa chừng"):
        drafts.confirm(user=office, pending=again(office, pending))
    assert Program.objects.count() == programs
    assert Organization.objects.count() == bodies_before
    assert again(office, pending).corrections  # the upload and its corrections are kept


def test_an_alias_taken_by_another_body_is_refused_whole(office):
    pending = upload(office)
    drafts.correct(user=office, pending=pending, op="create", name="Trung tâm",
                   body_name="Trung tâm Điều hành")  # fmt: skip
    drafts.correct(user=office, pending=pending, op="map", name="Trung tâm Dữ liệu tỉnh",
                   body="qn.vptu", alias=True)  # fmt: skip
    # Meanwhile an administrator gave that name to another body.
    other = Organization.objects.get(code="qn.btgtu")
    Alias.objects.create(name="Trung tâm Dữ liệu tỉnh", organization=other)
    with pytest.raises(DraftError, match="đã là tên gọi khác"):
        drafts.confirm(user=office, pending=again(office, pending))
    assert not Program.objects.exists()
    assert not Organization.objects.filter(name="Trung tâm Điều hành").exists()


def test_a_name_the_registry_knows_is_read_as_its_body(office):
    Alias.objects.create(
        name="Trung tâm Dữ liệu tỉnh", organization=Organization.objects.get(code="qn.btgtu")
    )
    pending = upload(office)
    assert "Trung tâm Dữ liệu tỉnh" not in {n["name"] for n in drafts.unknown_names(pending)}
    assert view(pending, "II.3").lead.code == "qn.btgtu"


def test_a_document_without_tasks_cannot_be_confirmed(office, tmp_path):
    report = tmp_path / "bao-cao.md"
    report.write_text(
        "TỈNH ỦY QUẢNG NGÃI\n\nBÁO CÁO\n\nkết quả công tác tháng 11 năm 2026\n\n"
        "Trong tháng, các cơ quan đã hoàn thành tốt nhiệm vụ được giao.\n",
        encoding="utf-8",
    )
    pending = upload(office, report)
    assert drafts.task_views(pending) == []
    with pytest.raises(DraftError, match="không đọc được nhiệm vụ nào"):
        drafts.confirm(user=office, pending=pending)
    assert not Program.objects.exists()


def test_the_same_file_again_is_unchanged_whatever_was_corrected(office):
    first = upload(office)
    drafts.correct(user=office, pending=first, op="time", task="II.5", text="30/9/2026")
    drafts.confirm(user=office, pending=again(office, first))
    second = upload(office)
    assert drafts.impact(second).unchanged
    done = drafts.confirm(user=office, pending=second)
    assert done.summary.unchanged
    assert stored("II.5").time_text == "30/9/2026"


def test_an_upload_belongs_to_its_owner_for_a_day(office):
    pending = upload(office)
    other = get_user_model().objects.create_user("khac", password="x")
    assert drafts.pending_for(user=other, token=pending.token) is None
    assert drafts.pending_for(user=office, token="../../etc") is None
    PendingImport.objects.filter(pk=pending.pk).update(expires_at=timezone.now())
    assert drafts.pending_for(user=office, token=pending.token) is None
    drafts.remove_expired()
    assert not PendingImport.objects.exists()

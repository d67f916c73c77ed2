"""`theodoi import`: the example program into the database, re-imports, amendments."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import ParseError, example_path
from theodoi.programs.importer import ProgramImportError, import_program
from theodoi.programs.models import Assignment, Occurrence, Program, Task

D = dt.date
DISTRICTS_AND_AFFILIATED = 13 + 5

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    load_registry_file(None)


@pytest.fixture
def example(registry):
    return import_program(path=example_path())


def task(key: str) -> Task:
    return Task.objects.get(key=key, withdrawn_in__isnull=True)


def dues(key: str, org_code: str) -> list[dt.date]:
    return list(
        Occurrence.objects.filter(
            assignment__task__key=key,
            assignment__organization__code=org_code,
            assignment__task__withdrawn_in__isnull=True,
        )
        .exclude(status=Occurrence.Status.WITHDRAWN)
        .order_by("due_date")
        .values_list("due_date", flat=True)
    )


def test_the_example_goes_in_whole(example):
    assert example.program == "CTHD-TINHUY-2020-2025"
    assert example.number_derived
    assert example.version == 1
    assert example.tasks == 106  # 100 in section III, 6 written as prose in I and II
    assert example.added and len(example.added) == 106
    program = Program.objects.get(number=example.program)
    assert (program.term_start, program.term_end) == (2020, 2025)
    assert program.issuer.code == "qn.tu"
    assert program.tasks.filter(section__number__startswith="B.III.").count() == 100
    assert program.sections.get(number="B.III.1.1").parent.number == "B.III.1"
    assert example.unresolved == []
    assert example.occurrences == Occurrence.objects.count()


def test_a_group_gives_each_member_its_own_assignment(example):
    rows = Assignment.objects.filter(task=task("B.III.1.1/2"))
    group_row = rows.get(group__code="qn.g.huyen-thi-thanh-dang-uy-truc-thuoc", organization=None)
    assert (group_row.advises, group_row.implements) == (True, True)
    members = rows.filter(via_group__code="qn.g.huyen-thi-thanh-dang-uy-truc-thuoc")
    assert members.count() == DISTRICTS_AND_AFFILIATED
    assert {m.organization.code for m in members} >= {"qn.hu-lyson", "qn.thiu-ducpho", "qn.duca"}
    assert all(m.advises and m.implements and not m.directs for m in members)
    # "các cơ quan liên quan" stays on the task as written, and owes nothing itself.
    unnamed = rows.get(group__code="g.co-quan-lien-quan")
    assert unnamed.organization is None and not unnamed.occurrences.exists()


def test_occurrences_follow_the_time_of_each_task(example):
    # A deadline: one occurrence; a directing body owes none.
    assert dues("B.III.1.1/1", "qn.btgtu") == [D(2021, 3, 31)]
    assert dues("B.III.1.1/1", "qn.btv") == []
    # "Thường xuyên": one reporting period per half-year of the term.
    half_years = dues("B.III.1.1/2", "qn.btgtu")
    assert len(half_years) == 12
    assert (half_years[0], half_years[-1]) == (D(2020, 6, 30), D(2025, 12, 31))
    # The same for each member of the group.
    assert len(dues("B.III.1.1/2", "qn.hu-bato")) == 12
    # "Hàng năm": one per year of the term.
    assert dues("B.III.1.3/10", "qn.btctu") == [D(year, 12, 31) for year in range(2020, 2026)]
    # "Năm 2021 và những năm tiếp theo": one per year from 2021.
    assert dues("B.III.1.3/7", "qn.btctu") == [D(year, 12, 31) for year in range(2021, 2026)]
    # "Năm 2021 và hàng năm".
    assert dues("B.III.3.6/3", "qn.ubnd") == [D(year, 12, 31) for year in range(2021, 2026)]
    # "Chậm nhất năm 2025".
    assert dues("B.III.3.5/7", "qn.ubnd") == [D(2025, 12, 31)]
    # "Tháng 9/2021", a lead with "các cơ quan liên quan".
    assert dues("B.III.1.2/4", "qn.btctu") == [D(2021, 9, 30)]
    # "Trong năm 2020 (...) và hàng năm (...)": the term programme, then every year.
    compound = dues("B.III.1.4/1", "qn.ubkttu")
    assert compound.count(D(2020, 12, 31)) == 2 and len(compound) == 7
    # Prose milestones: quý I/2021, then tháng 4/2021 at the grassroots level.
    assert dues("B.I.2", "qn.hu-sonha") == [D(2021, 3, 31), D(2021, 4, 30)]
    assert dues("B.I.1", "qn.btgtu") == [D(2020, 12, 31)]
    # The mass media group has no fixed members: the directing body answers for the task.
    assert dues("B.I.3", "qn.btgtu") == [D(2020, 12, 31), D(2021, 4, 30)]


def test_importing_the_same_document_again_changes_nothing(example):
    counts = (Task.objects.count(), Assignment.objects.count(), Occurrence.objects.count())
    again = import_program(path=example_path())
    assert again.unchanged
    assert (again.added, again.removed, again.changed) == ([], [], [])
    assert (again.tasks, again.occurrences) == (example.tasks, example.occurrences)
    assert (Task.objects.count(), Assignment.objects.count(), Occurrence.objects.count()) == counts
    assert Program.objects.get().versions.count() == 1


def amended_copy(tmp_path):
    text = example_path().read_text(encoding="utf-8")
    removed = (
        "- Tăng cường bảo vệ chính trị nội bộ, nhất là vấn đề chính trị hiện nay.\n\n"
        "- + *Cơ quan chỉ đạo:* Ban Thường vụ Tỉnh ủy.\n\n"
        "+ *Cơ quan tham mưu:* Ban Tổ chức Tỉnh ủy, Ban Thường vụ cấp ủy cấp huyện và tương đương.\n\n"
        "- + *Thời gian thực hiện:* Thường xuyên.\n\n"
    )
    assert removed in text
    text = text.replace(removed, "")
    reworded = "- Ban hành và thực hiện hiệu quả Chỉ thị về tăng cường sự lãnh đạo"
    text = text.replace(
        reworded, "- Ban hành và tổ chức thực hiện có hiệu quả Chỉ thị về tăng cường sự lãnh đạo"
    )
    moved = (
        "- Nghiên cứu xây dựng, ban hành và triển khai hiệu quả Chỉ thị về tăng cường xây dựng "
        "Đảng về đạo đức.\n\n+ *Cơ quan chỉ đạo, ban hành:* Ban Thường vụ Tỉnh ủy.\n\n"
        "+ *Cơ quan tham mưu:* Ban Tuyên giáo Tỉnh ủy.\n\n+ *Thời gian hoàn thành:* Trong quý I/2021."
    )
    assert moved in text
    text = text.replace(moved, moved.replace("quý I/2021", "quý III/2021"))
    anchor = "1.2. Đặc biệt coi trọng xây dựng Đảng về đạo đức\n\n"
    added = (
        "- Xây dựng Đề án số hóa hồ sơ đảng viên.\n\n+ *Cơ quan chỉ đạo:* Ban Thường vụ Tỉnh ủy.\n\n"
        "+ *Cơ quan tham mưu:* Văn phòng Tỉnh ủy.\n\n+ *Thời gian hoàn thành:* Trong năm 2022.\n\n"
    )
    text = text.replace(anchor, anchor + added)
    path = tmp_path / "chuong-trinh-dieu-chinh.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_amended_document_makes_a_new_version_with_exactly_its_changes(example, tmp_path):
    before = {t.key: t.pk for t in Task.objects.all()}
    reworded_pk = before["B.III.1.1/1"]
    moved_pk = before["B.III.1.2/1"]
    removed_pk = before["B.III.1.3/12"]

    summary = import_program(path=amended_copy(tmp_path))

    assert summary.version == 2
    assert summary.added == ["B.III.1.2/1"]
    assert summary.removed == ["B.III.1.3/12"]
    assert sorted(summary.changed) == ["B.III.1.1/1", "B.III.1.2/2"]
    assert summary.tasks == 106
    # Identities kept: the reworded and the moved task are the same rows.
    reworded = Task.objects.get(pk=reworded_pk)
    assert reworded.text.startswith("Ban hành và tổ chức thực hiện có hiệu quả")
    assert reworded.changed_in.number == 2
    moved = Task.objects.get(pk=moved_pk)
    assert moved.key == "B.III.1.2/2" and moved.changed_in.number == 2
    assert dues("B.III.1.2/2", "qn.btgtu") == [D(2021, 9, 30)]
    withdrawn = Occurrence.objects.filter(assignment__task=moved, due_date=D(2021, 3, 31))
    assert [o.status for o in withdrawn] == [Occurrence.Status.WITHDRAWN]
    # Nothing is deleted: the removed task is withdrawn by version 2.
    removed = Task.objects.get(pk=removed_pk)
    assert removed.withdrawn_in.number == 2
    assert not removed.assignments.filter(occurrences__status=Occurrence.Status.OPEN).exists()
    assert Task.objects.get(key="B.III.1.2/1", withdrawn_in__isnull=True).added_in.number == 2


def test_a_document_that_cannot_be_read_writes_nothing(registry, tmp_path):
    bad = tmp_path / "hong.docx"
    bad.write_bytes(b"not a word file")
    with pytest.raises(ParseError):
        import_program(path=bad)
    assert not Program.objects.exists() and not Task.objects.exists()


def test_unknown_bodies_become_unresolved_for_review(registry, tmp_path):
    path = tmp_path / "ke-hoach.md"
    path.write_text(
        "KẾ HOẠCH\n\nI. NHIỆM VỤ\n\n- Xây dựng danh mục dự án kêu gọi đầu tư.\n\n"
        "+ Cơ quan thực hiện: Trung tâm Xúc tiến Đầu tư tỉnh.\n\n"
        "+ Thời gian hoàn thành: Quý II/2021.\n",
        encoding="utf-8",
    )
    summary = import_program(path=path, number="12/KH-UBND")
    assert summary.program == "12/KH-UBND" and not summary.number_derived
    assert summary.unresolved == ["Trung tâm Xúc tiến Đầu tư tỉnh"]
    assert Organization.objects.get(unresolved=True).name == "Trung tâm Xúc tiến Đầu tư tỉnh"
    assert dues("I/1", Organization.objects.get(unresolved=True).code) == [D(2021, 6, 30)]


def test_the_import_command_prints_a_json_summary(registry):
    out = StringIO()
    call_command("import", str(example_path()), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) >= {"program", "sections", "tasks", "assignments", "occurrences",
                         "unresolved", "warnings", "added", "removed", "changed"}  # fmt: skip
    assert (data["tasks"], data["added"], data["removed"], data["changed"]) == (106, 106, 0, 0)
    again = StringIO()
    call_command("import", str(example_path()), stdout=again)
    assert "không đổi" in again.getvalue()


def test_two_district_committees_merged_with_the_example_in_flight(example):
    """Sơn Tịnh and Tư Nghĩa merged into one committee on 1 July 2025: what they still owe
    from that date is the successor's; what fell due before stays theirs."""
    from theodoi.programs.succession import record_reorganization

    before = dues("B.III.1.1/2", "qn.hu-sontinh")
    assert before[-2:] == [D(2025, 6, 30), D(2025, 12, 31)]
    record_reorganization(
        kind="merge",
        effective=D(2025, 7, 1),
        predecessors=["qn.hu-sontinh", "qn.hu-tunghia"],
        new_code="qn.du-sontinh-tunghia",
        new_name="Đảng ủy Sơn Tịnh - Tư Nghĩa",
    )
    assert dues("B.III.1.1/2", "qn.hu-sontinh") == before[:-1]
    assert dues("B.III.1.1/2", "qn.hu-tunghia")[-1] == D(2025, 6, 30)
    # The successor owes the second half of 2025 once, though two bodies passed it on.
    assert dues("B.III.1.1/2", "qn.du-sontinh-tunghia") == [D(2025, 12, 31)]
    successor = Assignment.objects.get(
        task=task("B.III.1.1/2"), organization__code="qn.du-sontinh-tunghia"
    )
    assert successor.transferred_from.organization.code in {"qn.hu-sontinh", "qn.hu-tunghia"}
    assert successor.active_from == D(2025, 7, 1)
    assert Organization.objects.get(code="qn.hu-sontinh").valid_to == D(2025, 6, 30)


def test_the_import_command_answers_bad_input_with_one_line(registry, tmp_path, capsys):
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(bad))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]
    assert not Program.objects.exists()
    with pytest.raises(SystemExit):
        call_command("import", str(example_path()), "--amends", "KHONG-CO")
    assert "không có chương trình số KHONG-CO" in capsys.readouterr().err
    assert not Program.objects.exists()


def test_a_lower_level_program_links_to_the_task_it_implements(example, tmp_path):
    path = tmp_path / "huyen-uy.md"
    path.write_text(
        "HUYỆN ỦY BÌNH SƠN\n\nSố 05-CTr/HU\n\nCHƯƠNG TRÌNH HÀNH ĐỘNG\n\nI. NHIỆM VỤ\n\n"
        "- Quán triệt Nghị quyết trong toàn Đảng bộ huyện.\n\n"
        "+ Cơ quan thực hiện: Huyện ủy Bình Sơn.\n\n+ Thời gian thực hiện: Hằng năm.\n",
        encoding="utf-8",
    )
    summary = import_program(path=path, parent=example.program, parent_task="B.II.1")
    lower = Program.objects.get(number="05-CTr/HU")
    assert summary.program == "05-CTr/HU"
    assert lower.parent_program.number == example.program
    assert lower.parent_task.key == "B.II.1"
    assert (lower.term_start, lower.term_end) == (2020, 2025)  # the parent's term
    assert len(dues("I/1", "qn.hu-binhson")) == 6
    with pytest.raises(ProgramImportError, match=r"không có nhiệm vụ B\.IX"):
        import_program(path=path, number="06-CTr/HU", parent=example.program, parent_task="B.IX")
    assert not Program.objects.filter(number="06-CTr/HU").exists()


def test_each_task_has_one_lead_or_is_flagged_for_the_office(example):
    assert task("B.III.1.3/2").lead.code == "qn.btctu"  # "Ban Tổ chức Tỉnh ủy chủ trì"
    assert not task("B.III.1.3/2").needs_lead
    assert task("B.III.1.1/1").lead.code == "qn.btgtu"  # the only advising body
    assert task("B.III.3.5/7").lead.code == "qn.ubnd"  # the only implementing body
    # Several bodies and groups, no lead named: the office designates one.
    several = task("B.III.1.1/2")
    assert several.lead is None and several.needs_lead
    flagged = Task.objects.filter(needs_lead=True).count()
    assert 0 < flagged < 30


def test_an_amendment_takes_the_new_date_and_signer_but_keeps_the_number(example, tmp_path):
    text = example_path().read_text(encoding="utf-8").replace("Bùi Thị Quỳnh Vân", "Lê Viết Chữ")
    path = tmp_path / "dieu-chinh.md"
    path.write_text(text, encoding="utf-8")
    summary = import_program(path=path, amends=example.program)
    program = Program.objects.get(number=example.program)
    assert summary.version == 2 and (summary.added, summary.removed, summary.changed) == (
        [],
        [],
        [],
    )
    assert program.signer["name"] == "Lê Viết Chữ"


def test_another_unnumbered_program_of_the_same_issuer_is_not_taken_for_an_amendment(
    example, tmp_path
):
    path = tmp_path / "chuong-trinh-khac.md"
    path.write_text(
        "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA TỈNH ỦY\n\nthực hiện Nghị quyết về chuyển đổi số, nhiệm kỳ 2020 - 2025\n\n"
        "I. NHIỆM VỤ\n\n- Xây dựng Đề án chuyển đổi số.\n\n+ Cơ quan tham mưu: Văn phòng Tỉnh ủy.\n\n"
        "+ Thời gian hoàn thành: Năm 2022.\n",
        encoding="utf-8",
    )
    other = import_program(path=path)
    assert other.version == 1 and other.program.startswith(example.program + "-")
    assert Program.objects.count() == 2
    assert (
        Task.objects.filter(program__number=example.program, withdrawn_in__isnull=True).count()
        == 106
    )
    assert import_program(path=path).unchanged

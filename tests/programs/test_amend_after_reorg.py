"""Amendments imported after a reorganisation, and the day an amendment withdraws work.

A small province: three districts, a group of them, and a program with three tasks. The
districts are merged, split or abolished in mid-2025; an amendment drafted from the old
text still names them. Its names mean the successors, said in the version's warnings, and
nobody owes a period twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.programs.importer import import_program
from theodoi.programs.models import Assignment, Occurrence, Program, Task
from theodoi.programs.succession import record_reorganization
from theodoi.tracking.status import occurrence_status

D = dt.date
EFFECTIVE = D(2025, 7, 1)
YEARS = [D(year, 12, 31) for year in range(2021, 2026)]

pytestmark = pytest.mark.django_db

REGISTRY = """
[registry]
name = "Tỉnh thử"

[[org]]
id = "t.tu"
name = "Tỉnh ủy"
aliases = ["Tỉnh ủy Thử"]
kind = "party_committee"
level = "province"

[[org]]
id = "t.btv"
name = "Ban Thường vụ Tỉnh ủy"
kind = "standing_committee"
level = "province"

[[org]]
id = "t.hu-anphu"
name = "Huyện ủy An Phú"
kind = "party_committee"
level = "district"
parent = "t.tu"

[[org]]
id = "t.hu-binhphu"
name = "Huyện ủy Bình Phú"
kind = "party_committee"
level = "district"
parent = "t.tu"

[[org]]
id = "t.hu-catphu"
name = "Huyện ủy Cát Phú"
kind = "party_committee"
level = "district"
parent = "t.tu"

[[group]]
id = "t.g.huyen-uy"
name = "Các huyện ủy"
members = ["t.hu-anphu", "t.hu-binhphu", "t.hu-catphu"]
"""

# The program's tasks, as the first version words them.
PLAN = (
    "- Xây dựng kế hoạch phát triển kinh tế vùng.\n\n"
    "+ Cơ quan chỉ đạo: Ban Thường vụ Tỉnh ủy.\n\n"
    "+ Cơ quan thực hiện: Huyện ủy An Phú chủ trì, phối hợp với Huyện ủy Bình Phú.\n\n"
    "+ Thời gian thực hiện: Hằng năm.\n\n"
)
REVIEW = (
    "- Sơ kết việc thực hiện Nghị quyết ở cơ sở.\n\n"
    "+ Cơ quan thực hiện: Các huyện ủy.\n\n"
    "+ Thời gian thực hiện: Hằng năm.\n\n"
)
VILLAGES = (
    "- Xây dựng đề án sắp xếp thôn, tổ dân phố.\n\n"
    "+ Cơ quan thực hiện: Huyện ủy Cát Phú.\n\n"
    "+ Thời gian hoàn thành: Năm 2025.\n\n"
)
# Added by the amendment, still naming a merged district.
MODELS = (
    "- Tổng kết mô hình dân vận khéo.\n\n"
    "+ Cơ quan thực hiện: Huyện ủy Bình Phú.\n\n"
    "+ Thời gian thực hiện: Hằng năm.\n\n"
)


def document(day: dt.date | None, *tasks: str) -> str:
    dated = f"Thử, ngày {day.day} tháng {day.month} năm {day.year}\n\n" if day else ""
    return (
        f"TỈNH ỦY THỬ\n\nSố 01-CTr/TU\n\n{dated}CHƯƠNG TRÌNH HÀNH ĐỘNG\n\n"
        "thực hiện Nghị quyết Đại hội, nhiệm kỳ 2021 - 2025\n\nI. NHIỆM VỤ\n\n" + "".join(tasks)
    )


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def program(tmp_path, write):
    registry = tmp_path / "orgs.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    load_registry_file(registry)
    summary = import_program(path=write("v1.md", document(D(2021, 1, 15), PLAN, REVIEW, VILLAGES)))
    assert summary.tasks == 3 and summary.unresolved == []
    return Program.objects.get(number="01-CTr/TU")


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def task(key: str) -> Task:
    return Task.objects.get(key=key, withdrawn_in__isnull=True)


def periods(key: str, code: str, status: str = "open") -> list[dt.date]:
    return sorted(
        Occurrence.objects.filter(
            assignment__task=task(key), assignment__organization__code=code, status=status
        ).values_list("due_date", flat=True)
    )


def assert_each_period_owed_once() -> None:
    """One open occurrence per body, task and period; and from a reorganisation's date on,
    none left with a body that no longer exists."""
    rows = Occurrence.objects.filter(status="open").values_list(
        "assignment__organization", "assignment__task", "due_date", "label"
    )
    twice = [row for row, count in Counter(rows).items() if count > 1]
    assert twice == []
    ended = Occurrence.objects.filter(
        status="open",
        assignment__organization__valid_to__isnull=False,
        due_date__gt=EFFECTIVE,
    )
    assert list(ended) == []


def merge_an_phu_and_binh_phu(code="t.du-anbinh", name="Đảng ủy An Bình"):
    return record_reorganization(
        kind="merge",
        effective=EFFECTIVE,
        predecessors=["t.hu-anphu", "t.hu-binhphu"],
        new_code=code,
        new_name=name,
    )


@pytest.mark.parametrize(
    "dated",
    [True, False],
    ids=["dated 15/09/2025", "undated, imported on 15/09/2025"],
)
def test_an_amendment_naming_merged_districts_gives_their_work_to_the_successor(
    program, write, monkeypatch, dated
):
    merge_an_phu_and_binh_phu()
    assert periods("I/1", "t.du-anbinh") == [D(2025, 12, 31)]
    assert task("I/1").lead == org("t.du-anbinh")  # the lead followed its work
    history = periods("I/1", "t.hu-anphu")
    assert history == YEARS[:-1]  # 2021-2024, not reported: overdue, and still theirs

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2025, 9, 15))
    day = D(2025, 9, 15) if dated else None
    amended = write("v2.md", document(day, PLAN, REVIEW, VILLAGES, MODELS))
    summary = import_program(path=amended)

    assert summary.version == 2
    assert (summary.added, summary.removed, summary.changed) == (["I/4"], [], [])
    expected = [
        "Huyện ủy An Phú đã sáp nhập (từ 01/07/2025), giao cho Đảng ủy An Bình: nhiệm vụ I/1.",
        "Huyện ủy Bình Phú đã sáp nhập (từ 01/07/2025), giao cho Đảng ủy An Bình:"
        " nhiệm vụ I/1, I/4.",
    ]
    assert [w for w in summary.warnings if "sáp nhập" in w] == expected
    assert program.versions.get(number=2).warnings == summary.warnings
    # The successor owes each period once, from the date of the merger; so does Cát Phú.
    for key in ("I/1", "I/2"):
        assert periods(key, "t.du-anbinh") == [D(2025, 12, 31)]
    assert periods("I/2", "t.hu-catphu") == (YEARS if not dated else [D(2025, 12, 31)])
    # The new task: an undated amendment asks it for the whole term, but the successor
    # owes only from the merger, and the merged districts nothing.
    assert periods("I/4", "t.du-anbinh") == [D(2025, 12, 31)]
    new = Assignment.objects.get(task=task("I/4"))
    assert (new.organization.code, new.active_from, new.written) == (
        "t.du-anbinh",
        EFFECTIVE,
        "Huyện ủy Bình Phú",
    )
    # The merged districts get nothing new and keep their history.
    assert Assignment.objects.filter(organization__code="t.hu-anphu").count() == 2
    assert Assignment.objects.filter(organization__code="t.hu-binhphu").count() == 2
    assert periods("I/1", "t.hu-anphu") == history
    assert periods("I/1", "t.hu-anphu", "withdrawn") == []
    assert task("I/1").lead == org("t.du-anbinh") and not task("I/1").needs_lead
    assert_each_period_owed_once()

    # The same document again changes nothing; a further amendment owes nothing twice.
    counts = (Assignment.objects.count(), Occurrence.objects.count())
    assert import_program(path=amended).unchanged
    assert (Assignment.objects.count(), Occurrence.objects.count()) == counts
    reworded = PLAN.replace("kinh tế vùng", "kinh tế vùng trọng điểm")
    third = import_program(
        path=write("v3.md", document(D(2025, 10, 1), reworded, REVIEW, VILLAGES, MODELS))
    )
    assert (third.version, third.changed) == (3, ["I/1"])
    for key in ("I/1", "I/2", "I/4"):
        assert periods(key, "t.du-anbinh") == [D(2025, 12, 31)]
    assert Assignment.objects.count() == counts[0]
    assert_each_period_owed_once()


def test_a_split_district_named_in_an_amendment(program, write):
    Occurrence.objects.filter(
        assignment__task=task("I/2"),
        assignment__organization__code="t.hu-catphu",
        due_date=D(2025, 12, 31),
    ).update(status="done")  # Cát Phú finished its 2025 review early, before the split
    for code, name in (("t.du-catbac", "Đảng ủy Cát Bắc"), ("t.du-catnam", "Đảng ủy Cát Nam")):
        Organization.objects.create(
            code=code, name=name, kind="party_committee", level="district", valid_from=EFFECTIVE
        )
    record_reorganization(
        kind="split",
        effective=EFFECTIVE,
        predecessors=["t.hu-catphu"],
        successors=["t.du-catbac", "t.du-catnam"],
    )
    assert task("I/3").needs_lead and task("I/3").lead is None  # two bodies: the office says

    summary = import_program(path=write("v2.md", document(D(2025, 9, 15), PLAN, REVIEW, VILLAGES)))

    assert (
        "Huyện ủy Cát Phú đã chia tách (từ 01/07/2025), giao cho Đảng ủy Cát Bắc,"
        " Đảng ủy Cát Nam: nhiệm vụ I/3."
    ) in summary.warnings
    for code in ("t.du-catbac", "t.du-catnam"):
        assert periods("I/3", code) == [D(2025, 12, 31)]
        # The review Cát Phú already did for 2025 is not asked of its successors again.
        assert periods("I/2", code) == []
    assert periods("I/3", "t.hu-catphu", "withdrawn") == [D(2025, 12, 31)]
    assert Assignment.objects.filter(organization__code="t.hu-catphu").count() == 2
    assert task("I/3").needs_lead and task("I/3").lead is None
    assert_each_period_owed_once()


def test_a_chain_of_reorganisations_and_an_abolition_without_successor(program, write):
    merge_an_phu_and_binh_phu()
    record_reorganization(
        kind="rename",
        effective=D(2025, 8, 1),
        predecessors=["t.du-anbinh"],
        new_code="t.du-anbinh-2",
        new_name="Đảng ủy khu vực An Bình",
    )
    record_reorganization(kind="abolish", effective=EFFECTIVE, predecessors=["t.hu-catphu"])

    summary = import_program(path=write("v2.md", document(D(2025, 9, 15), PLAN, REVIEW, VILLAGES)))

    assert (
        "Huyện ủy An Phú đã sáp nhập (từ 01/07/2025), giao cho Đảng ủy khu vực An Bình:"
        " nhiệm vụ I/1."
    ) in summary.warnings
    assert (
        "Huyện ủy Cát Phú đã giải thể (từ 01/07/2025), không có cơ quan kế thừa: phần việc"
        " văn bản giao cho cơ quan này không giao cho cơ quan nào (nhiệm vụ I/3); cần xem lại."
    ) in summary.warnings
    assert periods("I/1", "t.du-anbinh-2") == [D(2025, 12, 31)]
    assert periods("I/1", "t.du-anbinh") == []
    assert Assignment.objects.filter(organization__code="t.hu-catphu").count() == 2
    assert periods("I/3", "t.hu-catphu", "withdrawn") == [D(2025, 12, 31)]
    assert "Nhiệm vụ I/3 không có cơ quan nào phải báo cáo." in summary.warnings
    assert_each_period_owed_once()


# ---- the day an amendment withdraws work ----


def test_an_amendment_withdraws_from_its_own_date(program, write):
    done = Occurrence.objects.get(
        assignment__task=task("I/1"),
        assignment__organization__code="t.hu-binhphu",
        due_date=D(2021, 12, 31),
    )
    Occurrence.objects.filter(pk=done.pk).update(status="done")
    without_binh_phu = PLAN.replace(", phối hợp với Huyện ủy Bình Phú", "")

    summary = import_program(
        path=write("v2.md", document(D(2023, 3, 10), without_binh_phu, REVIEW))
    )

    assert (summary.removed, summary.changed) == (["I/3"], ["I/1"])
    villages = Occurrence.objects.get(assignment__task__key="I/3")
    assert (villages.status, villages.withdrawn_on) == ("withdrawn", D(2023, 3, 10))
    dropped = Occurrence.objects.filter(
        assignment__task=task("I/1"), assignment__organization__code="t.hu-binhphu"
    )
    assert {(o.due_date.year, o.status, o.withdrawn_on) for o in dropped} == {
        (2021, "done", None),  # done stays done
        *((year, "withdrawn", D(2023, 3, 10)) for year in range(2022, 2026)),
    }
    # Owed until the amendment: overdue the day before it, withdrawn from that day.
    year_2022 = dropped.get(due_date=D(2022, 12, 31))
    assert occurrence_status(year_2022, as_of=D(2023, 3, 9)).bucket == "open_overdue"
    assert occurrence_status(year_2022, as_of=D(2023, 3, 10)).bucket == "withdrawn"


@pytest.mark.parametrize(
    "day",
    [None, D(2021, 1, 15)],
    ids=["undated amendment", "an amendment repeating the program's date"],
)
def test_an_amendment_without_its_own_date_withdraws_on_the_day_it_is_imported(
    program, write, monkeypatch, day
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2022, 5, 20))
    import_program(path=write("v2.md", document(day, PLAN, REVIEW)), amends="01-CTr/TU")
    villages = Occurrence.objects.get(assignment__task__key="I/3")
    assert (villages.status, villages.withdrawn_on) == ("withdrawn", D(2022, 5, 20))


def test_a_new_program_dated_after_the_merger_reads_old_names_the_same_way(program, write):
    merge_an_phu_and_binh_phu()
    text = document(D(2025, 8, 20), MODELS).replace("Số 01-CTr/TU", "Số 02-CTr/TU")
    summary = import_program(path=write("02.md", text))
    assert summary.program == "02-CTr/TU" and summary.version == 1
    assert (
        "Huyện ủy Bình Phú đã sáp nhập (từ 01/07/2025), giao cho Đảng ủy An Bình: nhiệm vụ I/1."
        in summary.warnings
    )
    owed = Assignment.objects.get(task__program__number="02-CTr/TU")
    assert owed.organization.code == "t.du-anbinh"
    assert sorted(owed.occurrences.values_list("due_date", flat=True)) == [D(2025, 12, 31)]

"""The parent program's view of its lower-level programs, as of a date: which bodies that must
build a program have issued it (on time, late) and which have not; and the lower programs'
own figures, a table of their own that never changes the parent's figures."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings

from theodoi.orgs.models import Organization
from theodoi.orgs.registry import load_registry_file
from theodoi.programs.importer import import_program
from theodoi.programs.lineage import example_district, link_lower_program
from theodoi.programs.models import Occurrence, Program, Task
from theodoi.programs.succession import record_reorganization
from theodoi.tracking.extensions import decide_extension, request_extension
from theodoi.tracking.lineage import (
    ISSUED_LATE,
    ISSUED_ON_TIME,
    MISSING_IN_TIME,
    MISSING_OVERDUE,
    lower_levels,
    obligations,
)
from theodoi.tracking.models import ProgressReport, ReportState, ReportStatus, Role
from theodoi.tracking.reports import review_report, save_report, submit_report
from theodoi.tracking.rollup import overview

D = dt.date
DISTRICT, DISTRICT_REGISTRY = example_district()
PARENT = "CTHD-TINHUY-2020-2025"
ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)

SON_TINH = """HUYỆN ỦY SƠN TỊNH

Số 12-CTr/HU

ĐẢNG CỘNG SẢN VIỆT NAM

Sơn Tịnh, ngày {day} tháng {month} năm 2021

CHƯƠNG TRÌNH HÀNH ĐỘNG

thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XX, nhiệm kỳ 2020 - 2025

I. NHIỆM VỤ

1. Huyện ủy Sơn Tịnh tổ chức quán triệt Nghị quyết XX đến các tổ chức cơ sở đảng. Hoàn thành trong tháng 5/2021.

2. Huyện ủy Sơn Tịnh xây dựng Đề án phát triển nông nghiệp công nghệ cao. Hoàn thành trong năm 2022.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_under(path: Path, **links) -> Program:
    summary = import_program(path=path, parent=PARENT, **links)
    program = Program.objects.get(number=summary.program)
    link_lower_program(program=program)
    return program


@pytest.fixture
def districts(example, tmp_path) -> dict[str, Program]:
    """Bình Sơn's sample program (15/03/2021) and a short one by Sơn Tịnh (20/04/2021)."""
    load_registry_file(DISTRICT_REGISTRY)
    return {
        "binh_son": import_under(DISTRICT),
        "son_tinh": import_under(write(tmp_path, "son-tinh.md", SON_TINH.format(day=20, month=4))),
    }


def must_issue(parent: Program) -> set[str]:
    """The bodies of the groups B.II.1 names, read from the registry's groups."""
    task = Task.objects.get(program=parent, key="B.II.1")
    codes = set()
    for assignment in task.assignments.filter(group__isnull=False, group__unnamed=False):
        codes.update(body.code for body in assignment.group.all_members())
    return codes


def rows_by_code(program: Program, day: dt.date) -> dict:
    (found,) = obligations(program, as_of=day)
    assert found.task.key == "B.II.1"
    return {row.body.code: row for row in found.rows}


def test_who_must_issue_who_did_on_time_late_and_who_never_did(districts, example):
    rows = rows_by_code(example, D(2021, 6, 30))
    assert set(rows) == must_issue(example)
    assert len(rows) == 13 + 5 + 9 + 7  # districts, affiliated committees, party groups, boards
    due = min(
        D.fromisoformat(m["due"])
        for m in Task.objects.get(program=example, key="B.II.1").milestones
    )
    assert due == D(2021, 3, 31)
    assert {row.due for row in rows.values()} == {due}

    binh_son = rows["qn.hu-binhson"]
    assert binh_son.state == ISSUED_ON_TIME
    assert [(i.program.number, i.day, i.dated) for i in binh_son.issued] == [
        ("05-CTr/HU", D(2021, 3, 15), True)
    ]
    son_tinh = rows["qn.hu-sontinh"]
    assert son_tinh.state == ISSUED_LATE
    assert (son_tinh.first.day, son_tinh.days_late) == (D(2021, 4, 20), 20)
    never = rows["qn.hu-lyson"]
    assert (never.state, never.issued, never.days_late) == (MISSING_OVERDUE, [], 91)
    missing = {code for code, row in rows.items() if row.state == MISSING_OVERDUE}
    assert missing == must_issue(example) - {"qn.hu-binhson", "qn.hu-sontinh"}
    # Worst first: those still missing lead the list.
    (found,) = obligations(example, as_of=D(2021, 6, 30))
    assert [row.state for row in found.rows[: len(missing)]] == [MISSING_OVERDUE] * len(missing)
    assert found.counts == {
        MISSING_OVERDUE: len(missing), MISSING_IN_TIME: 0, ISSUED_LATE: 1, ISSUED_ON_TIME: 1,
    }  # fmt: skip


def test_as_of_an_earlier_day_a_later_program_is_not_issued_yet(districts, example):
    on_20_march = rows_by_code(example, D(2021, 3, 20))
    assert on_20_march["qn.hu-binhson"].state == ISSUED_ON_TIME
    assert on_20_march["qn.hu-sontinh"].state == MISSING_IN_TIME
    assert on_20_march["qn.hu-lyson"].state == MISSING_IN_TIME
    on_10_march = rows_by_code(example, D(2021, 3, 10))
    assert {row.state for row in on_10_march.values()} == {MISSING_IN_TIME}


def test_an_approved_extension_moves_the_due_date(districts, example, member):
    staff = member("st", "qn.hu-sontinh", Role.STAFF)
    monitor = member("vp", "qn.vptu", Role.MONITOR)
    occurrence = Occurrence.objects.get(
        assignment__task__key="B.II.1",
        assignment__task__program=example,
        assignment__organization__code="qn.hu-sontinh",
        due_date=D(2021, 3, 31),
    )
    extension = request_extension(
        user=staff, occurrence=occurrence, new_due=D(2021, 4, 30), reason="Chờ Đại hội huyện",
        now=dt.datetime(2021, 3, 20, 9, tzinfo=ZONE),
    )  # fmt: skip
    decide_extension(
        user=monitor, extension=extension, approve=True,
        now=dt.datetime(2021, 3, 25, 9, tzinfo=ZONE),
    )  # fmt: skip
    row = rows_by_code(example, D(2021, 6, 30))["qn.hu-sontinh"]
    assert (row.due, row.state) == (D(2021, 4, 30), ISSUED_ON_TIME)
    # Before the approval, the due date in force was the first one.
    assert rows_by_code(example, D(2021, 3, 24))["qn.hu-sontinh"].due == D(2021, 3, 31)


def test_a_successor_issues_for_the_body_it_took_over(districts, example, tmp_path):
    record_reorganization(
        kind="rename", effective=D(2021, 5, 1), predecessors=["qn.hu-lyson"],
        new_code="qn.dku-lyson", new_name="Đảng ủy Đặc khu Lý Sơn",
    )  # fmt: skip
    text = SON_TINH.format(day=1, month=6).replace("HUYỆN ỦY SƠN TỊNH", "ĐẢNG ỦY ĐẶC KHU LÝ SƠN")
    text = text.replace("Số 12-CTr/HU", "Số 01-CTr/ĐU").replace(
        "Huyện ủy Sơn Tịnh", "Đảng ủy Đặc khu Lý Sơn"
    )
    program = import_under(write(tmp_path, "ly-son.md", text))
    assert program.issuer.code == "qn.dku-lyson"
    row = rows_by_code(example, D(2021, 6, 30))["qn.hu-lyson"]
    assert row.state == ISSUED_LATE
    assert [i.program.number for i in row.issued] == ["01-CTr/ĐU"]


def independent_tally(program: Program, day: dt.date) -> dict[str, int]:
    """A lower program's figures walked from the database: its occurrences owed by a body;
    done when the office confirmed a done report by the day; "Thường xuyên" periods never
    due; the rest open, overdue after its due date."""
    counts = dict.fromkeys(["done_on_time", "done_late", "open_in_time", "open_overdue",
                            "no_deadline"], 0)  # fmt: skip
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=ZONE)
    rows = Occurrence.objects.filter(
        assignment__task__program=program, assignment__organization__isnull=False
    ).select_related("assignment__task")
    for occurrence in rows:
        report = ProgressReport.objects.filter(
            occurrence=occurrence, organization=occurrence.assignment.organization
        ).first()
        confirmed = (
            report is not None
            and report.revisions.filter(
                at__lt=end, status=ReportStatus.CONFIRMED, state=ReportState.DONE
            ).exists()
        )
        if occurrence.assignment.task.time_kind == "continuous" and occurrence.source == "period":
            counts["no_deadline"] += 1
        elif confirmed:
            counts["done_on_time" if report.done_on <= occurrence.due_date else "done_late"] += 1
        elif day > occurrence.due_date:
            counts["open_overdue"] += 1
        else:
            counts["open_in_time"] += 1
    return counts


def as_dict(tally) -> dict[str, int]:
    return {name: getattr(tally, name) for name in
            ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline")}  # fmt: skip


def test_lower_programs_roll_up_on_their_own_and_the_parent_figures_do_not_move(
    example, member, tmp_path
):
    day = D(2021, 6, 30)
    before = overview(example, as_of=day)
    load_registry_file(DISTRICT_REGISTRY)
    binh_son = import_under(DISTRICT)
    son_tinh = import_under(write(tmp_path, "son-tinh.md", SON_TINH.format(day=20, month=4)))

    # Ban Tổ chức Huyện ủy reports its first task done; the provincial office confirms it.
    staff = member("btc", "qn.hu-binhson.btc", Role.STAFF)
    monitor = member("vp", "qn.vptu", Role.MONITOR)
    occurrence = Occurrence.objects.get(
        assignment__task__program=binh_son, assignment__task__key="B.III.1/3",
        assignment__organization__code="qn.hu-binhson.btc",
    )  # fmt: skip
    report = save_report(
        user=staff, occurrence=occurrence, expected_version=None, state=ReportState.DONE,
        percent=100, narrative="Đã ban hành Đề án số 03-ĐA/HU ngày 10/5/2021.",
        done_on=D(2021, 5, 10), now=dt.datetime(2021, 5, 11, 9, tzinfo=ZONE),
    )  # fmt: skip
    report = submit_report(user=staff, report=report, expected_version=report.version,
                           now=dt.datetime(2021, 5, 11, 10, tzinfo=ZONE))  # fmt: skip
    review_report(user=monitor, report=report, expected_version=report.version, accept=True,
                  now=dt.datetime(2021, 5, 12, 9, tzinfo=ZONE))  # fmt: skip

    after = overview(example, as_of=day)
    assert after.total == before.total
    assert [(r.key, r.tally) for r in after.by_body] == [(r.key, r.tally) for r in before.by_body]
    assert [(r.key, r.tally) for r in after.by_area] == [(r.key, r.tally) for r in before.by_area]

    lower = lower_levels(example, as_of=day)
    assert [row.program for row in lower.rows] == [binh_son, son_tinh]
    for row in lower.rows:
        assert as_dict(row.tally) == independent_tally(row.program, day), row.program.number
    binh_son_row = lower.rows[0]
    assert binh_son_row.tally.done_on_time == 1
    assert (binh_son_row.tasks, binh_son_row.linked) == (10, 8)
    assert as_dict(lower.total) == {
        name: sum(independent_tally(p, day)[name] for p in (binh_son, son_tinh))
        for name in as_dict(lower.total)
    }
    assert lower.tasks == 12
    # As of a day before Sơn Tịnh's program, only Bình Sơn's is there.
    assert [row.program for row in lower_levels(example, as_of=D(2021, 4, 1)).rows] == [binh_son]


def test_a_program_without_lower_programs_has_no_rows(example):
    assert lower_levels(example, as_of=D(2021, 6, 30)).rows == []
    (found,) = obligations(example, as_of=D(2021, 6, 30))
    assert found.issued == 0 and found.missing == len(found.rows) == 34
    assert not Organization.objects.filter(code="qn.hu-binhson.btc").exists()

"""Reorganisations: open work due from the effective date passes to the successors; earlier
and finished work stays with the predecessor, so the history shows who owed what when."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.management import call_command

from theodoi.orgs.models import Organization, OrgGroup, Reorganization
from theodoi.orgs.registry import load_registry_file
from theodoi.programs.models import Assignment, Occurrence, Program, ProgramVersion, Task
from theodoi.programs.succession import (
    ReorganizationError,
    apply_reorganization,
    record_reorganization,
)
from theodoi.tracking.audit import history
from theodoi.tracking.models import Membership, Role

D = dt.date
EFFECTIVE = D(2025, 7, 1)
OPEN, DONE, WITHDRAWN = "open", "done", "withdrawn"

pytestmark = pytest.mark.django_db


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


@pytest.fixture
def registry():
    load_registry_file(None)
    return OrgGroup.objects.get(code="qn.g.huyen-thi-thanh-uy")


@pytest.fixture
def task(registry):
    program = Program.objects.create(number="01-CTr/TU", title="Chương trình thử", term_end=2025)
    version = ProgramVersion.objects.create(
        program=program, number=1, source_name="thu.md", source_sha256="0" * 64
    )
    return Task.objects.create(
        program=program,
        key="B.III.2.1/1",
        text="Xây dựng và tổ chức thực hiện chương trình hành động",
        time_kind="recurring",
        added_in=version,
    )


def assign(task, code, periods, *, via=None, **roles) -> Assignment:
    """An assignment of the body ``code`` with one occurrence per (due date, status)."""
    assignment = Assignment.objects.create(
        task=task, organization=org(code), via_group=via, written=org(code).name, **roles
    )
    for due, status in periods:
        Occurrence.objects.create(
            assignment=assignment,
            due_date=due,
            label=f"Kỳ {due:%m/%Y}",
            source="period",
            status=status,
        )
    return assignment


def dues(assignment: Assignment, status: str | None = None) -> list[dt.date]:
    occurrences = assignment.occurrences.order_by("due_date")
    if status:
        occurrences = occurrences.filter(status=status)
    return list(occurrences.values_list("due_date", flat=True))


def reorganize(kind, predecessors, successors=()) -> Reorganization:
    reorganization = Reorganization.objects.create(kind=kind, effective=EFFECTIVE)
    reorganization.predecessors.set([org(c) for c in predecessors])
    reorganization.successors.set([org(c) if isinstance(c, str) else c for c in successors])
    return reorganization


def new_body(code="qn.thu-quangngai-2025", name="Thành ủy Quảng Ngãi") -> Organization:
    return Organization.objects.create(
        code=code, name=name, kind="party_committee", level="district", valid_from=EFFECTIVE
    )


# Periods of a district's yearly work: two before the date, one done early after it, two open after.
PERIODS = [
    (D(2024, 12, 31), DONE),
    (D(2025, 6, 30), OPEN),  # due before the date, still open: stays, overdue, with its owner
    (D(2025, 9, 30), DONE),  # done early: stays
    (D(2025, 12, 31), OPEN),
    (D(2026, 6, 30), OPEN),
]


def test_a_merge_passes_open_work_from_the_date_to_the_successor(task, registry):
    son_tinh = assign(task, "qn.hu-sontinh", PERIODS, via=registry, implements=True)
    city = assign(task, "qn.thu-quangngai", PERIODS[:2], via=registry, implements=True, leads=True)
    successor = new_body()
    reorganization = reorganize("merge", ["qn.hu-sontinh", "qn.thu-quangngai"], [successor])

    summary = apply_reorganization(reorganization=reorganization)

    new = Assignment.objects.get(organization=successor)
    assert new.task == task and new.transferred_from == son_tinh
    assert new.active_from == EFFECTIVE and new.via_group == registry
    assert new.implements and not new.leads  # Sơn Tịnh's roles; the city had nothing after
    assert dues(new) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert dues(new, OPEN) == dues(new)
    son_tinh.refresh_from_db()
    assert son_tinh.active_to == D(2025, 6, 30)
    assert dues(son_tinh) == [D(2024, 12, 31), D(2025, 6, 30), D(2025, 9, 30)]
    assert dues(son_tinh, OPEN) == [D(2025, 6, 30)]
    city.refresh_from_db()
    assert city.active_to is None  # nothing of the city's was due after the date
    assert dues(city) == [D(2024, 12, 31), D(2025, 6, 30)]

    for code in ("qn.hu-sontinh", "qn.thu-quangngai"):
        assert org(code).valid_to == D(2025, 6, 30)
        assert org(code) in registry.members.all()  # still members; valid_to tells the date
    assert successor in registry.members.all()
    assert len(registry.all_members(on=D(2025, 8, 1))) == 13 - 2 + 1
    reorganization.refresh_from_db()
    assert reorganization.applied_at is not None

    assert (summary.moved, summary.withdrawn, summary.assignments_created) == (2, 0, 1)
    assert summary.lines()[0] == (
        "Sáp nhập, hợp nhất 01/07/2025: Huyện ủy Sơn Tịnh, Thành ủy Quảng Ngãi"
        " → Thành ủy Quảng Ngãi."
    )
    assert "2 kỳ chưa hoàn thành (hạn từ 01/07/2025) chuyển sang cơ quan kế thừa." in (
        summary.lines()
    )
    assert summary.transfers[0].predecessor == "qn.hu-sontinh"
    assert summary.transfers[0].task == "B.III.2.1/1"


def test_merged_bodies_that_owed_the_same_period_pass_it_on_once(task, registry):
    son_tinh = assign(task, "qn.hu-sontinh", PERIODS, via=registry, implements=True)
    city = assign(task, "qn.thu-quangngai", PERIODS, via=registry, coordinates=True)
    successor = new_body()
    summary = apply_reorganization(
        reorganization=reorganize("merge", ["qn.hu-sontinh", "qn.thu-quangngai"], [successor])
    )
    new = Assignment.objects.get(organization=successor)
    assert new.transferred_from == son_tinh
    assert new.implements and new.coordinates  # the city's roles merged in
    assert dues(new) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert dues(city, WITHDRAWN) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert (summary.moved, summary.duplicates) == (2, 2)
    assert (summary.assignments_created, summary.assignments_reused) == (1, 1)


def test_an_existing_assignment_of_the_successor_is_reused(task, registry):
    assign(task, "qn.tu", [], directs=True)
    old = assign(task, "qn.hu-lyson", PERIODS, via=registry, implements=True)
    summary = apply_reorganization(reorganization=reorganize("abolish", ["qn.hu-lyson"], ["qn.tu"]))
    reused = Assignment.objects.get(organization=org("qn.tu"))
    assert reused.directs and reused.implements
    assert reused.transferred_from is None and reused.active_from is None  # its own history
    assert dues(reused) == [D(2025, 12, 31), D(2026, 6, 30)]
    old.refresh_from_db()
    assert old.active_to == D(2025, 6, 30)
    assert summary.assignments_reused == 1 and summary.moved == 2


def test_abolished_without_successor_open_work_is_withdrawn(task, registry):
    old = assign(task, "qn.hu-bato", PERIODS, via=registry, implements=True)
    summary = apply_reorganization(reorganization=reorganize("abolish", ["qn.hu-bato"]))
    assert dues(old, WITHDRAWN) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert dues(old, OPEN) == [D(2025, 6, 30)]
    assert dues(old, DONE) == [D(2024, 12, 31), D(2025, 9, 30)]
    old.refresh_from_db()
    assert old.active_to == D(2025, 6, 30)
    assert org("qn.hu-bato").valid_to == D(2025, 6, 30)
    assert Assignment.objects.count() == 1
    assert summary.withdrawn == 2 and summary.moved == 0
    assert summary.lines()[0].endswith("→ không có cơ quan kế thừa.")
    assert any("(không có cơ quan kế thừa)" in line for line in summary.lines())


def test_the_district_level_abolished_into_the_new_province_committee(task, registry):
    districts = [m.code for m in registry.all_members()]
    olds = [assign(task, code, PERIODS, via=registry, implements=True) for code in districts]
    province = Organization.objects.create(
        code="qn2.tu", name="Tỉnh ủy Quảng Ngãi", kind="party_committee", level="province"
    )
    summary = apply_reorganization(reorganization=reorganize("abolish", districts, [province]))
    new = Assignment.objects.get(organization=province)
    assert new.transferred_from == olds[0]
    assert dues(new) == [D(2025, 12, 31), D(2026, 6, 30)]  # owed once, not 13 times
    assert (summary.moved, summary.duplicates) == (2, 24)
    assert all(dues(old, OPEN) == [D(2025, 6, 30)] for old in olds)
    assert registry.all_members(on=EFFECTIVE) == [province]


def test_a_split_gives_each_successor_its_own_copy(task, registry):
    old = assign(task, "qn.hu-sonha", PERIODS, via=registry, leads=True)
    north = new_body("qn.hu-sonha-bac", "Huyện ủy Sơn Hà Bắc")
    south = new_body("qn.hu-sonha-nam", "Huyện ủy Sơn Hà Nam")
    summary = apply_reorganization(
        reorganization=reorganize("split", ["qn.hu-sonha"], [north, south])
    )
    for body in (north, south):
        new = Assignment.objects.get(organization=body)
        assert new.transferred_from == old and new.leads
        assert dues(new, OPEN) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert dues(old, WITHDRAWN) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert dues(old, OPEN) == [D(2025, 6, 30)]
    assert (summary.copied, summary.withdrawn) == (4, 2)
    assert {north, south} <= set(registry.members.all())


def test_applying_twice_is_refused(task, registry):
    assign(task, "qn.hu-sontinh", PERIODS, via=registry, implements=True)
    reorganization = reorganize("merge", ["qn.hu-sontinh"], [new_body()])
    apply_reorganization(reorganization=reorganization)
    applied_at = Reorganization.objects.get().applied_at
    counts = (Assignment.objects.count(), Occurrence.objects.filter(status=OPEN).count())
    with pytest.raises(ReorganizationError, match=r"đã được áp dụng lúc .*không áp dụng lại"):
        apply_reorganization(reorganization=Reorganization.objects.get())
    assert Reorganization.objects.get().applied_at == applied_at
    assert (Assignment.objects.count(), Occurrence.objects.filter(status=OPEN).count()) == counts


@pytest.mark.parametrize(
    ("kind", "predecessors", "successors", "message"),
    [
        ("merge", ["qn.hu-sontinh", "qn.hu-tunghia"], [], "cần đúng một cơ quan kế thừa"),
        ("merge", ["qn.hu-sontinh"], ["qn.tu", "qn.ubnd"], "cần đúng một cơ quan kế thừa"),
        ("rename", ["qn.hu-sontinh", "qn.hu-tunghia"], ["qn.tu"], "đúng một cơ quan"),
        ("split", ["qn.hu-sontinh"], ["qn.tu"], "ít nhất hai"),
        ("merge", ["qn.hu-sontinh"], ["qn.hu-sontinh"], "vừa là cơ quan trước"),
        ("abolish", [], [], "ít nhất một cơ quan trước"),
    ],
)
def test_inconsistent_reorganizations_are_refused(
    task, registry, kind, predecessors, successors, message
):
    old = assign(task, "qn.hu-sontinh", PERIODS, via=registry, implements=True)
    reorganization = reorganize(kind, predecessors, successors)
    with pytest.raises(ReorganizationError, match=message):
        apply_reorganization(reorganization=reorganization)
    assert dues(old, OPEN) == [D(2025, 6, 30), D(2025, 12, 31), D(2026, 6, 30)]
    assert org("qn.hu-sontinh").valid_to is None
    assert Reorganization.objects.get().applied_at is None


def test_record_reorganization_creates_the_successor_from_the_predecessors(task, registry):
    assign(task, "qn.hu-sontinh", PERIODS, via=registry, implements=True)
    reorganization, summary = record_reorganization(
        kind="merge",
        effective=EFFECTIVE,
        predecessors=["qn.hu-sontinh", "qn.thu-quangngai"],
        new_code="qn.thu-quangngai-2025",
        new_name="Thành ủy  Quảng Ngãi",
        basis="Quyết định số 01-QĐ/TW",
    )
    body = org("qn.thu-quangngai-2025")
    assert body.name == "Thành ủy Quảng Ngãi"
    assert (body.kind, body.level, body.parent.code) == ("party_committee", "district", "qn.tu")
    assert body.valid_from == EFFECTIVE
    assert list(reorganization.successors.all()) == [body]
    assert reorganization.basis == "Quyết định số 01-QĐ/TW" and reorganization.applied_at
    assert summary.moved == 2


def test_record_reorganization_writes_nothing_when_refused(task, registry):
    with pytest.raises(ReorganizationError, match=r"không có cơ quan trước mã qn\.nowhere"):
        record_reorganization(
            kind="merge",
            effective=EFFECTIVE,
            predecessors=["qn.nowhere"],
            new_code="x",
            new_name="X",
        )
    with pytest.raises(ReorganizationError, match="cần đúng một cơ quan kế thừa"):
        record_reorganization(
            kind="merge",
            effective=EFFECTIVE,
            predecessors=["qn.hu-sontinh"],
            successors=["qn.tu"],
            new_code="qn.new",
            new_name="Mới",
        )
    assert not Organization.objects.filter(code="qn.new").exists()
    assert not Reorganization.objects.exists()


# ---- the command and the admin action ----


def test_orgs_reorganize_end_to_end(task, registry):
    son_tinh = assign(task, "qn.hu-sontinh", PERIODS, via=registry, implements=True)
    out = StringIO()
    call_command(
        "orgs", "reorganize", "--kind", "merge", "--date", "01/07/2025",
        "--from", "qn.hu-sontinh", "qn.thu-quangngai",
        "--new-code", "qn.thu-quangngai-2025", "--new-name", "Thành ủy Quảng Ngãi",
        stdout=out,
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Đã tạo cơ quan mới Thành ủy Quảng Ngãi (qn.thu-quangngai-2025), hiệu lực từ 01/07/2025."
    )
    assert lines[1] == (
        "Sáp nhập, hợp nhất 01/07/2025: Huyện ủy Sơn Tịnh, Thành ủy Quảng Ngãi"
        " → Thành ủy Quảng Ngãi."
    )
    assert "2 kỳ chưa hoàn thành (hạn từ 01/07/2025) chuyển sang cơ quan kế thừa." in lines
    assert lines[-1] == (
        "Các kỳ có hạn trước 01/07/2025 và các kỳ đã hoàn thành giữ ở cơ quan trước;"
        " cơ quan trước hết hiệu lực ngày 30/06/2025."
    )
    new = Assignment.objects.get(organization__code="qn.thu-quangngai-2025")
    assert new.transferred_from == son_tinh and dues(new) == [D(2025, 12, 31), D(2026, 6, 30)]
    assert Reorganization.objects.get().applied_at is not None

    # The same again: the body exists now, so nothing more is written.
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "orgs", "reorganize", "--kind", "abolish", "--date", "2025-07-01",
            "--from", "qn.hu-tunghia", "--new-code", "qn.thu-quangngai-2025", "--new-name", "X",
            stderr=err,
        )  # fmt: skip
    assert exit_.value.code == 2
    assert err.getvalue() == (
        "theodoi orgs reorganize: mã qn.thu-quangngai-2025 đã có; dùng --to"
        " qn.thu-quangngai-2025 để chọn cơ quan đó làm cơ quan kế thừa\n"
    )
    assert Reorganization.objects.count() == 1
    assert org("qn.hu-tunghia").valid_to is None


def test_orgs_reorganize_abolish_without_successor(task, registry):
    old = assign(task, "qn.hu-bato", PERIODS, via=registry, implements=True)
    out = StringIO()
    call_command(
        "orgs", "reorganize", "--kind", "abolish", "--date", "2025-07-01", "--from", "qn.hu-bato",
        stdout=out,
    )  # fmt: skip
    assert "2 kỳ chưa hoàn thành (hạn từ 01/07/2025) chuyển thành “Không còn thực hiện”" in (
        out.getvalue()
    )
    assert dues(old, WITHDRAWN) == [D(2025, 12, 31), D(2026, 6, 30)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "31/02/2025", "--from", "qn.hu-bato"], "ngày '31/02/2025' không hợp lệ"),
        (["--date", "2025-07-01", "--from", "qn.nowhere"], "không có cơ quan trước mã qn.nowhere"),
        (["--date", "2025-07-01", "--from", "qn.hu-bato", "--new-code", "x"], "cần cả mã"),
    ],
)
def test_orgs_reorganize_bad_input_exits_2_with_one_line(registry, args, message):
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("orgs", "reorganize", "--kind", "abolish", *args, stderr=err)
    assert exit_.value.code == 2
    assert len(err.getvalue().splitlines()) == 1 and message in err.getvalue()
    assert not Reorganization.objects.exists()
    assert org("qn.hu-bato").valid_to is None


def test_admin_applies_a_reorganization(client, task, registry):
    # The admin asks the permission policy: an administrator's role, not Django's superuser.
    user = User.objects.create_superuser("admin", "admin@example.org", "x")
    Membership.objects.create(user=user, organization=org("qn.vptu"), role=Role.ADMIN)
    client.force_login(user)
    assign(task, "qn.hu-bato", PERIODS, via=registry, implements=True)
    reorganization = reorganize("abolish", ["qn.hu-bato"])
    url = "/admin/orgs/reorganization/"
    data = {"action": "apply", ACTION_CHECKBOX_NAME: [reorganization.pk]}
    page = client.post(url, data, follow=True)
    assert "2 kỳ chưa hoàn thành" in page.text
    reorganization.refresh_from_db()
    assert reorganization.applied_at is not None
    again = client.post(url, data, follow=True)
    assert "không áp dụng lại" in again.text
    changed = client.get(f"{url}{reorganization.pk}/change/")
    assert changed.status_code == 200


# ---- the lead (chủ trì) follows the lead's work; withdrawals are dated ----


def led_task(task, code, periods=PERIODS):
    """``task`` led by ``code``, as the importer leaves it: the lead's assignment leads."""
    assignment = assign(task, code, periods, implements=True, leads=True)
    task.lead, task.needs_lead = org(code), False
    task.save()
    return assignment


@pytest.mark.parametrize(
    ("kind", "successors", "lead", "needs_lead", "line"),
    [
        (
            "merge",
            ["qn.thu-quangngai-2025"],
            "qn.thu-quangngai-2025",
            False,
            "1 nhiệm vụ do cơ quan trước chủ trì nay do cơ quan kế thừa chủ trì.",
        ),
        (
            "abolish",
            ["qn.tu"],  # taken over by an existing body
            "qn.tu",
            False,
            "1 nhiệm vụ do cơ quan trước chủ trì nay do cơ quan kế thừa chủ trì.",
        ),
        (
            "split",
            ["qn.hu-sonha-bac", "qn.hu-sonha-nam"],
            None,
            True,
            "1 nhiệm vụ do cơ quan trước chủ trì cần chỉ định cơ quan chủ trì mới"
            " (nhiều cơ quan kế thừa cùng nhận).",
        ),
        (
            "abolish",
            [],
            None,
            True,
            "1 nhiệm vụ do cơ quan trước chủ trì cần chỉ định cơ quan chủ trì mới"
            " (không có cơ quan kế thừa).",
        ),
    ],
    ids=["merge", "abolished into an existing body", "split: ambiguous", "no successor"],
)
def test_the_lead_follows_the_leads_work(task, registry, kind, successors, lead, needs_lead, line):
    new_body()
    new_body("qn.hu-sonha-bac", "Huyện ủy Sơn Hà Bắc")
    new_body("qn.hu-sonha-nam", "Huyện ủy Sơn Hà Nam")
    led_task(task, "qn.hu-sonha")
    assign(task, "qn.hu-sontay", PERIODS, coordinates=True)  # stays: not reorganised

    summary = apply_reorganization(reorganization=reorganize(kind, ["qn.hu-sonha"], successors))

    task.refresh_from_db()
    assert (task.lead_id and task.lead.code, task.needs_lead) == (lead, needs_lead)
    assert line in summary.lines()
    # The audit trail shows the former lead and the new one.
    change = history(task).last()
    assert change.changes_dict["lead"] == [
        str(org("qn.hu-sonha").pk),
        str(org(lead).pk) if lead else "None",
    ]
    if needs_lead:
        assert change.changes_dict["needs_lead"] == ["False", "True"]


def test_a_lead_with_nothing_left_to_do_stays(task, registry):
    """The lead owed nothing from the date (its work was done or fell due before): it led
    the task while the task was owed; the successor took over nothing on it."""
    led_task(task, "qn.hu-sontinh", [(D(2025, 6, 30), OPEN), (D(2025, 9, 30), DONE)])
    assign(task, "qn.hu-tunghia", PERIODS, coordinates=True)
    successor = new_body()
    summary = apply_reorganization(
        reorganization=reorganize("merge", ["qn.hu-sontinh", "qn.hu-tunghia"], [successor])
    )
    task.refresh_from_db()
    assert (task.lead.code, task.needs_lead) == ("qn.hu-sontinh", False)
    assert (summary.leads_moved, summary.leads_to_designate) == (0, 0)


def test_a_task_led_by_another_body_keeps_its_lead(task, registry):
    led_task(task, "qn.btctu", [(D(2025, 12, 31), OPEN)])
    assign(task, "qn.hu-sontinh", PERIODS, coordinates=True)
    recorded = history(task).count()
    summary = apply_reorganization(
        reorganization=reorganize("merge", ["qn.hu-sontinh"], [new_body()])
    )
    task.refresh_from_db()
    assert task.lead.code == "qn.btctu" and not task.needs_lead
    assert summary.leads_moved == 0 and history(task).count() == recorded


@pytest.mark.parametrize(
    ("kind", "successors"),
    [("abolish", []), ("split", ["qn.hu-sonha-bac", "qn.hu-sonha-nam"]), ("merge", ["qn.tu"])],
    ids=["no successor", "a split's originals", "duplicates of the successor's"],
)
def test_what_a_reorganisation_withdraws_is_withdrawn_on_its_date(task, registry, kind, successors):
    new_body("qn.hu-sonha-bac", "Huyện ủy Sơn Hà Bắc")
    new_body("qn.hu-sonha-nam", "Huyện ủy Sơn Hà Nam")
    assign(task, "qn.tu", PERIODS, implements=True)  # the successor of a merge owes the same
    old = assign(task, "qn.hu-sonha", PERIODS, via=registry, implements=True)
    apply_reorganization(reorganization=reorganize(kind, ["qn.hu-sonha"], successors))
    withdrawn = old.occurrences.filter(status=WITHDRAWN)
    assert [(o.due_date, o.withdrawn_on) for o in withdrawn.order_by("due_date")] == [
        (D(2025, 12, 31), EFFECTIVE),
        (D(2026, 6, 30), EFFECTIVE),
    ]
    assert not Occurrence.objects.filter(status=OPEN, withdrawn_on__isnull=False).exists()

"""Kept roll-ups: computed once, served while current, never served once the data under
them changed (a report, a lower program's report, a body's name), and never kept from a
computation that overlapped a change."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from theodoi.orgs.models import Organization
from theodoi.programs.importer import import_program
from theodoi.programs.models import Assignment, Occurrence, Program
from theodoi.tracking import rollup_cache
from theodoi.tracking.models import RollupCache, RollupGeneration
from theodoi.tracking.reports import review_report, save_report, submit_report

DAY = dt.date(2026, 11, 27)


class Counting:
    """A computation that counts its calls and answers a fresh value each time."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


@pytest.fixture
def program(example) -> Program:
    return example


def _done_report(users, program: Program) -> None:
    """Btctu's staff reports one of its occurrences done; the office confirms it."""
    occurrence = Occurrence.objects.filter(
        assignment__task__program=program,
        assignment__organization__code="qn.btctu",
        source="deadline",
    ).order_by("due_date", "pk")[0]
    now = timezone.now()
    report = save_report(user=users["staff"], occurrence=occurrence, expected_version=None,
                         state="done", done_on=timezone.localdate(), narrative="Đã xong.", now=now)  # fmt: skip
    report = submit_report(user=users["staff"], report=report, expected_version=report.version)
    review_report(user=users["monitor"], report=report, expected_version=report.version,
                  accept=True)  # fmt: skip


def test_a_kept_value_is_served_until_a_report_changes_it(program, users):
    compute = Counting()
    assert rollup_cache.cached("test", program, DAY, compute) == 1
    assert rollup_cache.cached("test", program, DAY, compute) == 1  # kept
    assert rollup_cache.cached("test", program, DAY + dt.timedelta(days=1), compute) == 2
    _done_report(users, program)
    assert rollup_cache.cached("test", program, DAY, compute) == 3  # recomputed


def test_a_lower_programs_change_reaches_the_programs_above(program, users):
    lower = Program.objects.create(number="01-KH/TEST", title="Kế hoạch cấp dưới",
                                   parent_program=program)  # fmt: skip
    compute = Counting()
    rollup_cache.cached("test", program, DAY, compute)
    rollup_cache.forget([lower.pk])
    assert rollup_cache.cached("test", program, DAY, compute) == 2


def test_renaming_a_body_changes_every_kept_value(program):
    compute = Counting()
    rollup_cache.cached("test", program, DAY, compute)
    body = Organization.objects.get(code="qn.btctu")
    body.name = "Ban Tổ chức Tỉnh ủy (tên mới)"
    body.save()
    assert rollup_cache.cached("test", program, DAY, compute) == 2


def test_a_kept_text_changes_with_its_bodys_work_only(program, users):
    texts = Counting()
    theirs = Counting()
    btctu = Organization.objects.get(code="qn.btctu").pk
    btgtu = Organization.objects.get(code="qn.btgtu").pk

    def kept(body: int, render: Counting) -> str:
        return rollup_cache.cached_text(
            f"list {body}", [rollup_cache.body_scope(body)], lambda: str(render())
        )

    assert (kept(btctu, texts), kept(btgtu, theirs)) == ("1", "1")
    assert (kept(btctu, texts), kept(btgtu, theirs)) == ("1", "1")  # kept
    _done_report(users, program)  # Ban Tổ chức's report, confirmed
    assert kept(btctu, texts) == "2"
    assert kept(btgtu, theirs) == "1"  # another body's list is still current


def _bodies_of(program: Program) -> set[str]:
    return {
        rollup_cache.body_scope(pk)
        for pk in Assignment.objects.filter(task__program=program, organization__isnull=False)
        .values_list("organization_id", flat=True)
        .distinct()
    }


def test_an_amended_program_is_recomputed_and_no_other_program(program, tmp_path):
    from tests.programs.test_importer import amended_copy

    other = Program.objects.create(number="99-CTr/KHAC", title="Chương trình khác")
    compute, others = Counting(), Counting()
    rollup_cache.cached("test", program, DAY, compute)
    rollup_cache.cached("test", other, DAY, others)
    bodies_before = _bodies_of(program)
    before = dict(RollupGeneration.objects.values_list("scope", "n"))
    import_program(path=amended_copy(tmp_path))
    assert rollup_cache.cached("test", program, DAY, compute) == 2
    assert rollup_cache.cached("test", other, DAY, others) == 1  # still kept
    # Hundreds of rows saved; the program and its bodies' work lists moved once each (the
    # rows' own receivers kept quiet), nothing global.
    after = dict(RollupGeneration.objects.values_list("scope", "n"))
    steps = {scope: n - before.get(scope, 0) for scope, n in after.items()}
    moved = {scope for scope, step in steps.items() if step}
    assert moved == {rollup_cache.program_scope(program.pk)} | bodies_before | _bodies_of(program)
    assert {steps[scope] for scope in moved} == {1}


def test_a_new_lower_program_reaches_the_program_above_only(program, tmp_path):
    from tests.programs.test_importer import example_path

    other = Program.objects.create(number="99-CTr/KHAC", title="Chương trình khác")
    compute, others = Counting(), Counting()
    rollup_cache.cached("test", program, DAY, compute)
    rollup_cache.cached("test", other, DAY, others)
    import_program(path=example_path(), number="02-KH/CAPDUOI", parent=program.number)
    lower = Program.objects.get(number="02-KH/CAPDUOI")
    assert lower.parent_program_id == program.pk
    assert rollup_cache.cached("test", program, DAY, compute) == 2  # its lower program is new
    assert rollup_cache.cached("test", other, DAY, others) == 1


def test_a_computation_that_overlaps_a_change_is_not_kept(program):
    calls = []

    def compute() -> int:
        calls.append(1)
        if len(calls) == 1:  # the data changes while the first computation runs
            rollup_cache.forget([program.pk])
        return len(calls)

    assert rollup_cache.cached("test", program, DAY, compute) == 1
    assert RollupCache.objects.filter(program=program, kind="test").exists()
    assert rollup_cache.cached("test", program, DAY, compute) == 2  # not the stale one


def _figures(client, url: str) -> dict[str, str]:
    """The dashboard's cards as shown: ``data-figure`` name -> text."""
    html = client.get(url).content.decode()
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def test_the_dashboard_shows_a_confirmed_report_at_once(program, users, client_for):
    monitor = client_for("monitor")
    # today, typed: by default the example (term 2020-2025) is shown as of its end
    url = f"/dashboard/?program={program.pk}&as_of={timezone.localdate():%Y-%m-%d}"
    before = _figures(monitor, url)
    assert _figures(monitor, url) == before  # served from the kept page
    assert _figures(client_for("leader"), url) == before  # the same for everyone
    _done_report(users, program)
    after = _figures(monitor, url)
    assert int(after["done_on_time"]) + int(after.get("done_late", 0)) == (
        int(before["done_on_time"]) + int(before.get("done_late", 0)) + 1
    )


def test_tallies_are_kept_per_program_and_add_up(program):
    first = rollup_cache.tallies([program.pk], as_of=DAY)
    assert RollupCache.objects.filter(program=program, kind="tally", as_of=DAY).count() == 1
    assert rollup_cache.tallies([program.pk], as_of=DAY) == first
    assert (
        first[program.pk].total
        == Occurrence.objects.filter(
            assignment__task__program=program, assignment__organization__isnull=False
        ).count()
    )

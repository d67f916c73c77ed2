"""The roll-up the dashboard and reports read: the example's areas, and rows that add up."""

from __future__ import annotations

import datetime as dt

import pytest

from theodoi.orgs.registry import load_registry_file
from theodoi.parsing import example_path
from theodoi.programs.importer import import_program
from theodoi.programs.models import Program
from theodoi.tracking.rollup import areas, overview, program_occurrences
from theodoi.tracking.status import BUCKETS, Tally, statuses, tally

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    load_registry_file(None)
    import_program(path=example_path())
    return Program.objects.get()


def test_the_example_areas_are_parts_one_two_and_the_six_parts_of_three(program):
    assert [s.number for s in areas(program)] == [
        "B.I", "B.II", "B.III.1", "B.III.2", "B.III.3", "B.III.4", "B.III.5", "B.III.6",
    ]  # fmt: skip


@pytest.mark.parametrize("day", [dt.date(2021, 6, 30), dt.date(2023, 12, 31)])
def test_rows_add_up_to_the_whole_and_rates_come_from_counts(program, day):
    view = overview(program, as_of=day)
    expected = tally(statuses(program_occurrences(program), as_of=day))
    assert view.total == expected
    for rows in (view.by_area, view.by_body):
        summed = sum((row.tally for row in rows), Tally())
        assert summed == expected
    for row in view.by_area:
        due = row.tally.done + row.tally.open_overdue
        assert row.tally.rate == (row.tally.done / due if due else None)
    assert len(view.overdue) == expected.open_overdue
    assert all(state.bucket == "open_overdue" for _o, state in view.overdue)
    assert all(day <= state.due <= day + dt.timedelta(days=30) for _o, state in view.upcoming)
    assert sum(n for _q, n in view.by_quarter) == expected.total - expected.withdrawn
    assert set(BUCKETS) >= {state.bucket for _o, state in view.overdue + view.upcoming}

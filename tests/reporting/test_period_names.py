"""The period picker speaks Vietnamese and offers only periods that have begun."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from theodoi.reporting.periods import default_period, parse_period, period_choices

TODAY = dt.date(2026, 12, 8)


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("2026-Q3", "Quý III/2026"),
        ("2026-H1", "6 tháng đầu năm 2026"),
        ("2026-H2", "6 tháng cuối năm 2026"),
        ("2025", "Năm 2025"),
        ("2020-2025", "Cả nhiệm kỳ 2020-2025"),
    ],
)
def test_each_period_has_its_vietnamese_name(key, name):
    assert parse_period(key).picker_label == name


def _program(start, end):
    return SimpleNamespace(term_start=start, term_end=end, date=None)


def test_the_picker_lists_the_term_then_each_year_latest_first():
    choices = period_choices(_program(2025, 2030), TODAY)
    assert choices[0] == ("2025-2030", "Cả nhiệm kỳ 2025-2030")
    assert choices[1:8] == [
        ("2026", "Năm 2026"), ("2026-H2", "6 tháng cuối năm 2026"),
        ("2026-H1", "6 tháng đầu năm 2026"), ("2026-Q4", "Quý IV/2026"),
        ("2026-Q3", "Quý III/2026"), ("2026-Q2", "Quý II/2026"), ("2026-Q1", "Quý I/2026"),
    ]  # fmt: skip
    assert ("2027", "Năm 2027") not in choices  # not begun


def test_no_quarter_that_has_not_begun():
    keys = [key for key, _name in period_choices(_program(2025, 2030), dt.date(2026, 8, 1))]
    assert "2026-Q3" in keys and "2026-Q4" not in keys and "2026-H2" in keys


def test_the_default_is_the_last_quarter_with_data(example):
    assert default_period(example, TODAY) == "2025-Q4"  # the term is over
    assert default_period(example, dt.date(2021, 8, 15)) == "2021-Q2"
    assert default_period(example, dt.date(2021, 9, 29)) == "2021-Q2"  # Q3 not ended yet
    assert period_choices(example, TODAY)[0] == ("2020-2025", "Cả nhiệm kỳ 2020-2025")

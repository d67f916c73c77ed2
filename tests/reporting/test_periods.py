"""Reporting periods as typed: their days and their Vietnamese names; anything else refused
with a message that says what to type."""

from __future__ import annotations

import datetime as dt

import pytest

from theodoi.reporting.periods import PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "short"),
    [
        ("2021-Q2", dt.date(2021, 4, 1), dt.date(2021, 6, 30), "quý II năm 2021", "Quý II/2021"),
        ("2021-q4", dt.date(2021, 10, 1), dt.date(2021, 12, 31), "quý IV năm 2021", "Quý IV/2021"),
        ("2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31), "quý I năm 2024", "Quý I/2024"),
        ("2021-H1", dt.date(2021, 1, 1), dt.date(2021, 6, 30), "6 tháng đầu năm 2021",
         "6 tháng đầu năm 2021"),
        ("2021-H2", dt.date(2021, 7, 1), dt.date(2021, 12, 31), "6 tháng cuối năm 2021",
         "6 tháng cuối năm 2021"),
        (" 2021 ", dt.date(2021, 1, 1), dt.date(2021, 12, 31), "năm 2021", "Năm 2021"),
        ("2020-2025", dt.date(2020, 1, 1), dt.date(2025, 12, 31), "nhiệm kỳ 2020 - 2025",
         "Nhiệm kỳ 2020 - 2025"),
    ],
)  # fmt: skip
def test_periods(text, start, end, label, short):
    period = parse_period(text)
    assert (period.start, period.end, period.label, period.short_label) == (
        start, end, label, short,
    )  # fmt: skip
    assert period.contains(start) and period.contains(end)
    assert not period.contains(end + dt.timedelta(days=1))


def test_key_is_normalised():
    assert parse_period("2021-q2").key == "2021-Q2"
    assert parse_period("2021-Q2").slug == "2021-q2"


@pytest.mark.parametrize(
    "text", ["", "2021-Q5", "2021-Q0", "2021-H3", "Q2-2021", "21-Q2", "2025-2020", "2021-2021",
             "quý II/2021", "2021-06", "abc", "0999"],
)  # fmt: skip
def test_bad_periods_say_what_to_type(text):
    with pytest.raises(PeriodError) as error:
        parse_period(text)
    message = str(error.value)
    assert "không hợp lệ" in message
    if text != "2025-2020" and text != "2021-2021":
        assert "2021-Q2" in message and "2020-2025" in message

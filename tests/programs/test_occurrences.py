"""Occurrences from the time forms of the example program, read by the real parser."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theodoi.parsing.model import Milestone
from theodoi.parsing.times import parse_time
from theodoi.programs.occurrences import CYCLES, Period, periods_for

TERM = (2020, 2025)


def time(text: str, term: tuple[int, int] | None = TERM) -> dict:
    return parse_time(text, term=term).to_dict()


def dues(periods: list[Period]) -> list[date]:
    return [period.due for period in periods]


def labels(periods: list[Period]) -> list[str]:
    return [period.label for period in periods]


def years(first: int, last: int) -> list[str]:
    return [f"Năm {year}" for year in range(first, last + 1)]


# --- Deadlines ---------------------------------------------------------------------------


def test_quarter_deadline_is_one_occurrence():
    assert periods_for(time("Trong quý I/2021"), term=TERM) == [
        Period(None, date(2021, 3, 31), "Hạn 31/03/2021", "deadline")
    ]


def test_latest_by_a_year_is_due_at_its_end():
    assert periods_for(time("Chậm nhất năm 2025"), term=TERM) == [
        Period(None, date(2025, 12, 31), "Hạn 31/12/2025", "deadline")
    ]


@pytest.mark.parametrize(
    ("text", "start", "due", "label"),
    [
        ("6 tháng đầu năm 2022", date(2022, 1, 1), date(2022, 6, 30), "6 tháng đầu năm 2022"),
        ("Giai đoạn 2021-2025", date(2021, 1, 1), date(2025, 12, 31), "Giai đoạn 2021-2025"),
        ("Trong nhiệm kỳ", date(2020, 1, 1), date(2025, 12, 31), "Giai đoạn 2020-2025"),
    ],
)
def test_a_stretch_that_is_a_named_period_is_labelled_by_it(text, start, due, label):
    assert periods_for(time(text), term=TERM) == [Period(start, due, label, "deadline")]


def test_a_stretch_that_names_no_period_gets_its_due_date():
    spec = {"kind": "deadline", "start": "2021-03-15", "due": "2021-09-30"}
    assert periods_for(spec, term=TERM) == [
        Period(date(2021, 3, 15), date(2021, 9, 30), "Hạn 30/09/2021", "deadline")
    ]


def test_a_start_after_the_due_date_is_dropped():
    spec = {"kind": "deadline", "start": "2022-01-01", "due": "2021-06-30"}
    assert periods_for(spec, term=TERM) == [
        Period(None, date(2021, 6, 30), "Hạn 30/06/2021", "deadline")
    ]


def test_a_deadline_keeps_the_scope_the_spec_gives():
    [period] = periods_for(time("Trong năm 2021 (đối với cấp tỉnh)"), term=TERM)
    assert period.scope == "cấp tỉnh"


# --- Recurring and ongoing ----------------------------------------------------------------


def test_yearly_without_start_runs_over_the_term():
    periods = periods_for(time("Hàng năm"), term=TERM)
    assert labels(periods) == years(2020, 2025)
    assert dues(periods) == [date(year, 12, 31) for year in range(2020, 2026)]
    assert {p.start for p in periods} == {date(year, 1, 1) for year in range(2020, 2026)}
    assert {p.source for p in periods} == {"period"}


def test_yearly_starts_at_the_period_containing_the_program_date():
    periods = periods_for(time("Hàng năm"), term=TERM, program_date=date(2020, 12, 15))
    assert labels(periods) == years(2020, 2025)


def test_program_date_after_the_terms_start_moves_the_first_period():
    periods = periods_for(time("Hằng 6 tháng"), term=TERM, program_date=date(2021, 8, 2))
    assert labels(periods)[:2] == ["6 tháng cuối năm 2021", "6 tháng đầu năm 2022"]
    assert len(periods) == 9


def test_program_date_outside_the_term_is_ignored():
    periods = periods_for(time("Hàng năm"), term=(2021, 2025), program_date=date(2020, 12, 15))
    assert labels(periods) == years(2021, 2025)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Năm 2021 và những năm tiếp theo", "ongoing"), ("Năm 2021 và hàng năm", "recurring")],
)
def test_yearly_from_a_written_year(text, kind):
    spec = time(text)
    assert spec["kind"] == kind
    periods = periods_for(spec, term=TERM, program_date=date(2020, 12, 15))
    assert labels(periods) == years(2021, 2025)
    assert periods[0] == Period(date(2021, 1, 1), date(2021, 12, 31), "Năm 2021", "period")


def test_ongoing_without_every_is_yearly_from_its_start():
    spec = time("Từ quý II/2022")
    assert (spec["kind"], spec["every"]) == ("ongoing", None)
    assert labels(periods_for(spec, term=TERM)) == years(2022, 2025)


def test_quarterly_from_a_start():
    spec = {"text": "Hằng quý", "kind": "recurring", "start": "2022-04-01", "every": "quarter"}
    periods = periods_for(spec, term=TERM)
    assert len(periods) == 15
    assert periods[0] == Period(date(2022, 4, 1), date(2022, 6, 30), "Quý II/2022", "period")
    assert labels(periods)[:4] == ["Quý II/2022", "Quý III/2022", "Quý IV/2022", "Quý I/2023"]
    assert dues(periods)[:4] == [
        date(2022, 6, 30),
        date(2022, 9, 30),
        date(2022, 12, 31),
        date(2023, 3, 31),
    ]
    assert periods[-1].due == date(2025, 12, 31)


def test_quarterly_from_a_written_year():
    periods = periods_for(time("hằng quý, bắt đầu từ năm 2022"), term=TERM)
    assert (len(periods), periods[0].label) == (16, "Quý I/2022")


def test_monthly_ends_on_each_months_last_day():
    periods = periods_for(time("Hằng tháng"), term=(2024, 2024))
    assert labels(periods)[:3] == ["Tháng 1/2024", "Tháng 2/2024", "Tháng 3/2024"]
    assert dues(periods)[:3] == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    assert len(periods) == 12


def test_a_start_before_the_term_is_moved_to_the_terms_start():
    spec = {"kind": "ongoing", "start": "2015-01-01", "every": "year"}
    assert labels(periods_for(spec, term=TERM)) == years(2020, 2025)


def test_a_start_after_the_term_owes_its_own_year():
    spec = {"kind": "recurring", "start": "2026-07-01", "every": "quarter"}
    assert labels(periods_for(spec, term=TERM)) == ["Quý III/2026", "Quý IV/2026"]


# --- Continuous --------------------------------------------------------------------------


def test_continuous_reports_every_half_year():
    periods = periods_for(time("Thường xuyên"), term=TERM, cycle="half-year")
    assert len(periods) == 12
    assert periods[0] == Period(
        date(2020, 1, 1), date(2020, 6, 30), "6 tháng đầu năm 2020", "period"
    )
    assert periods[1].label == "6 tháng cuối năm 2020"
    assert periods[-1] == Period(
        date(2025, 7, 1), date(2025, 12, 31), "6 tháng cuối năm 2025", "period"
    )


def test_continuous_reports_every_quarter():
    periods = periods_for(time("Thường xuyên"), term=TERM, cycle="quarter")
    assert len(periods) == 24
    assert {p.due.month for p in periods} == {3, 6, 9, 12}


def test_continuous_takes_the_programs_reporting_cycle():
    from theodoi.programs.models import ReportingCycle

    periods = periods_for(time("Thường xuyên"), term=TERM, cycle=ReportingCycle.YEAR)
    assert labels(periods) == years(2020, 2025)
    assert set(CYCLES) == set(ReportingCycle.values)


def test_an_unknown_cycle_counts_as_half_years():
    assert len(periods_for(time("Thường xuyên"), term=TERM, cycle="week")) == 12


# --- Compound and milestones -------------------------------------------------------------


def test_compound_keeps_a_deadline_and_a_period_ending_the_same_day_apart():
    spec = time("Trong năm 2020 (đối với X) và hàng năm (đối với Y)")
    periods = periods_for(spec, term=TERM)
    assert periods[:2] == [
        Period(None, date(2020, 12, 31), "Hạn 31/12/2020", "deadline", "X"),
        Period(date(2020, 1, 1), date(2020, 12, 31), "Năm 2020", "period", "Y"),
    ]
    assert labels(periods[2:]) == years(2021, 2025)
    assert {p.scope for p in periods[1:]} == {"Y"}


def test_compound_merges_identical_occurrences_and_their_scopes():
    spec = time("Năm 2021 (đối với cấp tỉnh); năm 2021 (đối với cấp huyện)")
    assert periods_for(spec, term=TERM) == [
        Period(None, date(2021, 12, 31), "Hạn 31/12/2021", "deadline", "cấp tỉnh; cấp huyện")
    ]


def test_milestones_with_their_own_dates_add_occurrences():
    milestones = [
        Milestone("Hoàn thành trong quý I/2021 ở cấp tỉnh", date(2021, 3, 31), "cấp tỉnh"),
        Milestone("trong tháng 4/2021 ở cấp huyện", date(2021, 4, 30), "cấp huyện"),
    ]
    periods = periods_for(time("việc khác"), [m.to_dict() for m in milestones], term=TERM)
    assert periods == [
        Period(None, date(2021, 3, 31), "Hạn 31/03/2021", "milestone", "cấp tỉnh"),
        Period(None, date(2021, 4, 30), "Hạn 30/04/2021", "milestone", "cấp huyện"),
    ]


def test_a_milestone_on_an_existing_due_date_lends_its_scope():
    spec = time("Trong quý I/2021; tháng 4/2021")
    milestones = [
        {"text": "quý I/2021", "due": "2021-03-31", "scope": "cấp tỉnh"},
        {"text": "tháng 4/2021", "due": "2021-04-30", "scope": None},
    ]
    assert periods_for(spec, milestones, term=TERM) == [
        Period(None, date(2021, 3, 31), "Hạn 31/03/2021", "deadline", "cấp tỉnh"),
        Period(None, date(2021, 4, 30), "Hạn 30/04/2021", "deadline"),
    ]


def test_a_milestone_does_not_override_a_scope():
    spec = time("Trong năm 2020 (đối với X) và hàng năm (đối với Y)")
    milestone = {"text": "năm 2020", "due": "2020-12-31", "scope": "Z"}
    periods = periods_for(spec, [milestone], term=TERM)
    assert [p.scope for p in periods if p.due == date(2020, 12, 31)] == ["X", "Y"]


# --- Unknown, bad input, no term ----------------------------------------------------------


def test_unknown_time_owes_nothing():
    spec = time("Trong năm 2021 hoặc khi có chỉ đạo")
    assert spec["kind"] == "unknown"
    assert periods_for(spec, term=TERM) == []


@pytest.mark.parametrize(
    "spec",
    [
        None,
        {},
        [],
        "Hàng năm",
        {"kind": None},
        {"kind": "deadline"},
        {"kind": "deadline", "due": "31/12/2021"},
        {"kind": "deadline", "due": "2021-02-30"},
        {"kind": "deadline", "due": 20211231},
        {"kind": "recurring", "every": None},
        {"kind": "recurring", "every": "week"},
        {"kind": "ongoing", "start": "2021-01-01", "every": "fortnight"},
        {"kind": "compound", "parts": None},
        {"kind": "compound", "parts": [None, "x", {"kind": "deadline", "due": None}]},
        {"kind": ["deadline"], "due": "2021-12-31"},
    ],
)
def test_bad_input_gives_nothing(spec):
    assert periods_for(spec, [None, {"due": "bad"}, "x"], term=TERM) == []


@pytest.mark.parametrize("milestones", [None, 5, "2021-12-31", {"due": "2021-12-31"}])
def test_bad_milestone_lists_are_ignored(milestones):
    assert periods_for({}, milestones, term=TERM) == []


def test_deeply_nested_compounds_stop():
    spec: dict = {"kind": "deadline", "due": "2021-12-31"}
    for _ in range(50):
        spec = {"kind": "compound", "parts": [spec]}
    assert periods_for(spec, term=TERM) == []


@pytest.mark.parametrize("term", [(2025, 2020), None, ("a", "b"), (2020,), 2020, (0, 2020)])
def test_a_bad_term_counts_as_none(term):
    assert labels(periods_for(time("Hàng năm"), term=term, program_date=date(2022, 3, 1))) == [
        "Năm 2022"
    ]


def test_without_a_term_a_recurrence_runs_to_the_end_of_its_first_year():
    periods = periods_for(time("Hằng quý", term=None), term=None, program_date=date(2021, 5, 10))
    assert labels(periods) == ["Quý II/2021", "Quý III/2021", "Quý IV/2021"]
    assert labels(periods_for(time("Năm 2021 và những năm tiếp theo"), term=None)) == ["Năm 2021"]


def test_without_a_term_or_a_date_a_recurrence_owes_nothing():
    assert periods_for(time("Hàng năm"), term=None) == []
    assert periods_for(time("Thường xuyên"), term=None) == []


def test_without_a_term_deadlines_still_count():
    assert dues(periods_for(time("Trong quý I/2021", term=None), term=None)) == [date(2021, 3, 31)]


def test_timespec_objects_are_accepted():
    spec = parse_time("Năm 2021 và hàng năm", term=TERM)
    assert periods_for(spec, term=TERM) == periods_for(spec.to_dict(), term=TERM)


def test_the_last_year_dates_can_hold():
    periods = periods_for({"kind": "recurring", "every": "month"}, term=(9999, 9999))
    assert (len(periods), periods[-1].due) == (12, date(9999, 12, 31))


# --- Properties --------------------------------------------------------------------------

FORMS = (
    *("Trong quý I/2021", "Chậm nhất năm 2025", "tháng 3/2022", "6 tháng đầu năm 2022"),
    *("Giai đoạn 2021-2025", "Trong nhiệm kỳ", "Từ năm 2021 đến năm 2023", "Từ quý II/2022"),
    *("Hằng năm", "hàng quý", "Hằng tháng", "Hằng 6 tháng", "Thường xuyên"),
    *("Năm 2021 và những năm tiếp theo", "Năm 2022 và hàng năm", "Từ năm 2023 trở đi"),
    *("hằng quý, bắt đầu từ năm 2022", "Trước ngày 30/6/2021", "năm 1999", "năm 2100"),
)
SCOPES = ("", " (đối với X)", " (đối với Y)")
PIECES = (*FORMS, "và ", ", ", "; ", " ", "(đối với X)", "Cấp tỉnh: ", "đầu ", "2021")
PARTS = st.tuples(st.sampled_from(FORMS), st.sampled_from(SCOPES)).map("".join)
TIME_TEXTS = st.one_of(
    PARTS,
    st.lists(PARTS, min_size=2, max_size=4).map("; ".join),
    st.lists(PARTS, min_size=2, max_size=3).map(" và ".join),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
)
TERMS = st.one_of(st.none(), st.tuples(st.integers(1900, 2200), st.integers(1900, 2200)))
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(),
    DATES.map(date.isoformat),
    st.sampled_from(["deadline", "recurring", "continuous", "ongoing", "compound", "unknown"]),
    st.sampled_from(CYCLES),
)
KEYS = st.sampled_from(["text", "kind", "due", "start", "every", "parts", "scope"])
GARBAGE = st.recursive(
    st.dictionaries(KEYS, VALUES, max_size=7),
    lambda inner: st.dictionaries(KEYS, st.one_of(VALUES, st.lists(inner, max_size=3))),
    max_leaves=12,
)
MILESTONES = st.lists(
    st.fixed_dictionaries(
        {"text": st.just("mốc"), "due": st.one_of(st.none(), DATES.map(date.isoformat))},
        optional={"scope": st.one_of(st.none(), st.sampled_from(["X", "Y", ""]))},
    ),
    max_size=4,
)


def assert_well_formed(periods: list[Period]) -> None:
    keys = [(p.due, p.label) for p in periods]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for period in periods:
        assert period.start is None or period.start <= period.due
        assert period.source in ("deadline", "period", "milestone")
        assert period.label


@settings(max_examples=300, deadline=None)
@given(
    text=TIME_TEXTS,
    term=TERMS,
    program_date=st.one_of(st.none(), DATES),
    cycle=st.sampled_from([*CYCLES, "week"]),
    milestones=MILESTONES,
)
def test_parsed_times_always_give_well_formed_occurrences(
    text, term, program_date, cycle, milestones
):
    spec = parse_time(text, term=term).to_dict()
    periods = periods_for(spec, milestones, term=term, program_date=program_date, cycle=cycle)
    assert_well_formed(periods)
    if term is not None and term[0] <= term[1]:
        for period in periods:
            if period.source == "period":
                assert period.start.year >= term[0]


@settings(max_examples=300, deadline=None)
@given(spec=GARBAGE, term=TERMS, milestones=MILESTONES)
def test_any_contract_shaped_dict_gives_well_formed_occurrences(spec, term, milestones):
    assert_well_formed(periods_for(spec, milestones, term=term))

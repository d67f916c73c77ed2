"""Time forms of recent plans (2025-2026 writing): one test per rule of administrative writing.

The examples are made up for each rule; none is taken from a corpus document.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theodoi.parsing.model import TimeSpec
from theodoi.parsing.times import find_times, parse_time


def fields(spec: TimeSpec) -> tuple:
    return (spec.kind, spec.due, spec.start, spec.every)


def found(sentence: str, **kw) -> list[tuple[str, tuple]]:
    return [(sentence[a:b], fields(spec)) for a, b, spec in find_times(sentence, **kw)]


# --- A period "và các năm tiếp theo" runs on from its first day, every year -----------------


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Quý IV năm 2025 và các năm tiếp theo", date(2025, 10, 1)),
        ("Quý III/2026 và những năm tiếp theo.", date(2026, 7, 1)),
        ("Trong tháng 5/2026 và các năm tiếp theo", date(2026, 5, 1)),
        ("Năm 2027 và các năm tiếp theo", date(2027, 1, 1)),  # as before
    ],
)
def test_a_period_and_the_following_years_is_ongoing_from_its_first_day(text, start):
    assert fields(parse_time(text)) == ("ongoing", None, start, "year")


def test_a_month_onwards_is_ongoing_with_no_invented_period():
    assert fields(parse_time("Từ tháng 3/2026 trở đi")) == ("ongoing", None, date(2026, 3, 1), None)


# --- A stretch between two periods is due its last day and starts its first ----------------


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("Quý IV/2025 - Quý II/2026", date(2025, 10, 1), date(2026, 6, 30)),
        ("Quý I/2026 đến quý III/2026", date(2026, 1, 1), date(2026, 9, 30)),
        ("Tháng 10/2025 - tháng 02/2026", date(2025, 10, 1), date(2026, 2, 28)),
        ("Quý III - IV/2026", date(2026, 7, 1), date(2026, 12, 31)),
    ],
)
def test_a_stretch_of_periods_is_a_deadline_with_a_start(text, start, due):
    assert fields(parse_time(text)) == ("deadline", due, start, None)


def test_a_stretch_that_runs_backwards_is_unknown():
    assert parse_time("Quý II/2026 - Quý IV/2025").kind == "unknown"


# --- Old spelling "quí" and a dash before the year -----------------------------------------


@pytest.mark.parametrize("text", ["Quí IV-2025", "quí 4 - 2025", "QUÍ IV/2025"])
def test_the_old_spelling_qui_names_a_quarter(text):
    assert fields(parse_time(text)) == ("deadline", date(2025, 12, 31), None, None)


# --- Months --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("6/2025", date(2025, 6, 30)),
        ("02/2028", date(2028, 2, 29)),
        ("tháng 6/2026", date(2026, 6, 30)),
        ("Tháng 11/2025", date(2025, 11, 30)),
        ("Trong tháng 8 năm 2026.", date(2026, 8, 31)),
    ],
)
def test_a_month_of_a_year_is_due_on_its_last_day(text, due):
    assert fields(parse_time(text)) == ("deadline", due, None, None)


def test_a_bare_month_and_year_is_no_time_in_prose():
    assert find_times("Tỷ lệ đạt 6/2025 chỉ tiêu.") == []


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("Tháng 11 - 12/2025", date(2025, 11, 1), date(2025, 12, 31)),
        ("tháng 3-5/2026", date(2026, 3, 1), date(2026, 5, 31)),
        ("Từ tháng 7 - tháng 9/2026", date(2026, 7, 1), date(2026, 9, 30)),
    ],
)
def test_two_months_of_one_year_are_a_stretch(text, start, due):
    assert fields(parse_time(text)) == ("deadline", due, start, None)


def test_months_that_run_backwards_are_unknown():
    assert parse_time("Tháng 12 - 11/2025").kind == "unknown"


# --- A day: "chậm nhất", "trước ngày" --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("chậm nhất ngày 30/6/2025", date(2025, 6, 30)),
        ("trước ngày 15 tháng 12 năm 2025", date(2025, 12, 15)),
        ("Trước ngày 31/5/2026", date(2026, 5, 31)),
        ("Chậm nhất là ngày 10 tháng 01 năm 2026.", date(2026, 1, 10)),
    ],
)
def test_by_a_day_is_due_that_day(text, due):
    assert fields(parse_time(text)) == ("deadline", due, None, None)


# --- A day of each period is a recurrence ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("trước ngày 25/12 hằng năm", "year"),
        ("Hằng năm, trước ngày 31/3", "year"),
        ("trước ngày 20 tháng 11 hàng năm", "year"),
        ("Trước ngày 05 hằng tháng", "month"),
        ("Hàng tháng, trước ngày 25", "month"),
    ],
)
def test_a_day_of_each_period_recurs_without_a_year(text, every):
    assert fields(parse_time(text, year=2025)) == ("recurring", None, None, every)


@pytest.mark.parametrize("text", ["trước ngày 31/3 hằng tháng", "trước ngày 31/2 hằng năm"])
def test_a_day_that_no_period_has_is_unknown(text):
    assert parse_time(text).kind == "unknown"


# --- A half of a year ----------------------------------------------------------------------


def test_the_first_six_months_of_a_year():
    assert fields(parse_time("6 tháng đầu năm 2026")) == (
        "deadline",
        date(2026, 6, 30),
        date(2026, 1, 1),
        None,
    )


# --- Spans of years ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025 - 2035", 2025, 2035),
        ("năm 2026 - 2027", 2026, 2027),
        ("giai đoạn 2026-2030", 2026, 2030),
        ("Giai đoạn 2026 – 2030.", 2026, 2030),
    ],
)
def test_a_span_of_years_starts_its_first_and_is_due_the_end_of_its_last(text, first, last):
    assert fields(parse_time(text)) == (
        "deadline",
        date(last, 12, 31),
        date(first, 1, 1),
        None,
    )


# --- Repetitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("Định kỳ hằng quý", "quarter"),
        ("hàng tháng", "month"),
        ("định kỳ 6 tháng", "half-year"),
        ("Định kỳ hàng năm hoặc đột xuất khi có yêu cầu", "year"),
        ("Hằng quý và đột xuất", "quarter"),
        ("Báo cáo hằng tháng", "month"),
    ],
)
def test_a_repeated_period_recurs(text, every):
    assert fields(parse_time(text)) == ("recurring", None, None, every)


@pytest.mark.parametrize(
    "text",
    [
        "Định kỳ",
        "hằng ngày",
        "Hàng tuần",
        "trước 17h00 hằng ngày",
        "trước 8 giờ 30 hàng ngày và đột xuất khi có yêu cầu",
        "03 lần/ngày (trước 8h00’, 12h00’ và 17h00’)",
        "báo cáo 01 lần/tuần",
    ],
)
def test_repetitions_off_the_contracts_calendar_recur_with_no_period(text):
    """Daily, weekly or unnamed periods are kept as written: recurring, no period invented."""
    assert parse_time(text) == TimeSpec(text=text, kind="recurring")


def test_daily_words_in_prose_are_no_time():
    assert find_times("Nâng cao chất lượng đời sống hằng ngày của nhân dân năm nay.") == []


def test_an_or_clause_that_is_no_ad_hoc_report_still_makes_it_unknown():
    assert parse_time("Hằng quý hoặc khi có chỉ đạo").kind == "unknown"


# --- Continuous ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Thường xuyên", "Thường xuyên, liên tục", "Thực hiện thường xuyên."]
)
def test_continuous(text):
    assert parse_time(text).kind == "continuous"


# --- From a start ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Từ ngày 15 tháng 9 năm 2025", date(2025, 9, 15)),
        ("Từ tháng 11/2025", date(2025, 11, 1)),
        ("Từ tháng 11/2025 đến khi kết thúc đợt cao điểm", date(2025, 11, 1)),
        ("Kể từ ngày 01/7/2026 cho đến khi hoàn thành việc sắp xếp", date(2026, 7, 1)),
    ],
)
def test_a_start_with_no_end_or_an_event_for_an_end_is_ongoing(text, start):
    assert fields(parse_time(text)) == ("ongoing", None, start, None)


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("Từ ngày 01/01/2026 đến ngày 31/3/2026", date(2026, 1, 1), date(2026, 3, 31)),
        (
            "Từ ngày 15 tháng 9 năm 2025 đến 30 tháng 11 năm 2025",
            date(2025, 9, 15),
            date(2025, 11, 30),
        ),
        ("từ ngày 10/10/2025 - 20/10/2025", date(2025, 10, 10), date(2025, 10, 20)),
    ],
)
def test_from_a_day_to_a_day_is_a_deadline_with_a_start(text, start, due):
    assert fields(parse_time(text)) == ("deadline", due, start, None)


# --- A day without a year -------------------------------------------------------------------


def test_a_day_without_a_year_takes_the_plans_year():
    text = "từ ngày 15/11 đến ngày 15/12"
    assert fields(parse_time(text, year=2025)) == (
        "deadline",
        date(2025, 12, 15),
        date(2025, 11, 15),
        None,
    )
    assert fields(parse_time("Trước ngày 20/10", year=2026)) == (
        "deadline",
        date(2026, 10, 20),
        None,
        None,
    )


@pytest.mark.parametrize("text", ["từ ngày 15/11 đến ngày 15/12", "trước ngày 20 tháng 10"])
def test_a_day_without_a_year_and_no_year_given_is_unknown(text):
    assert parse_time(text) == TimeSpec(text=text)


def test_the_first_day_of_a_stretch_takes_the_year_of_its_end():
    assert fields(parse_time("từ ngày 01/12 đến ngày 20/12/2025")) == (
        "deadline",
        date(2025, 12, 20),
        date(2025, 12, 1),
        None,
    )
    # across the new year: the December before
    assert fields(parse_time("từ ngày 15/12 đến ngày 15/01/2026", year=2026)) == (
        "deadline",
        date(2026, 1, 15),
        date(2025, 12, 15),
        None,
    )


def test_a_day_without_a_year_is_found_in_prose_after_a_time_word_only():
    sentence = "Các xã gửi báo cáo trước ngày 10/12 để tổng hợp."
    assert found(sentence, year=2025) == [
        ("trước ngày 10/12", ("deadline", date(2025, 12, 10), None, None))
    ]
    assert found(sentence) == []
    assert found("Các xã hoàn thành 3/5 chỉ tiêu.", year=2025) == []


@pytest.mark.parametrize("year", [1900, 3000, None])
def test_a_year_outside_the_calendar_is_ignored(year):
    assert parse_time("trước ngày 10/12", year=year).kind == "unknown"


# --- Events and conditions -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Theo tiến độ được giao của Luật Quy hoạch",
        "Sau khi Nghị định hướng dẫn được ban hành",
        "khi Chính phủ ban hành Nghị định quy định chi tiết",
        "Theo lộ trình của Bộ Nội vụ năm 2026",
    ],
)
def test_events_and_conditions_are_unknown(text):
    assert parse_time(text) == TimeSpec(text=text)


# --- Milestones in one field ---------------------------------------------------------------


def test_milestones_written_as_a_list_are_a_compound_of_deadlines():
    text = (
        "+ Các sở, ngành gửi dự thảo về Sở Tư pháp trước ngày 20 tháng 10 năm 2026. "
        "+ Sở Tư pháp tổng hợp, trình Ủy ban nhân dân tỉnh trước ngày 15/11/2026."
    )
    spec = parse_time(text)
    assert spec.kind == "compound"
    assert [(fields(p), p.text, p.scope) for p in spec.parts] == [
        (
            ("deadline", date(2026, 10, 20), None, None),
            "trước ngày 20 tháng 10 năm 2026",
            "Các sở, ngành gửi dự thảo về Sở Tư pháp",
        ),
        (
            ("deadline", date(2026, 11, 15), None, None),
            "trước ngày 15/11/2026",
            "Sở Tư pháp tổng hợp, trình Ủy ban nhân dân tỉnh",
        ),
    ]


def test_milestones_written_as_sentences_are_a_compound():
    text = "Các huyện báo cáo trong tháng 9/2026. Sở Nội vụ tổng hợp trong quý IV/2026."
    spec = parse_time(text)
    assert spec.kind == "compound"
    assert [p.due for p in spec.parts] == [date(2026, 9, 30), date(2026, 12, 31)]


def test_a_list_item_without_its_own_time_makes_the_field_unknown():
    text = "+ Các sở gửi kết quả trước ngày 20/10/2026. + Sở Tư pháp tổng hợp kết quả."
    assert parse_time(text).kind == "unknown"


# --- In prose ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "phrase", "spec"),
    [
        (
            "Các phường rà soát, hoàn thành trong tháng 10 năm 2026.",
            "trong tháng 10 năm 2026",
            ("deadline", date(2026, 10, 31), None, None),
        ),
        (
            "Sở Y tế gửi báo cáo trước ngày 20 tháng 8 năm 2026 về Văn phòng.",
            "trước ngày 20 tháng 8 năm 2026",
            ("deadline", date(2026, 8, 20), None, None),
        ),
        (
            "Công an tỉnh thực hiện thường xuyên.",
            "thường xuyên",
            ("continuous", None, None, None),
        ),
        (
            "Các xã hoàn thành trước ngày 10/12/2026, báo cáo kết quả.",
            "trước ngày 10/12/2026",
            ("deadline", date(2026, 12, 10), None, None),
        ),
    ],
)
def test_find_times_in_prose(sentence, phrase, spec):
    assert found(sentence) == [(phrase, spec)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Triển khai Kế hoạch 127/KHPH-BNV-BTC ngày 12 tháng 3 năm 2026 của liên bộ.",
        "Căn cứ Nghị định 15/2026/NĐ-CP ngày 08 tháng 01 năm 2026 của Chính phủ.",
        "Thực hiện Quyết định số 456/QĐ-TTg ngày 05/02/2026, các sở chủ động triển khai.",
        "Theo Công văn số 88/UBND-KT ngày 15/12 của Ủy ban nhân dân tỉnh.",
    ],
)
def test_dates_of_cited_documents_are_no_times(sentence):
    assert find_times(sentence, year=2026) == []


def test_a_deadline_after_a_cited_document_is_found():
    sentence = "Thực hiện Quyết định số 456/QĐ-TTg ngày 05/02/2026, hoàn thành trong quý III/2026."
    assert found(sentence) == [("trong quý III/2026", ("deadline", date(2026, 9, 30), None, None))]


# --- Punctuation and label remnants ---------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "Quý II/2026.",
        "Quý II/2026 .",
        "- Quý II/2026",
        ": Quý II/2026",
        "Thời gian thực hiện: Quý II/2026",
        "- Thời gian hoàn thành: Quý II/2026 .",
        "**Quý II/2026**",
    ],
)
def test_trailing_periods_and_label_remnants_do_not_break_parsing(given):
    assert fields(parse_time(given)) == ("deadline", date(2026, 6, 30), None, None)


def test_a_scope_label_is_still_a_scope():
    spec = parse_time("Cấp tỉnh: quý I/2026")
    assert (spec.kind, spec.due, spec.scope) == ("deadline", date(2026, 3, 31), "Cấp tỉnh")


# --- Properties, with the new pieces and a year ----------------------------------------------

PIECES = (
    list("aăâbcdđeghiklmnoôơpqrstuưvxyàáảạầấậềếọồốộờớợừứựý")
    + list("0123456789 /-–.,;:()+IVQ’")
    + ["quý ", "quí ", "tháng ", "năm ", "ngày ", "hằng ", "từ ", "trước ", "và ", "2025", "12/"]
    + ["đến ", "đến khi ", "các năm tiếp theo", "ngày ", "lần/", "9h00", "đột xuất ", "định kỳ "]
    + ["hoặc ", "tuần", "Thời gian thực hiện: ", "+ ", ". ", "số 05/QĐ-UBND "]
)
VIETNAMESE = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
YEARS = st.one_of(st.none(), st.integers(1900, 2200))


@settings(max_examples=400, deadline=None)
@given(text=VIETNAMESE, year=YEARS)
def test_parse_time_with_a_year_keeps_its_invariants(text, year):
    spec = parse_time(text, year=year)
    if spec.kind == "unknown":
        assert spec == TimeSpec(text=spec.text)
    for part in [spec, *spec.parts]:
        if part.due is not None and part.start is not None:
            assert part.start <= part.due


@settings(max_examples=400, deadline=None)
@given(sentence=VIETNAMESE, year=YEARS)
def test_find_times_with_a_year_agrees_with_parse_time(sentence, year):
    end = 0
    for start, stop, spec in find_times(sentence, year=year):
        assert end <= start < stop <= len(sentence)
        assert spec.kind not in ("unknown", "compound")
        assert fields(parse_time(spec.text, year=year)) == fields(spec)
        end = stop


# --- Days of one month, a recurrence's day in parentheses ------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("từ ngày 20 - 25/10/2026", date(2026, 10, 20), date(2026, 10, 25)),
        ("Ngày 15-16/12/2026", date(2026, 12, 15), date(2026, 12, 16)),
        ("Trong ngày 03 - 05 tháng 3 năm 2026", date(2026, 3, 3), date(2026, 3, 5)),
    ],
)
def test_days_of_one_month_are_a_stretch(text, start, due):
    assert fields(parse_time(text)) == ("deadline", due, start, None)


def test_days_of_one_month_in_prose_only_after_a_time_word():
    assert find_times("Hội nghị ngày 15-16/12/2026 của Ban Chấp hành đã kết luận.") == []
    assert found("Tổ chức tập huấn trong ngày 15-16/12/2026.") == [
        ("trong ngày 15-16/12/2026", ("deadline", date(2026, 12, 16), date(2026, 12, 15), None))
    ]


def test_a_recurrence_with_its_day_in_parentheses_recurs():
    assert fields(parse_time("Hằng năm (trước ngày 15/12)")) == ("recurring", None, None, "year")
    assert parse_time("Hằng năm (trước quý IV)").kind == "unknown"

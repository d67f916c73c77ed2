"""Time expressions of action programs: parse_time for cells, find_times for prose."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theodoi.parsing.model import TimeSpec
from theodoi.parsing.times import find_times, parse_time

TERM = (2020, 2025)
KINDS = {"deadline", "recurring", "continuous", "ongoing", "compound", "unknown"}


def fields(spec: TimeSpec) -> tuple:
    return (spec.kind, spec.due, spec.start, spec.every)


def assert_spec(spec: TimeSpec, kind, due=None, start=None, every=None) -> None:
    assert fields(spec) == (kind, due, start, every)
    assert spec.parts == []


# --- The example program's forms ---------------------------------------------------------

EXAMPLE_FORMS = [
    ("Trong quý I/2021", "deadline", date(2021, 3, 31), None, None),
    ("Trong quý I năm 2021", "deadline", date(2021, 3, 31), None, None),
    ("Tháng 9/2021", "deadline", date(2021, 9, 30), None, None),
    ("tháng 12/2020", "deadline", date(2020, 12, 31), None, None),
    ("Trong năm 2021", "deadline", date(2021, 12, 31), None, None),
    ("Hàng năm", "recurring", None, None, "year"),
    ("Thường xuyên", "continuous", None, None, None),
    ("Năm 2021 và những năm tiếp theo", "ongoing", None, date(2021, 1, 1), "year"),
    ("Năm 2021 và hàng năm", "recurring", None, date(2021, 1, 1), "year"),
    ("Chậm nhất năm 2025", "deadline", date(2025, 12, 31), None, None),
    ("Trong quý IV/2020", "deadline", date(2020, 12, 31), None, None),
]


@pytest.mark.parametrize(("text", "kind", "due", "start", "every"), EXAMPLE_FORMS)
def test_example_program_forms(text, kind, due, start, every):
    spec = parse_time(text)
    assert_spec(spec, kind, due, start, every)
    assert spec.text == text
    assert spec.scope is None


def test_example_program_compound():
    text = (
        "Trong năm 2020 (đối với Chương trình kiểm tra, giám sát toàn khóa) và hàng năm "
        "(đối với Chương trình kiểm tra, giám sát hàng năm)"
    )
    spec = parse_time(text)
    assert fields(spec) == ("compound", None, None, None)
    assert spec.text == text
    first, second = spec.parts
    assert_spec(first, "deadline", date(2020, 12, 31))
    assert first.scope == "Chương trình kiểm tra, giám sát toàn khóa"
    assert first.text == "Trong năm 2020 (đối với Chương trình kiểm tra, giám sát toàn khóa)"
    assert_spec(second, "recurring", every="year")
    assert second.scope == "Chương trình kiểm tra, giám sát hàng năm"


# --- Deadlines ---------------------------------------------------------------------------

DEADLINES = [
    ("quý III năm 2022", date(2022, 9, 30), None),
    ("Quý 1/2021", date(2021, 3, 31), None),
    ("quý IV-2020", date(2020, 12, 31), None),
    ("quý ii/2021", date(2021, 6, 30), None),
    ("Quí I/2021", date(2021, 3, 31), None),
    ("Trong tháng 4/2021", date(2021, 4, 30), None),
    ("tháng 2/2024", date(2024, 2, 29), None),
    ("tháng 2/2023", date(2023, 2, 28), None),
    ("Trong tháng 9 năm 2021", date(2021, 9, 30), None),
    ("Năm 2021", date(2021, 12, 31), None),
    ("chậm nhất trong quý II/2021", date(2021, 6, 30), None),
    ("Hoàn thành trong quý I/2021", date(2021, 3, 31), None),
    ("Chậm nhất là ngày 15/10/2021", date(2021, 10, 15), None),
    ("Vào tháng 6/2022", date(2022, 6, 30), None),
    ("trước ngày 30/6/2021", date(2021, 6, 30), None),
    ("ngày 15/10/2021", date(2021, 10, 15), None),
    ("ngày 15 tháng 10 năm 2021", date(2021, 10, 15), None),
    ("trước 31/12/2021", date(2021, 12, 31), None),
    ("6 tháng đầu năm 2022", date(2022, 6, 30), date(2022, 1, 1)),
    ("6 tháng cuối năm 2022", date(2022, 12, 31), date(2022, 7, 1)),
    ("cuối năm 2021", date(2021, 12, 31), None),
    ("Đến hết năm 2025", date(2025, 12, 31), None),
    ("giai đoạn 2021-2025", date(2025, 12, 31), date(2021, 1, 1)),
    ("giai đoạn 2021 – 2025", date(2025, 12, 31), date(2021, 1, 1)),
    ("Giai đoạn 2021—2025", date(2025, 12, 31), date(2021, 1, 1)),
    ("giai đoạn 2021 - 2025", date(2025, 12, 31), date(2021, 1, 1)),
    ("năm 2022-2023", date(2023, 12, 31), date(2022, 1, 1)),
    ("2021 - 2025", date(2025, 12, 31), date(2021, 1, 1)),
    ("Từ năm 2021 đến năm 2025", date(2025, 12, 31), date(2021, 1, 1)),
    ("từ tháng 6/2021 đến tháng 12/2021", date(2021, 12, 31), date(2021, 6, 1)),
    ("Tháng 9 - 10/2021", date(2021, 10, 31), date(2021, 9, 1)),  # two months, one year
]


@pytest.mark.parametrize(("text", "due", "start"), DEADLINES)
def test_deadlines(text, due, start):
    assert_spec(parse_time(text), "deadline", due, start)


@pytest.mark.parametrize("text", ["Trong nhiệm kỳ", "cả nhiệm kỳ", "Trong cả nhiệm kỳ"])
def test_term_needs_the_programs_term(text):
    assert_spec(parse_time(text, term=TERM), "deadline", date(2025, 12, 31), date(2020, 1, 1))
    assert_spec(parse_time(text), "unknown")


def test_a_term_that_runs_backwards_is_ignored():
    assert_spec(parse_time("cả nhiệm kỳ", term=(2025, 2020)), "unknown")


# --- Recurring, continuous, ongoing ------------------------------------------------------

RECURRING = [
    ("Hằng năm", "year", None),
    ("hàng năm", "year", None),
    ("định kỳ hàng năm", "year", None),
    ("Hằng quý", "quarter", None),
    ("hàng quý", "quarter", None),
    ("Định kỳ hằng quý", "quarter", None),
    ("định kỳ 6 tháng", "half-year", None),
    ("6 tháng một lần", "half-year", None),
    ("06 tháng/lần", "half-year", None),
    ("hằng 6 tháng", "half-year", None),
    ("hàng tháng", "month", None),
    ("hằng tháng", "month", None),
    ("Mỗi năm ít nhất 02 lần", "year", None),
    ("02 lần/năm", "year", None),
    ("Hằng năm, bắt đầu từ năm 2021", "year", date(2021, 1, 1)),
    ("Năm 2022, hằng quý", "quarter", date(2022, 1, 1)),
    ("Trước ngày 15/12 hằng năm", "year", None),  # a day of each year: no year, no start
]


@pytest.mark.parametrize(("text", "every", "start"), RECURRING)
def test_recurring(text, every, start):
    assert_spec(parse_time(text), "recurring", start=start, every=every)


@pytest.mark.parametrize(
    "text", ["Thường xuyên", "thường xuyên, liên tục", "Thường xuyên và liên tục", "Liên tục"]
)
def test_continuous(text):
    assert_spec(parse_time(text), "continuous")


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Năm 2021 và những năm tiếp theo", 2021),
        ("Năm 2020 và những năm tiếp theo", 2020),
        ("Từ năm 2021", 2021),
        ("từ năm 2021 trở đi", 2021),
        ("2021 và các năm tiếp theo", 2021),
    ],
)
def test_ongoing(text, year):
    assert_spec(parse_time(text), "ongoing", start=date(year, 1, 1), every="year")


def test_ongoing_from_a_quarter_has_no_invented_period():
    assert_spec(parse_time("Từ quý II/2021"), "ongoing", start=date(2021, 4, 1))


# --- Compound ----------------------------------------------------------------------------


def test_compound_with_scopes_separated_by_semicolon():
    spec = parse_time("Quý I/2021 (cấp tỉnh); tháng 4/2021 (cấp cơ sở)")
    assert fields(spec) == ("compound", None, None, None)
    assert [(fields(p), p.scope) for p in spec.parts] == [
        (("deadline", date(2021, 3, 31), None, None), "cấp tỉnh"),
        (("deadline", date(2021, 4, 30), None, None), "cấp cơ sở"),
    ]


def test_compound_with_scopes_written_first():
    spec = parse_time("Cấp tỉnh: quý I/2021; cấp huyện: quý II/2021")
    assert [(p.due, p.scope) for p in spec.parts] == [
        (date(2021, 3, 31), "Cấp tỉnh"),
        (date(2021, 6, 30), "cấp huyện"),
    ]


def test_compound_of_a_deadline_and_a_recurrence():
    spec = parse_time("Quý I/2021 và hàng năm")
    assert spec.kind == "compound"
    assert [fields(p) for p in spec.parts] == [
        ("deadline", date(2021, 3, 31), None, None),
        ("recurring", None, None, "year"),
    ]


def test_a_single_time_keeps_its_scope():
    spec = parse_time("Quý I/2021 (Tỉnh uỷ)")
    assert_spec(spec, "deadline", date(2021, 3, 31))
    assert spec.scope == "Tỉnh uỷ"


# --- Unknown -----------------------------------------------------------------------------

UNKNOWN = [
    "Sau khi có hướng dẫn của Trung ương",
    "",
    "   ",
    "asdf",
    "Theo tiến độ",
    "Trong năm 2021 hoặc khi có chỉ đạo",  # partly understood: never guessed
    "Quý I/2021, sau đó tổ chức sơ kết",
    "trước quý III/2021",  # no agreed last day
    "đầu năm 2022",
    "khoảng năm 2021",
    "từ năm 2021 đến nay",
    "Quý I",  # no year
    "Thường xuyên (hàng năm)",  # a time in parentheses is no scope
    "Năm 2021 (trước 30/6)",
    "Việt Nam 2021",  # "Nam" is not "năm"
    "giai đoạn 2025-2021",
]


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_keeps_the_text_and_nothing_else(text):
    spec = parse_time(text)
    assert spec == TimeSpec(text=text.strip())


INVALID = [
    "tháng 13/2021",
    "tháng 0/2021",
    "quý V/2021",
    "quý 5/2021",
    "quý 0/2021",
    "ngày 31/2/2021",
    "ngày 29/2/2023",
    "ngày 32/1/2021",
    "năm 1900",
    "năm 2101",
    "Trong quý I/1944",
]


@pytest.mark.parametrize("text", INVALID)
def test_invalid_dates_are_unknown(text):
    assert parse_time(text).kind == "unknown"


def test_year_limits_are_inclusive():
    assert parse_time("năm 1945").due == date(1945, 12, 31)
    assert parse_time("năm 2100").due == date(2100, 12, 31)
    assert parse_time("ngày 29/2/2024").due == date(2024, 2, 29)


# --- Text as written ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "text"),
    [
        ("  Trong quý I/2021.  ", "Trong quý I/2021"),
        ("TRONG QUÝ I/2021", "TRONG QUÝ I/2021"),
        ("trong  quý   I / 2021", "trong  quý   I / 2021"),
        ("(Trong quý I/2021)", "(Trong quý I/2021)"),
        ("(Trong quý I/2021).", "(Trong quý I/2021)"),
        ("Trong quý I/2021\u00a0", "Trong quý I/2021"),
        ("Trong\u200b quý I/2021", "Trong\u200b quý I/2021"),
    ],
)
def test_text_is_kept_as_written_and_read_loosely(given, text):
    spec = parse_time(given)
    assert spec.text == text
    assert_spec(spec, "deadline", date(2021, 3, 31))


# --- find_times --------------------------------------------------------------------------


def found(sentence: str, term=None) -> list[tuple[str, tuple]]:
    return [(sentence[a:b], fields(spec)) for a, b, spec in find_times(sentence, term=term)]


PROSE = [
    (
        "Hoàn thành trong tháng 12/2020.",
        [("trong tháng 12/2020", ("deadline", date(2020, 12, 31), None, None))],
    ),
    (
        "Hoàn thành trong tháng 12/2020 để tổ chức tuyên truyền.",
        [("trong tháng 12/2020", ("deadline", date(2020, 12, 31), None, None))],
    ),
    (
        "Hoàn thành việc quán triệt Nghị quyết XX, Chương trình hành động thực hiện Nghị "
        "quyết XX (cả cấp tỉnh, cấp huyện và tương đương) trong quý I/2021.",
        [("trong quý I/2021", ("deadline", date(2021, 3, 31), None, None))],
    ),
    (
        "Hoàn thành ở cấp cơ sở trong tháng 4/2021.",
        [("trong tháng 4/2021", ("deadline", date(2021, 4, 30), None, None))],
    ),
    (
        "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính, hoàn thành trong quý II/2022.",
        [("trong quý II/2022", ("deadline", date(2022, 6, 30), None, None))],
    ),
    (
        "Giao Ban Tổ chức Tỉnh ủy theo dõi việc thực hiện nội dung này, định kỳ hàng năm báo "
        "cáo Ban Thường vụ Tỉnh ủy.",
        [("định kỳ hàng năm", ("recurring", None, None, "year"))],
    ),
    (
        "Hoàn thành trước ngày 30/6/2021 và báo cáo hằng quý.",
        [
            ("trước ngày 30/6/2021", ("deadline", date(2021, 6, 30), None, None)),
            ("hằng quý", ("recurring", None, None, "quarter")),
        ],
    ),
    (
        "Phấn đấu đến năm 2025 có 80% xã đạt chuẩn; năm 2021 và những năm tiếp theo duy trì.",
        [
            ("đến năm 2025", ("deadline", date(2025, 12, 31), None, None)),
            ("năm 2021 và những năm tiếp theo", ("ongoing", None, date(2021, 1, 1), "year")),
        ],
    ),
    (
        "Sáu tháng đầu năm 2022 tổ chức sơ kết.",
        [("Sáu tháng đầu năm 2022", ("deadline", date(2022, 6, 30), date(2022, 1, 1), None))],
    ),
    (
        "Xây dựng Kế hoạch giai đoạn 2021-2025, thực hiện trong giai đoạn 2021 - 2025.",
        [("trong giai đoạn 2021 - 2025", ("deadline", date(2025, 12, 31), date(2021, 1, 1), None))],
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), PROSE)
def test_find_times_in_prose(sentence, expected):
    assert found(sentence) == expected


def test_find_times_sets_text_to_the_span():
    sentence = "Hoàn thành trong tháng 12/2020."
    [(start, end, spec)] = find_times(sentence)
    assert (start, end) == (11, 30)
    assert spec.text == "trong tháng 12/2020"


def test_find_times_uses_the_term():
    sentence = "Trong cả nhiệm kỳ phấn đấu hoàn thành."
    assert found(sentence, TERM) == [
        ("Trong cả nhiệm kỳ", ("deadline", date(2025, 12, 31), date(2020, 1, 1), None))
    ]
    assert found(sentence) == []


NO_TIMES = [
    "Thực hiện tốt Quy định số 11-QĐi/TW ngày 18/02/2019 về trách nhiệm nêu gương.",
    "Quán triệt Quy định số 101-QĐ/TW ngày 07/6/2012 của Ban Bí thư.",
    "Tiếp tục thực hiện Nghị quyết 22-NQ/TW ngày 02/02/2008 của Bộ Chính trị.",
    "Thực hiện Chỉ thị số 05-CT/TU, ngày 15 tháng 5 năm 2021 về công tác cán bộ.",
    "Thực hiện Nghị quyết Trung ương 4 (khóa XII) ngày 30/10/2016 về xây dựng Đảng.",
    "Kỷ niệm ngày 3/2/2021 của Đảng.",
    "Chỉ thị 05-CT/TU về 100 cán bộ, 25 đơn vị.",
    "Thi hành Luật Đất đai năm 2013.",
    "Đại hội Đảng bộ tỉnh lần thứ XX, nhiệm kỳ 2020-2025.",
    "Từ năm 2021 đến nay, tỉnh đã làm tốt công tác này.",
    "Sau năm 2025 sẽ tổng kết.",
    "Tăng cường công tác kiểm tra, giám sát của cả hệ thống chính trị.",
    "Đầu tư xây dựng 15 công trình trọng điểm.",
    "",
]


@pytest.mark.parametrize("sentence", NO_TIMES)
def test_find_times_skips_references_numbers_and_vague_times(sentence):
    assert find_times(sentence) == []


def test_find_times_keeps_the_deadline_after_a_reference():
    sentence = "Sơ kết Quy định số 11-QĐi/TW ngày 18/02/2019, hoàn thành trong quý II/2021."
    assert found(sentence) == [("trong quý II/2021", ("deadline", date(2021, 6, 30), None, None))]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Đầu tư năm 2022 cho 5 xã.", "năm 2022"),  # "tư" is not "từ"
        ("Xây dựng nông thôn mới năm 2021.", "năm 2021"),  # "mới" is not "mỗi"
    ],
)
def test_look_alike_words_do_not_change_the_meaning(sentence, expected):
    assert found(sentence) == [
        (expected, ("deadline", date(int(expected[-4:]), 12, 31), None, None))
    ]


# --- Properties --------------------------------------------------------------------------

PIECES = (
    list("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạầấẩẫậềếểễệọồốổỗộờớởỡợừứửữựỳýỷỹỵ")
    + list("0123456789 /-–—.,;:()IVXQ")
    + ["quý ", "tháng ", "năm ", "ngày ", "hằng ", "từ ", "trước ", "và ", "2021", "12/"]
    + ["trong ", "đến ", "nhiệm kỳ ", "giai đoạn ", "6 tháng ", "đầu ", "lần", "số 05-CT/TU "]
)
VIETNAMESE = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=120), VIETNAMESE)
TERMS = st.one_of(st.none(), st.tuples(st.integers(1900, 2200), st.integers(1900, 2200)))


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT, term=TERMS)
def test_parse_time_reads_any_text(text, term):
    spec = parse_time(text, term=term)
    assert isinstance(spec, TimeSpec)
    assert spec.kind in KINDS
    assert spec.text == spec.text.strip()
    if spec.kind == "compound":
        assert len(spec.parts) >= 2
        assert (spec.due, spec.start, spec.every) == (None, None, None)
    if spec.kind == "unknown":
        assert spec == TimeSpec(text=spec.text)
    if spec.due is not None and spec.start is not None:
        assert spec.start <= spec.due


@settings(max_examples=400, deadline=None)
@given(sentence=ANY_TEXT, term=TERMS)
def test_find_times_spans_are_ordered_and_agree_with_parse_time(sentence, term):
    end = 0
    for start, stop, spec in find_times(sentence, term=term):
        assert end <= start < stop <= len(sentence)
        assert spec.text == sentence[start:stop]
        assert spec.kind not in ("unknown", "compound")
        again = parse_time(spec.text, term=term)
        assert fields(again) == fields(spec)
        end = stop


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
YEARS = st.integers(1945, 2100)


@given(quarter=st.integers(1, 4), year=YEARS, roman=st.booleans(), upper=st.booleans())
def test_any_quarter_is_due_on_its_last_day(quarter, year, roman, upper):
    text = f"Trong quý {ROMAN[quarter] if roman else quarter}/{year}"
    last_month = 3 * quarter
    due = date(year, last_month, calendar.monthrange(year, last_month)[1])
    assert_spec(parse_time(text.upper() if upper else text), "deadline", due)


@given(day=st.dates(date(1945, 1, 1), date(2100, 12, 31)), words=st.booleans())
def test_any_day_is_due_that_day(day, words):
    text = (
        f"ngày {day.day} tháng {day.month} năm {day.year}"
        if words
        else f"ngày {day.day:02d}/{day.month}/{day.year}"
    )
    assert_spec(parse_time(text), "deadline", day)
    assert found(f"Hoàn thành trước {text} để báo cáo.") == [
        (f"trước {text}", ("deadline", day, None, None))
    ]


@given(month=st.integers(1, 12), year=YEARS, before=st.text("abc ,", max_size=20))
def test_a_month_is_found_wherever_it_is(month, year, before):
    time_text = f"trong tháng {month}/{year}"
    sentence = f"Giao {before} hoàn thành {time_text}."
    due = date(year, month, calendar.monthrange(year, month)[1])
    assert found(sentence) == [(time_text, ("deadline", due, None, None))]


# --- Odd input ---------------------------------------------------------------------------
# Speed is measured in bench/, not here; these only check that long, repetitive input is read
# (a pattern that backtracked badly would not finish) and answered as not understood.


@pytest.mark.parametrize(
    "text",
    [
        "quý " * 3000 + "I",
        "năm 2021 và " * 2000,
        "trong " * 3000 + "x",
        "(" * 2000 + "quý I/2021" + ")" * 1999,
        "1/" * 3000,
        "hằng " * 3000,
    ],
)
def test_long_odd_input_is_read(text):
    assert parse_time(text).kind in {"unknown", "deadline", "recurring", "compound"}
    for start, end, _ in find_times(text):
        assert 0 <= start < end <= len(text)

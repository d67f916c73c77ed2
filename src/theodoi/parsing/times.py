"""Read when a task is due: "Trong quý I/2021", "Hằng năm", "Năm 2021 và những năm tiếp theo".

``parse_time`` reads a whole time expression (a "Thời gian" cell, the text after "Thời gian
hoàn thành:"); ``find_times`` finds time expressions inside running prose.

Rules the importer relies on:

- A due date is the last day of the period named ("quý I/2021" -> 2021-03-31). A single
  period is a deadline with a due date only; a stretch spelt out as such ("6 tháng đầu năm
  2022", "giai đoạn 2021-2025", "cả nhiệm kỳ", "từ năm 2021 đến năm 2025") also has a start.
- Never guess. Text that is only partly understood is ``unknown``: "Trong năm 2021 hoặc khi
  có chỉ đạo" is unknown, because the "or" clause is not a time we can read and it makes the
  year no firm deadline either. Periods we cannot turn into dates are unknown too: "trước quý
  III/2021" (is June or September the last day?), "đầu năm 2022", "khoảng năm 2021",
  "từ năm 2021 đến nay". A recurrence without a written year has no start: the importer
  takes the program's date.
- A stretch is a deadline due its last day, starting its first: "Quý IV/2025 - Quý II/2026",
  "Tháng 11 - 12/2025", "Từ ngày 01/01/2026 đến ngày 31/3/2026". A start with no end, or
  an end that is an event ("Từ tháng 11/2025 đến khi kết thúc Tổng kiểm kê"), is ongoing; a
  period "và các năm tiếp theo" is ongoing from its first day, every year.
- A day without a year ("ngày 15/12") takes the caller's ``year`` (the plan's), or the year of
  the end of its stretch ("từ ngày 15/11 đến ngày 15/12/2025"); with neither it is unknown. A
  day of a repeated period ("trước ngày 25/12 hằng năm") is a recurrence with no year.
- Recurrences we cannot put on the calendar of the contract (daily, weekly, "Định kỳ" alone)
  are recurring with no ``every``: kept as written, no periods invented. An added "và/hoặc
  đột xuất ..." (ad-hoc reports on top) does not weaken a recurrence, so it is read past.
- A field of several milestones ("+ Các bộ gửi ... trước ngày 15/12/2025. + Bộ Công an tổng
  hợp ... trước ngày 31/12/2025") is a compound: one part per item, each item with exactly one
  time, the rest of the item its scope.
- In prose, a date that belongs to a document reference is no deadline: "Quy định số
  101-QĐ/TW ngày 07/6/2012", "Nghị quyết Trung ương 4 (khóa XII) ngày 30/10/2016", "ngày
  02/02/2008 của Bộ Chính trị", "Luật Đất đai năm 2013". Forms that in prose usually name a
  thing rather than a time count only after a time word: "trong giai đoạn 2021-2025" is a
  time, "Kế hoạch ... giai đoạn 2021-2025" and "Đại hội ... nhiệm kỳ 2020-2025" are names.

Matching runs on a folded copy of the text (no diacritics, lower case, see ``text.fold_keep_offsets``) that
keeps every character at its index, so a match in the copy is a span of the original. Where
two common words fold alike (từ/tư, mỗi/mới, năm/Nam) the original spelling decides.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Literal, NamedTuple

from theodoi.parsing.model import Every, TimeSpec
from theodoi.parsing.text import fold_keep_offsets, nfc

MIN_YEAR, MAX_YEAR = 1945, 2100
_PLACEHOLDER_YEAR = 2000  # a leap year: "29/2" stays a day until the real year is known

__all__ = ["find_times", "parse_time"]


# --- Folding that keeps offsets ----------------------------------------------------------


def _spelled(orig: str, start: int, end: int, *words: str) -> bool:
    """True when ``orig[start:end]`` is one of ``words`` (with diacritics, any case)."""
    return orig[start:end].casefold() in words


def _keyword_ok(s: str, orig: str, pos: int) -> bool:
    """Check a leading "năm"/"mỗi" against the original: "Việt Nam 2021", "mới năm" are no times."""
    if s.startswith("nam", pos):
        return _spelled(orig, pos, pos + 3, "năm")
    if s.startswith("moi", pos):
        return _spelled(orig, pos, pos + 3, "mỗi")
    return True


# --- Periods -----------------------------------------------------------------------------

Unit = Literal["day", "month", "quarter", "half", "year", "span"]


class _Period(NamedTuple):
    first: dt.date
    last: dt.date
    unit: Unit
    yearless: bool = False  # "ngày 15/12": the year is the caller's, or the stretch's end's


class _Ctx(NamedTuple):
    """What a time may refer to outside its own words: the program's term and year."""

    term: tuple[int, int] | None
    year: int | None


def _usable(period: _Period, ctx: _Ctx) -> bool:
    return not period.yearless or ctx.year is not None


def _year(text: str) -> int | None:
    year = int(text)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _months(year: int | None, first: int, last: int, unit: Unit) -> _Period | None:
    """From the first day of month ``first`` to the last day of month ``last``."""
    if year is None or not 1 <= first <= last <= 12:
        return None
    end = dt.date(year, last, calendar.monthrange(year, last)[1])
    return _Period(dt.date(year, first, 1), end, unit)


def _years(first: int | None, last: int | None, unit: Unit) -> _Period | None:
    if first is None or last is None or first > last:
        return None
    return _Period(dt.date(first, 1, 1), dt.date(last, 12, 31), unit)


_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTERS |= {f"{digits}{n}": n for n in range(1, 5) for digits in ("", "0")}  # "1", "01"


def _day(year: int | None, month: int, day: int, yearless: bool = False) -> _Period | None:
    if year is None or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    date = dt.date(year, month, day)
    return _Period(date, date, "day", yearless)


def _build_day(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    return _day(_year(m["y"]), int(m["m"]), int(m["d"]))


def _build_yearless_day(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    """ "ngày 15/12": in the caller's year, until a stretch's end gives a year of its own."""
    year = _PLACEHOLDER_YEAR if ctx.year is None else ctx.year
    return _day(year, int(m["m"]), int(m["d"]), yearless=True)


def _build_day_span(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    """ "ngày 15 - 20/10/2025": days of one month, a stretch."""
    year, month = _year(m["y"]), int(m["m"] or m["m2"])
    first, last = _day(year, month, int(m["d"])), _day(year, month, int(m["d1"]))
    if first is None or last is None or first.first >= last.first:
        return None
    return _Period(first.first, last.last, "span")


def _in_year(period: _Period, year: int) -> _Period | None:
    return _day(year, period.first.month, period.first.day, yearless=False)


def _build_month(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    month = int(m["m"])
    return _months(_year(m["y"]), month, month, "month")


def _build_quarter(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    quarter = _QUARTERS.get(m["q"])
    if quarter is None:
        return None
    return _months(_year(m["y"]), 3 * quarter - 2, 3 * quarter, "quarter")


def _build_half(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    first = 1 if m["half"] == "dau" else 7
    return _months(_year(m["y"]), first, first + 5, "half")


def _build_year(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    year = _year(m["y"])
    return _years(year, year, "year")


def _build_month_span(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    """ "Tháng 11 - 12/2025": both months, one year."""
    return _months(_year(m["y"]), int(m["m1"]), int(m["m"]), "span")


def _build_quarter_span(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    """ "Quý III - IV/2025"."""
    first, last = _QUARTERS.get(m["q1"]), _QUARTERS.get(m["q"])
    if first is None or last is None:
        return None
    return _months(_year(m["y"]), 3 * first - 2, 3 * last, "span")


def _build_range(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    return _years(_year(m["y1"]), _year(m["y2"]), "span")


def _build_term(m: re.Match[str], ctx: _Ctx) -> _Period | None:
    return _years(*ctx.term, "span") if ctx.term else None


Build = Callable[[re.Match[str], _Ctx], _Period | None]
# Where an atom may start in prose: anywhere, only after a time word, or never.
ProseUse = Literal["free", "prefixed", "never"]


class _Atom(NamedTuple):
    pattern: re.Pattern[str]
    build: Build
    prose: ProseUse
    starts: str  # the characters a match can begin with: only these atoms are tried there


_DIGITS = "0123456789"
_Y = r"(?P<y>[0-9]{4})"
_END = r"(?!\w|/\w)"  # not glued to a word, nor the middle of "12/2020/NĐ-CP"
_NO_RANGE = r"(?!\s*[-–—]\s*[0-9])"  # "năm 2021" is not the head of "năm 2021-2025"
_MONTH_YEAR = r"(?:\s*[-–—/]\s*|\s*,?\s*nam\s*)"  # "9/2021", "IV-2020", "I năm 2021"
_DMY = r"(?P<d>[0-9]{1,2})\s*(?P<sep>[-/.])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*" + _Y
_DAY_WORDS = r"ngay\s*(?P<d>[0-9]{1,2})\s*,?\s+thang\s*(?P<m>[0-9]{1,2})\s*,?\s+nam\s*" + _Y
# "đến 30 tháng 11 năm 2025": the day in words without "ngày", only after a time word
_DAY_WORDS_BARE = r"(?P<d>[0-9]{1,2})\s+thang\s*(?P<m>[0-9]{1,2})\s*,?\s+nam\s*" + _Y
_DAYS_SPAN = (
    r"ngay\s*(?P<d>[0-9]{1,2})\s*[-–—]\s*(?:ngay\s*)?(?P<d1>[0-9]{1,2})"
    r"(?:\s*(?P<sep>[-/.])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*"
    r"|\s*,?\s+thang\s*(?P<m2>[0-9]{1,2})\s*,?\s+nam\s*)" + _Y
)
_NO_YEAR_AFTER = r"(?!\s*[-/.]\s*[0-9]|\s*,?\s*nam\s*[0-9])"  # not a dated day cut short
_DM = r"(?P<d>[0-9]{1,2})\s*[-/]\s*(?P<m>[0-9]{1,2})" + _NO_YEAR_AFTER
_DAY_WORDS_NO_YEAR = r"ngay\s*(?P<d>[0-9]{1,2})\s*,?\s+thang\s*(?P<m>[0-9]{1,2})" + _NO_YEAR_AFTER
_Q = r"[ivx]{1,4}|[0-9]{1,2}"
_QUARTER_SPAN = (
    r"qu[yi]\s*(?P<q1>" + _Q + r")\s*[-–—]\s*(?:qu[yi]\s*)?(?P<q>" + _Q + r")" + _MONTH_YEAR + _Y
)
_HALF = r"(?:(?:0?6|sau)\s+thang|nua)\s+(?P<half>dau|cuoi)\s+(?:cua\s+)?nam\s*" + _Y
_YEAR_SPAN = r"(?P<y1>[0-9]{4})\s*[-–—]\s*(?:nam\s*)?(?P<y2>[0-9]{4})"
_NAMED_SPAN = r"(?:giai\s+doan|thoi\s+k[yi]|nhiem\s+k[yi]|nam)\s*" + _YEAR_SPAN
_TERM = r"nhiem\s+k[yi](?:\s+nay)?(?!\s*[0-9])"


def _atom(pattern: str, build: Build, prose: ProseUse, starts: str) -> _Atom:
    return _Atom(re.compile(pattern + _END), build, prose, starts)


_ATOMS: tuple[_Atom, ...] = (
    _atom(r"ngay\s*" + _DMY, _build_day, "free", "n"),
    _atom(_DAY_WORDS, _build_day, "free", "n"),
    _atom(_DMY, _build_day, "prefixed", _DIGITS),
    _atom(_DAY_WORDS_BARE, _build_day, "prefixed", _DIGITS),
    _atom(_DAYS_SPAN, _build_day_span, "prefixed", "n"),
    _atom(r"ngay\s*" + _DM, _build_yearless_day, "prefixed", "n"),
    _atom(_DAY_WORDS_NO_YEAR, _build_yearless_day, "prefixed", "n"),
    _atom(_DM, _build_yearless_day, "never", _DIGITS),
    # "6/2025" alone in a field; in prose a fraction or a document number too often
    _atom(r"(?P<m>[0-9]{1,2})\s*[-/]\s*" + _Y + _NO_RANGE, _build_month, "never", _DIGITS),
    _atom(_QUARTER_SPAN, _build_quarter_span, "free", "q"),
    _atom(
        r"thang\s*(?P<m1>[0-9]{1,2})\s*[-–—]\s*(?:thang\s*)?(?P<m>[0-9]{1,2})" + _MONTH_YEAR + _Y,
        _build_month_span,
        "free",
        "t",
    ),
    _atom(r"qu[yi]\s*(?P<q>[ivx]{1,4}|[0-9]{1,2})" + _MONTH_YEAR + _Y, _build_quarter, "free", "q"),
    _atom(r"thang\s*(?P<m>[0-9]{1,2})" + _MONTH_YEAR + _Y, _build_month, "free", "t"),
    _atom(_HALF, _build_half, "free", "06sn"),
    _atom(r"nam\s*" + _Y + _NO_RANGE, _build_year, "free", "n"),
    _atom(_NAMED_SPAN, _build_range, "prefixed", "gtn"),
    _atom(_YEAR_SPAN, _build_range, "never", _DIGITS),
    _atom(_Y + _NO_RANGE, _build_year, "never", _DIGITS),
    _atom(r"(?:ca|toan|suot)\s+" + _TERM, _build_term, "free", "cts"),
    _atom(_TERM, _build_term, "prefixed", "n"),
)
_ATOMS_AT: dict[str, tuple[_Atom, ...]] = {
    char: tuple(atom for atom in _ATOMS if char in atom.starts)
    for char in {char for atom in _ATOMS for char in atom.starts}
}


def _match_period(
    s: str, orig: str, pos: int, ctx: _Ctx, *, prose: bool, prefixed: bool
) -> tuple[int, _Period] | None:
    """The longest period named at ``pos``, as (end, period)."""
    if not _keyword_ok(s, orig, pos):
        return None
    best: tuple[int, _Period] | None = None
    for atom in _ATOMS_AT.get(s[pos : pos + 1], ()):
        if prose and (atom.prose == "never" or (atom.prose == "prefixed" and not prefixed)):
            continue
        m = atom.pattern.match(s, pos)
        if m is None or (best is not None and m.end() <= best[0]):
            continue
        period = atom.build(m, ctx)
        if period is not None:
            best = (m.end(), period)
    return best


# --- Results -----------------------------------------------------------------------------


class _Hit(NamedTuple):
    end: int
    spec: TimeSpec | None  # None: time-like words that give no task time; consumed, not returned


def _deadline(period: _Period) -> TimeSpec:
    start = period.first if period.unit in ("half", "span") else None
    return TimeSpec(text="", kind="deadline", due=period.last, start=start)


def _stretch(first: _Period, last: _Period, ctx: _Ctx) -> TimeSpec | None:
    """From the first day of ``first`` to the last of ``last``; a first day without a year
    takes the end's ("từ ngày 15/12 đến ngày 15/01/2026": the December before)."""
    if not _usable(last, ctx):
        return None
    if first.yearless:
        moved = _in_year(first, last.last.year)
        if moved is not None and moved.first > last.last:
            moved = _in_year(first, last.last.year - 1)
        if moved is None:
            return None
        first = moved
    if first.first > last.last:
        return None
    return TimeSpec(text="", kind="deadline", due=last.last, start=first.first)


def _ongoing(first: dt.date, every: Every | None) -> TimeSpec:
    return TimeSpec(text="", kind="ongoing", start=first, every=every)


def _recurring(every: Every | None, start: dt.date | None = None) -> TimeSpec:
    return TimeSpec(text="", kind="recurring", every=every, start=start)


# --- Dated expressions: optional time words, then a period ---------------------------------

_PREFIX = re.compile(
    r"(?P<lead>(?:hoan\s+thanh|thuc\s+hien\s+xong|xong)\s+)?"
    r"(?:cham\s+nhat(?:\s+(?:la|vao))?\s+)?"
    r"(?:(?P<before>truoc)\s+"
    r"|(?:ke\s+|bat\s+dau\s+)?(?P<since>tu)\s+"
    r"|(?P<vague>dau|giua|sau|khoang|gan)\s+"
    r"|(?:(?:trong|vao|den|het|toi|cuoi)\s+){1,3})?"
)
_VAGUE = ("đầu", "giữa", "sau", "khoảng", "gần")
_UNTIL = re.compile(r"\s*,?\s*(?:den|toi|[-–—])\s*(?:het\s+|cuoi\s+)?")
_UNTIL_NOW = re.compile(r"\s*,?\s*(?:den|toi)\s+(?:nay|hien\s+nay|hien\s+tai)(?!\w)")
# "đến khi kết thúc Tổng kiểm kê": the end is an event, so the time is ongoing from its start
_UNTIL_EVENT = re.compile(r"\s*,?\s*(?:cho\s+)?(?:den|toi)\s+khi(?!\w)[^;]*")


def _match_dated(s: str, orig: str, pos: int, ctx: _Ctx, prose: bool) -> _Hit | None:
    best = _bare_dated(s, orig, pos, ctx, prose)
    prefix = _PREFIX.match(s, pos)
    if prefix is not None and prefix.end() > pos and not (prose and prefix["lead"]):
        hit = _prefixed_dated(s, orig, prefix, ctx, prose)
        if hit is not None and (best is None or hit.end > best.end):
            best = hit
    return best


def _bare_dated(s: str, orig: str, pos: int, ctx: _Ctx, prose: bool) -> _Hit | None:
    found = _match_period(s, orig, pos, ctx, prose=prose, prefixed=False)
    if found is None:
        return None
    end, period = found
    if prose and _is_reference(s, pos, end, period):
        return _Hit(end, None)
    # A bare "Quý IV/2025 - Quý II/2026" is a stretch in a field; in prose, only after a time word.
    return _after_period(s, orig, end, period, ctx, span=not prose)


def _prefixed_dated(
    s: str, orig: str, prefix: re.Match[str], ctx: _Ctx, prose: bool
) -> _Hit | None:
    if prefix["since"] and not _spelled(orig, *prefix.span("since"), "từ"):
        return None  # "tư", "tự": not "from"
    if prefix["vague"] and not _spelled(orig, *prefix.span("vague"), *_VAGUE):
        return None
    found = _match_period(s, orig, prefix.end(), ctx, prose=prose, prefixed=True)
    if found is None:
        return None
    end, period = found
    if prefix["vague"]:
        return _Hit(end, None)  # "đầu năm 2022", "sau năm 2025": no date to give
    if prefix["since"]:
        return _since(s, orig, end, period, ctx, prose)
    if prefix["before"]:
        # "trước ngày 30/6/2021" is due that day; "trước quý III" has no agreed last day.
        ok = period.unit == "day" and _usable(period, ctx)
        return _Hit(end, _deadline(period) if ok else None)
    return _after_period(s, orig, end, period, ctx, span=True)


def _after_period(s: str, orig: str, end: int, period: _Period, ctx: _Ctx, *, span: bool) -> _Hit:
    """A period, then maybe "- <period>" (a stretch) or "và các năm tiếp theo" (ongoing)."""
    stretch = _stretch_to(s, orig, end, period, ctx) if span else None
    if stretch is not None:
        return stretch
    if not _usable(period, ctx):
        return _Hit(end, None)
    return _onward(s, end, period) or _Hit(end, _deadline(period))


def _stretch_to(s: str, orig: str, end: int, period: _Period, ctx: _Ctx) -> _Hit | None:
    """ "<period> - <period>", "<period> đến <period>": the stretch to the second one."""
    until = _UNTIL.match(s, end)
    if until is None:
        return None
    found = _match_period(s, orig, until.end(), ctx, prose=False, prefixed=True)
    return _Hit(found[0], _stretch(period, found[1], ctx)) if found is not None else None


def _onward(s: str, end: int, period: _Period) -> _Hit | None:
    """ "Quý IV/2025 và các năm tiếp theo" (every year), "tháng 11/2025 trở đi" (no period)."""
    if _ONWARD_GATE.match(s, end) is None:
        return None
    following = _NEXT_YEARS.match(s, _JOIN.match(s, end).end())  # type: ignore[union-attr]
    if following is not None:
        return _Hit(following.end(), _ongoing(period.first, "year"))
    onwards = _ONWARDS.match(s, end)
    if onwards is not None:
        every: Every | None = "year" if period.unit == "year" else None
        return _Hit(onwards.end(), _ongoing(period.first, every))
    return None


def _since(s: str, orig: str, end: int, period: _Period, ctx: _Ctx, prose: bool) -> _Hit:
    """After "từ <period>": a stretch "... đến <period>", a look back "... đến nay", a start
    until an event "... đến khi kết thúc X" (a field only), or ongoing."""
    now = _UNTIL_NOW.match(s, end)
    if now is not None:
        return _Hit(now.end(), None)
    stretch = _stretch_to(s, orig, end, period, ctx)
    if stretch is not None:
        return stretch
    if not _usable(period, ctx):
        return _Hit(end, None)
    if period.unit == "span":  # "Từ tháng 7 - tháng 9/2026" names its own end
        return _onward(s, end, period) or _Hit(end, _deadline(period))
    every: Every | None = "year" if period.unit == "year" else None
    event = None if prose else _UNTIL_EVENT.match(s, end)
    if event is not None:
        return _Hit(event.end(), _ongoing(period.first, every))
    return _onward(s, end, period) or _Hit(end, _ongoing(period.first, every))


# --- References in prose -------------------------------------------------------------------

_DOC_NUMBER = re.compile(r"[0-9][0-9a-z.]*(?:[-/][0-9a-z.]+)+")
_OF_AFTER = re.compile(r"\s*,?\s*cua(?!\w)")
_DOC_KIND_BEFORE = re.compile(
    r"(?<!\w)(?:nghi\s+quyet|chi\s+thi|ket\s+luan|quy\s+dinh|quyet\s+dinh|nghi\s+dinh"
    r"|thong\s+tu|cong\s+van|huong\s+dan|thong\s+bao|quy\s+che|luat|hien\s+phap|phap\s+lenh)"
    r"(?!\w)[^,;:.]{0,80}$"
    r"|(?<!\w)ban\s+hanh\s*$"
)
_LAW_BEFORE = re.compile(r"(?<!\w)(?:luat|hien\s+phap|phap\s+lenh)(?!\w)[^,;:.]{0,60}$")


def _follows_document_number(s: str, pos: int) -> bool:
    """True after "101-QĐ/TW", "số 15/2020/NĐ-CP," and the like."""
    end = len(s[:pos].rstrip().rstrip(",").rstrip())
    start = end
    while start > 0 and not s[start - 1].isspace() and s[start - 1] != "(":
        start -= 1
    token = s[start:end]
    return bool(_DOC_NUMBER.fullmatch(token)) and any(ch.isalpha() for ch in token)


def _is_reference(s: str, pos: int, end: int, period: _Period) -> bool:
    """A date that dates a cited document, or a year that names a law: not a task's time."""
    if _follows_document_number(s, pos):
        return True
    if period.unit == "day":
        return bool(_OF_AFTER.match(s, end) or _DOC_KIND_BEFORE.search(s, max(0, pos - 120), pos))
    if period.unit == "year":
        return bool(_LAW_BEFORE.search(s, max(0, pos - 80), pos))
    return False


# --- Recurring, continuous and ongoing forms ---------------------------------------------

_UNIT = r"(?P<unit>nam|qu[yi]|thang|(?:0?6|sau)\s+thang|nua\s+nam)(?!\w)"
_TIMES = r"(?:[0-9]{1,2}|mot|hai|ba|bon)\s+lan"
_RECURRING = (
    # "hằng năm", "định kỳ hàng quý", "hằng 6 tháng", "mỗi năm ít nhất 02 lần"
    re.compile(
        r"(?:dinh\s+k[yi]\s+(?:(?:hang|moi)\s+)?|(?:hang|moi)\s+)"
        + _UNIT
        + r"(?:\s*/\s*(?:(?:mot|1|01)\s+)?lan"
        r"|\s*,?\s*(?:it\s+nhat\s+)?" + _TIMES + r")?(?!\w)"
    ),
    # "6 tháng một lần", "năm/lần"
    re.compile(_UNIT + r"\s*(?:/\s*|\s+)(?:(?:mot|1|01)\s+)?lan(?!\w)"),
    # "02 lần/năm": still a yearly report, twice; half-year is not implied
    re.compile(_TIMES + r"\s*/\s*" + _UNIT),
)
_EVERY: dict[str, Every] = {"nam": "year", "quy": "quarter", "qui": "quarter", "thang": "month"}
_FROM_YEAR = re.compile(
    r"\s*,?\s*(?:bat\s+dau\s+|ke\s+)?(?P<since>tu)\s+(?:nam\s*)?" + _Y + _NO_RANGE + _END
)
_YEAR_LEAD = re.compile(r"(?:(?P<since>tu)\s+)?(?P<kw>nam\s*)?" + _Y + _NO_RANGE + _END)
_JOIN = re.compile(r"\s*(?:,\s*)?(?:va\s+)?")
_NEXT_YEARS = re.compile(
    r"(?:nhung|cac)\s+nam\s+(?:tiep\s+theo|ke\s+tiep|tiep|sau(?:\s+do)?)(?!\w)"
)
_ONWARD_GATE = re.compile(r"\s*,?\s*(?:va|cac|nhung|tro)(?!\w)")  # most periods end a time
_ONWARDS = re.compile(r"\s*,?\s*tro\s+di(?!\w)")
_CONTINUOUS = re.compile(r"thuong\s+xuyen(?:(?:\s*[,;]\s*|\s+)(?:va\s+)?lien\s+tuc)?(?!\w)")
# Bare "liên tục" is an everyday adjective in prose; only a whole cell reads it as a time.
_CONTINUOUS_CELL = re.compile(r"lien\s+tuc(?:(?:\s*[,;]\s*|\s+)(?:va\s+)?thuong\s+xuyen)?(?!\w)")

# "trước ngày 25/12 hằng năm", "Hằng năm, trước ngày 31/3", "trước ngày 20 hằng tháng"
_DAY_OF = (
    r"(?:(?:truoc|cham\s+nhat(?:\s+la)?|vao|den)\s+)?ngay\s*(?P<d>[0-9]{1,2})"
    r"(?:\s*[-/]\s*(?P<m>[0-9]{1,2})|\s*,?\s+thang\s*(?P<m2>[0-9]{1,2}))?"
)
_EACH = r"(?:dinh\s+k[yi]\s+)?(?P<each>hang|moi)\s+(?P<unit>nam|thang|qu[yi])(?!\w)"
_DAY_EACH = re.compile(_DAY_OF + r"\s*,?\s*(?:cua\s+)?" + _EACH)
# The first letters of the words these forms begin with (truoc, cham, vao, den, ngay; hang,
# moi, dinh): other positions are not tried.
_DAY_OF_STARTS = "tcvdnhm"
_EACH_DAY = re.compile(_EACH + r"\s*,\s*" + _DAY_OF + r"(?!\w|\s*[-/.]\s*[0-9]|\s*,?\s*nam)")
# "Hằng năm (trước ngày 15/12)": the day in parentheses belongs to the recurrence
_EACH_DAY_NOTE = re.compile(_EACH + r"\s*\(\s*" + _DAY_OF + r"\s*\)")

# Daily and weekly duties, with their hours: "trước 19h00’ hằng ngày", "02 lần/ngày (trước
# 9h00’ và 16h00’)". In prose "hằng ngày" is an everyday word ("đời sống hằng ngày"): fields only.
_CLOCK = (
    r"(?:(?:truoc|vao|luc|den|tu)\s+)?[0-9]{1,2}\s*(?:h|gio)(?:\s*[0-9]{2})?(?:\s*phut|\s*['’′])?"
)
_CLOCKS = _CLOCK + r"(?:\s*(?:,|va|-|den)\s*" + _CLOCK + r")*"
_DAILY = re.compile(
    r"(?:" + _CLOCKS + r"\s*,?\s*)?"
    r"(?:(?:dinh\s+k[yi]\s+)?(?:hang|moi)\s+(?:ngay|tuan)"
    r"|" + _TIMES + r"\s*/\s*(?:ngay|tuan)"
    r"|(?:ngay|tuan)\s*/\s*(?:(?:mot|1|01)\s+)?lan)"
    r"(?:\s*,?\s*(?:\(\s*" + _CLOCKS + r"\s*\)|" + _CLOCKS + r"))?(?!\w)"
)
_PERIODIC = re.compile(r"dinh\s+k[yi](?!\w)")  # "Định kỳ" alone: periodic, period unwritten
# A field may name the duty before its repetition: "báo cáo 02 lần/ngày", "thực hiện thường xuyên".
_REPEAT_LEAD = re.compile(r"(?:bao\s+cao|thuc\s+hien|cap\s+nhat|to\s+chuc)\s+")
# Ad-hoc reports on top of the periodic ones ("định kỳ hằng năm hoặc đột xuất theo yêu cầu")
# leave the repetition as firm as it was.
_AD_HOC = re.compile(r"(?:\s*,\s*|\s+)(?:(?:va|hoac)\s+)?(?:bao\s+cao\s+)?dot\s+xuat(?!\w).*", re.S)


def _every(unit: str) -> Every:
    return _EVERY.get(unit, "half-year")  # the rest are "6 tháng", "06 tháng", "nửa năm"...


def _match_recurrence(s: str, orig: str, pos: int) -> tuple[int, Every] | None:
    if not _keyword_ok(s, orig, pos):
        return None
    best: tuple[int, Every] | None = None
    for pattern in _RECURRING:
        m = pattern.match(s, pos)
        if m is not None and (best is None or m.end() > best[0]):
            best = (m.end(), _every(m["unit"]))
    return best


def _recurring_form(s: str, orig: str, pos: int) -> _Hit | None:
    """ "Hằng năm", optionally with its first year: "hằng năm, bắt đầu từ năm 2021"."""
    found = _match_recurrence(s, orig, pos)
    if found is None:
        return None
    end, every = found
    tail = _FROM_YEAR.match(s, end)
    if tail is not None and _spelled(orig, *tail.span("since"), "từ"):
        year = _year(tail["y"])
        if year is not None:
            return _Hit(tail.end(), _recurring(every, dt.date(year, 1, 1)))
    return _Hit(end, _recurring(every))


def _day_of_period_form(s: str, orig: str, pos: int) -> _Hit | None:
    """ "trước ngày 25/12 hằng năm", "Hằng năm, trước ngày 31/3": recurring, no year."""
    if s[pos : pos + 1] not in _DAY_OF_STARTS:
        return None
    best: _Hit | None = None
    for pattern in (_DAY_EACH, _EACH_DAY, _EACH_DAY_NOTE):
        m = pattern.match(s, pos)
        if m is None or (best is not None and m.end() <= best.end):
            continue
        if not _spelled(orig, *m.span("each"), "hằng", "hàng", "mỗi"):
            continue
        every = _every(m["unit"])
        month = m["m"] or m["m2"]
        if (every == "year") != (month is not None):
            continue  # "ngày 31/3 hằng tháng", "ngày 20 hằng năm": not a day of that period
        if month is not None and _day(_PLACEHOLDER_YEAR, int(month), int(m["d"])) is None:
            continue
        if month is None and not 1 <= int(m["d"]) <= 31:
            continue
        best = _Hit(m.end(), _recurring(every))
    return best


def _field_repeat_form(s: str, orig: str, pos: int) -> _Hit | None:
    """Repetitions read in a whole field only: daily, weekly, "Định kỳ" alone."""
    m = _DAILY.match(s, pos) or _PERIODIC.match(s, pos)
    return _Hit(m.end(), _recurring(None)) if m else None


def _year_lead_form(s: str, orig: str, pos: int) -> _Hit | None:
    """A year, then "... trở đi", "... và những năm tiếp theo", "... và hàng năm"."""
    m = _YEAR_LEAD.match(s, pos)
    if m is None:
        return None
    if m["since"] and not _spelled(orig, *m.span("since"), "từ"):
        return None
    if m["kw"] and not _keyword_ok(s, orig, m.start("kw")):
        return None
    year = _year(m["y"])
    if year is None:
        return None
    first = dt.date(year, 1, 1)
    hits: list[_Hit] = []
    onwards = _ONWARDS.match(s, m.end())
    if onwards is not None:
        hits.append(_Hit(onwards.end(), _ongoing(first, "year")))
    join = _JOIN.match(s, m.end())
    if join is not None:
        following = _NEXT_YEARS.match(s, join.end())
        if following is not None:
            hits.append(_Hit(following.end(), _ongoing(first, "year")))
        recurrence = _match_recurrence(s, orig, join.end())
        if recurrence is not None:
            hits.append(_Hit(recurrence[0], _recurring(recurrence[1], first)))
    return max(hits, key=lambda hit: hit.end, default=None)


def _continuous_form(s: str, orig: str, pos: int, prose: bool) -> _Hit | None:
    m = _CONTINUOUS.match(s, pos) or (None if prose else _CONTINUOUS_CELL.match(s, pos))
    return _Hit(m.end(), TimeSpec(text="", kind="continuous")) if m else None


def _repeat_forms(s: str, orig: str, pos: int, prose: bool) -> list[_Hit | None]:
    hits = [
        _continuous_form(s, orig, pos, prose),
        _recurring_form(s, orig, pos),
        _day_of_period_form(s, orig, pos),
    ]
    if not prose:
        hits.append(_field_repeat_form(s, orig, pos))
    return hits


def _match_at(s: str, orig: str, pos: int, ctx: _Ctx, prose: bool) -> _Hit | None:
    """The longest time expression starting at ``pos`` of the folded text ``s``."""
    hits = _repeat_forms(s, orig, pos, prose)
    hits += [_year_lead_form(s, orig, pos), _match_dated(s, orig, pos, ctx, prose)]
    lead = None if prose else _REPEAT_LEAD.match(s, pos)
    if lead is not None:
        hits += _repeat_forms(s, orig, lead.end(), prose)
    best: _Hit | None = None
    for hit in hits:
        if hit is not None and (best is None or hit.end > best.end):
            best = hit
    return best


# --- Whole expressions -------------------------------------------------------------------

_SEPARATOR = re.compile(r"\s*;\s*(?:va\s+)?|\s*,\s*(?:va\s+)?|\s+va\s+")
_SCOPE_LEAD = re.compile(r"(?:ap\s+dung\s+)?(?:doi\s+voi|cho)\s+")


def _valid_term(term: tuple[int, int] | None) -> tuple[int, int] | None:
    try:
        first, last = (int(year) for year in term)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    return (first, last) if MIN_YEAR <= first <= last <= MAX_YEAR else None


# Text made of these only, single spaced, is already what ``nfc`` returns (no combining marks,
# no invisible characters); checking is cheaper than normalising every cell.
_PLAIN_CHARS = r"[\w.,;:/()\-–—]+"
_PLAIN = re.compile(_PLAIN_CHARS + r"(?: " + _PLAIN_CHARS + r")*")


def _normal(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else nfc(text)


def _shown(text: str) -> str:
    """The text as given, without surrounding spaces and a trailing period."""
    shown = text.strip()
    return shown[:-1].rstrip() if shown.endswith(".") else shown


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


_LEAD_MARK = re.compile(r"(?:[-+•]\s+|[*:]+\s*)+")  # a list mark, emphasis, a label's colon
# What is left of a label the caller did not cut off: "Thời gian thực hiện: Quý IV/2025"
_LABEL = re.compile(
    r"(?:thoi\s+gian|thoi\s+han|tien\s+do)"
    r"(?:\s+(?:thuc\s+hien|hoan\s+thanh|trien\s+khai|bao\s+cao|du\s+kien))*\s*:\s*"
)


def _unwrap(text: str) -> str:
    """ "(Quý I/2021)" -> "Quý I/2021"; "- Thời gian thực hiện: Quý I/2021 ." -> "Quý I/2021"."""
    text = text.strip().rstrip(" .;,:*")
    mark = _LEAD_MARK.match(text)
    if mark is not None:
        text = text[mark.end() :]
    label = _LABEL.match(fold_keep_offsets(text))
    if label is not None:
        text = text[label.end() :]
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip().rstrip(" .;,:")
    return text


def _scope(orig: str, folded: str) -> str | None:
    """ "(đối với Chương trình ...)" -> "Chương trình ..."."""
    lead = _SCOPE_LEAD.match(folded)
    scope = orig[lead.end() :] if lead else orig
    return scope.strip() or None


def _read_whole(orig: str, folded: str, end: int, ctx: _Ctx) -> TimeSpec | None:
    """The time that is all of ``folded[:end]``, or a repetition plus its ad-hoc extra."""
    end = len(folded[:end].rstrip(" ,;:"))
    if end == 0:
        return None
    hit = _match_at(folded[:end], orig[:end], 0, ctx, prose=False)
    if hit is None or hit.spec is None:
        return None
    if hit.end == end:
        return hit.spec
    if hit.spec.kind in ("recurring", "continuous") and _AD_HOC.fullmatch(folded, hit.end, end):
        return hit.spec
    return None


def _parse_piece(orig: str, folded: str, ctx: _Ctx) -> TimeSpec | None:
    """One time, optionally followed by what it applies to in parentheses."""
    skip = len(folded) - len(folded.lstrip())
    orig, folded = orig[skip:], folded[skip:]
    end, scope = len(folded), None
    if folded.endswith(")"):
        # "02 lần/ngày (trước 9h00’ và 16h00’)": the parentheses belong to the time
        spec = _read_whole(orig, folded, end, ctx)
        if spec is not None:
            spec.text = orig.strip()
            return spec
        open_at = folded.rfind("(")
        if open_at > 0 and ")" not in folded[open_at:-1]:
            if _CANDIDATE.match(folded[open_at + 1 : -1].strip()):
                return None  # "Năm 2021 (trước 30/6)": more time, not a scope; not guessed
            scope = _scope(orig[open_at + 1 : -1], folded[open_at + 1 : -1])
            end = open_at
    spec = _read_whole(orig, folded, end, ctx)
    if spec is None:
        return None
    spec.text, spec.scope = orig.strip(), scope
    return spec


def _parse_labelled(orig: str, folded: str, ctx: _Ctx) -> TimeSpec | None:
    """ "Cấp tỉnh: quý I/2021", a part of a compound with its scope in front."""
    colon = folded.find(":")
    if colon <= 0:
        return None
    spec = _parse_piece(orig[colon + 1 :], folded[colon + 1 :], ctx)
    if spec is not None:
        spec.text, spec.scope = orig.strip(), spec.scope or orig[:colon].strip() or None
    return spec


def _split(folded: str) -> list[tuple[int, int]]:
    """Spans of the pieces between top-level separators (";", ",", "và")."""
    pieces, start, depth, scanned = [], 0, 0, 0
    for m in _SEPARATOR.finditer(folded):
        depth += sum((c == "(") - (c == ")") for c in folded[scanned : m.start()])
        scanned = m.start()
        if depth == 0:
            pieces.append((start, m.start()))
            start = m.end()
    pieces.append((start, len(folded)))
    return pieces


def _parse_compound(orig: str, folded: str, ctx: _Ctx) -> TimeSpec | None:
    """Several times, each for its own scope; every piece must be understood."""
    pieces = _split(folded)
    if len(pieces) < 2:
        return None
    parts = []
    for start, end in pieces:
        piece_orig, piece_folded = orig[start:end], folded[start:end]
        part = _parse_piece(piece_orig, piece_folded, ctx) or _parse_labelled(
            piece_orig, piece_folded, ctx
        )
        if part is None:
            return None
        parts.append(part)
    return TimeSpec(text=orig, kind="compound", parts=parts)


def _valid_year(year: int | None) -> int | None:
    return year if isinstance(year, int) and MIN_YEAR <= year <= MAX_YEAR else None


_BULLET = re.compile(r"(?:^|(?<=[.;:]))\s*[-+•]\s+")
_SENTENCE_BREAK = re.compile(r"[.;]\s+(?=[^\W\d_])")


def _items(orig: str) -> list[str]:
    """The items of a list written in one field: "+ ... . + ...", else its sentences."""
    pieces = [piece.strip() for piece in _BULLET.split(orig)]
    pieces = [piece for piece in pieces if piece]
    if len(pieces) >= 2:
        return pieces
    pieces, start = [], 0
    for m in _SENTENCE_BREAK.finditer(orig):
        if orig[m.end()].isupper():
            pieces.append(orig[start : m.start()])
            start = m.end()
    pieces.append(orig[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _parse_items(orig: str, ctx: _Ctx) -> TimeSpec | None:
    """Milestones in one field, each item a sentence with exactly one time of its own."""
    items = _items(orig)
    if len(items) < 2:
        return None
    parts = []
    for item in items:
        found = _find(item, ctx)
        if len(found) != 1:
            return None
        start, end, spec = found[0]
        scope = (item[:start].rstrip() + " " + item[end:].lstrip()).strip(" ,.;:")
        spec.scope = scope or None
        parts.append(spec)
    return TimeSpec(text=orig, kind="compound", parts=parts)


def parse_time(
    text: str, *, term: tuple[int, int] | None = None, year: int | None = None
) -> TimeSpec:
    """Parse a whole time expression, e.g. the value after "Thời gian hoàn thành:" or a table cell.

    ``term`` is the program's term (2020, 2025), which "Trong nhiệm kỳ" refers to. ``year`` is
    the program's year (of its date), which a day written without a year ("trước ngày 15/12")
    falls in; without it such a day is unknown. Anything not fully understood comes back as
    kind "unknown" with its text, so nothing is lost or guessed. A program repeats a handful
    of expressions ("Thường xuyên." forty times), so answers are remembered; each call returns
    its own copy.
    """
    return _parse_time(text, term, year).copy()


@lru_cache(maxsize=4096)
def _parse_time(text: str, term: tuple[int, int] | None, year: int | None) -> TimeSpec:
    shown = _shown(text)
    ctx = _Ctx(_valid_term(term), _valid_year(year))
    orig = _unwrap(_normal(shown))
    folded = fold_keep_offsets(orig)
    spec = None
    if orig:
        spec = (
            _parse_piece(orig, folded, ctx)
            or _parse_compound(orig, folded, ctx)
            or _parse_labelled(orig, folded, ctx)
            or _parse_items(orig, ctx)
        )
    if spec is None:
        return TimeSpec(text=shown)
    spec.text = shown
    return spec


# --- Prose -------------------------------------------------------------------------------

# Sentences without any of these have no time we read; most prose is skipped at this test.
_ANCHOR = re.compile(r"[0-9]|xuyen|nhiem\s+k|hang\s|moi\s|dinh\s+k|nua\s+nam|sau\s+thang")
# Where a time expression may begin: a time word, a period word or a number. The lookaheads
# only skip words that cannot begin one here ("cả cấp tỉnh", "trong công tác", "sau khi");
# _match_at decides.
_CORE = r"(?:ngay|qu[yi]|thang|nam|giai|thoi|nhiem|ca|toan|suot|nua|[0-9])"
_CANDIDATE = re.compile(
    r"(?<![\w/])(?:"
    r"(?:cham|truoc|ke|bat|tu|dau|giua|sau|khoang|gan|trong|vao|den|het|toi|cuoi)"
    r"(?=(?:\s+\w+){0,3}?\s+" + _CORE + r")"
    r"|(?:ngay|qu[yi]|thang|nam)(?=\s*(?:[0-9ivx]|/|mot\s|1\s|01\s))"
    r"|(?:ca|toan|suot)(?=\s+nhiem)"
    r"|(?:hang|moi)(?=\s+(?:nam|qu[yi]|thang|0?6|sau|nua))"
    r"|dinh(?=\s+k[yi]\s)"
    r"|thuong(?=\s+xuyen)"
    r"|nua(?=\s+(?:nam|dau|cuoi))"
    r"|(?:mot|hai|ba|bon)(?=\s+lan)"
    r"|[0-9])"
)


def find_times(
    sentence: str, *, term: tuple[int, int] | None = None, year: int | None = None
) -> list[tuple[int, int, TimeSpec]]:
    """Find time expressions inside running prose: (start, end, spec) spans into `sentence`,
    in order, non-overlapping.

    "Hoàn thành trong tháng 12/2020 để tổ chức tuyên truyền." gives one span, "trong tháng
    12/2020", due 2020-12-31. Dates of cited documents ("Quy định số 101-QĐ/TW ngày 07/6/2012")
    and time words we cannot date ("đầu năm 2022") are skipped, so every span returned is a time
    the task can be held to. ``term`` and ``year`` are as for ``parse_time``.
    """
    return _find(sentence, _Ctx(_valid_term(term), _valid_year(year)))


def _find(sentence: str, ctx: _Ctx) -> list[tuple[int, int, TimeSpec]]:
    folded = fold_keep_offsets(sentence)
    if not _ANCHOR.search(folded):
        return []
    spans: list[tuple[int, int, TimeSpec]] = []
    done = 0
    for candidate in _CANDIDATE.finditer(folded):
        start = candidate.start()
        if start < done:
            continue
        hit = _match_at(folded, sentence, start, ctx, prose=True)
        if hit is None:
            continue
        done = hit.end
        if hit.spec is not None:
            hit.spec.text = sentence[start : hit.end]
            spans.append((start, hit.end, hit.spec))
    return spans

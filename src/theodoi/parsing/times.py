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


def _build_day(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    year, month, day = _year(m["y"]), int(m["m"]), int(m["d"])
    if year is None or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    date = dt.date(year, month, day)
    return _Period(date, date, "day")


def _build_month(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    month = int(m["m"])
    return _months(_year(m["y"]), month, month, "month")


def _build_quarter(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    quarter = _QUARTERS.get(m["q"])
    if quarter is None:
        return None
    return _months(_year(m["y"]), 3 * quarter - 2, 3 * quarter, "quarter")


def _build_half(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    first = 1 if m["half"] == "dau" else 7
    return _months(_year(m["y"]), first, first + 5, "half")


def _build_year(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    year = _year(m["y"])
    return _years(year, year, "year")


def _build_range(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    return _years(_year(m["y1"]), _year(m["y2"]), "span")


def _build_term(m: re.Match[str], term: tuple[int, int] | None) -> _Period | None:
    return _years(*term, "span") if term else None


Build = Callable[[re.Match[str], tuple[int, int] | None], _Period | None]
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
    s: str, orig: str, pos: int, term: tuple[int, int] | None, *, prose: bool, prefixed: bool
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
        period = atom.build(m, term)
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


def _stretch(first: _Period, last: _Period) -> TimeSpec | None:
    if first.first > last.last:
        return None
    return TimeSpec(text="", kind="deadline", due=last.last, start=first.first)


def _ongoing(first: dt.date, every: Every | None) -> TimeSpec:
    return TimeSpec(text="", kind="ongoing", start=first, every=every)


def _recurring(every: Every, start: dt.date | None = None) -> TimeSpec:
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


def _match_dated(
    s: str, orig: str, pos: int, term: tuple[int, int] | None, prose: bool
) -> _Hit | None:
    best = _bare_dated(s, orig, pos, term, prose)
    prefix = _PREFIX.match(s, pos)
    if prefix is not None and prefix.end() > pos and not (prose and prefix["lead"]):
        hit = _prefixed_dated(s, orig, prefix, term, prose)
        if hit is not None and (best is None or hit.end > best.end):
            best = hit
    return best


def _bare_dated(
    s: str, orig: str, pos: int, term: tuple[int, int] | None, prose: bool
) -> _Hit | None:
    found = _match_period(s, orig, pos, term, prose=prose, prefixed=False)
    if found is None:
        return None
    end, period = found
    if prose and _is_reference(s, pos, end, period):
        return _Hit(end, None)
    return _Hit(end, _deadline(period))


def _prefixed_dated(
    s: str, orig: str, prefix: re.Match[str], term: tuple[int, int] | None, prose: bool
) -> _Hit | None:
    if prefix["since"] and not _spelled(orig, *prefix.span("since"), "từ"):
        return None  # "tư", "tự": not "from"
    if prefix["vague"] and not _spelled(orig, *prefix.span("vague"), *_VAGUE):
        return None
    found = _match_period(s, orig, prefix.end(), term, prose=prose, prefixed=True)
    if found is None:
        return None
    end, period = found
    if prefix["vague"]:
        return _Hit(end, None)  # "đầu năm 2022", "sau năm 2025": no date to give
    if prefix["before"]:
        # "trước ngày 30/6/2021" is due that day; "trước quý III" has no agreed last day.
        return _Hit(end, _deadline(period) if period.unit == "day" else None)
    if prefix["since"]:
        return _since(s, orig, end, period, term)
    return _Hit(end, _deadline(period))


def _since(s: str, orig: str, end: int, period: _Period, term: tuple[int, int] | None) -> _Hit:
    """After "từ <period>": a stretch "... đến <period>", a look back "... đến nay", or ongoing."""
    now = _UNTIL_NOW.match(s, end)
    if now is not None:
        return _Hit(now.end(), None)
    until = _UNTIL.match(s, end)
    if until is not None:
        found = _match_period(s, orig, until.end(), term, prose=False, prefixed=True)
        if found is not None:
            return _Hit(found[0], _stretch(period, found[1]))
    return _Hit(end, _ongoing(period.first, "year" if period.unit == "year" else None))


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
_ONWARDS = re.compile(r"\s*,?\s*tro\s+di(?!\w)")
_CONTINUOUS = re.compile(r"thuong\s+xuyen(?:(?:\s*[,;]\s*|\s+)(?:va\s+)?lien\s+tuc)?(?!\w)")
# Bare "liên tục" is an everyday adjective in prose; only a whole cell reads it as a time.
_CONTINUOUS_CELL = re.compile(r"lien\s+tuc(?:(?:\s*[,;]\s*|\s+)(?:va\s+)?thuong\s+xuyen)?(?!\w)")


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


def _match_at(
    s: str, orig: str, pos: int, term: tuple[int, int] | None, prose: bool
) -> _Hit | None:
    """The longest time expression starting at ``pos`` of the folded text ``s``."""
    best: _Hit | None = None
    for hit in (
        _continuous_form(s, orig, pos, prose),
        _recurring_form(s, orig, pos),
        _year_lead_form(s, orig, pos),
        _match_dated(s, orig, pos, term, prose),
    ):
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


def _unwrap(text: str) -> str:
    """ "(Quý I/2021)" -> "Quý I/2021"."""
    text = text.strip().rstrip(" .;,:")
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip().rstrip(" .;,:")
    return text


def _scope(orig: str, folded: str) -> str | None:
    """ "(đối với Chương trình ...)" -> "Chương trình ..."."""
    lead = _SCOPE_LEAD.match(folded)
    scope = orig[lead.end() :] if lead else orig
    return scope.strip() or None


def _parse_piece(orig: str, folded: str, term: tuple[int, int] | None) -> TimeSpec | None:
    """One time, optionally followed by what it applies to in parentheses."""
    skip = len(folded) - len(folded.lstrip())
    orig, folded = orig[skip:], folded[skip:]
    end, scope = len(folded), None
    if folded.endswith(")"):
        open_at = folded.rfind("(")
        if open_at > 0 and ")" not in folded[open_at:-1]:
            if _CANDIDATE.match(folded[open_at + 1 : -1].strip()):
                return None  # "Năm 2021 (trước 30/6)": more time, not a scope; not guessed
            scope = _scope(orig[open_at + 1 : -1], folded[open_at + 1 : -1])
            end = open_at
    end = len(folded[:end].rstrip(" ,;:"))
    if end == 0:
        return None
    hit = _match_at(folded[:end], orig[:end], 0, term, prose=False)
    if hit is None or hit.spec is None or hit.end != end:
        return None
    hit.spec.text, hit.spec.scope = orig.strip(), scope
    return hit.spec


def _parse_labelled(orig: str, folded: str, term: tuple[int, int] | None) -> TimeSpec | None:
    """ "Cấp tỉnh: quý I/2021", a part of a compound with its scope in front."""
    colon = folded.find(":")
    if colon <= 0:
        return None
    spec = _parse_piece(orig[colon + 1 :], folded[colon + 1 :], term)
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


def _parse_compound(orig: str, folded: str, term: tuple[int, int] | None) -> TimeSpec | None:
    """Several times, each for its own scope; every piece must be understood."""
    pieces = _split(folded)
    if len(pieces) < 2:
        return None
    parts = []
    for start, end in pieces:
        piece_orig, piece_folded = orig[start:end], folded[start:end]
        part = _parse_piece(piece_orig, piece_folded, term) or _parse_labelled(
            piece_orig, piece_folded, term
        )
        if part is None:
            return None
        parts.append(part)
    return TimeSpec(text=orig, kind="compound", parts=parts)


def parse_time(text: str, *, term: tuple[int, int] | None = None) -> TimeSpec:
    """Parse a whole time expression, e.g. the value after "Thời gian hoàn thành:" or a table cell.

    ``term`` is the program's term (2020, 2025), which "Trong nhiệm kỳ" refers to. Anything not
    fully understood comes back as kind "unknown" with its text, so nothing is lost or guessed.
    A program repeats a handful of expressions ("Thường xuyên." forty times), so answers are
    remembered; each call returns its own copy.
    """
    return _parse_time(text, term).copy()


@lru_cache(maxsize=4096)
def _parse_time(text: str, term: tuple[int, int] | None) -> TimeSpec:
    shown = _shown(text)
    term = _valid_term(term)
    orig = _unwrap(_normal(shown))
    folded = fold_keep_offsets(orig)
    spec = None
    if orig:
        spec = _parse_piece(orig, folded, term) or _parse_compound(orig, folded, term)
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
    sentence: str, *, term: tuple[int, int] | None = None
) -> list[tuple[int, int, TimeSpec]]:
    """Find time expressions inside running prose: (start, end, spec) spans into `sentence`,
    in order, non-overlapping.

    "Hoàn thành trong tháng 12/2020 để tổ chức tuyên truyền." gives one span, "trong tháng
    12/2020", due 2020-12-31. Dates of cited documents ("Quy định số 101-QĐ/TW ngày 07/6/2012")
    and time words we cannot date ("đầu năm 2022") are skipped, so every span returned is a time
    the task can be held to.
    """
    term = _valid_term(term)
    folded = fold_keep_offsets(sentence)
    if not _ANCHOR.search(folded):
        return []
    spans: list[tuple[int, int, TimeSpec]] = []
    done = 0
    for candidate in _CANDIDATE.finditer(folded):
        start = candidate.start()
        if start < done:
            continue
        hit = _match_at(folded, sentence, start, term, prose=True)
        if hit is None:
            continue
        done = hit.end
        if hit.spec is not None:
            hit.spec.text = sentence[start : hit.end]
            spans.append((start, hit.end, hit.spec))
    return spans

"""Turn a task's time, as the parser read it, into the dated periods an assignment owes.

Pure Python, no database: the importer stores what ``periods_for`` returns as ``Occurrence``
rows, and reports group by the same periods, so both must agree on these rules.

- Periods are calendar periods: years end 31/12, half-years 30/6 and 31/12, quarters 31/3,
  30/6, 30/9 and 31/12, months on their last day. ``due`` is the last day of the period.
- deadline: one occurrence, source "deadline", due = ``due``, start = ``start`` (dropped when
  after the due date). Label "Hạn dd/mm/yyyy"; when ``start`` is set and the two dates span
  exactly one calendar period, that period's name ("6 tháng đầu năm 2022", "Quý I/2021"),
  and for whole years "Giai đoạn 2021-2025". A bare due date says nothing about when the
  work began, so "Trong quý I/2021" keeps "Hạn 31/03/2021".
- recurring ("Hằng năm", every = year | half-year | quarter | month): one occurrence per
  period, source "period", from the first period through 31/12 of the term's last year.
  The first period is the one containing, in this order: ``start``; the program's date when
  its year is inside the term; 1/1 of the term's first year. A ``start`` before the term is
  moved to the term's first day: the program owes nothing before its term. When the first
  period lies after the term, or there is no term, the periods run through the end of the
  first period's year only (the importer warns about a missing term). With no start, no
  program date and no term there is nothing to count from: no occurrences.
- ongoing ("Năm 2021 và những năm tiếp theo"): as recurring, every = ``every`` or "year".
- continuous ("Thường xuyên"): as recurring, one period per reporting ``cycle`` of the program
  ("month" | "quarter" | "half-year" | "year"; anything else counts as "half-year").
- compound: the union of its parts' occurrences, each with its part's scope (or the compound's
  own scope when the part has none). A deadline and a recurring period that end the same day
  are different obligations ("Trong năm 2020 (đối với X) và hàng năm (đối với Y)" owes both a
  "Hạn 31/12/2020" for X and a "Năm 2020" for Y), so they stay separate; only occurrences with
  the same due date and label are merged, keeping the first one's source and joining scopes.
- unknown: no occurrences; the caller flags the task for a person.
- milestones: each milestone with a due date adds an occurrence of its own (source
  "milestone", label "Hạn dd/mm/yyyy", the milestone's scope) unless occurrences with that due
  date exist already; then those without a scope take the milestone's.
- The result is sorted by (due, label) and holds one occurrence per (due, label).
- Nothing raises on input shaped like the contract: a missing key, a None, a bad ISO date,
  an unknown kind or ``every`` skip that spec (or part); a term that is not two years with
  start <= end counts as no term.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from theodoi.parsing.model import Milestone, TimeSpec

__all__ = ["CYCLES", "Period", "periods_for"]

# Months per period, by the ``every`` values of the contract (and the reporting cycles).
_MONTHS: dict[str, int] = {"year": 12, "half-year": 6, "quarter": 3, "month": 1}
CYCLES: tuple[str, ...] = tuple(_MONTHS)
_DEFAULT_CYCLE = "half-year"
_ROMAN = ("I", "II", "III", "IV")
_MAX_DEPTH = 8  # compound parts nest one level in practice; deeper input is garbage


@dataclass(frozen=True)
class Period:
    """One dated period an assignment owes work or a report for."""

    start: dt.date | None  # first day of the period (None for a bare deadline)
    due: dt.date  # the due date: last day of the period
    label: str  # Vietnamese, what a person reads: "Quý I/2021", "Hạn 31/03/2021"
    source: str  # "deadline" | "period" | "milestone"
    scope: str = ""  # the part or milestone scope when the spec gives one


@dataclass(frozen=True)
class _Context:
    term: tuple[int, int] | None
    program_date: dt.date | None
    cycle: str


def periods_for(
    time: Mapping[str, Any] | TimeSpec | None,
    milestones: Iterable[Mapping[str, Any] | Milestone] = (),
    *,
    term: tuple[int, int] | None,
    program_date: dt.date | None = None,
    cycle: str = _DEFAULT_CYCLE,
) -> list[Period]:
    """The occurrences a task's ``time`` (and ``milestones``) give, by the module's rules.

    ``time`` is a TimeSpec dict as stored (``TimeSpec.to_dict()``) or a TimeSpec; ``term`` the
    program's (first year, last year); ``cycle`` its reporting cycle, for continuous tasks.
    """
    context = _Context(_valid_term(term), _date(program_date), _cycle(cycle))
    periods = _merged(_from_spec(_as_dict(time), context, "", 0))
    periods = _with_milestones(periods, _milestone_dicts(milestones))
    return sorted(periods, key=_order)


# --- Reading the input -------------------------------------------------------------------


def _as_dict(value: object) -> Mapping[str, Any]:
    """A TimeSpec or Milestone as its dict; anything that is not a mapping as an empty one."""
    if isinstance(value, TimeSpec | Milestone):
        return value.to_dict()
    return value if isinstance(value, Mapping) else {}


def _milestone_dicts(milestones: object) -> list[Mapping[str, Any]]:
    if not isinstance(milestones, Iterable) or isinstance(milestones, str | bytes | Mapping):
        return []
    return [_as_dict(milestone) for milestone in milestones]


def _date(value: object) -> dt.date | None:
    """An ISO date string or a date as a date; anything else as None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _every(value: object) -> str | None:
    return value if isinstance(value, str) and value in _MONTHS else None


def _cycle(value: object) -> str:
    return _every(value) or _DEFAULT_CYCLE


def _valid_term(term: object) -> tuple[int, int] | None:
    """Two years, first <= last, that dates can hold; anything else is no term."""
    try:
        first, last = (int(year) for year in term)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    return (first, last) if dt.MINYEAR <= first <= last <= dt.MAXYEAR else None


# --- Calendar periods --------------------------------------------------------------------


def _span(year: int, first_month: int, months: int) -> tuple[dt.date, dt.date]:
    """First and last day of the ``months`` months from ``first_month`` of ``year``."""
    last_month = first_month + months - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)


def _first_month(day: dt.date, every: str) -> int:
    months = _MONTHS[every]
    return (day.month - 1) // months * months + 1


def _containing(day: dt.date, every: str) -> tuple[dt.date, dt.date]:
    return _span(day.year, _first_month(day, every), _MONTHS[every])


def _calendar_periods(
    first: dt.date, last_year: int, every: str
) -> Iterator[tuple[dt.date, dt.date]]:
    """Periods from the one containing ``first`` through the end of ``last_year``.

    Counts months rather than adding days, so year 9999 ends the loop without overflowing.
    """
    months = _MONTHS[every]
    year, month = first.year, _first_month(first, every)
    while year <= last_year:
        yield _span(year, month, months)
        month += months
        if month > 12:
            year, month = year + 1, 1


def _period_label(start: dt.date, every: str) -> str:
    if every == "year":
        return f"Năm {start.year}"
    if every == "half-year":
        half = "đầu" if start.month == 1 else "cuối"
        return f"6 tháng {half} năm {start.year}"
    if every == "quarter":
        return f"Quý {_ROMAN[(start.month - 1) // 3]}/{start.year}"
    return f"Tháng {start.month}/{start.year}"


def _due_label(due: dt.date) -> str:
    return f"Hạn {due.day:02d}/{due.month:02d}/{due.year}"


def _deadline_label(start: dt.date | None, due: dt.date) -> str:
    """The name of the period ``start``..``due`` spans, if it is one; else "Hạn dd/mm/yyyy"."""
    if start is None:
        return _due_label(due)
    for every in CYCLES:
        if _containing(start, every) == (start, due):
            return _period_label(start, every)
    if (start.month, start.day, due.month, due.day) == (1, 1, 12, 31):
        return f"Giai đoạn {start.year}-{due.year}"
    return _due_label(due)


# --- Specs -------------------------------------------------------------------------------


def _from_spec(spec: Mapping[str, Any], context: _Context, scope: str, depth: int) -> list[Period]:
    """The occurrences of one spec; a part inherits the scope of its compound."""
    if depth > _MAX_DEPTH:
        return []
    scope = _text(spec.get("scope")) or scope
    kind = spec.get("kind")
    start = _date(spec.get("start"))
    if kind == "deadline":
        return _deadline(start, _date(spec.get("due")), scope)
    if kind == "recurring":
        return _recurring(start, _every(spec.get("every")), context, scope)
    if kind == "ongoing":
        every = spec.get("every")
        return _recurring(start, "year" if every is None else _every(every), context, scope)
    if kind == "continuous":
        return _recurring(start, context.cycle, context, scope)
    if kind == "compound":
        parts = spec.get("parts")
        if not isinstance(parts, list):
            return []
        return [
            period
            for part in parts
            for period in _from_spec(_as_dict(part), context, scope, depth + 1)
        ]
    return []


def _deadline(start: dt.date | None, due: dt.date | None, scope: str) -> list[Period]:
    if due is None:
        return []
    if start is not None and start > due:
        start = None
    return [Period(start, due, _deadline_label(start, due), "deadline", scope)]


def _recurring(
    start: dt.date | None, every: str | None, context: _Context, scope: str
) -> list[Period]:
    first = _first_day(start, context)
    if every is None or first is None:
        return []
    term = context.term
    last_year = max(first.year, term[1]) if term else first.year
    return [
        Period(begin, due, _period_label(begin, every), "period", scope)
        for begin, due in _calendar_periods(first, last_year, every)
    ]


def _first_day(start: dt.date | None, context: _Context) -> dt.date | None:
    """A day inside the first period a recurrence owes."""
    term, program_date = context.term, context.program_date
    if start is not None:
        return max(start, dt.date(term[0], 1, 1)) if term else start
    if program_date is not None and (term is None or term[0] <= program_date.year <= term[1]):
        return program_date
    return dt.date(term[0], 1, 1) if term else None


# --- Merging -----------------------------------------------------------------------------


def _order(period: Period) -> tuple[dt.date, str]:
    return (period.due, period.label)


def _merged(periods: list[Period]) -> list[Period]:
    """One occurrence per (due, label), the first one seen taking the others' scopes."""
    kept: dict[tuple[dt.date, str], Period] = {}
    for period in periods:
        seen = kept.get(_order(period))
        kept[_order(period)] = period if seen is None else _merge(seen, period)
    return list(kept.values())


def _merge(kept: Period, other: Period) -> Period:
    scopes = [scope for scope in kept.scope.split("; ") if scope]
    if other.scope and other.scope not in scopes:
        scopes.append(other.scope)
    return replace(kept, start=kept.start or other.start, scope="; ".join(scopes))


def _with_milestones(periods: list[Period], milestones: list[Mapping[str, Any]]) -> list[Period]:
    """Add the milestones whose due date no occurrence has; lend the others their scope."""
    result = list(periods)
    for milestone in milestones:
        due = _date(milestone.get("due"))
        if due is None:
            continue
        scope = _text(milestone.get("scope"))
        same_day = [index for index, period in enumerate(result) if period.due == due]
        if not same_day:
            result.append(Period(None, due, _due_label(due), "milestone", scope))
        for index in same_day:
            if scope and not result[index].scope:
                result[index] = replace(result[index], scope=scope)
    return result

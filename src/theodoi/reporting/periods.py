"""Reporting periods as people name them on the command line and in the report form:
``2021-Q2`` (a quarter), ``2021-H1`` (a half year), ``2021`` (a year), ``2020-2025`` (a term).

A period knows its first and last day and its Vietnamese names: the label a report's subject
reads ("quý II năm 2021") and the short one a table heading reads ("Quý II/2021")."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

__all__ = [
    "Period",
    "PeriodError",
    "default_period",
    "last_year",
    "parse_period",
    "period_choices",
]

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<q>[Qq])(?P<quarter>[1-4])|(?P<h>[Hh])(?P<half>[12])"
    r"|(?P<end>\d{4})))?$"
)
_FIRST_YEAR, _LAST_YEAR = 1945, 2100


class PeriodError(ValueError):
    """Text that names no period; the message says what is accepted."""


@dataclass(frozen=True)
class Period:
    key: str  # as typed, normalised: "2021-Q2"
    start: dt.date
    end: dt.date
    label: str  # "quý II năm 2021": reads inside a sentence
    short_label: str  # "Quý II/2021": reads in a heading or a table

    @property
    def slug(self) -> str:
        return self.key.lower()

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def picker_label(self) -> str:
        """What the period picker shows: "Quý III/2026", "6 tháng đầu năm 2026", "Năm 2025",
        "Cả nhiệm kỳ 2020-2025"."""
        if self.start.year != self.end.year:
            return _("Cả nhiệm kỳ %(start)s-%(end)s") % {
                "start": self.start.year,
                "end": self.end.year,
            }
        return self.short_label


def parse_period(text: str) -> Period:
    """The period ``text`` names, or ``PeriodError`` saying what is accepted."""
    raw = (text or "").strip()
    found = _PATTERN.match(raw)
    if not found:
        raise PeriodError(_bad(raw))
    year = int(found["year"])
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise PeriodError(_bad(raw))
    if found["quarter"]:
        quarter = int(found["quarter"])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = _month_end(year, 3 * quarter)
        roman = ROMAN[quarter]
        return Period(
            f"{year}-Q{quarter}",
            start,
            end,
            _("quý %(quarter)s năm %(year)s") % {"quarter": roman, "year": year},
            _("Quý %(quarter)s/%(year)s") % {"quarter": roman, "year": year},
        )
    if found["half"]:
        half = int(found["half"])
        start = dt.date(year, 1 if half == 1 else 7, 1)
        end = _month_end(year, 6 if half == 1 else 12)
        if half == 1:
            label = _("6 tháng đầu năm %(year)s") % {"year": year}
            short = _("6 tháng đầu năm %(year)s") % {"year": year}
        else:
            label = _("6 tháng cuối năm %(year)s") % {"year": year}
            short = _("6 tháng cuối năm %(year)s") % {"year": year}
        return Period(f"{year}-H{half}", start, end, label, short)
    if found["end"]:
        last = int(found["end"])
        if not year < last <= _LAST_YEAR:
            raise PeriodError(
                _("Nhiệm kỳ “%(value)s” không hợp lệ: năm cuối phải sau năm đầu (vd 2020-2025).")
                % {"value": raw}
            )
        label = _("nhiệm kỳ %(start)s - %(end)s") % {"start": year, "end": last}
        return Period(
            f"{year}-{last}",
            dt.date(year, 1, 1),
            dt.date(last, 12, 31),
            label,
            _("Nhiệm kỳ %(start)s - %(end)s") % {"start": year, "end": last},
        )
    return Period(
        str(year),
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        _("năm %(year)s") % {"year": year},
        _("Năm %(year)s") % {"year": year},
    )


def _years(program) -> tuple[int, int] | None:
    first = program.term_start or (program.date.year if program.date else None)
    last = program.term_end or first
    return (first, last) if first and last and first <= last else None


def period_choices(program, today: dt.date) -> list[tuple[str, str]]:
    """The periods the report form offers for ``program`` as (key, Vietnamese name): the whole
    term, then for each year (latest first) the year, its halves and its quarters, only those
    that have begun by ``today`` (a future quarter has nothing to report)."""
    years = _years(program)
    if years is None:
        years = (today.year - 1, today.year)
    first, last = years
    found: list[Period] = []
    if first < last:
        found.append(parse_period(f"{first}-{last}"))
    for year in range(min(last, today.year), first - 1, -1):
        keys = [str(year), f"{year}-H2", f"{year}-H1", *(f"{year}-Q{q}" for q in (4, 3, 2, 1))]
        found += [p for p in map(parse_period, keys) if p.start <= today]
    return [(p.key, p.picker_label) for p in found]


def _quarter_key(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def default_period(program, today: dt.date) -> str:
    """The period a report is asked for by default: the last quarter that has ended by the
    day the program is judged as of (today, or the end of a finished program), and if no work
    was due in it, the quarter of the latest work due before then; never a quarter to come."""
    from theodoi.programs.models import Occurrence

    end = program.judged_as_of(today) if program is not None else today
    quarter = parse_period(_quarter_key(end))
    if quarter.end > end:  # not ended yet: the one before
        quarter = parse_period(_quarter_key(quarter.start - dt.timedelta(days=1)))
    if program is None:
        return quarter.key
    latest = (
        Occurrence.objects.filter(assignment__task__program=program, due_date__lte=quarter.end)
        .order_by("-due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    if latest is not None and latest < quarter.start:
        return _quarter_key(latest)
    return quarter.key


def last_year(program, today: dt.date) -> int:
    """The year an annual evaluation is asked for by default: the last year that has ended by
    the day the program is judged as of (a finished program: the year of its end)."""
    end = program.judged_as_of(today) if program is not None else today
    return end.year if (end.month, end.day) == (12, 31) else end.year - 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _bad(raw: str) -> str:
    return _(
        "Kỳ báo cáo “%(value)s” không hợp lệ. Ghi một quý (2021-Q2), 6 tháng (2021-H1 hoặc "
        "2021-H2), một năm (2021) hoặc một nhiệm kỳ (2020-2025)."
    ) % {"value": raw}

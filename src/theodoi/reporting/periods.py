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

__all__ = ["Period", "PeriodError", "parse_period"]

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


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _bad(raw: str) -> str:
    return _(
        "Kỳ báo cáo “%(value)s” không hợp lệ. Ghi một quý (2021-Q2), 6 tháng (2021-H1 hoặc "
        "2021-H2), một năm (2021) hoặc một nhiệm kỳ (2020-2025)."
    ) % {"value": raw}

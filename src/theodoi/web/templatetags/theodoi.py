"""Filters for showing dates, rates and statuses the way Vietnamese offices write them; `link`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from theodoi.tracking import status as rules
from theodoi.web.links import link

register = template.Library()

_BADGES = {
    rules.DONE_ON_TIME: "ok",
    rules.DONE_LATE: "late",
    rules.OPEN_IN_TIME: "open",
    rules.OPEN_OVERDUE: "overdue",
    rules.NO_DEADLINE: "none",
    rules.WITHDRAWN: "gone",
}


@register.filter
def vndate(value: dt.date | dt.datetime | None) -> str:
    """dd/mm/yyyy, whatever the language: how dates are written in Vietnamese documents."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


@register.filter
def rate(tally) -> str:
    """The completion rate as a whole percentage, or a dash when nothing is due yet."""
    value = tally.rate if tally is not None else None
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def rate_width(tally, scale: int = 200) -> int:
    """The length of a bar for the rate, in SVG units out of ``scale``."""
    value = tally.rate if tally is not None else None
    return 0 if value is None else round(value * int(scale))


@register.filter
def on_time_rate(tally) -> str:
    """Done on time ÷ done."""
    if tally is None or not tally.done:
        return "—"
    return f"{round(tally.done_on_time * 100 / tally.done)}%"


@register.filter
def original_on_time_rate(tally) -> str:
    """Done by the original deadline (before any extension) ÷ done."""
    value = tally.original_on_time_rate if tally is not None else None
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def badge(state) -> str:
    """A CSS class for a status bucket."""
    bucket = getattr(state, "bucket", state)
    return _BADGES.get(bucket, "none")


@register.filter
def bucket_label(bucket: str) -> str:
    return _(rules.BUCKET_LABELS.get(bucket, bucket))


@register.filter
def days_late(state, as_of: dt.date) -> int:
    return (as_of - state.due).days


@register.filter
def days_left(state, as_of: dt.date) -> int:
    return (state.due - as_of).days


@register.filter
def quarter_label(key: str) -> str:
    """ "2021-Q2" -> "Quý II/2021"."""
    year, _sep, quarter = key.partition("-Q")
    roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(quarter, quarter)
    return _("Quý %(q)s/%(y)s") % {"q": roman, "y": year}


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def nfc(value) -> str:
    """Text in NFC (Django's own language names are not)."""
    import unicodedata

    return unicodedata.normalize("NFC", str(value))


@register.simple_tag(name="link")
def link_tag(name: str) -> str:
    """``{% url name %}`` for a page without arguments, reversed once per process."""
    return link(name)

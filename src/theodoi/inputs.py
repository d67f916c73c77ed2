"""What comes in from outside, read one way by every face (the pages, the API, the commands):
text that both databases store alike, in NFC, and days within the years a program concerns.

PostgreSQL refuses text holding NUL (U+0000), and no UTF-8 database holds a lone surrogate
(U+D800-U+DFFF, which only a JSON ``"\\ud800"`` escape or a broken command-line argument can
carry): SQLite stores the first and fails on the second. Refused at the door (by
``theodoi.web.middleware.InputMiddleware`` for every request, by ``theodoi.cli`` for every
argument), the same text is stored on both, and a backup moves from one to the other.

A day outside ``FIRST_YEAR``-``LAST_YEAR`` is a typing mistake ("31/12/9999"), and status
arithmetic a day past 9999-12-31 has no answer: such a day is refused with a message rather
than carried down to a page that fails.

Imports nothing of theodoi, so every layer may use it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

__all__ = [
    "DAY_FORMATS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "InputError",
    "check_day",
    "clean_text",
    "nfc",
    "read_day",
    "unstorable",
]

FIRST_YEAR, LAST_YEAR = 1900, 2200
# A date field sends yyyy-mm-dd; a person types dd/mm/yyyy (or dd-mm-yyyy).
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InputError(ValueError):
    """Input refused; the message says, in Vietnamese, what is wrong and what to do."""


def unstorable(text: str) -> str | None:
    """How a person would name the first character of ``text`` that a database cannot
    store ("NUL (U+0000)"), or None when there is none."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = _("ký tự NUL") if code == 0 else _("nửa ký tự mã hóa hỏng")
    return f"{kind} (U+{code:04X})"


def clean_text(text: str, *, where: str = "") -> str:
    """``text`` in NFC; ``InputError`` when it holds a character no database here stores.
    ``where`` names the field or part for the message."""
    problem = unstorable(text)
    if problem is not None:
        where = _UNSTORABLE.sub("\ufffd", where)[:80]  # the name itself may be what is wrong
        place = _(" ở “%(where)s”") % {"where": where} if where else ""
        raise InputError(
            _(
                "Nội dung gửi lên có %(problem)s%(place)s, thường do sao chép từ một tệp hỏng "
                "hay một chương trình khác. Chưa có gì được lưu: xóa ký tự đó rồi gửi lại."
            )
            % {"problem": problem, "place": place}
        )
    return nfc(text)


def nfc(text: str) -> str:
    """``text`` in NFC (unchanged, and quickly, when it already is)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def check_day(day: dt.date) -> dt.date:
    """``day`` itself when its year lies within ``FIRST_YEAR``-``LAST_YEAR``; otherwise
    ``InputError``."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(
            _("Ngày %(day)s nằm ngoài khoảng năm %(first)s–%(last)s; kiểm tra lại năm.")
            % {"day": f"{day:%d/%m}/{day.year:04d}", "first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return day


def read_day(text: str | None) -> dt.date | None:
    """The day typed (dd/mm/yyyy) or sent by a date field (yyyy-mm-dd); None for nothing
    typed; ``InputError`` for text that is no day ("31/02/2021", "abc") or a day outside the
    years allowed ("31/12/9999")."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in DAY_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return check_day(day)
    shown = text if len(text) <= 40 else text[:40] + "…"
    raise InputError(_("“%(value)s” không phải là ngày (dd/mm/yyyy).") % {"value": shown})

"""Vietnamese text helpers shared by the parser: normal form, folding for comparison."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Marks that carry no meaning in a document's text: zero-width characters, soft hyphens, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff"), None)


def nfc(text: str) -> str:
    """NFC with invisible characters removed and runs of white space made one space."""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """A key for comparing names: no diacritics, đ as d, lower case, single spaces.

    Folding makes "Tỉnh uỷ" (old tone placement) and "Tỉnh ủy" one name, and "Ban Cán sự đảng"
    and "Ban cán sự đảng" too. Vietnamese body names do not collide once folded.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def is_lower_start(text: str) -> bool:
    """True when the first letter of ``text`` is lower case (a continued sentence)."""
    for ch in text:
        if ch.isalpha():
            return ch.islower()
    return False

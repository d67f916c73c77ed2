"""Vietnamese text helpers shared by the parser: normal form, folding for comparison."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Marks that carry no meaning in a document's text: zero-width characters, soft hyphens, BOM,
# control characters other than white space, lone surrogates (the readers' INVISIBLE).
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\u00ad\ufeff\ud800-\udfff]")


def nfc(text: str) -> str:
    """NFC with invisible characters removed and runs of white space made one space."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


def _fold_char(char: str) -> str:
    """One character without diacritics, đ as d, lower case."""
    if char in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table folding each character to exactly one character, so a match
    in the folded copy is a span of the original. A character whose fold is not one
    character ("ß" casefolds to "ss") keeps its lower case; white space stays as it is.
    Entries are computed on first use."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = char if char.isspace() else _fold_char(char)
        if len(folded) != 1:
            lower = char.lower()
            folded = lower if len(lower) == 1 else char
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold_keep_offsets(text: str) -> str:
    """``text`` without diacritics and in lower case, character for character: the result
    has the same length, so offsets found in it are offsets in ``text``."""
    return text.translate(_FOLD_TABLE)


def fold(text: str) -> str:
    """A key for comparing names: no diacritics, đ as d, lower case, single spaces.

    Folding makes "Tỉnh uỷ" (old tone placement) and "Tỉnh ủy" one name, and "Ban Cán sự đảng"
    and "Ban cán sự đảng" too. Vietnamese body names do not collide once folded. Text typed
    decomposed (NFD, as some Vietnamese keyboards send it) is composed first, so its marks
    fold away with their letters instead of staying behind as marks of their own.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text.translate(_FOLD_TABLE)).strip()


def is_lower_start(text: str) -> bool:
    """True when the first letter of ``text`` is lower case (a continued sentence)."""
    for ch in text:
        if ch.isalpha():
            return ch.islower()
    return False

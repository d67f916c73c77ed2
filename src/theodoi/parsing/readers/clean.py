"""Cleaning shared by every reader: one paragraph's text in, clean text and its bullet out.

Also the paragraph-boundary tests the readers share (does a line start a paragraph, does a
paragraph end a sentence) and the rejoining of a paragraph a line or page break cut in two.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from operator import methodcaller

from theodoi.parsing.blocks import Block, Paragraph, Table
from theodoi.parsing.text import is_lower_start

# Zero-width characters, soft hyphen, BOM: removed before anything else looks at the text.
# So are control characters other than white space (a PDF text layer with a broken font map
# yields NUL, which PostgreSQL does not store) and lone surrogates (never text).
# (text.nfc removes the same ones; a regex is much faster than str.translate on long texts.)
INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\u00ad\ufeff\ud800-\udfff]")

# List markers a person or a converter puts before an item. "-", "+", "*" and the en dash
# need a space after them (as in Markdown); the bullet symbols do not.
_BULLETS = "•●○◦▪■□►▸➢➤❖✓✔·\uf0b7\uf0a7\uf0d8\uf0fc"
_MARKER = re.compile(rf"([-+*–—−])\s+|([{_BULLETS}])\s*|([-+–])(?=\w)")
_MARKER_FIRST = frozenset("-+*–—−" + _BULLETS)
_COMBINING = re.compile("[\u0300-\u036f]")
_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[\u0300-\u036f])")

_STRONG_STAR = re.compile(r"\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*")
_STRONG_UNDER = re.compile(r"(?<!\w)__(?=[^\s_])(.+?)(?<=[^\s_])__(?!\w)")
_EM_STAR = re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*")
_EM_UNDER = re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)")
_STARS = re.compile(r"\*+")
_UNDERS = re.compile(r"_+")
_GROUP1 = methodcaller("group", 1)  # a C-level replacement: much faster than r"\1" on 3.11

# Markdown only: backslash escapes, links, inline HTML line breaks.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PROTECTED = re.compile(r"[\U000f0021-\U000f007e]")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)

# Numbering that opens a section or an item: "1.", "1.1.", "1.1", "1)", "I.", "A.", "a)",
# "(1)", "Điều 3.", "Phần II", followed by text. Numbers have at most two digits, so "2020." is
# not numbering; nor is "XX." ending a line ("... Nghị quyết XX.").
NUMBERING = re.compile(
    r"(?:\d{1,2}(?:\.\d{1,2})*[.)]|\d{1,2}(?:\.\d{1,2})+|[IVXLC]{1,7}[.)]|[A-ZĐ][.)]|[a-zđ][.)]"
    r"|\((?:\d{1,2}|[a-zđ]|[IVXLC]{1,7})\))(?=\s+\S)"
    r"|(?:Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC|Điều|ĐIỀU|Phụ lục|PHỤ LỤC)\s+[\dIVXLC]+\b"
)
# A role line of an action program: "Cơ quan chủ trì: ...", "Thời gian hoàn thành: ...".
ROLE_LABEL = re.compile(
    r"[*_]*(?:Cơ quan|Đơn vị|Thời gian|Thời hạn|Chủ trì|Phối hợp|Sản phẩm|Kết quả|Kinh phí"
    r"|Tiến độ|Nơi nhận)[^:\n]{0,60}?[*_]*:"
)
# A sentence (or a label) is over: . : ; ! ? … possibly followed by closing quotes/brackets.
_TERMINAL = re.compile(r"[.:;!?…][\"'”’»)\]]*$")
# A list item at the start of a raw line ("- x", "+ x", "• x"), before cleaning.
_LINE_MARKER = re.compile(rf"[*_]*(?:[-+*–—−]\s|[{_BULLETS}])")


def tidy(text: str) -> str:
    """What text.nfc does (NFC, invisible characters removed, white space collapsed), faster,
    and with no stray space before a combining accent (PDF text layers sometimes put one)."""
    if INVISIBLE.search(text):
        text = INVISIBLE.sub("", text)
    if not text.isascii():
        if _COMBINING.search(text):
            text = _SPACE_BEFORE_MARK.sub("", text)
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def _strip_markers(text: str, bullet: str | None) -> tuple[str, str | None]:
    while text[:1] in _MARKER_FIRST:
        match = _MARKER.match(text)
        if not match or (match.group(3) and not text[1].isupper()):
            return text, bullet
        bullet = match.group(1) or match.group(2) or match.group(3)
        text = text[match.end() :]
    return text, bullet


def _stray_star(match: re.Match[str]) -> str:
    """A "*" run left after the pairs went: exported documents put the space inside the marks
    ("*a) *Tổ chức", "** II**", "năm 2030 **"), so such a run is a mark, not text. Kept: a
    footnote mark "(*)" and a lone "*" between two words."""
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before == "(" and after == ")":  # a footnote mark "(*)", "(**)"
        return match.group()
    if end - start == 1 and before.isspace() and after.isspace():  # "a * b"
        return match.group()
    return ""


def _stray_underscore(match: re.Match[str]) -> str:
    """An "_" run at a word's edge with a space (or the text's end) on the other side, as in
    "_b) _Tổ chức": a mark. Kept: "_" inside a word (snake_case) and a blank to fill in
    ("____")."""
    text, start, end = match.string, match.start(), match.end()
    if end - start >= 3:
        return match.group()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() != after.isspace():
        return ""
    return match.group()


def remove_emphasis(text: str) -> str:
    """Markdown emphasis marks removed: **x**, __x__, *x*, _x_ (not inside words), and the
    marks left over that cling to a word or have the space on their inner side."""
    if "*" in text:
        if "**" in text:
            text = _STRONG_STAR.sub(_GROUP1, text)
        text = _EM_STAR.sub(_GROUP1, text)
        if "*" in text:
            text = _STARS.sub(_stray_star, text)
    if "_" in text:
        if "__" in text:
            text = _STRONG_UNDER.sub(_GROUP1, text)
        text = _EM_UNDER.sub(_GROUP1, text)
        if "_" in text:
            text = _UNDERS.sub(_stray_underscore, text)
    return text


def _protect(match: re.Match[str]) -> str:
    return chr(0xF0000 + ord(match.group(1)))


def _unprotect(match: re.Match[str]) -> str:
    return chr(ord(match.group()) - 0xF0000)


def clean(
    text: str, *, markdown: bool = False, bullet: str | None = None, normal: bool = False
) -> tuple[str, str | None]:
    """One paragraph's clean text and its innermost list marker.

    ``bullet`` is a marker the format already gave (a Word bullet list); a marker typed in the
    text is further in, so it wins. With ``markdown``, backslash escapes are honoured (an
    escaped "*" or "-" stays as written) and links keep their text. ``normal`` says the text is
    already NFC without invisible characters (the Markdown reader normalises the whole file).
    """
    protected = False
    if markdown:
        if "\\" in text:
            protected = True
            text = _ESCAPE.sub(_protect, text)
        if "](" in text:
            text = _LINK.sub(_GROUP1, text)
            normal = False
        if "<" in text:
            text = _BR.sub(" ", text)
            normal = False
    text = " ".join(text.split()) if normal else tidy(text)
    text, bullet = _strip_markers(text, bullet)
    if "*" in text or "_" in text:
        stripped = remove_emphasis(text)
        if stripped != text:
            if "  " in stripped or stripped[:1] == " " or stripped[-1:] == " ":
                stripped = " ".join(stripped.split())
            if not stripped.isascii():  # a mark removed between a letter and its accent
                stripped = unicodedata.normalize("NFC", stripped)
            text = stripped
            if text[:1] in _MARKER_FIRST:
                text, bullet = _strip_markers(text, bullet)
    if protected:
        text = _PROTECTED.sub(_unprotect, text)
    return text, bullet


def clean_cell(text: str, *, markdown: bool = False) -> str:
    """A table cell's text: cleaned like a paragraph, its list marker dropped."""
    return clean(text, markdown=markdown)[0]


def join_cell_lines(parts: list[str]) -> str:
    """The lines (paragraphs) of one table cell as one text, one line each.

    The line breaks are kept: in a header or closing table they separate the issuer from the
    number and the recipients from each other, and in a task table two bodies written on two
    lines ("Sở Tài chính" / "Sở Nội vụ") stay two names.
    """
    return "\n".join(part for part in parts if part)


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with . : ; ! ? or … (a closing quote or bracket may follow)."""
    return _TERMINAL.search(text, max(0, len(text) - 12)) is not None


def is_all_caps(text: str) -> bool:
    """True for a heading-like text: it has letters and none of them is lower case."""
    has_letter = False
    for ch in text:
        if ch.isalpha():
            if ch.islower():
                return False
            has_letter = True
    return has_letter


def starts_paragraph(line: str) -> bool:
    """True when a raw line can only be the start of a paragraph: a list marker, numbering
    or a role label ("Cơ quan chủ trì:") opens it."""
    if _LINE_MARKER.match(line) or NUMBERING.match(line) or ROLE_LABEL.match(line):
        return True
    return len(line) > 1 and line[0] in "-+–" and line[1].isupper()


def continues_range(prev: str, line: str) -> bool:
    """A line like "– 2025 ..." after one ending "2021": a range cut by the wrap, not a list
    item."""
    return line[:1] in "-–—" and line[1:2] == " " and line[2:3].isdigit() and prev[-1:].isdigit()


def first_word(text: str) -> str:
    return text.split(maxsplit=1)[0] if text else ""


def is_numbered(text: str) -> bool:
    return NUMBERING.match(text) is not None


@dataclass
class Piece:
    """A paragraph on its way out of a reader. ``solid`` pieces (headings) never merge with
    the paragraph after them; ``fixed`` ones never merge with the one before."""

    text: str
    line: int
    bullet: str | None = None
    solid: bool = False
    fixed: bool = False


def continues(prev: Piece, nxt: Piece) -> bool:
    """Whether ``nxt`` is the rest of ``prev``, cut by a blank line or a page break: the first
    did not end its sentence, and the second goes on in lower case without a list marker or
    numbering of its own."""
    return _continues(prev.solid, ends_sentence(prev.text), is_all_caps(prev.text), nxt)


def _continues(solid: bool, ended: bool, caps: bool, nxt: Piece) -> bool:
    return (
        not solid
        and not nxt.fixed
        and nxt.bullet is None
        and is_lower_start(nxt.text)
        and not ended
        and not caps
        and not is_numbered(nxt.text)
    )


class _Open:
    """The paragraph being assembled: its pieces' texts, joined once at the end (joining at
    every piece made a paragraph of n pieces cost n² - minutes for a hostile file), and what
    ``continues`` asks of its text, kept as pieces come: whether its last piece ended a
    sentence (the end of the joined text is the end of the last piece) and whether it has
    letters, none lower case."""

    def __init__(self, piece: Piece, paragraph: Paragraph) -> None:
        self.paragraph = paragraph
        self.parts = [piece.text]
        self.solid = piece.solid
        self.ended = ends_sentence(piece.text)
        self.letters = any(ch.isalpha() for ch in piece.text)
        self.lower = not is_all_caps(piece.text) and self.letters

    def continued_by(self, piece: Piece) -> bool:
        return _continues(self.solid, self.ended, self.letters and not self.lower, piece)

    def add(self, piece: Piece) -> None:
        self.parts.append(piece.text)
        self.solid = piece.solid
        self.ended = ends_sentence(piece.text)
        letters = any(ch.isalpha() for ch in piece.text)
        self.lower = self.lower or (letters and not is_all_caps(piece.text))
        self.letters = self.letters or letters

    def close(self) -> None:
        if len(self.parts) > 1:
            self.paragraph.text = " ".join(self.parts)


def assemble(items: list[Piece | Table]) -> list[Block]:
    """Paragraph blocks from pieces: empty ones dropped, cut ones rejoined (never across a
    table)."""
    blocks: list[Block] = []
    current: _Open | None = None
    for item in items:
        if isinstance(item, Table):
            if current is not None:
                current.close()
                current = None
            blocks.append(item)
        elif not item.text:
            continue
        elif current is not None and current.continued_by(item):
            current.add(item)
        else:
            if current is not None:
                current.close()
            paragraph = Paragraph(text=item.text, line=item.line, bullet=item.bullet)
            current = _Open(item, paragraph)
            blocks.append(paragraph)
    if current is not None:
        current.close()
    return blocks


def has_content(blocks: list[Block]) -> bool:
    """Whether there is any text at all: a paragraph, or a table with a non-empty cell."""
    for block in blocks:
        if isinstance(block, Paragraph):
            return True
        if any(cell for row in block.rows for cell in row):
            return True
    return False

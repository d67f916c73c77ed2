"""What every reader produces: the document as a flat sequence of paragraphs and tables.

Readers know file formats; the structure parser knows action programs. This module is the
line between them, so a new format needs a reader and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ParseError(Exception):
    """The input cannot be read as a program document. The message names the problem for a
    person; the caller adds the file name."""


@dataclass
class Paragraph:
    """One paragraph of text.

    ``text`` is NFC, with emphasis marks and list markers removed and soft line breaks joined.
    ``bullet`` is the innermost list marker that was removed ("-", "+", "*", "•"...), or None.
    Numbering ("1.", "1.1.", "a)", "I.") stays in ``text``: the structure parser reads it.
    ``line`` is the 1-based line (text formats) or paragraph position (docx, pdf) where the
    paragraph starts, for warnings a person can find.
    """

    text: str
    line: int
    bullet: str | None = None


@dataclass
class Table:
    """A table: rows of cell texts (NFC, cleaned like paragraphs; a cell of several
    paragraphs keeps them on separate lines, joined with "\n"). Merged cells repeat or are
    empty, as the format gives them. ``line`` is where the table starts."""

    rows: list[list[str]] = field(default_factory=list)
    line: int = 0


Block = Paragraph | Table

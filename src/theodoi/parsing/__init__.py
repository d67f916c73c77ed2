"""Read an action program document into a ProgramDraft. Pure Python: imports nothing from Django.

>>> from theodoi.parsing import parse_file
>>> draft = parse_file("chuong-trinh.docx")
>>> draft.to_dict()  # the JSON contract of `theodoi parse`
"""

from __future__ import annotations

from pathlib import Path

from .blocks import ParseError
from .document import parse_blocks
from .model import ProgramDraft
from .readers import Limits, read_file, read_text
from .registry import Registry, example_registry, load_registry

EXAMPLE_PROGRAM = "quang-ngai-chuong-trinh-hanh-dong-xx.md"


def parse_file(
    path: str | Path, *, registry: Registry | None = None, limits: Limits | None = None
) -> ProgramDraft:
    """Parse a .md/.txt/.docx/.pdf file, read within ``limits`` (readers.limits; the defaults
    when None). Raises ParseError when it cannot be read."""
    return parse_blocks(read_file(path, limits=limits), registry)


def parse_text(text: str, *, registry: Registry | None = None) -> ProgramDraft:
    """Parse Markdown or plain text already in memory."""
    return parse_blocks(read_text(text), registry)


def example_path() -> Path:
    """The bundled example program (the Quảng Ngãi 20th Congress action program)."""
    return Path(__file__).resolve().parent.parent / "data" / "examples" / EXAMPLE_PROGRAM


__all__ = [
    "Limits",
    "ParseError",
    "ProgramDraft",
    "Registry",
    "example_path",
    "example_registry",
    "load_registry",
    "parse_file",
    "parse_text",
]

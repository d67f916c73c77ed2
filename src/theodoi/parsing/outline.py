"""The numbering tree of a program: parts A/B/C, Roman sections, numbered areas and sub-areas,
lettered items, appendices. Everything between two headings belongs to the first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from .blocks import Block, Paragraph
from .roles import read_label
from .text import fold, fold_keep_offsets

Context = Literal["intro", "tasks", "provisions"]

_PART = re.compile(r"^(?P<n>[A-H])[.)]\s+(?P<title>\S.*)$")
_ROMAN = re.compile(r"^(?P<n>(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3}))[.)]\s+(?P<title>\S.*)$")
_ARABIC = re.compile(
    r"^(?P<n>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?P<t1>\S.*)$|^(?P<m>\d{1,2})[.)]\s+(?P<t2>\S.*)$"
)
_LETTER = re.compile(r"^(?P<n>[a-zđ])\)\s+(?P<title>\S.*)$")
_PAREN = re.compile(r"^\((?P<n>\d{1,2})\)\s+(?P<title>\S.*)$")  # "(1) Bộ Công an:"
_APPENDIX = re.compile(
    r"^(?:phu luc)(?:\s+(?:so\s+)?(?P<n>[ivx]+|\d{1,2}))?\b\s*[:.\-–]?\s*(?P<title>.*)$"
)

# Titles that say what a part holds. Matched on folded text.
_INTRO_WORDS = (
    "muc dich",
    "yeu cau",
    "quan diem",
    "muc tieu",
    "tinh hinh",
    "ket qua dat duoc",
    "can cu",
    "pham vi",
    "danh gia ket qua",
    "danh gia tinh hinh",
    "doi tuong",
    "lo trinh",
    "phuong phap",
    "thoi gian va pham vi",
    "thoi gian, pham vi",
    "kinh phi",
    "nguon von",
    "nguon kinh phi",
    "che do bao cao",
    "chi tieu",
    "boi canh",
    "su can thiet",
)
_PROVISION_WORDS = (
    "to chuc thuc hien",
    "trach nhiem thuc hien",
    "phan cong thuc hien",
    "to chuc theo doi",
    "theo doi, kiem tra",
    "kiem tra, giam sat",
)

RANK_PART = 0
RANK_ROMAN = 1
RANK_LETTER = 10
RANK_PAREN = 11


@dataclass
class Node:
    """A numbered heading or item and what follows it up to the next heading."""

    number: str  # the document's own label: "B", "III", "1.1", "a", "PL"
    title: str
    rank: int
    line: int
    kind: str  # "part" | "roman" | "arabic" | "letter" | "appendix" | "root"
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    items: list[Block] = field(default_factory=list)
    context: Context = "tasks"

    @cached_property
    def path(self) -> str:
        """The section number: the document's numbering joined with dots from the top."""
        if self.kind == "root":
            return ""
        anchor = self.parent
        # "1.1" already holds its area's number: anchor it on the nearest non-arabic heading.
        if self.kind == "arabic":
            while anchor is not None and anchor.kind == "arabic":
                anchor = anchor.parent
        prefix = anchor.path if anchor is not None else ""
        return f"{prefix}.{self.number}" if prefix else self.number


def heading(paragraph: Paragraph) -> tuple[str, str, int, str] | None:
    """(number, title, rank, kind) when the paragraph is a numbered heading or item."""
    if paragraph.bullet is not None or read_label(paragraph.text):
        return None
    text = paragraph.text
    match = _ROMAN.match(text)
    if match:
        return match["n"], match["title"], RANK_ROMAN, "roman"
    match = _PART.match(text)
    if match:
        return match["n"], match["title"], RANK_PART, "part"
    match = _ARABIC.match(text)
    if match:
        number = match["n"] or match["m"]
        title = match["t1"] or match["t2"]
        return number, title, RANK_ROMAN + number.count(".") + 1, "arabic"
    match = _LETTER.match(text)
    if match:
        return match["n"], match["title"], RANK_LETTER, "letter"
    match = _PAREN.match(text)
    if match:
        return f"({match['n']})", match["title"], RANK_PAREN, "paren"
    match = _APPENDIX.match(fold_keep_offsets(text[:40]))
    if match:
        number = "PL" + (match["n"].upper() if match["n"] else "")
        return number, text[match.start("title") :].strip(), RANK_PART, "appendix"
    return None


def context_of(title: str, inherited: Context) -> Context:
    """What a heading's part holds, from the words its title starts with: purpose and
    requirements (no tasks), implementation provisions, or tasks (inherited otherwise)."""
    folded = fold(title[:40]).lstrip("*_ ")
    if folded.startswith(_PROVISION_WORDS):
        return "provisions"
    if folded.startswith(_INTRO_WORDS):
        return "intro"
    return inherited


def build_outline(blocks: list[Block]) -> Node:
    """The tree of headings over ``blocks``; the root holds what comes before the first."""
    root = Node("", "", -1, 0, "root")
    stack = [root]
    for block in blocks:
        found = heading(block) if isinstance(block, Paragraph) else None
        if found is None:
            stack[-1].items.append(block)
            continue
        number, title, rank, kind = found
        # A lettered item under a part-less document, or a heading that skips levels, nests
        # under whatever is open above it.
        while len(stack) > 1 and stack[-1].rank >= rank:
            stack.pop()
        parent = stack[-1]
        node = Node(number, title, rank, block.line, kind, parent)
        node.context = context_of(title, parent.context if parent.kind != "root" else "tasks")
        parent.children.append(node)
        stack.append(node)
    return root

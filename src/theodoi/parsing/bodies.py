"""Headings that name who does the work under them: "1. Sở Y tế", "a) Tổ đảng ở Thường trực
Ủy ban KH,CN&MT", "(1) Bộ Công an:", "3. Đề nghị Ủy ban MTTQ Việt Nam tỉnh",
"1.5. Trách nhiệm của đối tượng thực hiện kiểm kê:", "12. Đề nghị Công ty Điện lực: Khẩn
trương kiểm tra ...".

Plans organised by body write a body's name as a numbered or lettered heading and list its
duties under it; the heading's body leads every duty. A heading is read as a body when its
words are the name of a body (the registry or the national lexicon knows it) or begin with the
word that heads an institution's name (Sở, Ban, Ủy ban, Công an, Bộ Chỉ huy, Viện, Các sở...),
or when it opens with a form that introduces a body ("Đề nghị", "Trách nhiệm của", "Đối với").
Content headings begin with a verb ("Tổ chức tuyên truyền", "Ban hành quy chế"), so words that
are also verbs count as a head only before a capitalised name ("Ban Tuyên giáo", not "Ban
hành").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .heads import starts_with_head
from .model import Assignment
from .registry import Found, Registry
from .roles import _DUTY_VERBS, assignments_from
from .text import fold

# Forms that introduce the bodies a heading gives work to; what follows is a body whatever
# its words. Folded.
_INTRODUCERS = re.compile(
    r"^(?:de nghi|trach nhiem(?: cua| doi voi)|nhiem vu(?: cua| doi voi)|doi voi|giao(?: cho)?)\s+"
)
_SENTENCE_END = (".", ";", "!", "?")
MAX_BODY_WORDS = 40


@dataclass
class HeadingBodies:
    """The bodies a heading names and, for "X: <duty>", the duty written after the colon."""

    assignments: list[Assignment]
    inline: str | None = None


def heading_bodies(title: str, registry: Registry) -> HeadingBodies | None:
    """The bodies a heading names, or None when the heading is not a body's name."""
    text = title.strip().strip("*_ ")
    inline = None
    lead_in = text.endswith(":")
    colon = _colon_outside_brackets(text)
    if colon >= 0:
        head, rest = text[:colon], text[colon + 1 :].strip()
        if _names_list(rest):
            text = text.rstrip(" :")  # "Ủy ban nhân dân các xã: Gia Thuận, Tân Điền"
        else:
            if rest and len(rest.split()) >= 3:
                inline = rest  # the duty keeps its own brackets
            text = head.strip()
    text = _without_notes(text)
    if not text or text.endswith(_SENTENCE_END):
        return None
    named = _without_notes(text)
    folded = fold(named)
    introducer = _INTRODUCERS.match(folded)
    if introducer:
        named = named[introducer.end() :].strip()
        if not named:
            return None
    elif not starts_with_head(named) and not _known_at_start(named, registry):
        return None
    if len(named.split()) > MAX_BODY_WORDS:
        return None
    if not introducer and _is_sentence(named, lead_in, registry):
        return None  # "Sở X chủ trì, phối hợp với Y thực hiện:": a sentence, not a name
    if _describes(named):
        found = [Found(None, named, lead=True)]
    else:
        found, _ = registry.scan(named)
        found = _rejoined(found, named)
    assignments = assignments_from(found, ("leads",)) if found else []
    assignments = [a for a in assignments if fold(a.written) not in _NOT_BODIES]
    if not assignments:
        assignments = [Assignment(org=named, roles=["leads"], written=named)]
    for item in assignments:
        if "leads" not in item.roles:
            item.roles.insert(0, "leads")
        if "coordinates" in item.roles:
            item.roles.remove("coordinates")
    return HeadingBodies(assignments, inline)


# Words a scan may return that name no body.
_NOT_BODIES = frozenset({"", "va", "cac", "theo chuc nang", "nhiem vu"})
# A heading that assigns ("X chủ trì, phối hợp với Y ...") reads as a sentence, not a name.
_ASSIGNING = re.compile(r"\b(?:phoi hop|chu tri|chiu trach nhiem|co trach nhiem|can cu)\b")


def _is_sentence(named: str, lead_in: bool, registry: Registry) -> bool:
    """A heading that assigns ("X chủ trì, phối hợp với Y ...", "X phối hợp với Y ...") or a
    lead-in whose subject is followed by its verb ("UBND các xã chủ động bố trí ...:"). A
    verb spelt in lower case after the name is the sign: "Bộ Xây dựng" is a name."""
    folded = fold(named)
    if _ASSIGNING.search(folded) and not _describes(named):
        return True
    if not lead_in:
        return False
    _, stop = registry.scan(named, until=_DUTY_VERBS)
    return stop < len(named) and named[stop : stop + 1].islower()


def _describes(named: str) -> bool:
    """ "Các Sở, ngành chủ trì, quản lý, tham gia thực hiện các dự án ...": verbs listed after
    the name describe which bodies are meant (a relative clause), so the whole is the name."""
    return bool(_DESCRIBING.search(fold(named)))


_DESCRIBING = re.compile(r"\bchu tri\s*,\s*(?!phoi hop)\w+")


def _rejoined(found: list[Found], named: str) -> list[Found]:
    """A piece that heads no body's name and follows the one before it with no separator
    ("các doanh nghiệp" + "viễn thông") is the rest of that name."""
    out: list[Found] = []
    for item in found:
        if out and item.entry is None and not starts_with_head(item.written):
            joined = f"{out[-1].written} {item.written}"
            if joined in named:
                out[-1] = Found(None, joined, lead=out[-1].lead, coordinate=out[-1].coordinate)
                continue
        out.append(item)
    return out


def _colon_outside_brackets(text: str) -> int:
    """Where the first ":" outside brackets is ("Các Sở (gồm các Sở: ...):" -> the last), or -1."""
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ":" and not depth:
            return index
    return -1


def _names_list(text: str) -> bool:
    """ "Gia Thuận, Tân Điền, Gò Công Đông": place names listed after a colon, part of the
    body's name (each piece a short capitalised name)."""
    pieces = [p.strip() for p in re.split(r",|\bvà\b", text.rstrip(". ")) if p.strip()]
    return len(pieces) >= 2 and all(
        len(p.split()) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in p.split())
        for p in pieces
    )


def _without_notes(text: str) -> str:
    """The name without what a heading adds in brackets: "Sở Nội vụ (Cơ quan thường trực ...)"."""
    out = re.sub(r"\s*\([^()]*\)", "", text).strip()
    return out.rstrip(" ,;-–") or text


def _known_at_start(text: str, registry: Registry) -> bool:
    found, stop = registry.scan(text, prefix_only=True)
    return bool(found) and found[0].entry is not None and stop >= len(text.rstrip(" .:"))

"""The national name lexicon and the rules of administrative naming that go with it.

Plans name bodies the registry of their issuer does not hold: ministries, the National
Assembly's committees, another province's departments, collectives ("các sở, ban, ngành").
The lexicon (``data/orgs/national.toml``, documented in docs/lexicon.md) gives those names so
the scanner finds them whole; the abbreviations it lists ("UBND", "KH&CN", "VH,TT&DL") are
expanded wherever names are compared.

A name is often followed by the level or place of the body, which no list could enumerate:
"Sở Y tế tỉnh Lai Châu", "Công an thành phố", "UBND các xã, phường, đặc khu", "Ủy ban nhân dân
các xã: Gia Thuận, Tân Điền", "các sở, ngành, địa phương có liên quan". ``read_tail`` reads
that tail by rule, so a lexicon entry is a head ("Sở Y tế") and the tail comes from the text.

Pure Python: the registry module builds its lookup structures from what this module loads.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .text import fold_keep_offsets, nfc

LEXICON_FILE = "national.toml"

# Words that name an administrative level; after a name they say whose body it is ("Sở Y tế
# tỉnh", "UBND các xã, phường"). Folded word sequences.
LEVELS: tuple[tuple[str, ...], ...] = (
    ("thanh", "pho"),
    ("thi", "xa"),
    ("thi", "tran"),
    ("dac", "khu"),
    ("khu", "vuc"),
    ("tinh",),
    ("huyen",),
    ("quan",),
    ("xa",),
    ("phuong",),
)
# Level words that end a name by themselves: "cấp tỉnh", "các cấp", "Trung ương".
SCOPES: tuple[tuple[str, ...], ...] = (
    ("cap", "trung", "uong"),
    ("cap", "co", "so"),
    ("cap", "tinh"),
    ("cap", "huyen"),
    ("cap", "xa"),
    ("cac", "cap"),
    ("trung", "uong"),
)
# Words after a name that narrow it without making another body: "có liên quan", "trực thuộc
# trung ương", "trên địa bàn tỉnh".
QUALIFIERS: tuple[tuple[str, ...], ...] = (
    ("khac", "co", "lien", "quan"),
    ("khac", "lien", "quan"),
    ("co", "lien", "quan"),
    ("lien", "quan"),
    ("truc", "thuoc", "trung", "uong"),
    ("truc", "thuoc", "tinh"),
    (
        "truc",
        "thuoc",
    ),
    ("tren", "dia", "ban"),
    ("khac",),
)
# Nouns of a kind of body: a piece made of one of them ("ban", "ngành", "phường", "đơn vị")
# is part of an enumeration ("Các sở, ban, ngành", "UBND các xã, phường"), never a body.
KINDS: tuple[tuple[str, ...], ...] = (
    ("to", "chuc", "chinh", "tri", "-", "xa", "hoi"),
    ("to", "chuc", "chinh", "tri", "xa", "hoi"),
    ("co", "quan", "ngang", "bo"),
    ("hop", "tac", "xa"),
    ("doanh", "nghiep"),
    ("dia", "phuong"),
    ("don", "vi"),
    ("doan", "the"),
    ("co", "quan"),
    ("to", "chuc"),
    ("ca", "nhan"),
    ("co", "so"),
    ("luc", "luong"),
    ("phat", "thanh"),
    ("truyen", "hinh"),
    ("so",),
    ("ban",),
    ("nganh",),
    ("bo",),
    ("hoi",),
    ("vien",),
    ("truong",),
    *LEVELS,
)
# First words of a name that end a place name: "tỉnh Lai Châu Sở Y tế" is two names.
# Kept short: place names hold such words too ("Hải Phòng", "Hội An", "Bảo Lộc").
_PLACE_STOPS = frozenset(
    {"so", "ban", "uy", "doan", "vien", "truong", "cuc", "toa", "dang", "lien", "mat", "khoi",
     "cac", "va", "chu", "phoi"}
)  # fmt: skip
_MAX_PLACE_WORDS = 4
_LIST_SEPARATORS = frozenset({",", "va"})


_TABLES: dict[int, tuple[tuple, dict[str, tuple[tuple[str, ...], ...]]]] = {}


def _table(phrases: Sequence[tuple[str, ...]], last: bool = False) -> dict:
    """``phrases`` indexed by their first (or last) word, in their order: a scan tries only
    the phrases that can match. Built once per phrase list (the lists are constants)."""
    key = id(phrases) * 2 + last
    known = _TABLES.get(key)
    if known is None:
        table: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            table.setdefault(phrase[-1] if last else phrase[0], []).append(phrase)
        known = _TABLES[key] = (tuple(phrases), {k: tuple(v) for k, v in table.items()})
    return known[1]


def ending(words: Sequence[str], end: int, phrases: Sequence[tuple[str, ...]], start: int = 0):
    """The first of ``phrases`` that ``words[start:end]`` end with, or None."""
    if end <= start:
        return None
    for phrase in _table(phrases, last=True).get(words[end - 1], ()):
        n = len(phrase)
        if end - n >= start and tuple(words[end - n : end]) == phrase:
            return phrase
    return None


@dataclass(frozen=True)
class LexiconName:
    """One name of the lexicon: canonical name, aliases, whether it is a collective and
    whether a place may follow it directly ("Báo và Phát thanh, Truyền hình Cần Thơ")."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "other"
    collective: bool = False
    place_after: bool = False


@dataclass(frozen=True)
class LexiconData:
    names: tuple[LexiconName, ...]
    abbreviations: dict[str, tuple[str, ...]]  # folded abbreviation -> folded words
    compounds: dict[str, tuple[str, ...]]  # "kh&cn", "vh,tt&dl", "ct-xh" -> folded words


class LexiconError(ValueError):
    """The shipped lexicon file is malformed (a packaging error, caught by the tests)."""


def _words(text: str) -> tuple[str, ...]:
    """Folded words of an expansion; separators ("," "-" "và") are left out, since names
    are compared without them."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in fold_keep_offsets(text))
    return tuple(w for w in cleaned.split() if w != "va")


@cache
def lexicon_data() -> LexiconData:
    """The shipped lexicon, read once per process."""
    raw = resources.files("theodoi.data.orgs").joinpath(LEXICON_FILE).read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    abbreviations: dict[str, tuple[str, ...]] = {}
    compounds: dict[str, tuple[str, ...]] = {}
    for written, meaning in data.get("abbreviations", {}).items():
        key = fold_keep_offsets(nfc(written))
        target = compounds if any(ch in key for ch in "&,-") else abbreviations
        target[key] = _words(meaning)
    names = []
    for position, item in enumerate(data.get("name", []), start=1):
        name, aliases = item.get("name"), item.get("aliases", [])
        if not isinstance(name, str) or not name.strip() or not isinstance(aliases, list):
            raise LexiconError(f"[[name]] thứ {position}: thiếu 'name' hoặc 'aliases' sai")
        names.append(
            LexiconName(
                name=nfc(name),
                aliases=tuple(nfc(a) for a in aliases),
                kind=str(item.get("kind", "other")),
                collective=bool(item.get("collective", False)),
                place_after=item.get("place") == "after",
            )
        )
    return LexiconData(tuple(names), abbreviations, compounds)


@dataclass
class Words:
    """The tokens of one scanned text: folded words, where each begins and ends in the text,
    and whether it is written with a capital (place names are)."""

    text: str
    words: list[str]
    starts: list[int]
    ends: list[int]

    def capital(self, index: int) -> bool:
        return self.text[self.starts[index]].isupper()

    def at(self, index: int, phrase: Sequence[str]) -> bool:
        return tuple(self.words[index : index + len(phrase)]) == tuple(phrase)

    def first_of(self, index: int, phrases: Sequence[tuple[str, ...]]) -> tuple[str, ...] | None:
        if index >= len(self.words):
            return None
        for phrase in _table(phrases).get(self.words[index], ()):
            if tuple(self.words[index : index + len(phrase)]) == phrase:
                return phrase
        return None

    def colon_before(self, index: int) -> bool:
        """Whether a ":" stands between the word before ``index`` and it."""
        return index > 0 and ":" in self.text[self.ends[index - 1] : self.starts[index]]


@dataclass(frozen=True)
class Tail:
    """What follows a name and belongs to it: its end (a word index), the place named in it
    (folded words, empty when none) and whether it makes the name plural."""

    end: int
    place: tuple[str, ...] = ()
    plural: bool = False


def _place(ctx: Words, index: int, starts_name: Callable[[int], bool]) -> int:
    """End of a place name (capitalised words: "Lai Châu", "Hồ Chí Minh", "II") at index."""
    end = index
    words = ctx.words
    while end < len(words) and end - index < _MAX_PLACE_WORDS:
        word = words[end]
        if not word.isalnum():
            break
        if not (ctx.capital(end) or word.isdigit()):
            break
        if word in _PLACE_STOPS or starts_name(end):
            break
        end += 1
    return end


def _levels(ctx: Words, index: int) -> tuple[int, bool]:
    """End of "tỉnh", "xã, phường", "tỉnh, thành phố" (levels joined by "," or "và"; after
    the first, lower case only) and whether the last one is singular enough to take a place."""
    level = ctx.first_of(index, LEVELS)
    if level is None:
        return index, False
    end = index + len(level)
    while end < len(ctx.words) and ctx.words[end] in _LIST_SEPARATORS:
        following = end + 1
        nxt = ctx.first_of(following, LEVELS) if following < len(ctx.words) else None
        if nxt is None or ctx.capital(following):
            break
        after = following + len(nxt)
        if (
            after < len(ctx.words)
            and ctx.words[after].isalnum()
            and ctx.words[after] != "va"
            and ctx.first_of(after, QUALIFIERS) is None
            and ctx.first_of(after, LEVELS) is None
        ):
            break  # "..., xã hội hóa": not a level
        end = after
    return end, True


def read_tail(
    ctx: Words, index: int, *, place_after: bool, starts_name: Callable[[int], bool]
) -> Tail:
    """The level/place tail of a name ending at ``index``.

    Accepted, in order, each optional: a level with its place ("tỉnh Lai Châu", "thành phố",
    "xã, phường") or a plural of levels ("các tỉnh, thành phố", "các xã: Gia Thuận, Tân
    Điền"), or a scope ("cấp tỉnh", "các cấp"), or (for names that take one) a bare place
    ("Cần Thơ"); then qualifiers ("trực thuộc trung ương", "có liên quan").
    """
    words = ctx.words
    end = index
    place: tuple[str, ...] = ()
    plural = False
    if (
        end < len(words)
        and (words[end] == "cac" or words[end].isdigit())
        and ctx.first_of(end + 1, LEVELS)
    ):
        end, _ = _levels(ctx, end + 1)
        plural = True
        if end < len(words) and ctx.colon_before(end):
            stop = _place(ctx, end, starts_name)
            while stop > end:
                place += tuple(words[end:stop])
                end = stop
                if end + 1 < len(words) and words[end] in _LIST_SEPARATORS:
                    stop = _place(ctx, end + 1, starts_name)
                    if stop > end + 1:
                        end += 1
                        continue
                break
    elif (scope := ctx.first_of(end, SCOPES)) is not None:
        end += len(scope)
    else:
        after, singular = _levels(ctx, end)
        if after > end:
            end = after
            if singular:
                stop = _place(ctx, end, starts_name)
                place, end = tuple(words[end:stop]), stop
            if (scope := ctx.first_of(end, SCOPES)) is not None:
                end += len(scope)
        else:
            stop = _place(ctx, end, starts_name)
            if place_after or (stop > end and _ends_piece(ctx, stop)):
                place, end = tuple(words[end:stop]), stop
    while end < len(words) and (qualifier := ctx.first_of(end, QUALIFIERS)) is not None:
        end += len(qualifier)
    return Tail(end, place, plural)


_MARKERS = (("chu", "tri"), ("phoi", "hop"))


def _ends_piece(ctx: Words, index: int) -> bool:
    """Whether a name may end before ``ctx.words[index]``: at the end, a separator, a bracket
    or a role marker ("chủ trì", "phối hợp")."""
    if index >= len(ctx.words):
        return True
    word = ctx.words[index]
    return not word.isalnum() or word == "va" or ctx.first_of(index, _MARKERS) is not None


# Kind words that begin another word ("xã hội", "ban hành", "hội đồng"): no kind then.
_NOT_KINDS = frozenset(
    {("xa", "hoi"), ("ban", "hanh"), ("ban", "chi"), ("hoi", "dong"), ("hoi", "nghi"),
     ("so", "ket"), ("truong", "hop"), ("bo", "sung"), ("vien", "chuc"), ("co", "so", "du")}
)  # fmt: skip


def kind_piece(
    ctx: Words, index: int, *, loose: bool = False, kinds: Sequence[tuple[str, ...]] = KINDS
) -> int:
    """End of a lower-case piece naming only a kind of body ("ban", "phường", "đơn vị có liên
    quan") at ``index``, when the piece ends there (at a separator, a bracket or the end; with
    ``loose``, before any lower-case word too: "các bộ, ngành, địa phương rà soát"); else
    ``index``."""
    words = ctx.words
    if index >= len(words) or ctx.capital(index):
        return index
    kind = ctx.first_of(index, kinds)
    if kind is None:
        return index
    end = index + len(kind)
    if end < len(words) and (*kind, words[end]) in _NOT_KINDS:
        return index
    if end < len(words) and (scope := ctx.first_of(end, SCOPES)) is not None:
        end += len(scope)
    while end < len(words) and (qualifier := ctx.first_of(end, QUALIFIERS)) is not None:
        end += len(qualifier)
    if (
        end < len(words)
        and words[end].isalnum()
        and words[end] != "va"
        and (not loose or ctx.capital(end) or ctx.first_of(end, KINDS) is not None)
    ):
        return index
    return end


_TRIMMED = (*QUALIFIERS, *SCOPES)


def ends_with_kind(
    words: Sequence[str], start: int, end: int, kinds: Sequence[tuple[str, ...]] = KINDS
) -> bool:
    """Whether words[start:end] end with a kind of body or a level ("các xã", "Các Sở"),
    qualifiers aside: an enumeration may go on after it."""
    stop = end
    while (phrase := ending(words, stop, _TRIMMED, start + 1)) is not None:
        stop -= len(phrase)
    return ending(words, stop, kinds, start) is not None

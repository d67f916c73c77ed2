"""The organisation registry as the parser sees it: names, aliases and groups, and a scanner
that finds them in a role line such as "Ban Tổ chức Tỉnh ủy chủ trì, phối hợp với ...".

The registry file is TOML (read with the standard library's tomllib): one ``[[org]]`` table per
body and one ``[[group]]`` per named set of bodies. The database app loads the same file with
more fields (kinds, levels, parents, dates); the parser needs only names.

Names the registry lacks are looked up in the national lexicon (lexicon.py): found whole, with
their level/place tail, but with no id, since they are names and not registered bodies.
``registry_for`` chooses, per document, which registry and whether the lexicon backs it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

from .files import read_bytes
from .lexicon import (
    KINDS,
    LEVELS,
    Words,
    ending,
    ends_with_kind,
    kind_piece,
    lexicon_data,
    read_tail,
)
from .text import fold, fold_keep_offsets, nfc

EXAMPLE_REGISTRY = "quang-ngai-2020.toml"

# Abbreviations written in place of the full words, expanded before names are compared.
_ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "mttq": "mat tran to quoc",
    "ubmttq": "uy ban mat tran to quoc",
    "bcs": "ban can su",
    "btv": "ban thuong vu",
    "ubkt": "uy ban kiem tra",
    "vn": "viet nam",
}
# The lexicon's abbreviations too ("KHCN", "TTXVN", "TP"); the ones above win a clash.
_ABBREVIATIONS = {
    **{k: " ".join(v) for k, v in lexicon_data().abbreviations.items()},
    **_ABBREVIATIONS,
}
# Abbreviations written with "&", "," or "-" inside ("KH&CN", "VH,TT&DL", "CT-XH"); all
# of them as word tuples, looked up once per token.
_COMPOUNDS = lexicon_data().compounds
_EXPANSIONS = {**{k: tuple(v.split()) for k, v in _ABBREVIATIONS.items()}, **_COMPOUNDS}
# A token is a word (letters and digits) or one punctuation mark that separates names; a
# run such as "KH,CN&MT" is first tried as one compound abbreviation.
_TOKEN = re.compile(r"\w+(?:[&,-]\w+)+|\w+|[,;()&\n]|-")
_PLAIN_TOKEN = re.compile(r"\w+|[,;()&\n]|-")
_SEPARATORS = frozenset({",", ";", "\n", "va", "&", "-", "cung"})
_HARD_SEPARATORS = frozenset({";", "\n", "&"})
# First words of a body's name (folded): after "," or "và", one of these starts another body.
_BODY_HEADS = frozenset(
    [
        "so",
        "ban",
        "uy",
        "phong",
        "van",
        "huyen",
        "thi",
        "thanh",
        "dang",
        "hoi",
        "trung",
        "cong",
        "bo",
        "tinh",
        "cac",
        "toa",
        "vien",
        "truong",
        "chi",
        "cuc",
        "benh",
        "quy",
        "lien",
        "mat",
        "doan",
        "nguoi",
        "cap",
        "chinh",
        "bi",
        "chu",
        "thu",
        "xa",
        "phuong",
        "khoi",
        "lanh",
        "hdnd",
        "ubnd",
        "mttq",
        "bch",
        "bql",
    ]
)
_LIST_SEPARATORS = frozenset({",", "va"})
_BODY_KINDS = tuple(kind for kind in KINDS if kind not in LEVELS)
# Heads that start a body after a separator even in lower case ("các sở", "người đứng đầu");
# the others must be written with a capital ("..., vận tải" is no "Văn phòng").
_LOWER_HEADS = frozenset({"cac", "cap", "chinh", "nguoi", "lanh", "thu", "chu", "bi"})
_LEAD_MARKER = ("chu", "tri")
_MAX_SUBJECT_WORDS = 12
_COORDINATE_MARKERS = (("phoi", "hop", "voi"), ("phoi", "hop"))


@dataclass(frozen=True)
class Entry:
    """A body or a group the registry knows, or a name of the national lexicon (id None)."""

    id: str | None
    name: str
    group: bool = False
    unnamed: bool = False  # "các cơ quan liên quan": a group with no fixed members
    place_after: bool = False  # a place may follow the name directly ("Tỉnh ủy Lai Châu")


@dataclass(frozen=True)
class Found:
    """One name found in a role line, with the role the wording gives it there."""

    entry: Entry | None  # None: a name the registry does not know
    written: str
    lead: bool = False
    coordinate: bool = False


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Folded tokens of ``text`` with their character spans; abbreviations expanded (the
    words of one expansion share the abbreviation's span)."""
    out: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(fold_keep_offsets(text)):
        word = match.group()
        start, end = match.span()
        expansion = _EXPANSIONS.get(word)
        if expansion is not None:
            out.extend((part, start, end) for part in expansion)
        elif len(word) > 1 and not word.isalnum() and not word.isspace():
            # "a,b" or "x-y" that is no compound abbreviation: its words one by one.
            for piece in _PLAIN_TOKEN.finditer(word):
                part = piece.group()
                span = (start + piece.start(), start + piece.end())
                expansion = _EXPANSIONS.get(part)
                if expansion is not None:
                    out.extend((sub, *span) for sub in expansion)
                else:
                    out.append((part, *span))
        else:
            out.append((word, start, end))
    return out


def _key(name: str) -> tuple[str, ...]:
    """The comparison key of a name: folded words, separators dropped."""
    return tuple(word for word, _, _ in _tokens(name) if word not in _SEPARATORS)


@dataclass
class Registry:
    """Names and aliases of bodies and groups, searchable as folded word sequences.

    ``lexicon``, when set, is a second Registry of names (the national lexicon) consulted
    for what this one lacks; ``province`` is the province the registry's bodies belong to,
    so "Sở Y tế tỉnh Lai Châu" is not read as this registry's "Sở Y tế".
    """

    entries: dict[str, Entry] = field(default_factory=dict)
    _names: dict[tuple[str, ...], Entry] = field(default_factory=dict)
    _prefixes: set[tuple[str, ...]] = field(default_factory=set)
    _scans: dict[tuple, tuple[list[Found], int]] = field(default_factory=dict)
    province: str | None = None
    lexicon: Registry | None = field(default=None, repr=False)
    _backed: Registry | None = field(default=None, repr=False)

    def add(self, entry: Entry, aliases: list[str]) -> None:
        self.entries[entry.id or entry.name] = entry
        self._scans.clear()
        for alias in [entry.name, *aliases]:
            keys = {_key(alias)}
            if entry.group:
                # "các huyện ủy ..." is also written without "các", and "trực thuộc" groups
                # often end with the parent's name.
                keys |= {key[1:] for key in keys if key[:1] == ("cac",)}
                keys |= {(*key, "tinh", "uy") for key in keys if key[-2:] == ("truc", "thuoc")}
            for key in keys:
                if key:
                    self._names.setdefault(key, entry)
                    self._prefixes.update(key[:n] for n in range(1, len(key) + 1))

    def lookup(self, name: str) -> Entry | None:
        """The entry whose name or alias is exactly ``name`` (folded), or None."""
        return self._names.get(_key(name))

    def with_lexicon(self) -> Registry:
        """This registry backed by the national lexicon (the same object if it already is):
        the names it knows win, the lexicon's fill in. Made once per registry."""
        if self.lexicon is not None or self is national_lexicon():
            return self
        if self._backed is None:
            self._backed = Registry(
                entries=self.entries,
                _names=self._names,
                _prefixes=self._prefixes,
                province=self.province,
                lexicon=national_lexicon(),
            )
        return self._backed

    def _longest(self, ctx: Words, start: int) -> tuple[Entry, int] | None:
        """Longest name of this registry (lexicon aside) starting at ``ctx.words[start]``.

        Separators inside the text are skipped while matching, so "Ban Tổ chức Tỉnh ủy, Ban
        Tuyên giáo" and a run-together "Ủy ban Kiểm tra Tỉnh ủy Ban Cán sự đảng ..." both split
        into their known names. A name neither starts nor ends inside an abbreviation's
        expansion ("tỉnh và UBND" holds no "Tỉnh ủy").
        """
        words, starts = ctx.words, ctx.starts
        if start and starts[start] == starts[start - 1]:
            return None
        best: tuple[Entry, int] | None = None
        key: tuple[str, ...] = ()
        index = start
        while index < len(words):
            word = words[index]
            index += 1
            if word in _SEPARATORS:
                if not key:
                    return None
                continue
            key = (*key, word)
            if key not in self._prefixes:
                break
            entry = self._names.get(key)
            if entry is not None and (index == len(words) or starts[index] != starts[index - 1]):
                best = (entry, index)
        return best

    def _match(self, ctx: Words, start: int) -> tuple[Entry, int, bool] | None:
        """The name starting at ``ctx.words[start]`` with its tail: (entry, end index, whether
        it comes from the lexicon), or None.

        A registry name takes a tail that names no place or this registry's province
        ("Sở Y tế tỉnh"); a lexicon name takes any tail and is reported with it ("Sở Y tế
        tỉnh Lai Châu"). The longer reading wins; on a tie, the registry's.
        """
        own = self._longest(ctx, start)
        best: tuple[Entry, int, bool] | None = None
        if own is not None:
            entry, end = own
            tail = self._tail(ctx, start, end, entry)
            if not tail.plural and (not tail.place or self._is_home(tail.place)):
                end = tail.end
            best = (entry, self._enumeration(ctx, start, end, entry), False)
        if self.lexicon is not None:
            found = self.lexicon._longest(ctx, start)
            if found is not None:
                entry, end = found
                tail = self._tail(ctx, start, end, entry)
                if tail.end > end:
                    entry = Entry(
                        id=None,
                        name=f"{entry.name} {nfc(ctx.text[ctx.starts[end] : ctx.ends[tail.end - 1]])}",
                        group=entry.group or tail.plural,
                        unnamed=entry.unnamed or tail.plural,
                    )
                end = self._enumeration(ctx, start, tail.end, entry)
                if best is None or end > best[1]:
                    best = (entry, end, True)
        return best

    def _tail(self, ctx: Words, start: int, end: int, entry: Entry):
        place_after = entry.place_after or ending(ctx.words, end, LEVELS) is not None
        return read_tail(
            ctx, end, place_after=place_after, starts_name=lambda i: self._known_at(ctx, i)
        )

    def _known_at(self, ctx: Words, index: int) -> bool:
        if self._longest(ctx, index) is not None:
            return True
        return self.lexicon is not None and self.lexicon._longest(ctx, index) is not None

    def _is_home(self, place: tuple[str, ...]) -> bool:
        return self.province is not None and " ".join(place) == fold(self.province)

    @staticmethod
    def _enumeration(ctx: Words, start: int, end: int, entry: Entry) -> int:
        """``end`` moved past the kinds that go on a collective ("Các sở, ngành" + ", địa
        phương có liên quan"; "UBND các xã" + ", phường")."""
        if entry.group or ends_with_kind(ctx.words, start, end, _BODY_KINDS):
            kinds = KINDS
        elif ends_with_kind(ctx.words, start, end, LEVELS):
            kinds = LEVELS  # "UBND xã" + ", phường"; not "Công an tỉnh" + " và sở, ngành"
        else:
            return end
        words = ctx.words
        while end < len(words) and words[end] in _LIST_SEPARATORS:
            piece = kind_piece(ctx, end + 1, loose=True, kinds=kinds)
            if piece == end + 1:
                break
            end = piece
        return end

    def _starts_body(self, ctx: Words, index: int) -> bool:
        """Whether a body's name (known, or headed by a word such as "Sở", "Phòng") or a
        marker begins at ``words[index]``, after any separators."""
        words = ctx.words
        while index < len(words) and words[index] in _SEPARATORS:
            index += 1
        if index >= len(words):
            return True
        pair = tuple(words[index : index + 2])
        return (
            (words[index] in _BODY_HEADS and (words[index] in _LOWER_HEADS or ctx.capital(index)))
            or pair == _LEAD_MARKER
            or pair[:2] == _COORDINATE_MARKERS[1]
            or self._known_at(ctx, index)
        )

    def _breaks_name(self, ctx: Words, index: int) -> bool:
        """Whether a known name starting inside an unknown one ends it there: a registry
        name does ("... Ban Tuyên giáo Tỉnh ủy"); a lexicon name does not, since bodies are
        often named after the body they belong to ("Tổ đảng ở Thường trực Ủy ban Kinh tế",
        "Đảng ủy cơ quan Văn phòng Quốc hội")."""
        return self._longest(ctx, index) is not None

    def _unknown_end(self, ctx: Words, index: int, until: frozenset[tuple[str, str]]) -> int:
        """Where an unknown name starting at ``ctx.words[index]`` ends (a word index)."""
        words = ctx.words
        # An unknown name runs to a marker, a known name, or a separator followed by what
        # starts another body ("Phòng Văn hóa và Thông tin huyện" stays one name); a kind
        # after a separator goes on the name ("UBND các xã, phường").
        end = index + 1
        while end < len(words) and words[end] not in ("(", ")"):
            word = words[end]
            if word in _SEPARATORS:
                piece = kind_piece(ctx, end + 1)
                if (
                    word in _LIST_SEPARATORS
                    and piece > end + 1
                    and tuple(words[end + 1 : end + 3]) not in until
                ):
                    end = piece
                    continue
                if word in _HARD_SEPARATORS or self._starts_body(ctx, end + 1):
                    break
                end += 1
                continue
            pair = tuple(words[end : end + 2])
            if pair == _LEAD_MARKER or pair in until or self._breaks_name(ctx, end):
                break
            if any(tuple(words[end : end + len(m)]) == m for m in _COORDINATE_MARKERS):
                break
            end += 1
        while end > index + 1 and words[end - 1] in _SEPARATORS:
            end -= 1
        return end

    def _is_subject(
        self, ctx: Words, index: int, end: int, after_name: bool, ends_known: bool
    ) -> bool:
        """Whether an unknown name in a prose subject is one of its bodies: it follows a
        known name and ends at a role marker, or (after "phối hợp với") in a known name."""
        if not (after_name and ctx.capital(index) and end - index <= _MAX_SUBJECT_WORDS):
            return False
        if self._at_marker(ctx.words, end):
            return True
        return ends_known and end < len(ctx.words) and not ctx.capital(end)

    def _ends_with_known(self, ctx: Words, index: int) -> int | None:
        """End of a name at ``index`` that ends in a known one ("Đảng ủy cơ quan" + "Văn
        phòng Quốc hội"), read no further than a comma, within a subject's length; else None."""
        words = ctx.words
        for start in range(index + 1, min(len(words), index + _MAX_SUBJECT_WORDS)):
            if not words[start].isalnum() or words[start] == "va":
                return None
            match = self._match(ctx, start)
            if match is not None and ctx.capital(start):
                return match[1]
        return None

    @staticmethod
    def _at_marker(words: list[str], index: int) -> bool:
        while index < len(words) and words[index] in _LIST_SEPARATORS:
            index += 1
        pair = tuple(words[index : index + 2])
        return pair == _LEAD_MARKER or pair == _COORDINATE_MARKERS[1]

    def scan(
        self,
        text: str,
        *,
        prefix_only: bool = False,
        until: frozenset[tuple[str, str]] = frozenset(),
    ) -> tuple[list[Found], int]:
        """Find the bodies named in ``text``, in order.

        Unknown names are what stands between separators. "X chủ trì" marks the names since
        the last marker as leads; "phối hợp (với)" marks the names after it as coordinating.
        With ``prefix_only`` the scan stops at the first word that is not a name or a marker
        (the verb of a sentence such as "Ban Tuyên giáo Tỉnh ủy tham mưu Kế hoạch ...");
        ``until`` names word pairs (folded verbs such as ("hoan", "thanh")) where an unknown
        name cannot start or go on, so the scan stops there.
        Returns the names and the character offset where scanning stopped. Role lines repeat
        ("Ủy ban nhân dân tỉnh." dozens of times), so answers are remembered.
        """
        key = (text, prefix_only, until)
        known = self._scans.get(key)
        if known is None:
            if len(self._scans) > 20_000:
                self._scans.clear()
            known = self._scans[key] = self._scan(text, prefix_only, until)
        found, stop = known
        return list(found), stop

    def _scan(
        self, text: str, prefix_only: bool, until: frozenset[tuple[str, str]]
    ) -> tuple[list[Found], int]:
        tokens = _tokens(text)
        words = [word for word, _, _ in tokens]
        ctx = Words(text, words, [s for _, s, _ in tokens], [e for _, _, e in tokens])
        found: list[Found] = []
        begins: list[int] = []  # where each name found begins in ``text``
        last_end = 0  # word index where the last name found ended
        since_marker = 0
        coordinating = False
        index = 0
        stop = len(text)
        depth = 0
        while index < len(words):
            word = words[index]
            if word == "(":
                depth += 1
                index += 1
                continue
            if word == ")":
                depth = max(0, depth - 1)
                index += 1
                continue
            if depth or word in _SEPARATORS:
                index += 1
                continue
            if tuple(words[index : index + 2]) == _LEAD_MARKER:
                for position in range(since_marker, len(found)):
                    found[position] = replace(found[position], lead=True)
                since_marker = len(found)
                index += 2
                continue
            marker = next(
                (m for m in _COORDINATE_MARKERS if tuple(words[index : index + len(m)]) == m),
                None,
            )
            if marker:
                coordinating = True
                since_marker = len(found)
                index += len(marker)
                continue
            piece = kind_piece(ctx, index) if tuple(words[index : index + 2]) not in until else 0
            match = self._match(ctx, index) if piece > index else None
            if (
                piece > index
                and found
                and all(w in _LIST_SEPARATORS for w in words[last_end:index])
                and (match is None or match[1] <= piece)
            ):
                # "..., phường": a kind is part of the name before it, never a body.
                written = nfc(text[begins[-1] : tokens[piece - 1][2]])
                found[-1] = replace(found[-1], written=written)
                index = last_end = piece
                continue
            match = self._match(ctx, index)
            if match and match[2] and tuple(words[index : index + 2]) in until:
                match = None  # "tổ chức" where the sentence's verb may stand: not a name
            if match:
                entry, end, _ = match
                written = text[tokens[index][1] : tokens[end - 1][2]]
                found.append(Found(entry, nfc(written), coordinate=coordinating))
                begins.append(tokens[index][1])
                index = last_end = end
                continue
            if tuple(words[index : index + 2]) in until:
                stop = tokens[index][1]
                break
            end = self._unknown_end(ctx, index, until)
            known_end = None
            if prefix_only and coordinating and ctx.capital(index):
                known_end = self._ends_with_known(ctx, index)
                end = known_end or end
            if prefix_only and not self._is_subject(
                ctx, index, end, bool(found), known_end is not None
            ):
                # Only "X, Y chủ trì" (an unknown name ending at a role marker), or after
                # "phối hợp với" a name ending in a known one ("Đảng ủy cơ quan Văn phòng
                # Quốc hội tổ chức ..."): elsewhere the sentence's verb may stand.
                stop = tokens[index][1]
                break
            written = nfc(text[tokens[index][1] : tokens[end - 1][2]])
            found.append(Found(None, written, coordinate=coordinating))
            begins.append(tokens[index][1])
            index = last_end = end
        return found, stop


def load_registry(path: str | Path | None = None) -> Registry:
    """Read a registry file; without a path, the one shipped for the example province."""
    if path is None:
        return example_registry()
    raw = read_bytes(path, RegistryError)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RegistryError(f"không phải TOML hợp lệ: {error}") from None
    return registry_from_toml(data)


@cache
def example_registry() -> Registry:
    """The shipped registry (Quảng Ngãi, 2020), read once per process."""
    data = resources.files("theodoi.data.orgs").joinpath(EXAMPLE_REGISTRY).read_bytes()
    return registry_from_toml(tomllib.loads(data.decode("utf-8")))


@cache
def national_lexicon() -> Registry:
    """The national name lexicon as a Registry of names with no ids, read once per process."""
    registry = Registry()
    for item in lexicon_data().names:
        entry = Entry(
            id=None,
            name=item.name,
            group=item.collective,
            unnamed=item.collective,
            place_after=item.place_after,
        )
        registry.add(entry, list(item.aliases))
    return registry


@cache
def lexicon_only() -> Registry:
    """No registered body, only the lexicon's names: for a document of another province or
    of a central body, whose bodies the shipped registry does not hold."""
    return Registry(lexicon=national_lexicon())


def registry_for(issuer: str | None, given: Registry | None = None) -> Registry:
    """The registry a document's names are resolved in, always backed by the national lexicon.

    ``given`` (``--registry FILE``, or the database's when importing) is the caller's choice
    and is used whatever the issuer. Otherwise the shipped registry serves a document of its
    province ("Tỉnh ủy Quảng Ngãi", "UBND tỉnh Quảng Ngãi") or one whose issuer names no place
    ("Tỉnh ủy", or no issuer found: the bundled example); any other issuer ("UBND tỉnh Lai
    Châu", "Bộ Tài chính", "Thủ tướng Chính phủ") gets the lexicon alone, so its names never
    resolve to another province's bodies.
    """
    if given is not None:
        return given.with_lexicon()
    shipped = example_registry()
    if issuer is None or is_issuer_of(issuer, shipped.province, shipped):
        return shipped.with_lexicon()
    return lexicon_only()


# Words in an issuer's name after which its place is written: "UBND tỉnh Lai Châu",
# "Tỉnh ủy Quảng Ngãi", "Thành ủy Hà Nội". Folded.
_ISSUER_LEVELS = (
    ("tinh", "uy"), ("thanh", "uy"), ("huyen", "uy"), ("thi", "uy"), ("thanh", "pho"),
    ("thi", "xa"), ("dac", "khu"), ("tinh",), ("tp",), ("huyen",), ("xa",), ("phuong",),
)  # fmt: skip
# Issuers that are central bodies, whatever else their name holds. Folded.
_CENTRAL = re.compile(
    r"^(?:bo |thu tuong|chinh phu|quoc hoi|van phong chinh phu|ban chap hanh trung uong"
    r"|bo chinh tri|ban bi thu|uy ban thuong vu quoc hoi)|trung uong|quoc hoi|chinh phu"
)


def is_issuer_of(issuer: str, province: str | None, registry: Registry | None = None) -> bool:
    """Whether an issuer's name places it in ``province``: it names the province, or it is a
    body ``registry`` holds ("Huyện ủy Bình Sơn"), or it names no place at all (then the
    document is taken to be the province's own: "Tỉnh ủy", "Ủy ban nhân dân tỉnh"). A central
    body ("Bộ Tài chính", "Thủ tướng Chính phủ") is of no province."""
    words = fold(issuer).replace(",", " ").split()
    if _CENTRAL.search(" ".join(words)):
        return False
    if registry is not None and registry.lookup(issuer) is not None:
        return True
    for index in range(len(words)):
        level = next(
            (lv for lv in _ISSUER_LEVELS if tuple(words[index : index + len(lv)]) == lv), None
        )
        if level is not None:
            place = " ".join(words[index + len(level) :])
            if place:
                return province is not None and place == fold(province)
            break
    return True


class RegistryError(ValueError):
    """A registry file that cannot be used; the message says which entry and why."""


def _checked(item: object, table: str, position: int, seen: set[str]) -> tuple[str, str, list[str]]:
    where = f"[[{table}]] thứ {position}"
    if not isinstance(item, dict):
        raise RegistryError(f"{where}: không phải một bảng TOML")
    ident, name, aliases = item.get("id"), item.get("name"), item.get("aliases", [])
    if not isinstance(ident, str) or not ident.strip():
        raise RegistryError(f"{where}: thiếu khóa 'id' (mã cơ quan)")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where} ({ident}): thiếu khóa 'name' (tên cơ quan)")
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise RegistryError(f"{where} ({ident}): 'aliases' phải là danh sách tên")
    if ident in seen:
        raise RegistryError(f"{where}: mã '{ident}' bị trùng")
    seen.add(ident)
    return ident, nfc(name), [nfc(a) for a in aliases]


def registry_from_toml(data: dict) -> Registry:
    """A Registry from a parsed registry file. Raises RegistryError on a malformed entry."""
    header = data.get("registry")
    province = header.get("province") if isinstance(header, dict) else None
    registry = Registry(province=nfc(province) if isinstance(province, str) else None)
    seen: set[str] = set()
    for position, org in enumerate(data.get("org", []), start=1):
        ident, name, aliases = _checked(org, "org", position, seen)
        registry.add(Entry(id=ident, name=name), aliases)
    for position, group in enumerate(data.get("group", []), start=1):
        ident, name, aliases = _checked(group, "group", position, seen)
        unnamed = bool(group.get("unnamed", False))
        registry.add(Entry(id=ident, name=name, group=True, unnamed=unnamed), aliases)
    return registry

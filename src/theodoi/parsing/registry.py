"""The organisation registry as the parser sees it: names, aliases and groups, and a scanner
that finds them in a role line such as "Ban Tổ chức Tỉnh ủy chủ trì, phối hợp với ...".

The registry file is TOML (read with the standard library's tomllib): one ``[[org]]`` table per
body and one ``[[group]]`` per named set of bodies. The database app loads the same file with
more fields (kinds, levels, parents, dates); the parser needs only names.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

from .files import read_bytes
from .text import fold_keep_offsets, nfc

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
# A token is a word (letters and digits) or one punctuation mark that separates names.
_TOKEN = re.compile(r"\w+|[,;()&\n]|(?<!\w)-(?!\w)|-")
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
_LEAD_MARKER = ("chu", "tri")
_COORDINATE_MARKERS = (("phoi", "hop", "voi"), ("phoi", "hop"))


@dataclass(frozen=True)
class Entry:
    """A body or a group the registry knows."""

    id: str
    name: str
    group: bool = False
    unnamed: bool = False  # "các cơ quan liên quan": a group with no fixed members


@dataclass(frozen=True)
class Found:
    """One name found in a role line, with the role the wording gives it there."""

    entry: Entry | None  # None: a name the registry does not know
    written: str
    lead: bool = False
    coordinate: bool = False


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Folded tokens of ``text`` with their character spans; abbreviations expanded."""
    out: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(fold_keep_offsets(text)):
        word = match.group()
        expansion = _ABBREVIATIONS.get(word)
        if expansion:
            out.extend((part, match.start(), match.end()) for part in expansion.split())
        else:
            out.append((word, match.start(), match.end()))
    return out


def _key(name: str) -> tuple[str, ...]:
    """The comparison key of a name: folded words, separators dropped."""
    return tuple(word for word, _, _ in _tokens(name) if word not in _SEPARATORS)


@dataclass
class Registry:
    """Names and aliases of bodies and groups, searchable as folded word sequences."""

    entries: dict[str, Entry] = field(default_factory=dict)
    _names: dict[tuple[str, ...], Entry] = field(default_factory=dict)
    _prefixes: set[tuple[str, ...]] = field(default_factory=set)
    _scans: dict[tuple, tuple[list[Found], int]] = field(default_factory=dict)

    def add(self, entry: Entry, aliases: list[str]) -> None:
        self.entries[entry.id] = entry
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

    def _match(self, words: list[str], start: int) -> tuple[Entry, int] | None:
        """Longest known name starting at ``words[start]``: (entry, end index) or None.

        Separators inside the text are skipped while matching, so "Ban Tổ chức Tỉnh ủy, Ban
        Tuyên giáo" and a run-together "Ủy ban Kiểm tra Tỉnh ủy Ban Cán sự đảng ..." both split
        into their known names.
        """
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
            if entry is not None:
                best = (entry, index)
        return best

    def _starts_body(self, words: list[str], index: int) -> bool:
        """Whether a body's name (known, or headed by a word such as "Sở", "Phòng") or a
        marker begins at ``words[index]``, after any separators."""
        while index < len(words) and words[index] in _SEPARATORS:
            index += 1
        if index >= len(words):
            return True
        pair = tuple(words[index : index + 2])
        return (
            words[index] in _BODY_HEADS
            or pair == _LEAD_MARKER
            or pair[:2] == _COORDINATE_MARKERS[1]
            or self._match(words, index) is not None
        )

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
        found: list[Found] = []
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
            match = self._match(words, index)
            if match:
                entry, end = match
                written = text[tokens[index][1] : tokens[end - 1][2]]
                found.append(Found(entry, nfc(written), coordinate=coordinating))
                index = end
                continue
            if prefix_only or tuple(words[index : index + 2]) in until:
                stop = tokens[index][1]
                break
            # An unknown name runs to a marker, a known name, or a separator followed by what
            # starts another body ("Phòng Văn hóa và Thông tin huyện" stays one name).
            end = index + 1
            while end < len(words) and words[end] not in ("(", ")"):
                word = words[end]
                if word in _SEPARATORS:
                    if word in _HARD_SEPARATORS or self._starts_body(words, end + 1):
                        break
                    end += 1
                    continue
                pair = tuple(words[end : end + 2])
                if pair == _LEAD_MARKER or pair in until or self._match(words, end):
                    break
                if any(tuple(words[end : end + len(m)]) == m for m in _COORDINATE_MARKERS):
                    break
                end += 1
            while end > index + 1 and words[end - 1] in _SEPARATORS:
                end -= 1
            written = nfc(text[tokens[index][1] : tokens[end - 1][2]])
            found.append(Found(None, written, coordinate=coordinating))
            index = end
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


def registry_for(issuer: str | None, given: Registry | None = None) -> Registry:
    """The registry a document's names are resolved in: ``given`` when the caller chose one,
    else the shipped one. (The issuer's own registry and the national lexicon: issue 16.)"""
    return given if given is not None else example_registry()


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
    registry = Registry()
    seen: set[str] = set()
    for position, org in enumerate(data.get("org", []), start=1):
        ident, name, aliases = _checked(org, "org", position, seen)
        registry.add(Entry(id=ident, name=name), aliases)
    for position, group in enumerate(data.get("group", []), start=1):
        ident, name, aliases = _checked(group, "group", position, seen)
        unnamed = bool(group.get("unnamed", False))
        registry.add(Entry(id=ident, name=name, group=True, unnamed=unnamed), aliases)
    return registry

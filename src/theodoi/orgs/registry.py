"""The organisation registry in the database: loading a registry file (TOML) into
Organization, OrgGroup and Alias rows, and giving the parser back a Registry built from the
database, so that a name an administrator mapped is recognised at the next import.

Loading never deletes: a body the file no longer lists may have history (assignments,
reports), so it is only reported; likewise group members and aliases are only added (a
successor joins groups at a reorganisation, an administrator maps names). For the fields a
file gives, the file wins: a reload puts back an edited name. Loading is idempotent: the same
file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from theodoi.parsing.files import read_bytes
from theodoi.parsing.registry import EXAMPLE_REGISTRY, Entry, Registry, RegistryError
from theodoi.parsing.registry import registry_from_toml as check_registry
from theodoi.parsing.text import fold, nfc

from .models import Alias, Kind, Level, Organization, OrgGroup

# Codes of names an import met that no registry matched (see resolve.py); a file cannot use it.
RESERVED_PREFIX = "unresolved:"

_ORG_KEYS = frozenset(
    {"id", "name", "full_name", "short", "aliases", "kind", "level", "parent"}
    | {"valid_from", "valid_to", "assumed"}
)
_GROUP_KEYS = frozenset({"id", "name", "aliases", "members", "member_groups", "unnamed"})
_TOP_KEYS = frozenset({"registry", "org", "group"})
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")

# Field lengths of the models, checked before writing: PostgreSQL refuses longer values and
# SQLite would store them silently.
_MAX = {"id": 120, "name": 300, "full_name": 400, "short": 100, "alias": 400}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} thêm mới, {self.updated} cập nhật, {self.unchanged} không đổi"


@dataclass
class LoadResult:
    """What a load did, in counts, and what it left alone."""

    source: str
    orgs: Counts = field(default_factory=Counts)
    groups: Counts = field(default_factory=Counts)
    aliases: Counts = field(default_factory=Counts)
    missing_orgs: list[str] = field(default_factory=list)  # "code (name)", not in the file
    missing_groups: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.orgs, self.groups, self.aliases))

    def lines(self) -> list[str]:
        """The result as a person reads it (Vietnamese)."""
        out = [
            f"Danh mục cơ quan: {self.source}",
            f"Cơ quan, đơn vị: {self.orgs}.",
            f"Nhóm cơ quan: {self.groups}.",
            f"Tên gọi khác: {self.aliases}.",
        ]
        if not self.changed:
            out.append("Cơ sở dữ liệu đã khớp với tệp; không có gì thay đổi.")
        if self.missing_orgs:
            out.append(
                f"{len(self.missing_orgs)} cơ quan không có trong tệp (giữ nguyên): "
                + ", ".join(self.missing_orgs)
            )
        if self.missing_groups:
            out.append(
                f"{len(self.missing_groups)} nhóm không có trong tệp (giữ nguyên): "
                + ", ".join(self.missing_groups)
            )
        out.extend(f"Lưu ý: {note}" for note in self.notes)
        return out


@dataclass
class _OrgSpec:
    where: str
    code: str
    values: dict[str, Any]  # model field -> value, parent excluded
    parent: str | None
    aliases: list[str]


@dataclass
class _GroupSpec:
    where: str
    code: str
    name: str
    unnamed: bool
    members: list[str]
    member_groups: list[str]
    aliases: list[str]


# ---- loading a file ----


def load_registry_file(path: str | Path | None, *, stdout: TextIO | None = None) -> LoadResult:
    """Load a registry file into the database; ``None`` loads the shipped example.

    The whole file is checked before anything is written, and the writes happen in one
    transaction: a bad file (RegistryError, message in Vietnamese) leaves the database as it
    was. With ``stdout``, the result is also written there, one line each.
    """
    if path is None:
        source = EXAMPLE_REGISTRY
        raw = resources.files("theodoi.data.orgs").joinpath(EXAMPLE_REGISTRY).read_bytes()
    else:
        source = str(path)
        raw = _read(Path(path))
    data = _parse_toml(raw)
    check_registry(data)  # ids, names, aliases: the parser's own checks and messages
    notes = _unknown_keys(data)
    orgs, groups = _org_specs(data), _group_specs(data)
    header = data.get("registry")
    title = header.get("name") if isinstance(header, dict) else None
    result = LoadResult(source=f"{title} ({Path(source).name})" if title else Path(source).name)
    result.notes.extend(notes)
    with transaction.atomic():
        _check_against_database(orgs, groups)
        _write_orgs(orgs, result)
        _write_groups(groups, result)
        _write_aliases(orgs, groups, result)
        _report_missing(orgs, groups, result)
    if stdout is not None:
        for line in result.lines():
            stdout.write(line + "\n")
    return result


def _read(path: Path) -> bytes:
    return read_bytes(path, RegistryError)


def _parse_toml(raw: bytes) -> dict:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RegistryError("không phải TOML hợp lệ: tệp không được mã hóa UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        if position:
            detail = _TOML_POSITION.sub("", message).strip()
            raise RegistryError(
                f"không phải TOML hợp lệ: lỗi cú pháp ở dòng {position[1]}, cột {position[2]}"
                f" ({detail})"
            ) from None
        if "(at end of document)" in message:
            detail = message.replace("(at end of document)", "").strip()
            raise RegistryError(
                f"không phải TOML hợp lệ: lỗi cú pháp ở cuối tệp ({detail})"
            ) from None
        raise RegistryError(f"không phải TOML hợp lệ: {message}") from None


def _unknown_keys(data: dict) -> list[str]:
    """Keys the loader does not use: reported, not refused, so a typo is seen."""
    notes = [f"khóa '{key}' ở đầu tệp không được dùng" for key in data if key not in _TOP_KEYS]
    for table, known in (("org", _ORG_KEYS), ("group", _GROUP_KEYS)):
        for position, item in enumerate(data.get(table, []), start=1):
            notes.extend(
                f"[[{table}]] thứ {position} ({item.get('id')}): khóa '{key}' không được dùng"
                for key in item
                if key not in known
            )
    return notes


def _text(item: dict, key: str, where: str, limit: str | None = None) -> str:
    value = item.get(key, "")
    if not isinstance(value, str):
        raise RegistryError(f"{where}: '{key}' phải là một chuỗi")
    value = nfc(value)
    if len(value) > _MAX[limit or key]:
        raise RegistryError(f"{where}: '{key}' dài quá {_MAX[limit or key]} ký tự")
    return value


def _choice(item: dict, key: str, where: str, choices, default: str) -> str:
    value = item.get(key, default)
    if value not in choices.values:
        allowed = " | ".join(choices.values)
        raise RegistryError(f"{where}: {key} = {value!r} không hợp lệ (dùng {allowed})")
    return value


def _date(item: dict, key: str, where: str) -> dt.date | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise RegistryError(
                f"{where}: {key} = {value!r} không phải ngày (YYYY-MM-DD)"
            ) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise RegistryError(f"{where}: {key} phải là một ngày (YYYY-MM-DD), không kèm giờ")
    return value


def _flag(item: dict, key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise RegistryError(f"{where}: '{key}' phải là true hoặc false")
    return value


def _ids(item: dict, key: str, where: str) -> list[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where}: '{key}' phải là danh sách mã")
    return list(dict.fromkeys(v.strip() for v in value))


def _aliases(item: dict, where: str, own_name: str) -> list[str]:
    """Aliases as written, one per folded key, without the body's own name."""
    seen = {fold(own_name)}
    out = []
    for alias in item.get("aliases", []):
        alias = nfc(alias)
        if len(alias) > _MAX["alias"]:
            raise RegistryError(
                f"{where}: tên gọi khác '{alias[:60]}...' dài quá {_MAX['alias']} ký tự"
            )
        if alias and fold(alias) not in seen:
            seen.add(fold(alias))
            out.append(alias)
    return out


def _org_specs(data: dict) -> list[_OrgSpec]:
    specs = []
    for position, item in enumerate(data.get("org", []), start=1):
        code = item["id"].strip()
        where = f"[[org]] thứ {position} ({code})"
        name = _text(item, "name", where)
        values = {
            "name": name,
            "full_name": _text(item, "full_name", where),
            "short_name": _text(item, "short", where),
            "kind": _choice(item, "kind", where, Kind, Kind.OTHER),
            "level": _choice(item, "level", where, Level, "") if "level" in item else "",
            "valid_from": _date(item, "valid_from", where),
            "valid_to": _date(item, "valid_to", where),
            "assumed": _flag(item, "assumed", where),
            "unresolved": False,
        }
        _check_code(code, where)
        if (
            values["valid_from"]
            and values["valid_to"]
            and values["valid_from"] > values["valid_to"]
        ):
            raise RegistryError(f"{where}: valid_from sau valid_to")
        parent = item.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent.strip()):
            raise RegistryError(f"{where}: 'parent' phải là mã của một cơ quan")
        if parent is not None and parent.strip() == code:
            raise RegistryError(f"{where}: cơ quan không thể trực thuộc chính nó")
        specs.append(
            _OrgSpec(where, code, values, parent and parent.strip(), _aliases(item, where, name))
        )
    return specs


def _group_specs(data: dict) -> list[_GroupSpec]:
    specs = []
    for position, item in enumerate(data.get("group", []), start=1):
        code = item["id"].strip()
        where = f"[[group]] thứ {position} ({code})"
        _check_code(code, where)
        name = _text(item, "name", where)
        spec = _GroupSpec(
            where,
            code,
            name,
            _flag(item, "unnamed", where),
            _ids(item, "members", where),
            _ids(item, "member_groups", where),
            _aliases(item, where, name),
        )
        if spec.unnamed and (spec.members or spec.member_groups):
            raise RegistryError(
                f"{where}: nhóm không xác định thành viên (unnamed) không được có members"
            )
        if code in spec.member_groups:
            raise RegistryError(f"{where}: nhóm không thể là thành viên của chính nó")
        specs.append(spec)
    return specs


def _check_code(code: str, where: str) -> None:
    if len(code) > _MAX["id"]:
        raise RegistryError(f"{where}: mã dài quá {_MAX['id']} ký tự")
    if code.startswith(RESERVED_PREFIX):
        raise RegistryError(
            f"{where}: mã bắt đầu bằng '{RESERVED_PREFIX}' dành cho tên chưa xác định"
        )


def _check_against_database(orgs: list[_OrgSpec], groups: list[_GroupSpec]) -> None:
    """References (parent, members) and names that must agree with what the database holds;
    run inside the load's transaction, before any write."""
    org_codes = {spec.code for spec in orgs}
    group_codes = {spec.code for spec in groups}
    db_orgs = dict(
        Organization.objects.filter(unresolved=False).values_list("code", "parent__code")
    )
    db_groups = set(OrgGroup.objects.values_list("code", flat=True))
    for spec in orgs:
        if spec.code in db_groups:
            raise RegistryError(f"{spec.where}: mã '{spec.code}' đã là mã của một nhóm cơ quan")
        if spec.parent and spec.parent not in org_codes and spec.parent not in db_orgs:
            raise RegistryError(
                f"{spec.where}: parent = '{spec.parent}' không có trong tệp hay cơ sở dữ liệu"
            )
    for spec in groups:
        if spec.code in db_orgs or Organization.objects.filter(code=spec.code).exists():
            raise RegistryError(f"{spec.where}: mã '{spec.code}' đã là mã của một cơ quan")
        for member in spec.members:
            if member in group_codes or (member in db_groups and member not in org_codes):
                raise RegistryError(
                    f"{spec.where}: '{member}' là một nhóm; ghi nó trong member_groups"
                )
            if member not in org_codes and member not in db_orgs:
                raise RegistryError(
                    f"{spec.where}: thành viên '{member}' không có trong tệp hay cơ sở dữ liệu"
                )
        for member in spec.member_groups:
            if member not in group_codes and member not in db_groups:
                raise RegistryError(
                    f"{spec.where}: nhóm thành viên '{member}' không có trong tệp hay cơ sở dữ liệu"
                )
    _check_parent_cycles(orgs, db_orgs)
    _check_alias_owners(orgs, groups)


def _check_parent_cycles(orgs: list[_OrgSpec], db_orgs: dict[str, str | None]) -> None:
    parents = {**db_orgs, **{spec.code: spec.parent for spec in orgs}}
    for spec in orgs:
        seen, code = {spec.code}, spec.parent
        while code:
            if code in seen:
                raise RegistryError(f"{spec.where}: chuỗi 'parent' quay vòng qua '{code}'")
            seen.add(code)
            code = parents.get(code)


def _check_alias_owners(orgs: list[_OrgSpec], groups: list[_GroupSpec]) -> None:
    """An alias names one body only: not another body's alias, nor another body's name (in
    the file or in the database). Two bodies may share a name (a body and its successor)."""
    label: dict[tuple[str, str], str] = {}  # (table, code) -> "code (name)"
    names: dict[str, set[tuple[str, str]]] = defaultdict(set)
    aliases: dict[str, set[tuple[str, str]]] = defaultdict(set)
    in_file: set[tuple[str, str]] = set()
    entries = [("org", s.code, s.values["name"], s.aliases, s.where) for s in orgs] + [
        ("group", s.code, s.name, s.aliases, s.where) for s in groups
    ]
    for table, code, name, alias_list, _ in entries:
        owner = (table, code)
        in_file.add(owner)
        label[owner] = f"{code} ({name})"
        names[fold(name)].add(owner)
        for alias in alias_list:
            aliases[fold(alias)].add(owner)
    keys = set(aliases)
    for org in Organization.objects.filter(unresolved=False, name_key__in=keys):
        owner = ("org", org.code)
        if owner not in in_file:
            label[owner] = f"{org.code} ({org.name})"
            names[org.name_key].add(owner)
    for group in OrgGroup.objects.all():
        owner = ("group", group.code)
        if owner not in in_file and fold(group.name) in keys:
            label[owner] = f"{group.code} ({group.name})"
            names[fold(group.name)].add(owner)
    for alias in Alias.objects.filter(key__in=keys).select_related("organization", "group"):
        body = alias.organization or alias.group
        owner = ("org" if alias.organization_id else "group", body.code)
        label.setdefault(owner, f"{body.code} ({body.name})")
        aliases[alias.key].add(owner)
    for table, code, _, alias_list, where in entries:
        for alias in alias_list:
            key = fold(alias)
            others = (aliases[key] | names[key]) - {(table, code)}
            if others:
                other = label[sorted(others)[0]]
                raise RegistryError(
                    f"{where}: tên gọi khác '{alias}' của {label[(table, code)]}"
                    f" đã là tên của {other}"
                )


def _write_orgs(specs: list[_OrgSpec], result: LoadResult) -> None:
    existing = {o.code: o for o in Organization.objects.filter(code__in=[s.code for s in specs])}
    created: set[str] = set()
    updated: set[str] = set()
    for spec in specs:
        org = existing.get(spec.code)
        if org is None:
            existing[spec.code] = Organization.objects.create(code=spec.code, **spec.values)
            created.add(spec.code)
        elif any(getattr(org, name) != value for name, value in spec.values.items()):
            for name, value in spec.values.items():
                setattr(org, name, value)
            org.save()
            updated.add(spec.code)
    # Parents second: a parent may come later in the file, or be in the database already.
    outside = [s.parent for s in specs if s.parent and s.parent not in existing]
    parents = {**{o.code: o for o in Organization.objects.filter(code__in=outside)}, **existing}
    for spec in specs:
        org = existing[spec.code]
        parent = parents[spec.parent] if spec.parent else None
        if org.parent_id != (parent.pk if parent else None):
            org.parent = parent
            org.save(update_fields=["parent"])
            updated.add(spec.code)
    result.orgs.created = len(created)
    result.orgs.updated = len(updated - created)
    result.orgs.unchanged = len(specs) - result.orgs.created - result.orgs.updated


def _write_groups(specs: list[_GroupSpec], result: LoadResult) -> None:
    existing = {g.code: g for g in OrgGroup.objects.filter(code__in=[s.code for s in specs])}
    fresh: set[str] = set()
    for spec in specs:
        group = existing.get(spec.code)
        if group is None:
            existing[spec.code] = OrgGroup.objects.create(
                code=spec.code, name=spec.name, unnamed=spec.unnamed
            )
            fresh.add(spec.code)
            result.groups.created += 1
    orgs = {o.code: o for o in Organization.objects.filter(code__in=_all(specs, "members"))}
    groups = {
        **{g.code: g for g in OrgGroup.objects.filter(code__in=_all(specs, "member_groups"))},
        **existing,
    }
    for spec in specs:
        group = existing[spec.code]
        changed = False
        if (group.name, group.unnamed) != (spec.name, spec.unnamed):
            group.name, group.unnamed = spec.name, spec.unnamed
            group.save()
            changed = True
        # Members are added, never removed: a successor may have joined after a
        # reorganisation, or an administrator added one; the note says who is extra.
        have = set(group.members.values_list("code", flat=True))
        new = [orgs[code] for code in spec.members if code not in have]
        if new:
            group.members.add(*new)
            changed = True
        extra = sorted(have - set(spec.members))
        if extra and not spec.unnamed:
            result.notes.append(
                f"nhóm {spec.code} còn có thành viên không ghi trong tệp (giữ nguyên): "
                + ", ".join(extra)
            )
        have_groups = set(group.member_groups.values_list("code", flat=True))
        new_groups = [groups[code] for code in spec.member_groups if code not in have_groups]
        if new_groups:
            group.member_groups.add(*new_groups)
            changed = True
        if changed and spec.code not in fresh:
            result.groups.updated += 1
    result.groups.unchanged = len(specs) - result.groups.created - result.groups.updated


def _all(specs: list[_GroupSpec], attribute: str) -> set[str]:
    return {code for spec in specs for code in getattr(spec, attribute)}


def _write_aliases(orgs: list[_OrgSpec], groups: list[_GroupSpec], result: LoadResult) -> None:
    org_rows = {o.code: o for o in Organization.objects.filter(code__in=[s.code for s in orgs])}
    group_rows = {g.code: g for g in OrgGroup.objects.filter(code__in=[s.code for s in groups])}
    wanted = [(org_rows[s.code], None, alias) for s in orgs for alias in s.aliases] + [
        (None, group_rows[s.code], alias) for s in groups for alias in s.aliases
    ]
    existing = {a.key: a for a in Alias.objects.filter(key__in=[fold(w[2]) for w in wanted])}
    for organization, group, name in wanted:
        alias = existing.get(fold(name))
        if alias is None:
            Alias.objects.create(name=name, organization=organization, group=group)
            result.aliases.created += 1
        elif alias.name != name:  # the same key, written another way: the file's spelling
            alias.name = name
            alias.save()
            result.aliases.updated += 1
        else:
            result.aliases.unchanged += 1
    # Unresolved names an earlier import met that this file now knows: a person maps them.
    known = {fold(w[2]) for w in wanted} | {fold(s.values["name"]) for s in orgs}
    known |= {fold(s.name) for s in groups}
    for org in Organization.objects.filter(unresolved=True, name_key__in=known):
        result.notes.append(
            f"tên chưa xác định '{org.name}' ({org.code}) nay có trong danh mục:"
            f" dùng `theodoi orgs map {org.code} MÃ_CƠ_QUAN` để gắn"
        )


def _report_missing(orgs: list[_OrgSpec], groups: list[_GroupSpec], result: LoadResult) -> None:
    org_codes = {s.code for s in orgs}
    group_codes = {s.code for s in groups}
    result.missing_orgs = [
        f"{o.code} ({o.name})"
        for o in Organization.objects.filter(unresolved=False).order_by("code")
        if o.code not in org_codes
    ]
    result.missing_groups = [
        f"{g.code} ({g.name})"
        for g in OrgGroup.objects.order_by("code")
        if g.code not in group_codes
    ]


# ---- the parser's registry, from the database ----


def registry_from_database(*, on: dt.date | None = None) -> Registry:
    """The parser's Registry of the bodies (not unresolved ones), groups and every alias in
    the database; Entry.id is the code. Where two bodies share a name, the first added wins
    in the parser: with ``on``, bodies valid that day come first, otherwise load order."""
    registry = Registry()
    orgs = list(Organization.objects.filter(unresolved=False).prefetch_related("aliases"))
    orgs.sort(key=lambda org: (on is not None and not org.is_valid_on(on), org.pk))
    for org in orgs:
        registry.add(Entry(id=org.code, name=org.name), [a.name for a in org.aliases.all()])
    for group in OrgGroup.objects.order_by("pk").prefetch_related("aliases"):
        registry.add(
            Entry(id=group.code, name=group.name, group=True, unnamed=group.unnamed),
            [a.name for a in group.aliases.all()],
        )
    return registry

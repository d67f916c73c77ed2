"""From a name as a document writes it to a body or group in the database; and the repair
when an import met a name nobody knew: mapping that unresolved name onto a real body.

An unknown name is never dropped: it becomes an *unresolved* Organization so the work it was
given is kept, and a person later maps it (``theodoi orgs map``, or the admin action).
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from theodoi.parsing.text import fold, nfc

from .models import Alias, Organization, OrgGroup
from .registry import RESERVED_PREFIX

_CODE_LENGTH = 120  # Organization.code


class MappingError(ValueError):
    """A mapping that cannot be done; the message says why, in Vietnamese."""


def unresolved_code(name: str) -> str:
    """The code of the unresolved body for ``name``: the prefix and a slug of the folded name
    (a hash keeps long or non-Latin names unique within the field's length)."""
    key = fold(nfc(name))
    slug = slugify(key)
    room = _CODE_LENGTH - len(RESERVED_PREFIX)
    if not slug or len(slug) > room:
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
        slug = f"{slug[: room - 11]}-{digest}" if slug else digest
    return RESERVED_PREFIX + slug


def resolve_name(*, name: str, code: str | None = None) -> Organization | OrgGroup:
    """The body or group meant by ``code`` (a registry id), else by ``name`` compared folded
    with names and aliases; else the unresolved body for that name, created on first use.
    Where two bodies share a name, the one loaded first wins, as in the parser."""
    if code:
        found = Organization.objects.filter(code=code).first()
        if found is None:
            found = OrgGroup.objects.filter(code=code).first()
        if found is not None:
            return found
    name = nfc(name or "")
    if not name:
        raise ValueError("tên cơ quan trống")
    key = fold(name)
    alias = Alias.objects.select_related("organization", "group").filter(key=key).first()
    if alias is not None:
        return alias.organization or alias.group  # an unresolved body's other names too
    known = lookup_name(name)
    if known is not None:
        return known
    code = unresolved_code(name)
    org = Organization.objects.filter(unresolved=True, name_key=key).order_by("pk").first()
    if org is not None:
        return org
    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(
            code=code, defaults={"name": name[:300], "unresolved": True}
        )
    return org


def lookup_name(name: str) -> Organization | OrgGroup | None:
    """The known body or group ``name`` means (compared folded with names and aliases), or
    None; never creates anything (a preview asks this of every name it shows)."""
    key = fold(nfc(name or ""))
    if not key:
        return None
    alias = Alias.objects.select_related("organization", "group").filter(key=key).first()
    if alias is not None and not (alias.organization and alias.organization.unresolved):
        return alias.organization or alias.group
    org = Organization.objects.filter(name_key=key, unresolved=False).order_by("pk").first()
    if org is not None:
        return org
    for group in OrgGroup.objects.order_by("pk"):
        if fold(group.name) == key:
            return group
    return None


def add_alias(*, name: str, target: Organization) -> None:
    """Remember ``name`` as another name of ``target`` (the next import reads it so); a name
    that is already another body's is refused with a MappingError naming both."""
    _add_alias(name=name, target=target, unresolved=target)


def map_unresolved(*, unresolved: Organization, target: Organization) -> int:
    """Make ``unresolved`` a name of ``target``: the name becomes an alias (so the next import
    recognises it), its assignments move to the target, and the unresolved body is deleted.

    Where the task already has an assignment for the target, the roles are merged into it and
    the occurrences move there. Returns the number of assignments moved. One transaction.
    """
    from theodoi.programs.models import ROLE_FIELDS, Assignment, Program

    with transaction.atomic():
        unresolved = Organization.objects.select_for_update().get(pk=unresolved.pk)
        target = Organization.objects.get(pk=target.pk)
        if not unresolved.unresolved:
            raise MappingError(
                f"{unresolved.code} ({unresolved.name}) không phải tên chưa xác định"
            )
        if target.unresolved:
            raise MappingError(
                f"{target.code} ({target.name}) cũng là tên chưa xác định;"
                " hãy chọn một cơ quan trong danh mục"
            )
        _add_alias(name=unresolved.name, target=target, unresolved=unresolved)
        Alias.objects.filter(organization=unresolved).update(organization=target)

        moved = 0
        for assignment in Assignment.objects.filter(organization=unresolved).order_by("pk"):
            candidates = Assignment.objects.filter(task_id=assignment.task_id, organization=target)
            existing = (
                candidates.filter(active_to__isnull=True).order_by("pk").first()
                or candidates.order_by("pk").first()
            )
            if existing is None:
                assignment.organization = target
                assignment.save(update_fields=["organization"])
            else:
                for role in ROLE_FIELDS:
                    if getattr(assignment, role):
                        setattr(existing, role, True)
                existing.inferred = existing.inferred and assignment.inferred
                existing.save()
                assignment.occurrences.update(assignment=existing)
                Assignment.objects.filter(transferred_from=assignment).update(
                    transferred_from=existing
                )
                assignment.delete()
            moved += 1

        # Everything else that named the unresolved body names the target now.
        Program.objects.filter(issuer=unresolved).update(issuer=target)
        Organization.objects.filter(parent=unresolved).update(parent=target)
        for group in unresolved.org_groups.all():
            group.members.add(target)
        for reorganization in unresolved.reorganized_in.all():
            reorganization.predecessors.add(target)
        for reorganization in unresolved.created_by.all():
            reorganization.successors.add(target)
        try:
            unresolved.delete()
        except ProtectedError:
            raise MappingError(
                f"{unresolved.code} ({unresolved.name}) còn được dữ liệu khác dùng đến;"
                " không xóa được"
            ) from None
    return moved


def _add_alias(*, name: str, target: Organization, unresolved: Organization) -> None:
    """``name`` as an alias of ``target``, unless it is already its name or alias; a name
    that is another body's alias is refused, naming both."""
    key = fold(name)
    if key == target.name_key:
        return
    alias = Alias.objects.select_related("organization", "group").filter(key=key).first()
    if alias is None:
        Alias.objects.create(name=name, organization=target)
    elif alias.organization_id not in (target.pk, unresolved.pk):
        owner = alias.organization or alias.group
        raise MappingError(
            f"tên '{name}' đã là tên gọi khác của {owner.code} ({owner.name}),"
            f" không gắn được vào {target.code} ({target.name})"
        )

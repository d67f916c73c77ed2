"""Where a body stands in the registry's tree: the committee it belongs to and the bodies
below a committee. The permission policy reads its scope from here: an office acts within its
own committee (a province's Tỉnh ủy, a district's Huyện ủy, a People's Committee) and what
is below it, never above or beside.

The tree is ``Organization.parent``. A body's committee is the nearest body, itself or above,
of a committee's kind (cấp ủy, Ủy ban nhân dân, Hội đồng nhân dân); a body with no such body
above it belongs to the topmost body of its branch. A registry where every province hangs
under one central committee gives that committee's office the whole country."""

from __future__ import annotations

from .models import Kind, Organization

COMMITTEE_KINDS = frozenset({Kind.PARTY_COMMITTEE, Kind.PEOPLES_COMMITTEE, Kind.PEOPLES_COUNCIL})
DEEPEST = 12  # no real registry is deeper; a cycle typed by hand stops here


def committee_of(organization_id: int) -> int:
    """The committee a body belongs to (see the module's docstring), by id."""
    current = organization_id
    top = organization_id
    seen: set[int] = set()
    for _ in range(DEEPEST):
        row = Organization.objects.filter(pk=current).values_list("kind", "parent_id").first()
        if row is None:
            break
        kind, parent = row
        top = current
        if kind in COMMITTEE_KINDS:
            return current
        if parent is None or parent in seen:
            break
        seen.add(current)
        current = parent
    return top


def bodies_under(organization_id: int) -> frozenset[int]:
    """A body and every body below it, by id: one query per level of the tree."""
    found = {organization_id}
    frontier = [organization_id]
    for _ in range(DEEPEST):
        children = [
            pk
            for pk in Organization.objects.filter(parent_id__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in found
        ]
        if not children:
            break
        found.update(children)
        frontier = children
    return frozenset(found)


def is_sole_root(organization_id: int) -> bool:
    """Whether every body of the registry is below this one (it has no parent and no other
    body lacks one): its committee sees the whole installation, without listing it."""
    # names an import met and nobody has placed yet hang nowhere; they do not split the tree
    roots = Organization.objects.filter(parent__isnull=True, unresolved=False)
    roots = roots.values_list("pk", flat=True)[:2]
    return list(roots) == [organization_id]

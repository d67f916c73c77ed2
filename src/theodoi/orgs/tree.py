"""Where a body stands in the registry's tree: the committee it belongs to and the bodies
below a committee. The permission policy reads its scope from here: an office acts within its
own committee (a province's Tỉnh ủy, a district's Huyện ủy, a People's Committee) and what
is below it, never above or beside.

The tree is ``Organization.parent``. A body's committee is the nearest body, itself or above,
of a committee's kind (cấp ủy, Ủy ban nhân dân, Hội đồng nhân dân); a body with no such body
above it belongs to the topmost body of its branch. A registry where every province hangs
under one central committee gives that committee's office the whole country."""

from __future__ import annotations

from django.db.models import Q

from .models import Kind, Organization

COMMITTEE_KINDS = frozenset({Kind.PARTY_COMMITTEE, Kind.PEOPLES_COMMITTEE, Kind.PEOPLES_COUNCIL})
DEEPEST = 12  # no real registry is deeper; a cycle typed by hand stops here


def committee_of(organization_id: int) -> tuple[int, bool]:
    """The committee a body belongs to (see the module's docstring), by id, and whether it
    has nothing above it. Four levels are read a query."""
    seen: set[int] = set()
    current: int | None = organization_id
    top = (organization_id, True)
    while current is not None and current not in seen and len(seen) < DEEPEST:
        row = Organization.objects.select_related("parent__parent__parent").filter(pk=current)
        row = row.first()
        if row is None:
            break
        for level in range(4):
            seen.add(row.pk)
            top = (row.pk, row.parent_id is None)
            if row.kind in COMMITTEE_KINDS or row.parent_id is None or row.parent_id in seen:
                return top
            if level == 3:
                break  # the fourth level's parent was not read with it
            row = row.parent
        current = row.parent_id
    return top


def bodies_under(organization_id: int) -> frozenset[int]:
    """A body and every body below it, by id: four levels a query."""
    found = {organization_id}
    frontier = [organization_id]
    below = ("parent_id", "parent__parent_id", "parent__parent__parent_id",
             "parent__parent__parent__parent_id")  # fmt: skip
    while frontier and len(found) < 10_000_000:
        reach = Q()
        for path in below:
            reach |= Q(**{f"{path}__in": frontier})
        rows = list(
            Organization.objects.filter(reach).values_list(
                "pk", "parent__parent__parent__parent_id"
            )
        )
        new = {pk for pk, _ in rows} - found
        found |= new
        # bodies four levels down may have bodies below them: read on from there
        frontier = sorted({pk for pk, fourth in rows if fourth in frontier and pk in new})
    return frozenset(found)


def is_sole_root(organization_id: int) -> bool:
    """Whether every body of the registry is below this one (it has no parent and no other
    body lacks one): its committee sees the whole installation, without listing it."""
    # names an import met and nobody has placed yet hang nowhere; they do not split the tree
    roots = Organization.objects.filter(parent__isnull=True, unresolved=False)
    roots = roots.values_list("pk", flat=True)[:2]
    return list(roots) == [organization_id]

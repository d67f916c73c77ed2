"""Where a body stands: its committee, and the bodies below a committee, whatever the depth
of the registry (the reads go four levels at a time) and even with a loop typed by hand."""

from __future__ import annotations

import pytest

from theodoi.orgs.models import Kind, Organization
from theodoi.orgs.tree import bodies_under, committee_of, is_sole_root

pytestmark = pytest.mark.django_db


def chain(depth: int, *, top_kind: str = Kind.PARTY_COMMITTEE) -> list[Organization]:
    """A committee with a line of ``depth`` bodies under it, each under the one before."""
    made = [Organization.objects.create(code="c0", name="Tỉnh ủy", kind=top_kind)]
    for n in range(1, depth + 1):
        made.append(Organization.objects.create(code=f"c{n}", name=f"Cơ quan {n}",
                                                parent=made[-1]))  # fmt: skip
    return made


def test_a_body_belongs_to_the_nearest_committee_above_it_at_any_depth():
    line = chain(9)
    for body in line:
        assert committee_of(body.pk) == (line[0].pk, True)
    district = Organization.objects.create(code="hu", name="Huyện ủy", kind=Kind.PARTY_COMMITTEE,
                                           parent=line[2])  # fmt: skip
    office = Organization.objects.create(code="hu.vp", name="Văn phòng Huyện ủy", parent=district)
    assert committee_of(office.pk) == (district.pk, False)
    assert committee_of(district.pk) == (district.pk, False)


def test_without_a_committee_above_a_body_belongs_to_the_top_of_its_branch():
    line = chain(6, top_kind=Kind.OTHER)
    assert committee_of(line[-1].pk) == (line[0].pk, True)


def test_a_loop_typed_by_hand_stops():
    a = Organization.objects.create(code="a", name="A")
    b = Organization.objects.create(code="b", name="B", parent=a)
    Organization.objects.filter(pk=a.pk).update(parent=b)
    found, _root = committee_of(b.pk)
    assert found in (a.pk, b.pk)
    assert bodies_under(a.pk) == {a.pk, b.pk}


def test_the_bodies_below_reach_every_level():
    line = chain(11)
    aside = Organization.objects.create(code="x", name="Cơ quan khác")
    assert bodies_under(line[0].pk) == {body.pk for body in line}
    assert bodies_under(line[5].pk) == {body.pk for body in line[5:]}
    assert aside.pk not in bodies_under(line[0].pk)
    assert not is_sole_root(line[0].pk)  # the other body has no parent either
    aside.delete()
    assert is_sole_root(line[0].pk)

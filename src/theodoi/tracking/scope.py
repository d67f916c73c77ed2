"""The part of an installation a user's role reaches: their committee's bodies and programs.

An office (monitor), a leader and an administrator act within the committee their body
belongs to (``theodoi.orgs.tree.committee_of``): the bodies below that committee, and the
programs it or any of those bodies issued, with every program below those (lower-level
programs linked to them, ``Program.parent_program``, whoever issued them). A program whose
issuer the registry does not know belongs to the committee of whoever imported it. Seeing
reaches a little further than acting: the committee's own bodies' work on any program
(a district office follows what its bodies owe the province), but reviewing, deciding,
amending, urging and evaluating happen only on the committee's programs.

Computed once per user object (a request's ``request.user``) and kept on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from theodoi.orgs.models import Organization
from theodoi.orgs.tree import bodies_under, committee_of, is_sole_root
from theodoi.programs.models import Assignment, Program, ProgramVersion

from .models import Membership, Role

_KEPT = "_theodoi_scope"


@dataclass(frozen=True)
class Scope:
    """A committee's reach, by ids; ``everything`` when the committee is the registry's only
    root (the sets are then left empty, not listed)."""

    committee_id: int
    everything: bool
    bodies: frozenset[int]
    programs: frozenset[int]
    _kept: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def has_program(self, program_id: int | None) -> bool:
        return self.everything or program_id in self.programs

    def has_body(self, organization_id: int | None) -> bool:
        return self.everything or organization_id in self.bodies

    def working_bodies(self) -> frozenset[int]:
        """The bodies with work in the committee's programs (read once, then kept)."""
        if "working" not in self._kept:
            self._kept["working"] = frozenset(
                Assignment.objects.filter(
                    self.programs_q("task__program_id"), organization__isnull=False
                )
                .values_list("organization_id", flat=True)
                .distinct()
            )
        return self._kept["working"]

    def offices(self) -> frozenset[int]:
        """The committee's monitoring offices: its bodies where someone holds the monitor
        role. Their own reports and extensions are reviewed by the committee's leaders."""
        if "offices" not in self._kept:
            rows = Membership.objects.filter(role=Role.MONITOR, user__is_active=True)
            if not self.everything:
                rows = rows.filter(organization_id__in=sorted(self.bodies))
            self._kept["offices"] = frozenset(
                rows.values_list("organization_id", flat=True).distinct()
            )
        return self._kept["offices"]

    def committee_name(self) -> str:
        """The committee's name, for a person (read once, then kept)."""
        if "name" not in self._kept:
            self._kept["name"] = (
                Organization.objects.filter(pk=self.committee_id)
                .values_list("name", flat=True)
                .first()
                or ""
            )
        return self._kept["name"]

    def programs_q(self, path: str) -> Q:
        """Rows whose program (at ``path``, an id lookup) is the committee's."""
        return Q() if self.everything else Q(**{f"{path}__in": sorted(self.programs)})

    def bodies_q(self, path: str) -> Q:
        """Rows whose body (at ``path``, an id lookup) is below the committee."""
        return Q() if self.everything else Q(**{f"{path}__in": sorted(self.bodies)})


def scope_for_body(organization_id: int) -> Scope:
    """The reach of a role held in this body."""
    committee, root = committee_of(organization_id)
    if root and is_sole_root(committee):
        return Scope(committee, True, frozenset(), frozenset())
    bodies = bodies_under(committee)
    return Scope(committee, False, bodies, _programs_of(bodies, root=root))


def scope_of(user) -> Scope | None:
    """The reach of a signed-in member (``None`` for anyone else), kept on the user object."""
    membership = getattr(user, "membership", None) if user is not None else None
    if membership is None:
        return None
    kept = getattr(user, _KEPT, None)
    if kept is not None and kept[0] == membership.organization_id:
        return kept[1]
    scope = scope_for_body(membership.organization_id)
    setattr(user, _KEPT, (membership.organization_id, scope))
    return scope


def _programs_of(bodies: frozenset[int], *, root: bool) -> frozenset[int]:
    """The programs issued (or, issuer unknown, imported) by these bodies, and those below
    them. A program nobody is known to have issued or imported (a command's import of an
    unknown issuer) is every top committee's: one with nothing above it."""
    rows = list(Program.objects.values_list("pk", "issuer_id", "parent_program_id"))
    unknown = [pk for pk, issuer, _parent in rows if issuer is None]
    importer = _importers(unknown) if unknown else {}

    def own(pk: int, issuer: int | None) -> bool:
        if issuer is not None:
            return issuer in bodies
        if pk in importer:
            return importer[pk] in bodies
        return root

    found = {pk for pk, issuer, _parent in rows if own(pk, issuer)}
    # everything below a program of the committee is the committee's too
    grew = True
    while grew:
        grew = False
        for pk, _issuer, parent in rows:
            if parent in found and pk not in found:
                found.add(pk)
                grew = True
    return frozenset(found)


def _importers(program_ids: list[int]) -> dict[int, int]:
    """The body of whoever imported each program (its first version's author)."""
    authors = dict(
        ProgramVersion.objects.filter(program_id__in=program_ids, number=1).values_list(
            "program_id", "author_id"
        )
    )
    bodies = dict(
        Membership.objects.filter(user_id__in={a for a in authors.values() if a}).values_list(
            "user_id", "organization_id"
        )
    )
    return {pk: bodies[a] for pk, a in authors.items() if a in bodies}

"""Finding a body by what a person types: part of its name, short name or another name,
with or without diacritics, the tone mark old or new style ("uỷ" and "ủy" are the same)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from theodoi.parsing.text import fold, nfc

from .models import Organization


def find_bodies(typed: str, *, limit: int = 20) -> QuerySet[Organization]:
    """The known bodies (not unresolved names) whose name, code or another name contains
    every word typed, compared folded; all bodies for nothing typed. The name typed whole
    first, then names that start with it, then the others, by name."""
    bodies = Organization.objects.filter(unresolved=False)
    typed = " ".join(fold(nfc(typed or "")).split())
    for word in typed.split():
        bodies = bodies.filter(
            Q(name_key__contains=word) | Q(code__icontains=word) | Q(aliases__key__contains=word)
        )
    rank = Case(
        When(name_key=typed, then=Value(0)),
        When(name_key__startswith=typed, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return bodies.distinct().annotate(rank=rank).order_by("rank", "name_key")[:limit]

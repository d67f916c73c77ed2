"""Finding a body by what a person types: part of its name, short name or another name,
with or without diacritics, the tone mark old or new style ("uỷ" and "ủy" are the same)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from theodoi.parsing.text import fold, nfc

from .models import Organization


def find_bodies(typed: str, *, limit: int = 20) -> QuerySet[Organization]:
    """The known bodies (not unresolved names) whose name, code or another name contains
    every word typed, compared folded; all bodies for nothing typed. Names first, by name."""
    bodies = Organization.objects.filter(unresolved=False)
    for word in fold(nfc(typed or "")).split():
        bodies = bodies.filter(
            Q(name_key__contains=word) | Q(code__icontains=word) | Q(aliases__key__contains=word)
        )
    return bodies.distinct().order_by("name_key")[:limit]

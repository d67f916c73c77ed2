"""Placeholder while the page is being built in this session (see issue 5)."""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404("not built yet")


queue = _missing

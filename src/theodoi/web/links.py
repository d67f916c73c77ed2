"""Links to pages that take no arguments (the menu, the page frame), reversed once per
process: every page draws a dozen of them, and `reverse` walks the URL patterns each time."""

from __future__ import annotations

from functools import cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse


def link(name: str) -> str:
    """``reverse(name)`` for a URL name without arguments, as the site is mounted now."""
    return _reversed(name, get_script_prefix())


@cache
def _reversed(name: str, prefix: str) -> str:
    # The script prefix is in the key: the same process could serve under two mount points.
    return reverse(name)


@receiver(setting_changed)
def _urls_changed(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":  # as Django forgets its own resolvers (tests)
        _reversed.cache_clear()

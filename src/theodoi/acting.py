"""Who is acting, through what and from where: one context per request (or command) that every
audit entry and every report revision reads.

A web request sets it (``web.channel.ChannelMiddleware``: "web" and the client's address, read
behind ``THEODOI_PROXY_COUNT`` proxies as sign-in throttling reads it); the API's token
authentication narrows it to the token ("api:<prefix>"); outside any request (a ``theodoi``
command, the reminder run) it is "cli", with the server account that ran it. Services wrap
their writes in ``acting(user)``, which names the person and keeps the channel and address:
django-auditlog's ``set_actor`` would replace the address the request set with none.

Each audit entry (django-auditlog's LogEntry) gets, where it has none of its own: the actor,
``remote_addr``, and ``additional_data["via"]`` (and ``["operator"]`` for a command). This module
sits below every layer that writes, so programs, tracking and plans all use it; it imports
nothing of theodoi.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.db.models.signals import pre_save
from django.utils.translation import gettext as _

WEB = "web"
CLI = "cli"
API = "api:"


@dataclass(frozen=True)
class Channel:
    """Through what (``via``) and from where (``address``) the work comes, and who does it
    (``actor``: the signed-in user, or the one a service acts for)."""

    via: str = CLI
    address: str | None = None
    actor: Any = None


OUTSIDE = Channel()  # no request: a command run on the server
_current: ContextVar[Channel] = ContextVar("theodoi_channel")


def current() -> Channel:
    """The channel of the work being done now."""
    return _current.get(OUTSIDE)


@contextlib.contextmanager
def through(via: str, *, address: str | None = None, actor: Any = None) -> Iterator[Channel]:
    """Work inside the block comes through ``via`` from ``address`` (a request, a command)."""
    token = _current.set(Channel(via=via, address=address, actor=actor))
    try:
        yield current()
    finally:
        _current.reset(token)


def narrow(via: str, *, actor: Any) -> None:
    """For the rest of the request, the work comes through ``via`` as ``actor`` (the API's
    token authentication; the request's ``through`` block ends it), from the same address."""
    _current.set(replace(current(), via=via, actor=actor))


@contextlib.contextmanager
def acting(user: Any) -> Iterator[Channel]:
    """What the block writes is ``user``'s doing, through the current channel: what services
    wrap their writes in, instead of auditlog's ``set_actor``."""
    token = _current.set(replace(current(), actor=user))
    try:
        yield current()
    finally:
        _current.reset(token)


def revision_fields() -> dict[str, str | None]:
    """``via`` and ``address`` for a history row of our own (a report revision)."""
    here = current()
    return {"via": here.via, "address": here.address}


def label(via: str | None) -> str:
    """``via`` for a person: "phiên đăng nhập web", "khóa API td_ab12cd34", "lệnh trên máy chủ"."""
    if not via:
        return ""
    if via == WEB:
        return _("phiên đăng nhập web")
    if via == CLI:
        return _("lệnh trên máy chủ")
    if via.startswith(API):
        return _("khóa API td_%(prefix)s") % {"prefix": via.removeprefix(API)}
    return via


def _operator() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's account (some containers)
        return None


def _stamp(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Put who, through what and from where on an audit entry about to be written."""
    if not instance._state.adding:
        return
    here = current()
    actor = here.actor
    if instance.actor_id is None and getattr(actor, "is_authenticated", False) and actor.pk:
        instance.actor_id = actor.pk
        instance.actor_email = getattr(actor, "email", None) or None
    if instance.remote_addr is None and here.address:
        instance.remote_addr = here.address
    data = instance.additional_data
    data = dict(data) if isinstance(data, dict) else {} if data is None else {"data": data}
    data.setdefault("via", here.via)
    if here.via == CLI and "operator" not in data and (operator := _operator()):
        data["operator"] = operator
    instance.additional_data = data


pre_save.connect(_stamp, sender="auditlog.LogEntry", weak=False, dispatch_uid="theodoi.acting")

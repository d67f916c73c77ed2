"""A refused request is one log line: method, path, status, user and reason, no traceback.

Django logs every 4xx answer on ``django.request`` (and ``django.security.*`` for a
SuspiciousOperation), and a refusal raised as an exception (PermissionDenied, a bad Host, a
form too large) with its whole traceback: a traceback per 404 or 403 buries the real errors.
``RefusalFilter`` (on the log handlers, settings.LOGGING) rewrites those records as one line;
a 5xx record keeps its traceback. The reason is what the person was told when the code said
it (``note_refusal``: the API's ``detail``, the input refused at the door), else the
exception's message, else Django's own words ("Not Found").

Imported by the logging configuration, before the apps are loaded: nothing here touches a
model, and the user is named only if the request has read it already (reading it here could
query a database that has just failed).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.urls import Resolver404
from django.utils.functional import empty

__all__ = ["RefusalFilter", "note_refusal", "one_line"]

_REASON = "_theodoi_refusal"
LONGEST = 300  # characters of a path or a reason kept in the line


def note_refusal(request: HttpRequest, reason: str) -> None:
    """Say why ``request`` is refused, for its log line."""
    setattr(request, _REASON, reason)


def one_line(text: str, longest: int = LONGEST) -> str:
    """``text`` on one line, control characters escaped (a path with %0A cannot forge a line),
    cut to ``longest`` characters."""
    text = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        for ch in text[: longest + 1]
    )
    return text if len(text) <= longest else text[:longest] + "…"


def _user(request: HttpRequest | None) -> str:
    """The signed-in user's name, "-" for nobody, "?" when the request never looked (it
    was refused before the sign-in was read)."""
    user = getattr(request, "__dict__", {}).get("user")
    if user is None:
        return "?"
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return "?"
    try:
        return wrapped.get_username() if wrapped.is_authenticated else "-"
    except Exception:
        return "?"


def _reason(record: logging.LogRecord, request: HttpRequest | None) -> str:
    noted = getattr(request, _REASON, None) if request is not None else None
    if noted:
        return noted
    error = record.exc_info[1] if record.exc_info else None
    if error is not None and not isinstance(error, Resolver404) and str(error):
        return str(error)
    message = record.getMessage()
    path = getattr(request, "path", "")
    for shown in (path, path.encode("unicode_escape").decode("ascii")):
        if shown and message.endswith(": " + shown):
            return message[: -len(shown) - 2]
    return message


class RefusalFilter(logging.Filter):
    """Rewrites the record of a 4xx answer as one line, without its traceback; leaves every
    other record as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        request = getattr(record, "request", None)
        try:
            reason = _reason(record, request)
        except Exception:  # a record whose arguments do not fit
            reason = str(record.msg)
        method = getattr(request, "method", None) or "-"
        path = getattr(request, "path", None) or "-"
        record.msg = "refused %s %s %s user=%s: %s"
        record.args = (method, one_line(path), status, _user(request), one_line(reason))
        record.exc_info = record.exc_text = None
        record.stack_info = None
        return True

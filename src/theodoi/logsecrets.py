"""Secrets never reach a log: calendar addresses and API tokens are masked in log records.

A calendar feed's address is its whole credential (``/calendar/<secret>.ics``), and an API
token (``td_<prefix>_<secret>``) may arrive in a query string by mistake. Django writes
"Not Found: <path>" for an address no route matches, and gunicorn's access log writes every
request line and referer; both go through ``SecretsFilter``, which rewrites the finished
message (and any traceback) with the secrets replaced by ``***``. The token's prefix stays:
it names the token (the token list shows it) without being able to use it.

Imported by the logging configuration (settings.LOGGING) and by gunicorn, so it imports
nothing from Django's models.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as _GunicornLogger

__all__ = ["GunicornLogger", "SecretsFilter", "mask"]

MASK = "***"
# The path segment after /calendar/ (also %2F-encoded, or after a proxy's prefix).
# The secret never holds a dot, so ".ics" (or "/<code>.ics") after it stays readable.
_CALENDAR = re.compile(r"(/calendar(?:/|%2[Ff]))[^/\s?#\"'<>.]+", re.IGNORECASE)
_API_TOKEN = re.compile(r"\b(td_[A-Za-z0-9]{8}_)[A-Za-z0-9_\-]+")
_MASKED_TOKEN = r"(?!td_[A-Za-z0-9]{8}_\*\*\*)"  # already masked, its prefix kept
_BEARER = re.compile(r"(\bBearer\s+)" + _MASKED_TOKEN + r"[^\s\"',;]+", re.IGNORECASE)
# Query parameters that carry a secret, whatever their value looks like.
_SECRET_PARAMS = re.compile(
    r"([?&;](?:token|access_token|api_key|apikey|key|secret|password|code)=)"
    + _MASKED_TOKEN
    + r"[^&\s\"'#]+",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    """``text`` with calendar secrets, API tokens and secret query values replaced."""
    if not text:
        return text
    text = _CALENDAR.sub(lambda m: m.group(1) + MASK, text)
    text = _API_TOKEN.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _SECRET_PARAMS.sub(lambda m: m.group(1) + MASK, text)


class SecretsFilter(logging.Filter):
    """Rewrites a record's message, arguments merged, with its secrets masked (and its
    traceback, formatted now). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit: keep its raw text
            message = str(record.msg)
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with ``SecretsFilter`` on its access and error logs: the access log
    writes the request line and the referer, which may hold a calendar secret."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            for handler in log.handlers:
                if not any(isinstance(f, SecretsFilter) for f in handler.filters):
                    handler.addFilter(SecretsFilter())

"""One plain-text email as the bytes an SMTP server takes, and its sending over a session that
a server may end early. For the reminder digests: tens of thousands a morning.

Django's ``EmailMessage`` rebuilds for every message what is the same for all of them (the
sender's header and address, the MIME classes, header folding through the email package):
about a millisecond a mail, more than the database and the SMTP server together. ``Mail``
writes the same message Django writes (the same headers, checked with Django's own rules
for non-ASCII names and subjects, UTF-8 in 8 bits or quoted-printable when a line is too long
for SMTP) from a few strings, and ``deliver`` hands it to the SMTP session of Django's SMTP
backend. Any other backend (the outbox folder, tests' memory) gets a Django ``EmailMessage``.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from email.utils import formatdate, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
    utf8_charset_qp,
)
from django.core.mail.utils import DNS_NAME

__all__ = ["ONE_MESSAGE", "Mail", "deliver", "reset"]

log = logging.getLogger(__name__)

# Refusals of one message; any other OSError (SMTPException is one) is the server's or the
# network's: refused connection, timeout, disconnection, failed greeting or login.
ONE_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

# An address that needs no encoding or quoting: written as it is, as Django would write it.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


@dataclass(frozen=True)
class Mail:
    """A plain-text mail from ``DEFAULT_FROM_EMAIL`` to one address."""

    to: str
    subject: str
    body: str

    def as_bytes(self) -> bytes:
        """The message as Django's ``EmailMessage(...).message().as_bytes(linesep="\\r\\n")``
        writes it (its Date and Message-ID are new each time, as there)."""
        lines = self.body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if any(len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
               for line in lines):  # fmt: skip
            encoding, body = "quoted-printable", utf8_charset_qp.body_encode(self.body)
            body = body.replace("\r\n", "\n").replace("\n", "\r\n")
        else:
            encoding, body = "8bit", "\r\n".join(lines)
        head = (
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "MIME-Version: 1.0\r\n"
            f"Content-Transfer-Encoding: {encoding}\r\n"
            f"Subject: {_header('Subject', self.subject)}\r\n"
            f"From: {_header('From', settings.DEFAULT_FROM_EMAIL)}\r\n"
            f"To: {_address_header(self.to)}\r\n"
            f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}\r\n"
            f"Message-ID: {make_msgid(domain=DNS_NAME)}\r\n"
            "\r\n"
        )
        return (head + body).encode("utf-8", errors="surrogateescape")

    def as_email_message(self, connection) -> EmailMessage:
        return EmailMessage(
            subject=self.subject, body=self.body, to=[self.to], connection=connection
        )


@lru_cache(maxsize=1024)
def _header(name: str, value: str) -> str:
    """A header's value as Django encodes it (non-ASCII words in RFC 2047 form), folded with
    CRLF; a day's digests share a few subjects and one sender, so each is encoded once."""
    return str(forbid_multi_line_headers(name, value, "utf-8")[1]).replace("\n", "\r\n")


def _address_header(address: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return forbid_multi_line_headers("To", address, "utf-8")[1]


@lru_cache(maxsize=16)
def _envelope_sender(address: str) -> str:
    return sanitize_address(address, "utf-8")


def _envelope(address: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, "utf-8")


def deliver(mail: Mail, connection) -> None:
    """Send over ``connection``'s one session, opened by the first mail. A server may end a
    session it finds long (some cap the mails a session carries: they close it, or answer
    421), so such a failure on a session that carried mail already is tried once more on a
    fresh one before the mail is taken for refused or the server for down."""
    if not isinstance(connection, SMTPBackend):
        mail.as_email_message(connection).send()
        return
    sender, recipient = _envelope_sender(settings.DEFAULT_FROM_EMAIL), _envelope(mail.to)
    message = mail.as_bytes()
    fresh = connection.open()  # False: the session was open already
    try:
        connection.connection.sendmail(sender, [recipient], message)
    except OSError as error:
        ended = getattr(error, "smtp_code", None) == 421 or not isinstance(error, ONE_MESSAGE)
        if fresh is not False or not ended:
            raise
        reset(connection)
        connection.open()
        connection.connection.sendmail(sender, [recipient], message)


def reset(connection) -> None:
    """After a failure the SMTP session may be unusable: start the next send afresh."""
    try:
        connection.close()
    except Exception:  # a broken session may fail to close in any way
        log.debug("closing a broken mail connection failed", exc_info=True)

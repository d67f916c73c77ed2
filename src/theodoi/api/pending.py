"""Program documents sent to the API and not yet confirmed: the bytes under a random name in
``DATA_DIR/api-imports`` (never under the name they were sent with, never under the static
root), and beside them a JSON sidecar saying whose they are, when they came and what they
were called. Only the person who sent one may see, confirm or cancel it, and only for a day:
after that it is gone, as if never sent. The web keeps its own uploads in the session
(``theodoi.web.views.uploads``); an API client has none, so the owner is written down."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

KEEP_FOR = dt.timedelta(days=1)
FOLDER = "api-imports"
_ID = re.compile(r"^[0-9a-f]{32}$")
_SUFFIX = re.compile(r"^\.[a-z]{1,10}$")


@dataclass(frozen=True)
class Pending:
    id: str
    owner_id: int
    name: str  # as sent: a label, never a path
    suffix: str  # ".docx": the parser reads the content, the suffix only names the type
    created: dt.datetime

    @property
    def path(self) -> Path:
        return folder() / f"{self.id}{self.suffix}"

    @property
    def expires_at(self) -> dt.datetime:
        return self.created + KEEP_FOR


def folder() -> Path:
    path = Path(settings.DATA_DIR) / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(
    *, owner_id: int, name: str, suffix: str, chunks, now: dt.datetime | None = None
) -> Pending:
    """Store an upload (its ``chunks`` of bytes) for ``owner_id``; first removes what nobody
    confirmed in time. The sidecar is written last: bytes without one are never offered."""
    remove_stale(now=now)
    if not _SUFFIX.match(suffix):
        raise ValueError(f"unexpected suffix {suffix!r}")
    pending = Pending(
        id=secrets.token_hex(16),
        owner_id=owner_id,
        name=name[:255],
        suffix=suffix,
        created=now or timezone.now(),
    )
    try:
        with pending.path.open("xb") as out:
            for chunk in chunks:
                out.write(chunk)
        sidecar = {
            "owner": owner_id,
            "name": pending.name,
            "suffix": suffix,
            "created": pending.created.isoformat(),
        }
        _sidecar(pending.id).write_text(json.dumps(sidecar, ensure_ascii=False), "utf-8")
    except BaseException:
        pending.path.unlink(missing_ok=True)
        raise
    return pending


def find(pending_id: str, *, owner_id: int, now: dt.datetime | None = None) -> Pending | None:
    """The upload ``pending_id`` of ``owner_id``; ``None`` for an id of another shape, another
    person's, one already confirmed or cancelled, and one past its day (removed here)."""
    if not isinstance(pending_id, str) or not _ID.match(pending_id):
        return None
    pending = _read(pending_id)
    if pending is None or pending.owner_id != owner_id:
        return None
    if (now or timezone.now()) >= pending.expires_at or not pending.path.is_file():
        forget(pending)
        return None
    return pending


def forget(pending: Pending) -> None:
    """Remove an upload (confirmed, cancelled or expired): the sidecar first, so a half-removed
    one is never offered again."""
    _sidecar(pending.id).unlink(missing_ok=True)
    pending.path.unlink(missing_ok=True)


def remove_stale(*, now: dt.datetime | None = None) -> None:
    """Uploads past their day, and bytes that never got a sidecar (older than a day)."""
    now = now or timezone.now()
    limit = (now - KEEP_FOR).timestamp()
    for path in folder().iterdir():
        try:
            if not path.is_file():
                continue
            stem = path.name.split(".", 1)[0]
            if path.suffix == ".json":
                pending = _read(stem)
                if pending is None or now >= pending.expires_at:
                    path.unlink(missing_ok=True)
                    if pending is not None:
                        pending.path.unlink(missing_ok=True)
            elif not _sidecar(stem).exists() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _sidecar(pending_id: str) -> Path:
    return folder() / f"{pending_id}.json"


def _read(pending_id: str) -> Pending | None:
    try:
        data = json.loads(_sidecar(pending_id).read_text("utf-8"))
        created = dt.datetime.fromisoformat(data["created"])
        suffix = str(data["suffix"])
        if not _SUFFIX.match(suffix) or timezone.is_naive(created):
            return None
        return Pending(pending_id, int(data["owner"]), str(data["name"]), suffix, created)
    except (OSError, ValueError, KeyError, TypeError):
        return None

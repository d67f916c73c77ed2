"""Uploads kept between a preview and a person's confirmation (the import page, the
spreadsheet round trip): the file under a random name in the data folder, what the preview
needs to be checked again in the session under the same name. Nothing is trusted from the
client but the name, which must have the shape the server gave it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from theodoi.private import private_folder

KEEP_FOR = dt.timedelta(days=1)  # uploads never confirmed are removed after this
TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class PendingUploads:
    folder_name: str  # below the data folder
    session_key: str

    def folder(self) -> Path:
        return private_folder(Path(settings.DATA_DIR) / self.folder_name)

    def new_token(self) -> str:
        """A fresh name for an upload; first removes the uploads nobody confirmed in time."""
        self.remove_stale()
        return secrets.token_hex(16)

    def entries(self, request: HttpRequest) -> dict:
        return request.session.get(self.session_key, {})

    def entry(self, request: HttpRequest, token: str) -> dict | None:
        """What this session kept for ``token``; None for a token of another shape or
        another session."""
        return self.entries(request).get(token) if TOKEN.match(token) else None

    def remember(self, request: HttpRequest, token: str, entry: dict) -> None:
        request.session[self.session_key] = {**self.entries(request), token: entry}

    def forget(self, request: HttpRequest, token: str, path: Path) -> None:
        path.unlink(missing_ok=True)
        entries = dict(self.entries(request))
        entries.pop(token, None)
        request.session[self.session_key] = entries

    def remove_stale(self) -> None:
        """Uploads older than ``KEEP_FOR`` that were never confirmed."""
        limit = time.time() - KEEP_FOR.total_seconds()
        for path in self.folder().iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                continue

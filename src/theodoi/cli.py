"""The `theodoi` command: Django's management commands for this project, plus its own
(`theodoi parse` now; `import`, `demo`, `serve`, `remind` as they land)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Commands that never touch the data folder, so running them leaves no "data/" behind.
_NO_DATA = {"parse", "help", "--help", "-h", "version", "--version"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    if args and args[0] not in _NO_DATA:
        # SQLite creates its file, not the folder it lives in.
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["theodoi", *args])


if __name__ == "__main__":
    main()

"""The `theodoi` command: Django's management commands for this project, plus its own
(`theodoi parse` now; `import`, `demo`, `serve`, `remind` as they land)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["theodoi", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

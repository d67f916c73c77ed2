"""The `theodoi` command: Django's management commands for this project, plus its own
(`parse`, `import`, `orgs`, `member`, `remind`, `calendar`, `demo`, `serve`)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

# Commands that never touch the data folder, so running them leaves no "data/" behind.
_NO_DATA = {"parse", "help", "--help", "-h", "version", "--version"}
# Commands that keep their own secret key in the data folder when none is configured, so a
# demo's sign-ins survive a restart without anyone setting THEODOI_SECRET_KEY.
_OWN_SECRET = {"demo"}


def _data_dir_option(args: list[str]) -> str | None:
    """The value of ``--data-dir`` (``--data-dir X`` or ``--data-dir=X``), if given."""
    for i, arg in enumerate(args):
        if arg == "--data-dir" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--data-dir="):
            return arg.split("=", 1)[1]
    return None


def _demo_secret(data_dir: Path) -> str:
    path = data_dir / "secret-key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # The data folder decides the settings (the SQLite file), so it is read before Django is.
    data_dir = _data_dir_option(args) if args and args[0] in {"demo", "serve"} else None
    if data_dir:
        os.environ["THEODOI_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
    if args and args[0] in _OWN_SECRET and not os.environ.get("THEODOI_SECRET_KEY"):
        folder = Path(os.environ.get("THEODOI_DATA_DIR", Path.cwd() / "theodoi-data")).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["THEODOI_SECRET_KEY"] = _demo_secret(folder)
    from django.conf import settings
    from django.core.management import execute_from_command_line

    if args and args[0] not in _NO_DATA:
        # SQLite creates its file, not the folder it lives in.
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["theodoi", *args])


if __name__ == "__main__":
    main()

"""The `theodoi` command: Django's management commands for this project, plus its own
(`parse`, `import`, `orgs`, `member`, `remind`, `calendar`, `demo`, `serve`)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from theodoi.private import private_file, private_folder, write_private

# Commands that never touch the data folder, so running them leaves no "data/" behind.
_NO_DATA = {"parse", "help", "--help", "-h", "version", "--version"}
# Commands that answer requests: they start only with a key the operator configured
# (THEODOI_SECRET_KEY or THEODOI_SECRET_KEY_FILE), never one made up on the spot.
_SERVES = {"serve", "runserver"}


def _data_dir_option(args: list[str]) -> str | None:
    """The value of ``--data-dir`` (``--data-dir X`` or ``--data-dir=X``), if given."""
    for i, arg in enumerate(args):
        if arg == "--data-dir" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--data-dir="):
            return arg.split("=", 1)[1]
    return None


def _folder_secret(data_dir: Path) -> str:
    """The data folder's own key (``secret-key``, readable by its owner only), made once."""
    path = data_dir / "secret-key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    write_private(path, key + "\n")
    return key


def _needs_configured_key(args: list[str]) -> bool:
    """A server, and `check --deploy` (which judges the production configuration)."""
    return bool(args) and (args[0] in _SERVES or (args[0] == "check" and "--deploy" in args))


def _provide_secret(args: list[str]) -> None:
    """Without a configured key, the demo and the commands run on this machine (import, migrate,
    remind, sheet...) use the data folder's key, so a demo's sign-ins survive a restart and
    nobody has to invent a key to run `theodoi import`. A server gets none: the settings then
    refuse to start with a one-line message. (Parse and help get a throwaway key; they sign
    nothing and must not create the data folder.)"""
    configured = os.environ.get("THEODOI_SECRET_KEY") or os.environ.get("THEODOI_SECRET_KEY_FILE")
    if configured or os.environ.get("THEODOI_DEBUG") == "1" or _needs_configured_key(args):
        return
    if not args or args[0] in _NO_DATA:
        os.environ["THEODOI_SECRET_KEY"] = secrets.token_urlsafe(50)
        return
    folder = Path(os.environ.get("THEODOI_DATA_DIR", Path.cwd() / "theodoi-data")).resolve()
    os.environ["THEODOI_SECRET_KEY"] = _folder_secret(private_folder(folder))


def _private_data(data_folder: Path, database: dict) -> None:
    """The data folder (0700) and, on SQLite, the database file (0600; its journal files take
    its mode), made before SQLite would make the file itself, readable by everyone under the
    usual umask 022. SQLite creates its file, not the folder it lives in."""
    private_folder(data_folder)
    name = str(database.get("NAME") or "")
    in_memory = ":memory:" in name or "mode=memory" in name  # the tests' shared memory
    if database.get("ENGINE") == "django.db.backends.sqlite3" and name and not in_memory:
        private_file(private_folder(Path(name).parent) / Path(name).name)


def _checked_arguments(args: list[str]) -> list[str]:
    """The arguments in NFC, read as ``theodoi.inputs`` reads every input; one line and exit
    status 2 for an argument holding a character no database stores (bytes that are not
    UTF-8 arrive as lone surrogates), before any command could store it."""
    import django
    from django.apps import apps
    from django.utils.translation import gettext as _

    from theodoi.inputs import InputError, clean_text

    if not apps.ready:  # the message is translated; (a second setup would reset the logging)
        django.setup()
    try:
        return [
            clean_text(arg, where=_("đối số thứ %(number)s") % {"number": number})
            for number, arg in enumerate(args, 1)
        ]
    except InputError as error:
        sys.stderr.write(f"theodoi: {error}\n")
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # The data folder decides the settings (the SQLite file), so it is read before Django is.
    data_dir = _data_dir_option(args) if args and args[0] in {"demo", "serve"} else None
    if data_dir:
        os.environ["THEODOI_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
    if args and args[0] == "demo":
        # The demo is served on http://127.0.0.1: cookies limited to HTTPS would never return.
        os.environ.setdefault("THEODOI_HTTPS", "0")
    _provide_secret(args)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        data_folder = Path(settings.DATA_DIR)
    except ImproperlyConfigured as error:
        # A missing key or a malformed variable: one line that says what to set, no traceback.
        sys.stderr.write(f"theodoi: {error}\n")
        raise SystemExit(2) from None
    if args and args[0] not in _NO_DATA:
        _private_data(data_folder, settings.DATABASES["default"])
    args = _checked_arguments(args)
    from django.db import DatabaseError

    try:
        execute_from_command_line(["theodoi", *args])
    except DatabaseError as error:
        if settings.DEBUG:
            raise
        # One line the operator can act on. Every change is one transaction, so what the
        # command was changing when the database failed has been rolled back.
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        sys.stderr.write(
            f"theodoi {args[0] if args else ''}: cơ sở dữ liệu báo lỗi ({reason}); thay đổi đang"
            " làm dở đã được hủy. Xin chạy lại lệnh khi cơ sở dữ liệu hoạt động bình thường.\n"
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

"""Serving the application with gunicorn (a real WSGI server), started from our commands so
`theodoi serve` and `theodoi demo` need nothing else installed or configured."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """Gunicorn with its options given here, not read from the command line. The access log
    is off unless THEODOI_ACCESS_LOG names a file (or ``-``, standard output); its lines go
    through ``theodoi.logsecrets``, which masks calendar secrets and API tokens."""

    def __init__(self, application, options: dict) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self.application


def serve(*, bind: str, workers: int = 2, threads: int = 4, timeout: int = 120) -> None:
    """Run until stopped (Ctrl+C or SIGTERM)."""
    from django.core.wsgi import get_wsgi_application

    Server(
        get_wsgi_application(),
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": 10,
            "errorlog": "-",
            "loglevel": "warning",
            "accesslog": os.environ.get("THEODOI_ACCESS_LOG") or None,
            "logger_class": "theodoi.logsecrets.GunicornLogger",
        },
    ).run()


def collect_static() -> bool:
    """Copy and fingerprint the static files into STATIC_ROOT, unless the sources are the same
    as at the last collection (their names, sizes and times, kept in a stamp file there):
    hashing every file again at each start took minutes on a busy machine. Whether it ran."""
    import hashlib
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".theodoi-collected"
    if (
        (Path(settings.STATIC_ROOT) / "staticfiles.json").exists()
        and stamp.exists()
        and stamp.read_text(encoding="ascii").strip() == digest.hexdigest()
    ):
        return False
    call_command("collectstatic", verbosity=0, interactive=False)
    stamp.write_text(digest.hexdigest(), encoding="ascii")
    return True

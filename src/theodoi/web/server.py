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

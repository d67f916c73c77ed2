"""Benchmark: what a kept page costs the server, in-process, without HTTP or a client.

    THEODOI_DATA_DIR=DIR [DATABASE_URL=…] python bench/frame.py [--path /work/] [--runs N]

Signs in the manifest's first staff account (DIR/generated.json, from `theodoi generate`),
asks the page once so its list is kept, then times `--runs` requests through Django's WSGI
handler (every middleware, the session, the person, the page frame) and counts their
queries. A request's CPU here bounds the work list's throughput (bench/web.py): the server
gets the machine's CPUs minus the client's and the database's. With `--profile`, cProfile's
20 most expensive functions (cumulative) follow. This measures; it does not pass or fail.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/work/", help="the page (default: the work list)")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    manifest = json.loads((settings.DATA_DIR / "generated.json").read_text(encoding="utf-8"))
    person = get_user_model().objects.get(username=manifest["staff"][0])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(person)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    application = WSGIHandler()

    def request() -> tuple[str, int]:
        statuses: list[str] = []
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": args.path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie, "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }  # fmt: skip
        body = b"".join(application(environ, lambda status, headers, *_: statuses.append(status)))
        return statuses[0], len(body)

    status, size = request()  # the page is rendered and kept
    if not status.startswith("200"):
        raise SystemExit(f"{args.path} answered {status} for {person.username}")
    for _ in range(20):
        request()
    with CaptureQueriesContext(connection) as queries:
        request()
    count = len(queries.captured_queries)  # read now: the next request empties the log
    samples = []
    for _ in range(args.runs):
        started = time.perf_counter()
        request()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"path={args.path}")
    print(f"database={connection.vendor}")
    print(f"bytes={size}")
    print(f"queries={count}")
    print(f"median_ms={statistics.median(samples):.2f}")
    print(f"p90_ms={sorted(samples)[int(len(samples) * 0.9) - 1]:.2f}")
    print(f"loadavg={os.getloadavg()[0]:.1f}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [request() for _ in range(args.runs)])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()

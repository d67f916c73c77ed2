"""The small HTTP client the web benchmarks share (bench/web.py, the Redmine comparison): one
signed-in `requests.Session` per simulated person, timings of whole responses (body read), and
`name=value` output lines a script or a person can read.

Signing in goes through `requests` (installed with theodoi's dev tools; httpx is not); the
timed GETs through the standard library's `http.client` on one kept-alive connection per
person, with the session's cookies: requests spent about 2 ms of CPU a request, and on a
machine whose CPUs the client shares with the server, a heavy client lowers the throughput it
measures. A response counts as an
error when its status is not 2xx, when the request raised, or when it lacks the marker the
caller expects: a fast error page must never count as a fast page.
"""

from __future__ import annotations

import http.client
import math
import multiprocessing
import queue
import re
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignInError(RuntimeError):
    """The server refused the account (wrong password, locked out, a second step asked)."""


class Client:
    """One person's session with a server: cookies kept, keep-alive connections reused.

    Redirects are not followed by `get`: a page that redirects (to the sign-in page, say) is
    not the page that was asked for, so it shows as a 3xx status, an error to `measure`.
    """

    def __init__(self, base_url: str, *, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = requests.Session()
        # A kept-alive connection the server closed just as it was reused: retry a GET once,
        # as a browser does (gunicorn closes idle connections after a few seconds).
        # Any status comes back as it is (a 503 with Retry-After too): it is an error to count.
        retry = Retry(
            total=1,
            connect=1,
            read=1,
            status=0,
            allowed_methods={"GET"},
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.username = ""
        self.last_body = b""
        self._connection: http.client.HTTPConnection | None = None

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def login_theodoi(self, username: str, password: str) -> None:
        """Sign in through theodoi's form (GET /login/, POST with the CSRF token); raises
        SignInError with the reason when the server does not let us in. The redirect is not
        followed: the landing page (often the dashboard) is slow and measured on its own."""
        try:
            self._login(username, password)
        except requests.RequestException as error:
            raise SignInError(
                f"sign-in for {username!r}: {type(error).__name__}: {error}"
            ) from None
        self.username = username

    def _login(self, username: str, password: str) -> None:
        form = self.session.get(self.url("/login/"), timeout=self.timeout)
        if form.status_code != 200:
            raise SignInError(f"GET /login/ answered {form.status_code}")
        found = CSRF_INPUT.search(form.content)
        token = found.group(1).decode() if found else self.session.cookies.get("csrftoken", "")
        if not token:
            raise SignInError("no CSRF token on /login/")
        answer = self.session.post(
            self.url("/login/"),
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={"Referer": self.url("/login/")},
            allow_redirects=False,
            timeout=self.timeout,
        )
        where = answer.headers.get("Location", "")
        if answer.status_code != 302:
            raise SignInError(
                f"sign-in refused for {username!r} (status {answer.status_code}; "
                "wrong password, unknown account or locked out)"
            )
        if "/login/" in where:
            raise SignInError(f"sign-in for {username!r} asks for more ({where})")
        if "sessionid" not in self.session.cookies:
            raise SignInError(f"sign-in for {username!r} set no session cookie")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, float, int]:
        """(status, seconds, body bytes) of one GET, the whole body read; the body is kept in
        `last_body` for checks. A failure raises a `requests.RequestException`."""
        started = time.perf_counter()
        status, body = self._fetch(self.url(path), headers or {})
        seconds = time.perf_counter() - started
        self.last_body = body
        return status, seconds, len(body)

    def _fetch(self, url: str, headers: dict) -> tuple[int, bytes]:
        """One GET on the kept-alive connection. A connection the server closed just as it
        was reused is opened again once, as a browser does (gunicorn closes idle ones)."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        sent = {**({"Cookie": cookies} if cookies else {}), **headers}
        for attempt in (1, 2):
            connection = self._connection or self._connect(parts.scheme, parts.netloc)
            self._connection = None
            try:
                connection.request("GET", target, headers=sent)
                response = connection.getresponse()
                body = response.read()
            except TimeoutError as error:
                connection.close()
                raise requests.Timeout(f"GET {url}: {error}") from None
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                if attempt == 2:
                    raise requests.ConnectionError(f"GET {url}: {error!r}") from None
                continue
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            if response.will_close:
                connection.close()
            else:
                self._connection = connection
            return response.status, body
        raise AssertionError("unreachable")

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return kind(netloc, timeout=self.timeout)

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            for name, morsel in SimpleCookie(header).items():
                gone = morsel["max-age"] == "0" or not morsel.value
                self.session.cookies.set(name, None if gone else morsel.value)


def _fault(status: int, body: bytes, expect: bytes | None) -> str | None:
    """Why a response is not the page asked for, or None."""
    if not 200 <= status < 300:
        return f"status {status}"
    if expect is not None and expect not in body:
        return f"marker {expect[:40]!r} missing ({len(body)} bytes)"
    return None


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of them at or
    below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _summary(seconds: Sequence[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "median_ms": statistics.median(ms) if ms else math.nan,
        "p95_ms": percentile(ms, 0.95),
        "mean_ms": statistics.fmean(ms) if ms else math.nan,
    }


def measure(
    client: Client,
    path: str | Sequence[str],
    *,
    runs: int,
    warmup: int = 2,
    expect: bytes | None = None,
    headers: dict | None = None,
) -> dict:
    """Time `runs` GETs of `path` (or of several paths in turn) after `warmup` untimed ones.

    Returns median_ms, p95_ms, mean_ms over the good responses, errors (non-2xx, an exception
    or `expect` missing from the body), runs, and `error` (the first fault seen, or "").
    """
    paths = [path] if isinstance(path, str) else list(path)
    return measure_many(
        [(client, p) for p in paths], runs=runs, warmup=warmup, expect=expect, headers=headers
    )


def measure_many(
    pairs: Sequence[tuple[Client, str]],
    *,
    runs: int,
    warmup: int = 2,
    expect: bytes | None = None,
    headers: dict | None = None,
) -> dict:
    """As `measure`, rotating over (client, path) pairs: several people, one after the other
    (each person's work list, say)."""
    times: list[float] = []
    errors, first = 0, ""
    for number in range(warmup + runs):
        client, where = pairs[number % len(pairs)]
        try:
            status, seconds, _size = client.get(where, headers)
            fault = _fault(status, client.last_body, expect)
        except requests.RequestException as error:
            seconds, fault = 0.0, f"{type(error).__name__}: {error}"
        if number < warmup:
            continue
        if fault:
            errors += 1
            first = first or f"{client.username or '?'} {where}: {fault}"
        else:
            times.append(seconds)
    return {**_summary(times), "errors": errors, "runs": runs, "error": first}


def _hammer(
    client: Client,
    paths: Sequence[str],
    offset: int,
    until: float,
    expect: bytes | None,
    out: Callable[[tuple[list[float], int, str]], None],
) -> None:
    """One simulated person: GET the paths in turn until `until` (a perf_counter time)."""
    times: list[float] = []
    errors, first, number = 0, "", offset
    while time.perf_counter() < until:
        where = paths[number % len(paths)]
        number += 1
        try:
            status, seconds, _size = client.get(where)
            fault = _fault(status, client.last_body, expect)
        except requests.RequestException as error:
            seconds, fault = 0.0, f"{type(error).__name__}: {error}"
        if fault:
            errors += 1
            first = first or f"{client.username or '?'} {where}: {fault}"
        else:
            times.append(seconds)
    out((times, errors, first))


def _process(clients, paths, offsets, until_wall, expect, results) -> None:
    """A worker process (forked): its share of the clients, one thread each."""
    until = time.perf_counter() + (until_wall - time.time())
    threads = [
        threading.Thread(target=_hammer, args=(c, paths, o, until, expect, results.put))
        for c, o in zip(clients, offsets, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def throughput(
    make_client: Callable[[], Client],
    paths: Sequence[str],
    *,
    clients: int = 16,
    seconds: float = 20,
    expect: bytes | None = None,
    processes: int = 1,
) -> dict:
    """`clients` people, each its own signed-in Client from `make_client()` (called here, one
    after the other, before the clock starts), GET `paths` in turn, back to back, for
    `seconds`. Returns requests (good ones), rps, errors, median_ms, p95_ms, error, and
    client_cpu (CPU seconds this side spent per second of the run: near 1.0 with one process
    means the client's GIL, not the server, set the pace).

    `processes` > 1 spreads the clients over that many forked processes (threads inside each),
    for when the client's own GIL would be the bottleneck; requests spends about 1 ms of CPU
    per request, so one process is enough below several hundred requests a second.
    """
    people = [make_client() for _ in range(clients)]
    offsets = list(range(clients))
    processes = max(1, min(processes, clients))
    cpu_before = _cpu_seconds()
    if processes == 1:
        results: queue.Queue = queue.Queue()
        until = time.perf_counter() + seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=_hammer, args=(c, paths, o, until, expect, results.put))
            for c, o in zip(people, offsets, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        parts = [results.get() for _ in people]
    else:
        context = multiprocessing.get_context("fork")
        shared = context.Queue()
        until_wall = time.time() + seconds
        started = time.perf_counter()
        workers = [
            context.Process(
                target=_process,
                args=(
                    people[k::processes],
                    paths,
                    offsets[k::processes],
                    until_wall,
                    expect,
                    shared,
                ),
            )
            for k in range(processes)
        ]
        for worker in workers:
            worker.start()
        parts = [shared.get(timeout=seconds + 120) for _ in people]
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    times = [t for part in parts for t in part[0]]
    errors = sum(part[1] for part in parts)
    first = next((part[2] for part in parts if part[2]), "")
    return {
        "requests": len(times),
        "rps": len(times) / elapsed if elapsed else math.nan,
        "errors": errors,
        **{k: v for k, v in _summary(times).items() if k != "mean_ms"},
        "error": first,
        "client_cpu": cpu / elapsed if elapsed else math.nan,
    }


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (user + system)."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def emit(name: str, value: object) -> None:
    """Print one `name=value` line (floats with one decimal) and flush it at once."""
    if isinstance(value, float):
        value = "nan" if math.isnan(value) else f"{value:.1f}"
    print(f"{name}={value}", file=sys.stdout, flush=True)

"""No input gives a server error: every URL pattern of the site, walked from Django's own
resolver, and every operation of the API, read from its OpenAPI document, signed in as the
office (``monitor``; ``admin`` for the admin's pages) and as a body's staff (``staff``).

What they send, wherever the address, the query, the form or the JSON body has a place:
far and impossible days (9999-12-31, 31/12/9999, 0001-01-01, 31/02/2021), NUL and lone
surrogates, text typed decomposed (NFD), a number of 40 digits, 10,000 characters. The
query parameters tried on a page are the ones it reads (recorded while it answers a plain
visit); the forms are the ones its pages and their htmx parts show, filled as shown and
then spoiled one way at a time.

Every answer is below 500 (on PostgreSQL a DataError would be a spurious 503 "database
failed": there is none either); text no database stores (NUL, a lone surrogate) is refused
at the door, 400 on a page and 422 on the API, and is never stored. Failures are collected
and listed together, so one run shows them all.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.apps import apps
from django.db import connection, models
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from theodoi.api.main import api
from theodoi.api.tokens import create_token
from theodoi.plans.models import PersonalPlan
from theodoi.programs.drafts import receive
from theodoi.tracking.calendar import issue_feed
from theodoi.tracking.models import EvidenceFile, Extension, ProgressReport

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCUMENT = "# CHƯƠNG TRÌNH HÀNH ĐỘNG\n\n## I. NHIỆM VỤ\n\n1. Ban Tổ chức Tỉnh ủy chủ trì xây dựng đề án, hoàn thành trong quý I/2021.\n"
NFD = unicodedata.normalize("NFD", "Tỉnh ủy Quảng Ngãi du lịch")
LONG = "y" * 10_000
HUGE = "9" * 40
FAR_DAYS = ("9999-12-31", "31/12/9999", "0001-01-01", "31/02/2021")
# As typed into a query string or a form: percent-encoded by the client (None: sent raw).
QUERY_VALUES = (*FAR_DAYS, "%00", LONG, HUGE, NFD)
PATH_TEXT = ("%00", "x" * 2000, quote(NFD), "%ED%A0%80", "%F0%28%8C%28")
PATH_INT = ("0", HUGE)
CALLERS = ("monitor", "staff")  # the admin's pages: "admin", the office's administrator
# Forms not to send: signing out would end the walk's session.
SKIP_FORMS = ("/logout/",)
SITE = re.compile(r"^/(?!static/|api/)")


@pytest.fixture(scope="module")
def things(world, django_db_blocker) -> SimpleNamespace:
    """One of everything an address can name: a report with a file, an extension, a plan, an
    import waiting for its check, a calendar address, API tokens."""
    with django_db_blocker.unblock():
        staff, monitor = world.login("staff"), world.login("monitor")
        response = staff.post(
            "/work/",
            {
                "form": "report",
                "occurrence": world.ours.pk,
                "state": "in_progress",
                "percent": "30",
                "narrative": "Đang thực hiện.",
                "version": "",
                "action": "send",
                "file": _upload(),
            },
        )
        assert response.status_code == 302, response.status_code
        response = staff.post(
            "/work/",
            {
                "form": "extension",
                "occurrence": world.ours2.pk,
                "new_due": "31/12/2030",
                "reason": "Chờ ý kiến",
            },
        )
        assert response.status_code == 302
        response = staff.post(
            f"/plans/?program={world.program.pk}",
            {"leader_name": "Nguyễn Văn A", "leader_position": "Trưởng Ban Tổ chức"},
        )
        assert response.status_code == 302
        assert monitor.get("/").status_code in (200, 302)
        pending = receive(
            user=world.users["monitor"], name="thu.md", chunks=[DOCUMENT.encode()], options={}
        )
        report = ProgressReport.objects.get(occurrence=world.ours)
        tokens = {
            name: create_token(world.users[name], f"đi khắp {name}", by=world.users[name])[1]
            for name in ("monitor", "staff")
        }
        spare = create_token(world.users["staff"], "để thu hồi", by=world.users["staff"])[0]
        return SimpleNamespace(
            spare_token=spare.pk,
            report=report,
            evidence=EvidenceFile.objects.get(report=report),
            extension=Extension.objects.get(),
            plan=PersonalPlan.objects.get(),
            pending=pending,
            calendar=issue_feed(world.users["staff"]),
            tokens=tokens,
        )


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")


# --- What the resolver knows ------------------------------------------------------------------


def patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every URL pattern as (route, name): ``programs/<int:pk>/``."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name or ""


_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX = re.compile(r"\^|\$|\\Z|\(\?P<(\w+)>([^)]*)\)")


def real_values(world, things) -> dict[tuple[str, str], str]:
    """A value that exists for each (route, parameter) that names something."""
    program, task = world.program.pk, world.ours.assignment.task_id
    return {
        ("programs/<int:pk>/", "pk"): str(program),
        ("tasks/<int:pk>/", "pk"): str(task),
        ("evidence/<int:pk>/", "pk"): str(things.evidence.pk),
        ("plans/<int:pk>/", "pk"): str(things.plan.pk),
        ("organizations/<str:code>/", "code"): "qn.btctu",
        ("import/<str:token>/", "token"): things.pending.token,
        ("calendar/<str:token>", "token"): things.calendar,
        ("calendar/<str:token>/<str:code>", "code"): "qn.btctu",
    }


def fill(route: str, values: dict[tuple[str, str], str], bad: tuple[str, str] | None = None):
    """The path of ``route`` with real values (``1`` where nothing names one), ``bad`` being
    (parameter, raw value) to put in one place instead."""

    def value(match: re.Match) -> str:
        name = match.group("name")
        if bad and bad[0] == name:
            return bad[1]
        for (prefix, parameter), real in values.items():
            if parameter == name and route.startswith(prefix.split("<")[0]) and prefix in route:
                return real
        for (prefix, parameter), real in values.items():
            if parameter == name and route.startswith(prefix.split("<")[0]):
                return real
        return "1"

    def group(match: re.Match) -> str:
        name, expression = match.group(1), match.group(2)
        if not name:
            return ""
        if bad and bad[0] == name:
            return bad[1]
        first = expression.split("|")[0]
        return first if re.fullmatch(r"[\w-]+", first) else "1"

    path = _REGEX.sub(group, _PARAMETER.sub(value, route))
    return "/" + path.replace("\\", "")


def parameters(route: str) -> list[tuple[str, str]]:
    """(parameter, converter) of a route; "str" for a regular expression's groups."""
    found = [(m.group("name"), m.group("converter") or "str") for m in _PARAMETER.finditer(route)]
    found += [(m.group(1), "str") for m in _REGEX.finditer(route) if m.group(1)]
    return found


# --- Reading pages ---------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page (action, method, fields as shown) and its same-site addresses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in ("href", "hx-get", "action"):
            if a.get(name, "").startswith("/"):
                self.links.append(a[name])
        if tag == "form":
            self._form = {
                "action": a.get("action") or a.get("hx-post") or "",
                "method": (a.get("method") or ("post" if a.get("hx-post") else "get")).lower(),
                "fields": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                if kind == "radio" and not any(f[0] == name for f in self._form["fields"]):
                    self._form["fields"].append((name, a.get("value", "on"), kind))
                return
            if kind not in ("submit", "button", "image", "reset"):
                self._form["fields"].append((name, a.get("value", ""), kind))
        elif tag == "button" and name and a.get("value"):
            if not any(f[0] == name for f in self._form["fields"]):
                self._form["fields"].append((name, a["value"], "button"))
        elif tag == "select" and name:
            self._select = name
            self._form["fields"].append((name, "", "select"))
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if fields and fields[-1][0] == self._select and not fields[-1][1]:
                fields[-1] = (self._select, a.get("value", ""), "select")
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append((name, "", "textarea"))

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            fields = self._form["fields"]
            fields[-1] = (self._textarea, fields[-1][1] + data, "textarea")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def read_page(html: str) -> _Forms:
    reader = _Forms()
    reader.feed(html)
    reader.close()
    return reader


def encode(pairs: list[tuple[str, str]]) -> str:
    """A query string or form body; a value starting with % is sent as it is (already
    encoded, so %00 reaches the server as NUL)."""
    return "&".join(
        f"{quote(k, safe='')}={v if v.startswith('%') else quote(v, safe='')}" for k, v in pairs
    )


class Keys:
    """The query and form keys a view reads while it answers (QueryDict's getters,
    recorded for the length of one request)."""

    def __init__(self, monkeypatch) -> None:
        self.read: set[str] | None = None
        for method in ("get", "getlist", "__getitem__", "__contains__"):
            original = getattr(QueryDict, method)
            monkeypatch.setattr(QueryDict, method, self._recording(original))

    def _recording(self, original):
        def recorded(query, key, *args, **kwargs):
            if self.read is not None and isinstance(key, str):
                self.read.add(key)
            return original(query, key, *args, **kwargs)

        return recorded

    def during(self, call) -> tuple[object, set[str]]:
        self.read = set()
        try:
            return call(), self.read
        finally:
            self.read = None


# --- The walk --------------------------------------------------------------------------------


class Walk:
    def __init__(self, client: Client, caller: str) -> None:
        self.client, self.caller = client, caller
        self.failures: list[str] = []
        self.calls = 0

    def send(self, method: str, path: str, body: str = "", *, refused: bool = False, **extra):
        """One request; a failure noted when it answers 5xx (or, for text that no database
        stores, anything but the refusal)."""
        self.calls += 1
        if method == "get":
            response = self.client.get(path, **extra)
        else:
            response = self.client.generic(
                method.upper(),
                path,
                body.encode("utf-8", "surrogatepass"),
                content_type=extra.pop("content_type", "application/x-www-form-urlencoded"),
                **extra,
            )
        status = response.status_code
        shown = path if len(path) < 160 else path[:160] + "…"
        if status >= 500:
            self.failures.append(f"{self.caller} {method.upper()} {shown} {body[:120]!r}: {status}")
        elif refused and status not in (400, 422):
            self.failures.append(
                f"{self.caller} {method.upper()} {shown} {body[:120]!r}: {status}, not refused"
            )
        return response


def site_routes() -> list[tuple[str, str]]:
    return [(route, name) for route, name in patterns() if not route.startswith("api/")]


def walk_site(world, things, caller: str, keys: Keys) -> Walk:
    client = world.login(caller, raise_request_exception=False)
    walk = Walk(client, caller)
    values = real_values(world, things)
    seen_forms: set[tuple] = set()
    pages: list[tuple[str, str]] = []
    for route, _name in site_routes():
        if route.startswith("admin/") != (caller == "admin"):
            continue
        path = fill(route, values)
        pages.append((route, path))
        for name, converter in parameters(route):
            for bad in PATH_INT if converter == "int" else PATH_TEXT:
                walk.send("get", fill(route, values, (name, bad)), refused=bad == "%00")
                if not route.startswith("admin/"):
                    walk.send("post", fill(route, values, (name, bad)), refused=bad == "%00")
    # Each page as visited, then with each key it read spoiled; its htmx parts likewise.
    for route, path in pages:
        visited = {path}
        queue = [path]
        while queue:
            current = queue.pop(0)
            response, read = keys.during(lambda current=current: walk.send("get", current))
            if response.status_code >= 500:
                continue
            base = urlsplit(current)
            kept = parse_qsl(base.query, keep_blank_values=True)
            tried = read if not route.startswith("admin/") else read & {"q", "o", "p", "e"}
            for key in sorted(tried):
                others = [(k, v) for k, v in kept if k != key]
                for value in QUERY_VALUES:
                    query = encode([*others, (key, value)])
                    walk.send("get", f"{base.path}?{query}", refused=value == "%00")
            html = _text(response)
            if html is None:
                continue
            page = read_page(html)
            for form in page.forms:
                submit_form(walk, current, form, seen_forms)
            if route.startswith("admin/"):
                continue
            for link in page.links:
                linked = urlsplit(link)
                if linked.query and linked.path == base.path and link not in visited:
                    visited.add(link)
                    if len(visited) <= 4:
                        queue.append(link)
    return walk


def _text(response) -> str | None:
    kind = response.get("Content-Type", "")
    if response.status_code != 200 or not kind.startswith("text/html"):
        return None
    return response.content.decode("utf-8", "replace")


def submit_form(walk: Walk, page: str, form: dict, seen: set[tuple]) -> None:
    """The form sent as shown, then spoiled: every text field NUL, every field 10,000
    characters, every field NFD, every number 40 digits, each day far off."""
    action = form["action"] or page
    if action.startswith(SKIP_FORMS) or not action.startswith("/"):
        return
    fields = form["fields"]
    signature = (urlsplit(action).path, form["method"], tuple(sorted({f[0] for f in fields})))
    if signature in seen or form["method"] not in ("get", "post"):
        return
    seen.add(signature)
    hidden = {"hidden", "button", "radio", "checkbox", "select"}
    typed = [f for f in fields if f[2] not in hidden and f[0] != "csrfmiddlewaretoken"]
    days = [
        f for f in typed if f[2] == "date" or re.search(r"date|due|_on$|as_of|_from$|_to$", f[0])
    ]
    numbers = [f for f in typed if f[2] == "number" or f[0] in ("percent", "page", "version")]

    def spoiled(change: dict[str, str]) -> list[tuple[str, str]]:
        return [(name, change.get(name, value)) for name, value, _kind in fields]

    variants: list[tuple[list[tuple[str, str]], bool]] = [(spoiled({}), False)]
    if typed:
        variants.append((spoiled({f[0]: "%00" for f in typed}), True))
        variants.append((spoiled({f[0]: LONG for f in typed}), False))
        variants.append((spoiled({f[0]: NFD for f in typed}), False))
    chosen = [f for f in fields if f[2] in hidden and f[0] != "csrfmiddlewaretoken"]
    if chosen:
        variants.append((spoiled({f[0]: "%00" for f in chosen}), True))
        variants.append((spoiled({f[0]: HUGE for f in chosen}), False))
    if numbers:
        variants.append((spoiled({f[0]: HUGE for f in numbers}), False))
    for day in FAR_DAYS if days else ():
        variants.append((spoiled({f[0]: day for f in days}), False))
    for pairs, refused in variants:
        body = encode(pairs)
        if form["method"] == "get":
            walk.send("get", f"{urlsplit(action).path}?{body}", refused=refused)
        else:
            walk.send("post", action, body, refused=refused)
            walk.send("post", action, body, refused=refused, HTTP_HX_REQUEST="true")


# --- The API ---------------------------------------------------------------------------------


def _type(schema: dict, document: dict) -> dict:
    """The schema itself, its reference followed, the non-null branch of ``anyOf``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _type(document["components"]["schemas"][name], document)
    for branch in schema.get("anyOf", ()):
        if branch.get("type") != "null":
            return _type(branch, document)
    return schema


def sample(schema: dict, document: dict, name: str, ids: dict[str, int]) -> object:
    """A value that fits ``schema``: real ids where the name says what it is."""
    schema = _type(schema, document)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "integer":
        return ids.get(name, 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {
            key: sample(inner, document, key, ids)
            for key, inner in schema.get("properties", {}).items()
            if key in schema.get("required", ())
        }
    if schema.get("format") == "date":
        return "2021-06-30"
    if schema.get("format") == "date-time":
        return "2021-06-30T08:00:00+07:00"
    return "Báo cáo thử"


def api_path(route: str, values: dict[str, str]) -> str:
    """``/api/tasks/{task_id}`` with its parameters filled (``1`` where none is known)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), route)


def body_fields(schema: dict, document: dict) -> Iterator[tuple[str, dict]]:
    """The top-level properties of a JSON body, each with its schema."""
    schema = _type(schema, document)
    for key, inner in schema.get("properties", {}).items():
        yield key, _type(inner, document)


def walk_api(world, things, caller: str) -> Walk:
    client = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {things.tokens[caller]}"
    )
    walk = Walk(client, caller)
    document = api.get_openapi_schema()
    ids = {
        "program": world.program.pk,
        "program_id": world.program.pk,
        "task": world.ours.assignment.task_id,
        "task_id": world.ours.assignment.task_id,
        "occurrence": world.ours.pk,
        "occurrence_id": world.ours.pk,
        "assignment": world.ours.assignment_id,
        "assignment_id": world.ours.assignment_id,
        "report_id": things.report.pk,
        "evidence_id": things.evidence.pk,
        "extension_id": things.extension.pk,
        "version": things.report.version,
        "token_id": things.spare_token,
    }
    known = {name: str(value) for name, value in ids.items()}
    known |= {"code": "qn.btctu", "pending_id": things.pending.token}
    for route, operations in document["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])

            def path_with(bad: tuple[str, str] | None = None, route=route) -> str:
                return api_path(route, {**known, **dict([bad] if bad else [])})

            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            body = sample(schema, document, "", ids) if schema else None
            if isinstance(body, dict) and "version" in body:
                body["version"] = things.report.version
            payload = json.dumps(body) if body is not None else ""
            kind = {"content_type": "application/json"} if schema else {}
            walk.send(method, path_with(), payload, **kind)
            for param in params:
                where, name = param["in"], param["name"]
                shape = _type(param.get("schema", {}), document)
                if where == "path":
                    bads = PATH_INT if shape.get("type") == "integer" else PATH_TEXT
                    for bad in bads:
                        walk.send(
                            method, path_with((name, bad)), payload, refused=bad == "%00", **kind
                        )
                elif where == "query":
                    for value in QUERY_VALUES:
                        query = encode([(name, value)])
                        walk.send(
                            method,
                            f"{path_with()}?{query}",
                            payload,
                            refused=value == "%00",
                            **kind,
                        )
            if not isinstance(body, dict):
                continue
            for key, shape in body_fields(schema, document):
                if shape.get("type") == "string" and shape.get("format") == "date":
                    bads = [(d, False) for d in FAR_DAYS] + [("2021-02-31", False)]
                elif shape.get("type") == "string" and "enum" not in shape:
                    bads = [("a\x00b", True), ("a\ud800b", True), (LONG, False), (NFD, False)]
                elif shape.get("type") == "integer":
                    bads = [(int(HUGE), False), (-1, False)]
                else:
                    bads = [("\x00", True)]
                for bad, refused in bads:
                    spoiled = {**body, key: bad}
                    text = json.dumps(spoiled)  # ensure_ascii: "\ud800" as its escape
                    walk.send(method, path_with(), text, refused=refused, **kind)
            text = json.dumps({**body, "a\x00": 1})
            walk.send(method, path_with(), text, refused=True, **kind)
    return walk


# --- The tests -------------------------------------------------------------------------------


def unstorable_rows() -> list[str]:
    """Columns of any table holding a NUL (SQLite stores one; PostgreSQL cannot): asked with
    ``instr``, as ``LIKE`` ends its pattern at a NUL and would match every row."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            for field in model._meta.concrete_fields:
                if isinstance(field, (models.CharField, models.TextField)):
                    column = connection.ops.quote_name(field.column)
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE instr({column}, char(0)) > 0"
                    )
                    if cursor.fetchone()[0]:
                        found.append(f"{model._meta.label}.{field.name}")
    return found


@override_settings(THEODOI_API_RATE="1000000/m")
@pytest.mark.parametrize("caller", [*CALLERS, "admin"])
def test_no_page_answers_a_bad_input_with_a_server_error(world, things, caller, monkeypatch):
    keys = Keys(monkeypatch)
    walk = walk_site(world, things, caller, keys)
    assert walk.calls > 500, walk.calls
    assert not walk.failures, f"{len(walk.failures)} of {walk.calls}:\n" + "\n".join(walk.failures)
    if connection.vendor == "sqlite":
        assert unstorable_rows() == []


@override_settings(THEODOI_API_RATE="1000000/m")
@pytest.mark.parametrize("caller", CALLERS)
def test_no_api_operation_answers_a_bad_input_with_a_server_error(world, things, caller):
    walk = walk_api(world, things, caller)
    assert walk.calls > 500, walk.calls
    assert not walk.failures, f"{len(walk.failures)} of {walk.calls}:\n" + "\n".join(walk.failures)
    if connection.vendor == "sqlite":
        assert unstorable_rows() == []


def test_every_route_is_walked(world, things):
    """The walks reach each route of the resolver: the site's by filling it (it must
    resolve), the API's through the OpenAPI document (each must be an operation there), so a
    new page or endpoint cannot be left out."""
    values = real_values(world, things)
    documented = set(api.get_openapi_schema()["paths"])
    for route, name in patterns():
        if route.startswith("api/"):
            if name not in ("openapi-json", "openapi-view", "api-root"):
                shape = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                assert shape in documented, route
            continue
        path = fill(route, values)
        try:
            resolve(urlsplit(path).path)
        except Resolver404:
            pytest.fail(f"{route} filled as {path} does not resolve")

"""What a person sees when the database fails under a change: a page that says nothing was
saved and to try again, never a traceback.

Every change runs in one ``transaction.atomic()`` (the services do it), so when the database
refuses a write half-way (locked, gone, a constraint) the whole change has been rolled back by
the time the error reaches here: "nothing was saved" is then the truth. The answer is 503 with
``Retry-After``, because most such failures pass (a busy SQLite file, a restarting server).
The API gets the same message as JSON ``{"detail": ...}``.

Before any of that, ``InputMiddleware`` reads what every request brings (its address, query,
form fields, JSON body, headers) the one way ``theodoi.inputs`` says: text no database stores
the same is refused at once, and the rest reaches the views in NFC.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from theodoi.inputs import InputError, clean_text, nfc, unstorable

from .logs import note_refusal

log = logging.getLogger("theodoi.web")

RETRY_AFTER_SECONDS = 30


def not_saved_message() -> str:
    return _(
        "Hệ thống chưa lưu được thay đổi vì cơ sở dữ liệu đang bận hoặc gặp sự cố; "
        "chưa có gì được lưu. Xin thử lại sau ít phút."
    )


def not_read_message() -> str:
    """For a page that only reads: nothing was being changed."""
    return _(
        "Hệ thống chưa tải được trang vì cơ sở dữ liệu đang bận hoặc gặp sự cố. "
        "Xin thử lại sau ít phút."
    )


def busy_message() -> str:
    """For a change that waited its turn on SQLite's one write lock as long as allowed
    (THEODOI_SQLITE_WAIT_SECONDS) while a long change of someone else held it."""
    return _(
        "Cơ sở dữ liệu đang bận với một thay đổi lớn khác (chẳng hạn một chương trình đang "
        "được nhập); đã chờ %(seconds)s giây mà chưa đến lượt. Chưa có gì được lưu; xin thử "
        "lại sau ít phút."
    ) % {"seconds": settings.THEODOI_SQLITE_WAIT_SECONDS}


def _busy(exception: Exception) -> bool:
    """SQLite's "database is locked": the wait for the write lock ran out, nothing failed."""
    return isinstance(exception, OperationalError) and "database is locked" in str(exception)


class DatabaseErrorMiddleware:
    """Answers a DatabaseError raised by a view with a friendly 503 instead of the 500 page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError):
            return None
        return database_failure(request, exception)


def database_failure(request: HttpRequest, exception: DatabaseError) -> HttpResponse:
    """The 503 that says nothing was saved (or nothing could be read) and to try again; also
    given by ``theodoi.web.views.errors.server_error`` when the failure came from outside a
    view (a session read or saved by a middleware)."""
    reading = request.method in ("GET", "HEAD", "OPTIONS")
    if _busy(exception):
        log.warning("database busy on %s %s: nothing saved", request.method, request.path)
        message = busy_message()
    else:
        log.error(
            "database error on %s %s: nothing saved",
            request.method,
            request.path,
            exc_info=exception,
        )
        message = not_read_message() if reading else not_saved_message()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        heading = _("Chưa tải được trang") if reading else _("Chưa lưu được thay đổi")
        response = HttpResponse(_page(request, heading, message), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _page(request: HttpRequest, heading: str, message: str) -> str:
    """The page inside the site's frame; a bare page if the frame itself needs the database
    that just failed (the menu counts unread notifications)."""
    try:
        context = {"heading": heading, "reason": message}
        return render_to_string("web/not_saved.html", context, request=request)
    except Exception:
        log.warning("the not-saved page could not be rendered in the frame", exc_info=True)
        return render_to_string("web/not_saved_bare.html", {"heading": heading, "reason": message})


class InputMiddleware:
    """Refuses a request that carries text no database here stores (NUL, a lone surrogate)
    in its address, query, form fields, file names, JSON body or headers: 400 with a page that
    says which and what to do (422 with ``{"detail": ...}`` on the API, as for any input that
    does not fit). Everything else reaches the views in NFC, whatever the keyboard typed.

    Near the top of MIDDLEWARE, so nothing below (the session lookup, sign-in, the views)
    ever sends such text to the database. A cookie holding it is dropped instead: the browser
    would send it again on every request, and without it the person is only signed out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            _clean_request(request)
        except InputError as error:
            return _refused_input(request, str(error))
        return self.get_response(request)


def _clean_request(request: HttpRequest) -> None:
    path = clean_text(request.path_info, where=_("địa chỉ"))
    if path != request.path_info:
        request.path_info, request.path = path, nfc(request.path)
    for name, value in request.META.items():
        if name.startswith("HTTP_") and name != "HTTP_COOKIE" and isinstance(value, str):
            clean_text(value, where=name[5:].replace("_", "-").title())
    for name in [n for n, v in request.COOKIES.items() if unstorable(n) or unstorable(v)]:
        del request.COOKIES[name]
    request.GET = _clean_query(request.GET)
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        request.POST = _clean_query(request.POST)
        for upload in request.FILES.values():
            clean_text(upload.name or "", where=_("tên tệp"))
    elif request.content_type == "application/json" or request.content_type.endswith("+json"):
        _clean_json(request)


def _clean_query(query: QueryDict) -> QueryDict:
    """``query`` itself when every key and value is storable NFC text; else a copy in NFC."""
    changed = False
    for key, values in query.lists():
        for text in (key, *values):
            if clean_text(text, where=key) != text:
                changed = True
    if not changed:
        return query
    copy = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        copy.setlist(nfc(key), [nfc(value) for value in values])
    copy._mutable = False
    return copy


def _clean_json(request: HttpRequest) -> None:
    """A JSON body's every key and string checked; rewritten in NFC when one is not. A body
    that is not JSON is left to the API, which says so."""
    if not request.body:
        return
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):
        return
    changed = False
    for where, text in _strings(data, ""):
        if clean_text(text, where=where) != text:
            changed = True
    if changed:
        try:
            body = json.dumps(_nfc_json(data), ensure_ascii=False).encode("utf-8")
        except RecursionError:  # nested past what can be rewritten: the API's Text composes
            return
        request._body = body
        request._stream = io.BytesIO(body)
        request.META["CONTENT_LENGTH"] = str(len(body))


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every key and string inside a JSON value, each with where it is ("items.2.text")."""
    stack = [(value, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            yield at, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                place = f"{at}.{key}" if at else key
                yield place, key
                stack.append((inner, place))
        elif isinstance(item, list):
            stack.extend((inner, f"{at}.{i}" if at else str(i)) for i, inner in enumerate(item))


def _nfc_json(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc(key): _nfc_json(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_nfc_json(inner) for inner in value]
    return value


def _refused_input(request: HttpRequest, message: str) -> HttpResponse:
    note_refusal(request, message)  # Django's log line of the 400 says why (web.logs)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=422)
    heading = _("Yêu cầu không hợp lệ")
    page = render_to_string("web/not_saved_bare.html", {"heading": heading, "reason": message})
    return HttpResponse(page, status=400)

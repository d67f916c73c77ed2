"""What a person sees when the database fails under a change: a page that says nothing was
saved and to try again, never a traceback.

Every change runs in one ``transaction.atomic()`` (the services do it), so when the database
refuses a write half-way (locked, gone, a constraint) the whole change has been rolled back by
the time the error reaches here: "nothing was saved" is then the truth. The answer is 503 with
``Retry-After``, because most such failures pass (a busy SQLite file, a restarting server).
The API gets the same message as JSON ``{"detail": ...}``.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

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


class DatabaseErrorMiddleware:
    """Answers a DatabaseError raised by a view with a friendly 503 instead of the 500 page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError):
            return None
        log.error(
            "database error on %s %s: nothing saved", request.method, request.path, exc_info=True
        )
        reading = request.method in ("GET", "HEAD", "OPTIONS")
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

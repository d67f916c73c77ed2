"""The API object: authentication, the routers, and errors answered as JSON a person can act
on (never a traceback). Mounted at ``/api/``; the OpenAPI document is ``/api/openapi.json``
and the interactive documentation ``/api/docs``.

Every error is ``{"detail": "..."}`` in Vietnamese: 401 without a live token or session,
403 with the policy's refusal, 404, 422 for input that does not fit (with ``errors``, field by
field), 429 past the rate limit (``THEODOI_API_RATE``, with Retry-After)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext, ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as InputError

from theodoi.web.logs import note_refusal

from .auth import TokenAuth, WebSession
from .rate import TokenRate
from .routers import exports, imports, programs, reports, tokens, urgings

api = NinjaAPI(
    title="theodoi API",
    version="1",
    description=(
        "Chương trình hành động, nhiệm vụ, phân công, kỳ thực hiện, báo cáo tiến độ. "
        "Xác thực bằng khóa API (`Authorization: Bearer td_…`) hoặc phiên đăng nhập web."
    ),
    auth=[TokenAuth(), WebSession()],
    throttle=[TokenRate()],
    urls_namespace="api",
)

api.add_router("/", programs.router)
api.add_router("/", reports.router)
api.add_router("/reports/", exports.router)
api.add_router("/imports/", imports.router)
api.add_router("/tokens", tokens.router)
api.add_router("/", urgings.router)


# --- Errors: the policy's and the models' own messages, as {"detail": "..."} ----------------


def _answer(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """``{"detail": message}``; the same words in the refusal's log line (web.logs)."""
    note_refusal(request, message)
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(PermissionDenied)
def _refused(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or gettext("Bạn không có quyền làm việc này.")
    return _answer(request, message, 403)


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _answer(request, gettext("Không tìm thấy."), 404)


@api.exception_handler(ObjectDoesNotExist)
def _missing_row(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _answer(request, gettext("Không tìm thấy."), 404)


@api.exception_handler(OverflowError)
def _too_large(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An id past what the database stores (64 bits): SQLite's driver refuses to send it."""
    message = gettext("Số quá lớn: mã số phải nhỏ hơn 2^63.")
    return _answer(request, message, 422)


@api.exception_handler(DataError)
def _unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot hold or compare (PostgreSQL refuses text with a NUL)."""
    message = gettext("Giá trị không hợp lệ: có ký tự hoặc con số cơ sở dữ liệu không nhận.")
    return _answer(request, message, 422)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _answer(request, " ".join(exc.messages), 422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals; the one a person meets is the web session's missing CSRF token."""
    message = str(exc)
    if exc.status_code == 403 and "CSRF" in message:
        message = gettext(
            "Thiếu hoặc sai mã CSRF: lời gọi bằng phiên đăng nhập web phải gửi kèm "
            "X-CSRFToken; chương trình bên ngoài hãy dùng khóa API."
        )
    return _answer(request, message, exc.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = gettext(
        "Chưa xác thực: gửi khóa API còn hiệu lực (Authorization: Bearer td_…) hoặc đăng nhập. "
        "Khóa API tạo ở trang Khóa API (/account/tokens/)."
    )
    response = _answer(request, message, 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After (whole seconds) to this response.
    seconds = max(1, round(exc.wait)) if exc.wait else None
    if seconds is None:
        message = gettext("Quá nhiều yêu cầu trong thời gian ngắn; xin thử lại sau.")
    else:
        message = ngettext(
            "Quá nhiều yêu cầu trong thời gian ngắn; xin thử lại sau %(seconds)d giây.",
            "Quá nhiều yêu cầu trong thời gian ngắn; xin thử lại sau %(seconds)d giây.",
            seconds,
        ) % {"seconds": seconds}
    return _answer(request, message, 429)


@api.exception_handler(InputError)
def _bad_input(request: HttpRequest, exc: InputError) -> HttpResponse:
    """Input that does not fit the schema: which fields, in Vietnamese, and pydantic's list."""
    fields = []
    for error in exc.errors:
        where = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
        name = ".".join(where) or gettext("dữ liệu gửi lên")
        if name not in fields:
            fields.append(name)
    message = gettext("Dữ liệu không hợp lệ ở: %(fields)s. Xem “errors” để biết chi tiết.") % {
        "fields": ", ".join(fields) or gettext("dữ liệu gửi lên")
    }
    # A field refused by theodoi's own reading (theodoi.inputs: a day outside the years allowed,
    # text no database stores) says why in a Vietnamese sentence: it joins the detail.
    reasons = [
        str(error.get("msg", "")).removeprefix("Value error, ")
        for error in exc.errors
        if error.get("type") == "value_error"
    ]
    if reasons:
        message = " ".join([message, *dict.fromkeys(reasons)])
    errors = [
        {key: value for key, value in error.items() if key in ("type", "loc", "msg")}
        for error in exc.errors
    ]
    note_refusal(request, message)
    return api.create_response(request, {"detail": message, "errors": errors}, status=422)

"""The API object: authentication, the routers, and errors answered as JSON a person can act
on (never a traceback). Mounted at ``/api/``; the OpenAPI document is ``/api/openapi.json``
and the interactive documentation ``/api/docs``."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI

from .auth import TokenAuth, WebSession
from .routers import exports, imports, programs, reports, tokens

api = NinjaAPI(
    title="theodoi API",
    version="1",
    description=(
        "Chương trình hành động, nhiệm vụ, phân công, kỳ thực hiện, báo cáo tiến độ. "
        "Xác thực bằng khóa API (`Authorization: Bearer td_…`) hoặc phiên đăng nhập web."
    ),
    auth=[TokenAuth(), WebSession()],
    urls_namespace="api",
)

api.add_router("/", programs.router)
api.add_router("/", reports.router)
api.add_router("/reports/", exports.router)
api.add_router("/imports/", imports.router)
api.add_router("/tokens/", tokens.router)


# --- Errors: the policy's and the models' own messages, as {"detail": "..."} ----------------


@api.exception_handler(PermissionDenied)
def _refused(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or gettext("Bạn không có quyền làm việc này.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": gettext("Không tìm thấy.")}, status=404)


@api.exception_handler(ObjectDoesNotExist)
def _missing_row(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return api.create_response(request, {"detail": gettext("Không tìm thấy.")}, status=404)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=422)

"""The API object: authentication, the routers, and errors answered as JSON a person can act
on (never a traceback). Mounted at ``/api/``; the OpenAPI document is ``/api/openapi.json``
and the interactive documentation ``/api/docs``."""

from __future__ import annotations

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

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from theodoi.api.main import api

# A database failure outside any view (a session a middleware reads) is "try again", not a 500.
handler500 = "theodoi.web.views.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("theodoi.tracking.urls")),
    path("", include("theodoi.web.urls")),
]

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from theodoi.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("theodoi.tracking.urls")),
    path("", include("theodoi.web.urls")),
]

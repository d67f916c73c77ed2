from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "theodoi.web"
    verbose_name = _("Giao diện web")

    def ready(self) -> None:
        from . import security  # noqa: F401 (marks a new session fresh at sign-in)


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site (two-factor for the admin; ``web.admin_site``).
    Here, not beside the site, because an app config is imported before any model."""

    default = False
    default_site = "theodoi.web.admin_site.AdminSite"

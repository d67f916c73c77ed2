from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API and the tokens that sign its callers in."""

    name = "theodoi.api"
    verbose_name = _("API")

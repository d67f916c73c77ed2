from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Organisations, their aliases and groups, levels, and reorganisations."""

    name = "theodoi.orgs"
    verbose_name = _("Cơ quan, đơn vị")

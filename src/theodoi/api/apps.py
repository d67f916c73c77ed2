from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API and the tokens that sign its callers in."""

    name = "theodoi.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import ApiToken

        # Who made or revoked a token, through what and from where; never its hash.
        if not auditlog.contains(ApiToken):
            auditlog.register(ApiToken, exclude_fields=["token_hash", "last_used_at"])

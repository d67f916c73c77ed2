from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    """Who may do what, progress reports and their review, extensions, status as of a date."""

    name = "theodoi.tracking"
    verbose_name = _("Theo dõi thực hiện")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import append_only, checks, notify, rollup_cache  # noqa: F401 (checks registers)
        from .audit import register_models

        register_models()
        rollup_cache.connect()
        notify.connect()
        post_migrate.connect(append_only.reinstall_after_migrate, sender=self)

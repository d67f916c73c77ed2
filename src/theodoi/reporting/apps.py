from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Periodic reports in the Party's and the State's document formats, statistics
    workbooks, and the annual evaluation of bodies and leaders."""

    name = "theodoi.reporting"
    verbose_name = _("Báo cáo, đánh giá")

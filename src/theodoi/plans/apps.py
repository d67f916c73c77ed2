from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """Leaders' personal action plans: approval, sending to the supervising bodies, and
    tracking each item like a task."""

    name = "theodoi.plans"
    verbose_name = _("Kế hoạch hành động cá nhân")

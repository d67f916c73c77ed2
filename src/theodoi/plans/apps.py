from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """Leaders' personal action plans: approval, sending to the supervising bodies, and
    tracking each item like a task; the annual evaluation of bodies and leaders."""

    name = "theodoi.plans"
    verbose_name = _("Kế hoạch hành động cá nhân")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        for model in (models.Leader, models.PersonalPlan, models.PlanItem, models.PlanRecipient,
                      models.EvaluationScale, models.EvaluationDecision):  # fmt: skip
            if not auditlog.contains(model):
                auditlog.register(model)

"""Django admin for personal plans and the evaluation. The permission policy decides
(``PolicyAdminMixin``). Plans, their items and copies change only through the services
(``plans.services``: the steps are checked and recorded there), so they are read here.
Leaders are the administrators' registry; the rating thresholds are the program
administrator's (CONFIGURE_EVALUATION), checked by the model (ordered, 0-100)."""

from __future__ import annotations

from django.contrib import admin

from theodoi.tracking.admin_policy import PolicyAdminMixin
from theodoi.tracking.policy import Action, visible_plans

from .models import (
    EvaluationDecision,
    EvaluationScale,
    Leader,
    PersonalPlan,
    PlanItem,
    PlanRecipient,
)


@admin.register(Leader)
class LeaderAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_PERSONAL_PLAN
    change_action = Action.MANAGE_ORGANIZATIONS
    list_display = ("name", "position", "organization", "user", "active")
    list_filter = ("active", "organization__level")
    search_fields = ("name", "position", "organization__name")
    raw_id_fields = ("organization", "user")

    def _about(self, obj):
        return None  # the list of leaders is open to those who see plans


class ItemInline(PolicyAdminMixin, admin.TabularInline):
    view_action = Action.VIEW_PERSONAL_PLAN
    model = PlanItem
    extra = 0
    fields = ("position", "text", "start_date", "due_date", "program_task", "task")
    readonly_fields = fields


class RecipientInline(PolicyAdminMixin, admin.TabularInline):
    view_action = Action.VIEW_PERSONAL_PLAN
    model = PlanRecipient
    extra = 0
    fields = ("organization", "basis", "sent_on", "sent_by", "acknowledged_at",
              "acknowledged_by", "note")  # fmt: skip
    readonly_fields = fields


@admin.register(PersonalPlan)
class PersonalPlanAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_PERSONAL_PLAN
    visible = staticmethod(visible_plans)
    list_display = ("leader", "under", "status", "deadline", "approved_on")
    list_filter = ("status", "under")
    search_fields = ("leader__name", "leader__organization__name", "title")
    list_select_related = ("leader__organization", "under")
    inlines = [ItemInline, RecipientInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PersonalPlan._meta.fields]


@admin.register(EvaluationScale)
class EvaluationScaleAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.EVALUATE
    change_action = Action.CONFIGURE_EVALUATION
    asks_about = "program"
    list_display = ("program", "excellent_done", "excellent_on_time", "good_done",
                    "good_on_time", "pass_done", "pass_on_time", "updated_at")  # fmt: skip
    raw_id_fields = ("program",)


@admin.register(EvaluationDecision)
class EvaluationDecisionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Every decision, kept: read here, recorded from the evaluation page."""

    view_action = Action.EVALUATE
    asks_about = "program"
    list_display = ("program", "year", "organization", "leader", "rating", "suggested_rating",
                    "decided_by", "decided_at")  # fmt: skip
    list_filter = ("year", "rating", "program")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in EvaluationDecision._meta.fields]

"""The issuer profiles, in the admin: seen by those who produce reports, changed by those who
manage the bodies (the one permission policy decides)."""

from django.contrib import admin

from theodoi.tracking.admin_policy import PolicyAdminMixin
from theodoi.tracking.policy import Action

from .models import IssuerProfile


@admin.register(IssuerProfile)
class IssuerProfileAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.PRODUCE_REPORT
    change_action = Action.MANAGE_ORGANIZATIONS
    list_display = ("organization", "format", "issuer_line", "abbreviation", "place")
    list_filter = ("format",)
    search_fields = ("organization__name", "issuer_line", "abbreviation")
    autocomplete_fields = ("organization",)

"""Django admin for the organisation registry. Labels come from the models' verbose names;
the two actions call the same services as the command line (`theodoi orgs map`,
`theodoi orgs reorganize`). Every member sees the registry; only MANAGE_ORGANIZATIONS
(administrators) changes it (the permission policy, through ``PolicyAdminMixin``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.template import engines
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from theodoi.parsing.text import fold
from theodoi.programs.succession import ReorganizationError, apply_reorganization
from theodoi.tracking.admin_policy import PolicyAdminMixin
from theodoi.tracking.policy import Action

from .models import Alias, Organization, OrgGroup, Reorganization
from .resolve import MappingError, map_unresolved

# The intermediate page of the mapping action: which names, onto which body.
_MAP_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% block content %}
<form method="post">{% csrf_token %}
<p>Mỗi tên dưới đây sẽ thành tên gọi khác của cơ quan được chọn; các phân công của nó chuyển
sang cơ quan đó, và tên chưa xác định được xóa. Lần nhập văn bản sau, tên này được nhận ra.</p>
<ul>{% for org in orgs %}
<li>{{ org.name }} ({{ org.code }}): {{ org.assigned }} phân công
<input type="hidden" name="{{ action_checkbox_name }}" value="{{ org.pk }}"></li>{% endfor %}
</ul>
{{ form.as_p }}
<input type="hidden" name="action" value="map_to_body">
<input type="submit" name="apply" value="Gắn vào cơ quan này">
</form>
{% endblock %}"""
)


class MapForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Organization.objects.filter(unresolved=False).order_by("name_key"),
        label=_("Cơ quan trong danh mục"),
    )


class RegistryAdmin(PolicyAdminMixin):
    """Open to every member; changed only by those who manage the organisations."""

    change_action = Action.MANAGE_ORGANIZATIONS


class OrgAliasInline(RegistryAdmin, admin.TabularInline):
    model = Alias
    fk_name = "organization"
    fields = ("name",)
    extra = 1


class GroupAliasInline(RegistryAdmin, admin.TabularInline):
    model = Alias
    fk_name = "group"
    fields = ("name",)
    extra = 1


class FoldedSearchMixin:
    """Search that ignores diacritics and case: "du lich" finds "du lịch", in names and
    aliases alike (the folded keys are stored)."""

    folded_search = ("name_key", "aliases__key")

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        words = fold(search_term).split()
        if words:
            # Like Django's own search: every word must appear, in any of the fields.
            condition = Q()
            for word in words:
                either = Q()
                for path in self.folded_search:
                    either |= Q(**{f"{path}__contains": word})
                condition &= either
            found = found | queryset.filter(condition)
            duplicates = True
        return found, duplicates


@admin.register(Organization)
class OrganizationAdmin(RegistryAdmin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "level",
        "parent",
        "valid_from",
        "valid_to",
        "unresolved",
        "assumed",
    )
    list_filter = ("unresolved", "kind", "level", "assumed")
    search_fields = ("name", "code", "full_name", "short_name", "aliases__name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    inlines = [OrgAliasInline]
    actions = ["map_to_body"]

    @admin.action(description=_("Gắn tên chưa xác định vào cơ quan..."), permissions=["change"])
    def map_to_body(self, request, queryset):
        """Map the selected unresolved names onto one body chosen on an intermediate page
        (the same as `theodoi orgs map UNRESOLVED_CODE TARGET_CODE`)."""
        queryset = queryset.filter(unresolved=True).annotate(assigned=Count("assignments"))
        if not queryset:
            self.message_user(
                request, "Hãy chọn các tên chưa xác định (cột “chưa xác định”).", messages.WARNING
            )
            return None
        form = MapForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            target = form.cleaned_data["target"]
            for org in queryset:
                try:
                    moved = map_unresolved(unresolved=org, target=target)
                except MappingError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"Đã gắn “{org.name}” vào {target.name}: chuyển {moved} phân công.",
                        messages.SUCCESS,
                    )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Gắn tên chưa xác định vào cơ quan",
            "opts": self.model._meta,
            "orgs": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, _MAP_PAGE, context)


@admin.register(OrgGroup)
class OrgGroupAdmin(RegistryAdmin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name", "code", "unnamed", "member_count")
    list_filter = ("unnamed",)
    search_fields = ("name", "code", "aliases__name")
    folded_search = ("aliases__key",)
    filter_horizontal = ("members", "member_groups")
    inlines = [GroupAliasInline]

    @admin.display(description=_("số thành viên"))
    def member_count(self, group: OrgGroup) -> int:
        return len(group.all_members())


@admin.register(Alias)
class AliasAdmin(RegistryAdmin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name", "organization", "group")
    search_fields = ("name", "organization__name", "group__name")
    folded_search = ("key",)
    raw_id_fields = ("organization", "group")


@admin.register(Reorganization)
class ReorganizationAdmin(RegistryAdmin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "effective",
        "predecessor_names",
        "successor_names",
        "applied_at",
    )
    list_filter = ("kind", ("applied_at", admin.EmptyFieldListFilter))
    date_hierarchy = "effective"
    filter_horizontal = ("predecessors", "successors")
    readonly_fields = ("applied_at",)
    actions = ["apply"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("predecessors", "successors")

    def get_readonly_fields(self, request, obj=None):
        """An applied reorganisation is history: it is shown, not edited."""
        if obj is not None and obj.applied_at is not None:
            return ("kind", "effective", "predecessors", "successors", "basis", "applied_at")
        return self.readonly_fields

    @admin.display(description=_("cơ quan trước"))
    def predecessor_names(self, reorganization: Reorganization) -> str:
        return ", ".join(org.name for org in reorganization.predecessors.all())

    @admin.display(description=_("cơ quan kế thừa"))
    def successor_names(self, reorganization: Reorganization) -> str:
        return ", ".join(org.name for org in reorganization.successors.all())

    @admin.action(description=_("Áp dụng"), permissions=["change"])
    def apply(self, request, queryset):
        """Apply each selected reorganisation, earliest first; the summary as messages."""
        for reorganization in queryset.order_by("effective", "pk"):
            try:
                summary = apply_reorganization(reorganization=reorganization)
            except ReorganizationError as exc:
                self.message_user(request, f"{reorganization}: {exc}", messages.ERROR)
            else:
                self.message_user(request, " ".join(summary.lines()), messages.SUCCESS)

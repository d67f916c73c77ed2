"""Django admin for programs: every model, Vietnamese labels from the models.

The permission policy decides (``PolicyAdminMixin``): every member sees the programs and their
tasks, a body's head and staff only their own body's assignments and occurrences; only those
who import programs (the office, administrators) change them, and a task's lead changes
through ``designate_lead``, which moves the assignments' roles with it.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from theodoi.tracking.admin_policy import PolicyAdminMixin
from theodoi.tracking.leads import designate_lead, lead_candidates
from theodoi.tracking.policy import Action, allows, visible_assignments, visible_occurrences

from .models import Assignment, Occurrence, Program, ProgramVersion, Reference, Section, Task


class ProgramPartAdmin(PolicyAdminMixin):
    """Part of a program's text: seen by every member, changed by those who import."""

    view_action = Action.VIEW_PROGRAM
    change_action = Action.IMPORT_PROGRAM
    asks_about = "program"


class VersionInline(PolicyAdminMixin, admin.TabularInline):
    view_action = Action.VIEW_PROGRAM
    model = ProgramVersion
    extra = 0
    fields = ("number", "source_name", "imported_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Program)
class ProgramAdmin(ProgramPartAdmin, admin.ModelAdmin):
    asks_about = ""
    list_display = ("number", "title", "issuer", "date", "term_start", "term_end", "status")
    list_filter = ("status", "kind", "issuer")
    search_fields = ("number", "title", "resolution")
    date_hierarchy = "date"
    inlines = [VersionInline]
    raw_id_fields = ("parent_program", "parent_task", "issuer")


@admin.register(ProgramVersion)
class ProgramVersionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """The record of each import: shown, never edited."""

    view_action = Action.VIEW_PROGRAM
    asks_about = "program"
    list_display = ("program", "number", "source_name", "imported_at")
    list_filter = ("program",)
    readonly_fields = ("summary", "warnings", "source_sha256")


@admin.register(Section)
class SectionAdmin(ProgramPartAdmin, admin.ModelAdmin):
    list_display = ("number", "title", "program")
    list_filter = ("program",)
    search_fields = ("number", "title")
    raw_id_fields = ("parent",)


class AssignmentInline(PolicyAdminMixin, admin.TabularInline):
    view_action = Action.VIEW_ASSIGNMENT
    change_action = Action.IMPORT_PROGRAM
    visible = staticmethod(visible_assignments)
    model = Assignment
    extra = 0
    fields = ("organization", "group", "via_group", "directs", "issues", "advises", "implements",
              "leads", "coordinates", "inferred", "active_from", "active_to")  # fmt: skip
    raw_id_fields = ("organization", "group", "via_group")


@admin.register(Task)
class TaskAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_TASK
    change_action = Action.IMPORT_PROGRAM
    list_display = ("key", "short_text", "time_text", "time_kind", "needs_time", "program")
    list_filter = ("program", "time_kind", "needs_time", "withdrawn_in")
    search_fields = ("key", "text")
    raw_id_fields = ("section", "added_in", "changed_in", "withdrawn_in")
    inlines = [AssignmentInline]

    @admin.display(description=_("nội dung"))
    def short_text(self, task: Task) -> str:
        return task.text[:120]

    def has_change_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        """Those who import change the task; those who designate leads change its lead."""
        return super().has_change_permission(request, obj) or allows(
            request.user, Action.DESIGNATE_LEAD, obj
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Task | None = None):
        """The lead only through ``designate_lead`` (on a saved task, to one of the bodies it
        accepts); the flag it clears is never set by hand."""
        fixed = ["needs_lead"]
        if not allows(request.user, Action.IMPORT_PROGRAM):
            fixed = [
                f.name
                for f in Task._meta.fields
                if f.editable and not f.primary_key and f.name != "lead"
            ]
        if obj is None or not allows(request.user, Action.DESIGNATE_LEAD, obj):
            fixed.append("lead")
        return [*super().get_readonly_fields(request, obj), *fixed]

    def get_form(self, request: HttpRequest, obj: Task | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        lead = form.base_fields.get("lead")
        if lead is not None and obj is not None:
            lead.queryset = lead_candidates(obj)
            lead.required = obj.lead_id is not None  # a task that has its lead keeps one
        return form

    def save_model(self, request: HttpRequest, obj: Task, form, change: bool) -> None:
        """A new lead goes through ``designate_lead``: it asks the policy and moves the
        assignments' roles with it."""
        new_lead = obj.lead if change and "lead" in form.changed_data else None
        if new_lead is not None:
            obj.lead_id = form.initial.get("lead")
        super().save_model(request, obj, form, change)
        if new_lead is not None:
            designate_lead(user=request.user, task=obj, organization=new_lead)


@admin.register(Assignment)
class AssignmentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_ASSIGNMENT
    change_action = Action.IMPORT_PROGRAM
    visible = staticmethod(visible_assignments)

    list_display = ("task", "organization", "group", "via_group", "roles_display", "inferred")
    list_filter = ("inferred", "leads", "implements", "task__program")
    search_fields = ("organization__name", "group__name", "task__text", "written")
    raw_id_fields = ("task", "organization", "group", "via_group", "transferred_from")

    @admin.display(description=_("vai trò"))
    def roles_display(self, assignment: Assignment) -> str:
        return ", ".join(str(Assignment._meta.get_field(r).verbose_name) for r in assignment.roles)


@admin.register(Occurrence)
class OccurrenceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_OCCURRENCE
    change_action = Action.IMPORT_PROGRAM
    visible = staticmethod(visible_occurrences)

    list_display = ("label", "due_date", "status", "assignment")
    list_filter = ("status", "source", "assignment__task__program")
    date_hierarchy = "due_date"
    search_fields = ("assignment__organization__name", "assignment__task__text", "label")
    raw_id_fields = ("assignment",)


@admin.register(Reference)
class ReferenceAdmin(ProgramPartAdmin, admin.ModelAdmin):
    list_display = ("text", "type", "number", "date", "program")
    list_filter = ("type",)
    search_fields = ("text", "number")

"""Django admin for programs: every model, Vietnamese labels from the models."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Assignment, Occurrence, Program, ProgramVersion, Reference, Section, Task


class VersionInline(admin.TabularInline):
    model = ProgramVersion
    extra = 0
    fields = ("number", "source_name", "imported_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "issuer", "date", "term_start", "term_end", "status")
    list_filter = ("status", "kind", "issuer")
    search_fields = ("number", "title", "resolution")
    date_hierarchy = "date"
    inlines = [VersionInline]
    raw_id_fields = ("parent_program", "parent_task", "issuer")


@admin.register(ProgramVersion)
class ProgramVersionAdmin(admin.ModelAdmin):
    list_display = ("program", "number", "source_name", "imported_at")
    list_filter = ("program",)
    readonly_fields = ("summary", "warnings", "source_sha256")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "program")
    list_filter = ("program",)
    search_fields = ("number", "title")
    raw_id_fields = ("parent",)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ("organization", "group", "via_group", "directs", "issues", "advises", "implements",
              "leads", "coordinates", "inferred", "active_from", "active_to")  # fmt: skip
    raw_id_fields = ("organization", "group", "via_group")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("key", "short_text", "time_text", "time_kind", "needs_time", "program")
    list_filter = ("program", "time_kind", "needs_time", "withdrawn_in")
    search_fields = ("key", "text")
    raw_id_fields = ("section", "added_in", "changed_in", "withdrawn_in")
    inlines = [AssignmentInline]

    @admin.display(description=_("nội dung"))
    def short_text(self, task: Task) -> str:
        return task.text[:120]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("task", "organization", "group", "via_group", "roles_display", "inferred")
    list_filter = ("inferred", "leads", "implements", "task__program")
    search_fields = ("organization__name", "group__name", "task__text", "written")
    raw_id_fields = ("task", "organization", "group", "via_group", "transferred_from")

    @admin.display(description=_("vai trò"))
    def roles_display(self, assignment: Assignment) -> str:
        return ", ".join(str(Assignment._meta.get_field(r).verbose_name) for r in assignment.roles)


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ("label", "due_date", "status", "assignment")
    list_filter = ("status", "source", "assignment__task__program")
    date_hierarchy = "due_date"
    search_fields = ("assignment__organization__name", "assignment__task__text", "label")
    raw_id_fields = ("assignment",)


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("text", "type", "number", "date", "program")
    list_filter = ("type",)
    search_fields = ("text", "number")

"""Django admin for following up: memberships, progress reports with their history and files,
extensions. Labels come from the models' verbose names.

The permission policy decides who sees and changes what (``PolicyAdminMixin``). Reports, their
revisions, extensions and evidence files are read-only here: they change only through the
services (``reports``, ``extensions``, ``evidence``), which ask the policy and keep the history
a status as of any date is read from. An evidence file is downloaded only through
``evidence.open_file``, which asks the policy first; the admin never links to the storage
directly. Memberships are the administrators' (MANAGE_ORGANIZATIONS). The whole audit log
(auditlog's own admin, replaced here) is listed for VIEW_AUDIT, and only read. Django's user
admin is kept, except that it will not delete a person the audit log names.
"""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_policy import KeepsHistoryMixin, PolicyAdminMixin
from .evidence import open_file
from .extensions import ExtensionError, decide_extension
from .models import EvidenceFile, Extension, Membership, ProgressReport, ReportRevision
from .policy import Action, allows, visible_extensions, visible_reports


def download_link(evidence: EvidenceFile) -> str:
    """A link to the download view, which asks the policy (``open_file``) before it serves."""
    if evidence.pk is None:
        return "-"
    url = reverse("admin:tracking_evidencefile_download", args=[evidence.pk])
    return format_html('<a href="{}">{}</a>', url, evidence.original_name)


@admin.register(Membership)
class MembershipAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = change_action = Action.MANAGE_ORGANIZATIONS
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "organization__name", "organization__code")
    raw_id_fields = ("user", "organization")


class RevisionInline(PolicyAdminMixin, admin.TabularInline):
    view_action = Action.VIEW_REPORT
    model = ReportRevision
    extra = 0
    fields = ("version", "at", "by", "action", "state", "status", "done_on")
    readonly_fields = fields
    ordering = ("version",)


class EvidenceInline(PolicyAdminMixin, admin.TabularInline):
    view_action = Action.VIEW_EVIDENCE_FILE
    model = EvidenceFile
    extra = 0
    fields = ("download", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=_("tệp"))
    def download(self, evidence: EvidenceFile) -> str:
        return download_link(evidence)


@admin.register(ProgressReport)
class ProgressReportAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_REPORT
    visible = staticmethod(visible_reports)
    list_display = ("occurrence", "organization", "state", "status", "done_on", "updated_at")
    list_filter = ("status", "state", "occurrence__assignment__task__program")
    search_fields = ("organization__name", "occurrence__assignment__task__text", "narrative",
                     "document_number")  # fmt: skip
    date_hierarchy = "updated_at"
    list_select_related = ("occurrence", "organization")
    inlines = [RevisionInline, EvidenceInline]


@admin.register(ReportRevision)
class ReportRevisionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_REPORT
    asks_about = visible_through = "report"
    visible = staticmethod(visible_reports)
    list_display = ("report", "version", "at", "by", "action", "state", "status")
    list_filter = ("action", "status", "state")
    search_fields = ("report__organization__name", "by__username")
    date_hierarchy = "at"
    list_select_related = ("report__organization", "report__occurrence", "by")


@admin.register(Extension)
class ExtensionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_EXTENSION
    visible = staticmethod(visible_extensions)
    list_display = ("occurrence", "new_due", "requested_by", "requested_at", "status",
                    "decided_by", "decided_at")  # fmt: skip
    list_filter = ("status",)
    search_fields = ("occurrence__assignment__organization__name", "reason", "comment")
    date_hierarchy = "requested_at"
    list_select_related = ("occurrence", "requested_by", "decided_by")
    actions = ["approve"]

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return allows(request.user, Action.DECIDE_EXTENSION)

    @admin.action(description=_("Đồng ý các đề nghị gia hạn đã chọn"), permissions=["decide"])
    def approve(self, request: HttpRequest, queryset) -> None:
        done = 0
        for extension in queryset:
            try:
                decide_extension(user=request.user, extension=extension, approve=True)
            except (PermissionDenied, ExtensionError) as exc:
                self.message_user(request, f"{extension}: {exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Đã đồng ý {done} đề nghị gia hạn.", messages.SUCCESS)


@admin.register(EvidenceFile)
class EvidenceFileAdmin(PolicyAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW_EVIDENCE_FILE
    visible_through = "report"
    visible = staticmethod(visible_reports)
    list_display = ("original_name", "report", "content_type", "size", "uploaded_by",
                    "uploaded_at")  # fmt: skip
    list_filter = ("content_type",)
    search_fields = ("original_name", "sha256", "report__organization__name")
    date_hierarchy = "uploaded_at"
    list_select_related = ("report__organization", "report__occurrence", "uploaded_by")
    # ``file`` itself is left out: its widget would link straight to the storage.
    fields = ("download", "report", "content_type", "size", "sha256", "uploaded_by",
              "uploaded_at")  # fmt: skip
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<int:pk>/tai-ve/",
                self.admin_site.admin_view(self.download_view),
                name="tracking_evidencefile_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("tệp"))
    def download(self, evidence: EvidenceFile) -> str:
        return download_link(evidence)

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        evidence = get_object_or_404(
            EvidenceFile.objects.select_related("report__occurrence__assignment__task"), pk=pk
        )
        handle, content_type, filename = open_file(user=request.user, evidence=evidence)
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )


class AuditLogAdmin(PolicyAdminMixin, LogEntryAdmin):
    """The whole audit log: listed for those the policy lets see it all (VIEW_AUDIT with no
    object), never changed or deleted (the database refuses that too)."""

    view_action = Action.VIEW_AUDIT

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return allows(request.user, Action.VIEW_AUDIT)


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditLogAdmin)


class PersonAdmin(KeepsHistoryMixin, UserAdmin):
    """Django's user admin, except that a person named in the audit log is deactivated, not
    deleted (the log's actor would be blanked out)."""


if admin.site.is_registered(get_user_model()):
    admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PersonAdmin)

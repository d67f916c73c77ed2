"""The admin asks the one permission policy, never Django's model permissions.

``PolicyAdminMixin`` answers a ModelAdmin's (or an inline's) ``has_*_permission`` and
``get_queryset`` from ``policy``, and makes an object's "Lịch sử" page its audit trail
(django-auditlog: who, when, what, each field before and after).

Django's ``is_staff`` still decides who may enter /admin/ at all. Inside, a user acts through
their ``Membership`` like everywhere else: a superuser without one sees nothing of theodoi's
models until given a body and a role (``theodoi member USER ORG --role admin``).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from auditlog.registry import auditlog
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from .append_only import kept_rows
from .audit import describe, history
from .policy import Action, AnyUser, actor_of, allows, check

HISTORY_PER_PAGE = 100


class KeepsHistoryMixin:
    """A deletion that would remove or change rows of the append-only tables (a task's
    reports' revisions, a person's audit entries) is shown as protected and not done, rather
    than refused by the database on confirmation (``append_only.kept_rows``)."""

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, [*protected, *kept_rows(objs)]


class PolicyAdminMixin(KeepsHistoryMixin):
    """Permissions and rows from the policy. Put it first among a ModelAdmin's bases.

    - ``view_action``: the action that sees a row, asked about ``asks_about`` of the row (an
      attribute path, e.g. ``"program"`` for a section) or the row itself; ``None``: any
      member sees it (the registry of bodies is open to every member).
    - ``change_action``: the action that adds, changes and deletes rows here (asked without an
      object); ``None``: nobody does, here, because the rows change only through the services.
    - ``visible``: the policy's ``visible_*`` function for the rows a user sees, applied to
      ``visible_through`` of a row (e.g. ``"report"`` for a report's files) or the row itself.

    An inline is asked about its parent's page, whose own admin has already decided on the
    parent: it answers for the action in general, and its rows are filtered the same way.
    """

    view_action: Action | None = None
    change_action: Action | None = None
    asks_about: str = ""
    visible: Callable[[AnyUser], QuerySet] | None = None
    visible_through: str = ""

    # --- Permissions ------------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.view_action is None:
            return actor_of(request.user) is not None
        return allows(request.user, self.view_action, self._about(obj))

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_change(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_change(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_change(request)

    def _may_change(self, request: HttpRequest) -> bool:
        return self.change_action is not None and allows(request.user, self.change_action)

    def _about(self, obj: Model | None) -> Any:
        if obj is None or isinstance(self, InlineModelAdmin):
            return None
        return attrgetter(self.asks_about)(obj) if self.asks_about else obj

    # --- Rows -------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = super().get_queryset(request)
        if actor_of(request.user) is None:
            return rows.none()
        if self.visible is None:
            return rows
        seen = type(self).visible(request.user)
        if self.visible_through:
            return rows.filter(**{f"{self.visible_through}__in": seen})
        return rows & seen

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        """Any row, seen or not: the page then asks the policy about the object, which refuses
        (403) what the user may not see rather than calling it missing."""
        rows = super().get_queryset(request)
        field = (
            rows.model._meta.pk if from_field is None else rows.model._meta.get_field(from_field)
        )
        try:
            return rows.get(**{field.name: field.to_python(object_id)})
        except (rows.model.DoesNotExist, ValidationError, ValueError):
            return None

    # --- History ----------------------------------------------------------------------------

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """The object's audit trail, for those who may see the object and its history."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        check(request.user, Action.VIEW_AUDIT, obj)
        if not auditlog.contains(type(obj)):
            return super().history_view(request, object_id, extra_context)
        entries = history(obj).select_related("actor")
        paginator = self.get_paginator(request, entries, HISTORY_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Lịch sử thay đổi: {obj}",
            "subtitle": None,
            "entries": [describe(entry) for entry in page],
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/theodoi/audit_history.html", context)

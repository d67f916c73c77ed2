"""A person's notifications in the app: the same reminders the daily digest mails."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from theodoi.tracking.models import Notification
from theodoi.tracking.reminders import mark_read

from .common import member_required


@member_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        mark_read(request.user)
        return redirect("web:notifications")
    rows = Notification.objects.filter(recipient=request.user).order_by("-day", "kind", "due")[:200]
    return render(request, "web/notifications.html", {"rows": rows})

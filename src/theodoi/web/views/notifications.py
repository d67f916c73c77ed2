"""A person's notifications in the app (the same reminders the daily digest mails), and the
secret address of their calendar feed: made, or replaced, here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from theodoi.tracking.calendar import CalendarError, feed_url, has_feed, issue_feed
from theodoi.tracking.models import Notification
from theodoi.tracking.reminders import mark_read

from .common import member_required


@never_cache  # the page may carry a calendar secret, shown once
@member_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    context: dict = {}
    if request.method == "POST":
        if request.POST.get("action") != "calendar":
            mark_read(request.user)
            return redirect("web:notifications")
        if has_feed(request.user) and request.POST.get("confirm") != "1":
            context["confirm_rotation"] = True  # the old address would stop working: ask first
        else:
            try:
                context["calendar_url"] = feed_url(issue_feed(request.user))
            except CalendarError as error:
                context["calendar_error"] = str(error)
    rows = Notification.objects.filter(recipient=request.user).order_by("-day", "kind", "due")[:200]
    context.update(rows=rows, has_calendar=has_feed(request.user))
    return render(request, "web/notifications.html", context)

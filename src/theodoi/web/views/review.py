"""The review queue: what the monitoring office has to act on. Submitted reports, oldest
first, to confirm (xác nhận) or return (trả lại) with a comment; extension requests to
approve or reject. With htmx the item is replaced by the outcome; without JavaScript the
forms post to the page and come back to it.

A POST names its ``kind`` (``report`` or ``extension``) and the row's ``pk``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from theodoi.tracking.extensions import (
    ExtensionError,
    decide_extension,
    effective_due,
    term_warnings,
)
from theodoi.tracking.models import (
    Extension,
    ProgressReport,
    ReportRevision,
    ReportStatus,
    Role,
)
from theodoi.tracking.policy import (
    Action,
    allows,
    check,
    refusal,
    visible_extensions,
    visible_reports,
)
from theodoi.tracking.reports import ReportError, StaleReport, review_report
from theodoi.tracking.status import statuses

from ..forms import ExtensionDecisionForm, ReviewForm
from .common import member_required


def stale_message() -> str:
    return _("Báo cáo vừa được người khác thay đổi; tải lại để xem bản mới.")


@member_required
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    reviews, decides = allows(user, Action.REVIEW_REPORT), allows(user, Action.DECIDE_EXTENSION)
    if not (reviews or decides):
        raise PermissionDenied(refusal(user, Action.REVIEW_REPORT))
    if request.method == "POST":
        kind, pk = request.POST.get("kind"), request.POST.get("pk") or ""
        if not pk.isdigit():
            raise Http404(_("Không có mục này."))
        if kind == "report":
            return _post_review(request, int(pk))
        if kind == "extension":
            return _post_decision(request, int(pk))
        raise Http404(_("Không có mục này."))
    return _page(request, reviews=reviews, decides=decides)


# --- Reading -----------------------------------------------------------------------------------


def _reports(user):
    return (
        visible_reports(user)
        .filter(status=ReportStatus.SUBMITTED)
        .select_related(
            "organization", "occurrence__assignment__task", "occurrence__assignment__organization"
        )
        .prefetch_related(
            "files",
            # the card's who wrote, signed and sent it, for every report in one query
            Prefetch("revisions", ReportRevision.objects.select_related("by").order_by("version")),
        )
        .order_by("updated_at", "pk")
    )


def _extensions(user):
    return (
        visible_extensions(user)
        .filter(status=Extension.Status.PENDING)
        .select_related(
            "requested_by",
            "occurrence__assignment__task__program",  # its term, for the warnings
            "occurrence__assignment__organization",
        )
        .order_by("requested_at", "pk")
    )


def _page(
    request: HttpRequest,
    *,
    reviews: bool,
    decides: bool,
    replaced: dict | None = None,
) -> HttpResponse:
    """The queue; ``replaced`` is an item drawn from a bound form (errors) to keep in place."""
    user = request.user
    reports = list(_reports(user)) if reviews else []
    extensions = list(_extensions(user)) if decides else []
    today = timezone.localdate()
    found = statuses(
        [r.occurrence for r in reports] + [e.occurrence for e in extensions], as_of=today
    )
    report_items = _actionable_first(
        user, [_report_item(request, r, found.get(r.occurrence_id)) for r in reports]
    )
    extension_items = _actionable_first(
        user, [_extension_item(request, e, found.get(e.occurrence_id)) for e in extensions]
    )
    if replaced is not None:
        items = report_items if replaced["kind"] == "report" else extension_items
        for i, item in enumerate(items):
            if item["object"].pk == replaced["object"].pk:
                items[i] = replaced
    context = {
        "reviews": reviews,
        "decides": decides,
        "report_items": report_items,
        "extension_items": extension_items,
        "today": today,
    }
    return render(request, "web/review.html", context)


def _actionable_first(user, items: list[dict]) -> list[dict]:
    """What the person can act on first (oldest first within each part), then what waits
    for someone else, with the reason. A leader reviews only the office's own work (see
    ``theodoi.tracking.policy``): the rest of the committee's queue is not theirs to show."""
    if user.membership.role == Role.LEADER:
        return [item for item in items if item["refusal"] is None]
    return sorted(items, key=lambda item: item["refusal"] is not None)


def _report_item(request, report: ProgressReport, state, *, form=None, notice="") -> dict:
    if form is None:
        form = ReviewForm(initial={"version": report.version}, prefix_id=f"rv{report.pk}")
    return {
        "kind": "report",
        "object": report,
        "signatures": _signatures(report),
        "state": state,
        "form": form,
        "refusal": refusal(request.user, Action.REVIEW_REPORT, report),
        "notice": notice,
    }


def _signatures(report: ProgressReport) -> dict:
    """Who wrote the report (its first version), who signed it off and sent it, and when:
    what the office weighs before confirming."""
    revisions = sorted(report.revisions.all(), key=lambda revision: revision.version)
    wrote = next((r for r in revisions if r.action in ("create", "edit", "report_again")), None)
    signed = next((r for r in reversed(revisions) if r.action == "sign_off"), None)
    sent = next((r for r in reversed(revisions) if r.action in ("submit", "sign_off")), None)
    return {"wrote": wrote, "signed": signed, "sent": sent}


def _extension_item(request, extension: Extension, state, *, form=None, notice="") -> dict:
    if form is None:
        form = ExtensionDecisionForm(prefix_id=f"ex{extension.pk}")
    return {
        "kind": "extension",
        "object": extension,
        "state": state,
        "current_due": state.due if state is not None else effective_due(extension.occurrence),
        "warnings": term_warnings(extension),
        "form": form,
        "refusal": refusal(request.user, Action.DECIDE_EXTENSION, extension),
        "notice": notice,
    }


def _respond(request: HttpRequest, item: dict) -> HttpResponse:
    """An item drawn again with its form's errors: alone (htmx) or in the whole page."""
    if request.htmx:
        return render(request, f"web/_review_{item['kind']}.html", {"item": item})
    return _page(
        request,
        reviews=allows(request.user, Action.REVIEW_REPORT),
        decides=allows(request.user, Action.DECIDE_EXTENSION),
        replaced=item,
    )


def _done(request: HttpRequest, kind: str, pk: int, notice: str) -> HttpResponse:
    """After a decision: the item's place says what was done (htmx), or back to the queue."""
    if request.htmx:
        return render(request, "web/_review_done.html", {"kind": kind, "pk": pk, "notice": notice})
    messages.success(request, notice)
    return redirect("web:review")


# --- Deciding ----------------------------------------------------------------------------------


def _post_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = (
        ProgressReport.objects.select_related(
            "organization", "occurrence__assignment__task", "occurrence__assignment__organization"
        )
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404(_("Không có báo cáo này."))
    check(user, Action.VIEW_REPORT, report)
    if report.status != ReportStatus.SUBMITTED:  # someone in the office was quicker
        notice = _("Báo cáo này đã được xử lý: %(status)s.") % {
            "status": report.get_status_display()
        }
        return _done(request, "report", report.pk, notice)
    form = ReviewForm(request.POST, prefix_id=f"rv{report.pk}")
    if form.is_valid():
        try:
            review_report(
                user=user,
                report=report,
                expected_version=form.cleaned_data["version"],
                accept=form.accepting,
                comment=form.cleaned_data.get("comment") or "",
            )
        except StaleReport:
            form.add_error(None, stale_message())
        except ReportError as error:
            form.add_service_error(str(error))
        else:
            name = report.organization.name
            if form.accepting:
                notice = _("Đã xác nhận báo cáo của %(body)s.") % {"body": name}
            else:
                notice = _("Đã trả lại báo cáo của %(body)s.") % {"body": name}
            return _done(request, "report", report.pk, notice)
    state = statuses([report.occurrence], as_of=timezone.localdate()).get(report.occurrence_id)
    return _respond(request, _report_item(request, report, state, form=form))


def _post_decision(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    extension = (
        Extension.objects.select_related(
            "requested_by", "occurrence__assignment__task", "occurrence__assignment__organization"
        )
        .filter(pk=pk)
        .first()
    )
    if extension is None:
        raise Http404(_("Không có đề nghị gia hạn này."))
    check(user, Action.VIEW_EXTENSION, extension)
    if extension.status != Extension.Status.PENDING:  # someone in the office was quicker
        notice = _("Đề nghị gia hạn này đã được quyết định: %(decision)s.") % {
            "decision": extension.get_status_display()
        }
        return _done(request, "extension", extension.pk, notice)
    form = ExtensionDecisionForm(request.POST, prefix_id=f"ex{extension.pk}")
    if form.is_valid():
        try:
            decided = decide_extension(
                user=user,
                extension=extension,
                approve=form.approving,
                comment=form.cleaned_data.get("comment") or "",
                granted=form.cleaned_data.get("granted"),
            )
        except ExtensionError as error:
            form.add_service_error(str(error))
        else:
            body = extension.occurrence.assignment.organization
            values = {"body": body.name if body else "", "day": f"{decided.new_due:%d/%m/%Y}"}
            for warning in decided.warnings:
                messages.warning(request, warning)
            if form.approving:
                notice = _("Đã đồng ý gia hạn đến %(day)s cho %(body)s.") % values
            else:
                notice = _("Đã không đồng ý gia hạn đến %(day)s cho %(body)s.") % values
            return _done(request, "extension", extension.pk, notice)
    occurrence = extension.occurrence
    state = statuses([occurrence], as_of=timezone.localdate()).get(occurrence.pk)
    return _respond(request, _extension_item(request, extension, state, form=form))

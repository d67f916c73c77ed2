"""My work: what a body owes, overdue first, with the report form and the extension request
inline. With htmx a row opens and is sent back in place; without JavaScript the same forms
post to the page and come back to it.

One address, ``/work/``: ``?show=open|done|all`` filters, ``?occurrence=<id>`` opens that
row's forms (with htmx, only that row comes back); a POST names its ``form`` (``report`` or
``extension``) and its ``occurrence``."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from theodoi.programs.models import Occurrence
from theodoi.tracking import rollup_cache
from theodoi.tracking.evidence import EvidenceError, attach_file
from theodoi.tracking.extensions import ExtensionError, request_extension
from theodoi.tracking.models import ProgressReport, ReportStatus
from theodoi.tracking.policy import Action, actor_of, allows, check
from theodoi.tracking.reports import ReportError, StaleReport, save_report
from theodoi.tracking.worklist import (
    SHOWS,
    WorkItem,
    body_report,
    head_sign_off_required,
    send_report,
    send_step,
    work_item,
    work_page,
)

from ..forms import DOCUMENT_TYPES, ExtensionRequestForm, ReportForm
from .common import member_required

PER_PAGE = 100  # rows of the work list: most bodies' open work fits on one page


def stale_message() -> str:
    return _("Báo cáo vừa được người khác thay đổi; tải lại để xem bản mới.")


@member_required
@require_http_methods(["GET", "POST"])
def my_work(request: HttpRequest) -> HttpResponse:
    user = request.user
    check(user, Action.CREATE_REPORT)  # a body's head and staff (and administrators)
    show = request.POST.get("show") or request.GET.get("show") or "open"
    if show not in SHOWS:
        show = "open"
    if request.method == "POST":
        occurrence = _occurrence(request, request.POST.get("occurrence"))
        if request.POST.get("form") == "extension":
            return _post_extension(request, occurrence, show)
        return _post_report(request, occurrence, show)

    opened = request.GET.get("occurrence")
    if opened and request.htmx:
        occurrence = _occurrence(request, opened)
        expanded = request.GET.get("expand") != "0"
        return _row_response(request, occurrence, show, expanded=expanded)
    opened_pk = _occurrence(request, opened).pk if opened else None
    return _page(request, show, opened_pk=opened_pk)


# --- Reading -----------------------------------------------------------------------------------


def _occurrence(request: HttpRequest, raw: str | None) -> Occurrence:
    """The occurrence named in the request, if the user may see it (else 403)."""
    if not raw or not str(raw).isdigit():
        raise Http404(_("Không có kỳ thực hiện này."))
    occurrence = (
        Occurrence.objects.select_related("assignment__task", "assignment__organization")
        .filter(pk=int(raw))
        .first()
    )
    if occurrence is None:
        raise Http404(_("Không có kỳ thực hiện này."))
    check(request.user, Action.VIEW_OCCURRENCE, occurrence)
    return occurrence


def _page(
    request: HttpRequest,
    show: str,
    *,
    opened_pk: int | None = None,
    opened_row: dict | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    number = request.GET.get("page")

    def render_list() -> str:
        return render_to_string(
            "web/_work_list.html",
            _list_context(request, show, number, today, opened_pk, opened_row),
            request,
        )

    actor = actor_of(request.user)
    if opened_pk is None and opened_row is None and actor is not None:
        # A closed list holds no form: the same for this person until their body's work
        # changes (rollup_cache.body_scope), the day turns or the language changes. The
        # whole query is in the key: the pager's links repeat it.
        key = "|".join(
            str(part)
            for part in (
                "work", request.user.pk, actor.organization_id, actor.role, show,
                sorted(request.GET.lists()), today, get_language(), head_sign_off_required(),
            )
        )  # fmt: skip
        scopes = [rollup_cache.body_scope(actor.organization_id)]
        work_list = rollup_cache.cached_text(key, scopes, render_list)
    else:
        work_list = render_list()
    context = {
        "work_list": mark_safe(work_list),  # our own template's output
        "show": show,
        "shows": [
            ("open", _("Chưa hoàn thành")),
            ("done", _("Đã hoàn thành")),
            ("all", _("Tất cả")),
        ],
    }
    return render(request, "web/my_work.html", context)


def _list_context(
    request: HttpRequest,
    show: str,
    number: str | None,
    today,
    opened_pk: int | None,
    opened_row: dict | None,
) -> dict:
    page = work_page(request.user, as_of=today, show=show, number=number, per_page=PER_PAGE)
    rows = []
    for item in page.object_list:
        if opened_row is not None and item.occurrence.pk == opened_row["item"].occurrence.pk:
            rows.append(opened_row)
            opened_row = None
        else:
            rows.append(_row(request, item, show, expanded=item.occurrence.pk == opened_pk))
            if item.occurrence.pk == opened_pk:
                opened_pk = None
    if opened_row is None and opened_pk is not None:  # asked for, on another page
        occurrence = Occurrence.objects.get(pk=opened_pk)
        item = work_item(request.user, occurrence, as_of=today)
        opened_row = _row(request, item, show, expanded=True)
    if opened_row is not None:  # the row posted to or asked for is not on this page: first
        rows.insert(0, opened_row)
    return {
        "rows": rows,
        "page": page,
        "count": page.paginator.count,
        "today": today,
        "document_types": DOCUMENT_TYPES,
    }


def _row(
    request: HttpRequest,
    item: WorkItem,
    show: str,
    *,
    expanded: bool = False,
    report_form: ReportForm | None = None,
    extension_form: ExtensionRequestForm | None = None,
    notice: str = "",
) -> dict:
    """What ``_work_row.html`` draws for one occurrence."""
    user = request.user
    occurrence, report = item.occurrence, item.report
    if report is None:
        can_edit = allows(user, Action.CREATE_REPORT, occurrence)
        can_send = can_edit
    else:
        can_edit = allows(user, Action.EDIT_REPORT, report)
        step = send_step(user, report)
        sending = Action.SIGN_OFF_REPORT if step == "sign_off" else Action.SUBMIT_REPORT
        can_send = allows(user, sending, report)
        if report.status == ReportStatus.CONFIRMED:  # progress confirmed: report again
            can_send = can_edit
    row = {
        "item": item,
        "show": show,
        "expanded": expanded,
        "notice": notice,
        "can_edit": can_edit,
        "can_send": can_send,
        "send_label": _send_label(user, report),
        "can_extend": item.pending_extension is None
        and allows(user, Action.REQUEST_EXTENSION, occurrence),
    }
    if expanded:
        prefix = f"o{occurrence.pk}"
        if report_form is None and can_edit:
            report_form = ReportForm(initial=ReportForm.initial_for(report), prefix_id=f"{prefix}r")
        if extension_form is None and row["can_extend"]:
            extension_form = ExtensionRequestForm(prefix_id=f"{prefix}x")
        row.update(report_form=report_form, extension_form=extension_form)
    return row


def _send_label(user, report: ProgressReport | None) -> str:
    step = send_step(user, report)
    if step == "submit_for_sign_off":
        return _("Gửi thủ trưởng ký duyệt")
    if step == "sign_off" or allows(user, Action.SIGN_OFF_REPORT):
        return _("Ký duyệt và gửi")
    return _("Gửi Văn phòng")


def _row_response(
    request: HttpRequest, occurrence: Occurrence, show: str, **row_options
) -> HttpResponse:
    """One row: the htmx answer, or the whole page with that row open."""
    item = work_item(request.user, occurrence, as_of=timezone.localdate())
    row = _row(request, item, show, **row_options)
    if request.htmx:
        return render(request, "web/_work_row.html", {"row": row})
    return _page(request, show, opened_row=row)


def _back(request: HttpRequest, occurrence: Occurrence, show: str, notice: str) -> HttpResponse:
    """After a change: the closed row with a notice (htmx), or back to the list."""
    if request.htmx:
        return _row_response(request, occurrence, show, notice=notice)
    messages.success(request, notice)
    url = reverse("web:my_work") + "?" + urlencode({"show": show})
    return redirect(f"{url}#occ-{occurrence.pk}")


# --- Writing -----------------------------------------------------------------------------------


def _post_report(request: HttpRequest, occurrence: Occurrence, show: str) -> HttpResponse:
    user = request.user
    report = body_report(user, occurrence)
    form = ReportForm(request.POST, request.FILES, prefix_id=f"o{occurrence.pk}r")
    if form.is_valid():
        version = form.cleaned_data.get("version")
        if report is not None and version != report.version:
            # Checked before the policy: a colleague who sent the report meanwhile makes it
            # read-only, and "reload" is the answer the person can act on.
            form.add_error(None, stale_message())
        else:
            try:
                notice = _save_report(user, occurrence, form)
            except (StaleReport, IntegrityError):  # IntegrityError: two first reports at once
                form.add_error(None, stale_message())
            except (ReportError, EvidenceError) as error:
                form.add_service_error(str(error))
            else:
                return _back(request, occurrence, show, notice)
    return _row_response(request, occurrence, show, expanded=True, report_form=form)


def _save_report(user, occurrence: Occurrence, form: ReportForm) -> str:
    """Save, attach the file, send if asked: all or nothing. Returns the notice to show."""
    stored = None
    try:
        with transaction.atomic():
            report = save_report(
                user=user,
                occurrence=occurrence,
                expected_version=form.cleaned_data.get("version"),
                **form.service_values(),
            )
            upload = form.cleaned_data.get("file")
            if upload:
                stored = attach_file(user=user, report=report, upload=upload).file
            if not form.sending:
                return _("Đã lưu nháp báo cáo.")
            step = send_step(user, report)
            send_report(user=user, report=report, expected_version=report.version)
    except BaseException:
        if stored is not None:  # the database forgot it; the storage must too
            stored.storage.delete(stored.name)
        raise
    if step == "submit_for_sign_off":
        return _("Đã gửi báo cáo để thủ trưởng ký duyệt.")
    if step == "sign_off":
        return _("Đã ký duyệt và gửi báo cáo đến Văn phòng.")
    return _("Đã gửi báo cáo đến Văn phòng.")


def _post_extension(request: HttpRequest, occurrence: Occurrence, show: str) -> HttpResponse:
    user = request.user
    check(user, Action.REQUEST_EXTENSION, occurrence)
    form = ExtensionRequestForm(request.POST, prefix_id=f"o{occurrence.pk}x")
    if form.is_valid():
        try:
            extension = request_extension(
                user=user,
                occurrence=occurrence,
                new_due=form.cleaned_data["new_due"],
                reason=form.cleaned_data["reason"],
            )
        except ExtensionError as error:
            form.add_service_error(str(error))
        else:
            notice = _("Đã gửi đề nghị gia hạn đến %(day)s; chờ Văn phòng quyết định.") % {
                "day": f"{extension.new_due:%d/%m/%Y}"
            }
            return _back(request, occurrence, show, notice)
    return _row_response(request, occurrence, show, expanded=True, extension_form=form)

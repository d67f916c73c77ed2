"""The spreadsheet round trip in the browser (``theodoi.tracking.spreadsheet``).

- ``/work/sheet/``: choose a period (and a program; the office, leaders and administrators
  also a body), download the XLSX.
- ``/work/sheet/import/``: upload the filled-in file; the preview shows exactly what will
  change and what is refused and why; nothing is saved before "Lưu nháp" or "Lưu và gửi".

Between preview and confirm the file is kept in ``DATA_DIR/sheets/<random token>.xlsx`` and
the session remembers the token and the plan's digest, so only the person who uploaded it can
confirm it and the client is trusted with nothing: the confirmation plans the file again and
refuses if the plan is no longer the one previewed (someone changed a report meanwhile).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from theodoi.orgs.models import Organization
from theodoi.programs.models import Program
from theodoi.reporting.periods import PeriodError, parse_period
from theodoi.tracking.evidence import XLSX
from theodoi.tracking.policy import Action, allows
from theodoi.tracking.spreadsheet import (
    ImportPlan,
    SheetError,
    apply_import,
    export_workbook,
    max_upload_bytes,
    plan_import,
)
from theodoi.tracking.worklist import send_step

from .common import actor, member_required
from .uploads import PendingUploads

PENDING = PendingUploads(folder_name="sheets", session_key="theodoi_sheets")
sheets_dir = PENDING.folder


def current_quarter() -> str:
    today = timezone.localdate()
    return f"{today.year}-Q{(today.month + 2) // 3}"


# --- Download ----------------------------------------------------------------------------------


class ExportForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("Kỳ"),
        help_text=gettext_lazy(
            "Ví dụ 2021-Q2 (quý), 2021-H1 (6 tháng), 2021 (năm), 2020-2025 (nhiệm kỳ). Bảng "
            "tính gồm các kỳ thực hiện có hạn trong kỳ này và những kỳ đến hạn trước đó mà "
            "chưa hoàn thành."
        ),
        error_messages={"required": gettext_lazy("Ghi kỳ cần tải, ví dụ 2021-Q2.")},
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("Chương trình"),
        queryset=Program.objects.order_by("-pk"),
        required=False,
        empty_label=gettext_lazy("Tất cả chương trình"),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Cơ quan"),
        queryset=Organization.objects.filter(unresolved=False).order_by("name_key"),
        required=False,
        to_field_name="code",
        empty_label=gettext_lazy("Cơ quan của tôi"),
    )

    def __init__(self, *args, choose_body: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not choose_body:
            del self.fields["organization"]

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None


@member_required
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    choose_body = actor(request).sees_everything
    if "period" not in request.GET:
        form = ExportForm(initial={"period": current_quarter()}, choose_body=choose_body)
        return render(request, "web/sheet_download.html", {"form": form})
    form = ExportForm(request.GET, choose_body=choose_body)
    if form.is_valid():
        period = form.cleaned_data["period"]
        body = form.cleaned_data.get("organization")
        try:
            data = export_workbook(
                request.user,
                program=form.cleaned_data["program"],
                organization=body,
                start=period.start,
                end=period.end,
                as_of=timezone.localdate(),
                period_label=period.short_label,
            )
        except SheetError as error:
            form.add_error("organization" if body else None, str(error))
        else:
            code = (body or request.user.membership.organization).code
            response = HttpResponse(data, content_type=XLSX)
            name = f"bao-cao-tien-do-{code}-{period.slug}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(request, "web/sheet_download.html", {"form": form})


# --- Upload, preview, confirm ------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bảng tính đã điền (.xlsx)"),
        allow_empty_file=True,  # the reader says what is wrong with an empty file
        error_messages={"required": gettext_lazy("Chọn tệp bảng tính (.xlsx) đã điền.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("%(name)s: tệp quá lớn (%(size)s MB); tối đa %(limit)s MB."),
                params={
                    "name": upload.name,
                    "size": f"{upload.size / 1048576:.1f}",
                    "limit": f"{limit / 1048576:g}",
                },
            )
        return upload


@member_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        data = b"".join(upload_file.chunks())
        try:
            plan = plan_import(request.user, data)
        except SheetError as error:
            form.add_error("file", f"{upload_file.name}: {error}")
        else:
            token = _keep(request, data, upload_file.name, plan)
            return _preview(request, token, upload_file.name, plan)
    return render(request, "web/sheet_upload.html", _context(request, form=form))


def _context(request: HttpRequest, **extra) -> dict:
    return {
        "max_mb": f"{max_upload_bytes() / 1048576:g}",
        "can_report": allows(request.user, Action.CREATE_REPORT),
        **extra,
    }


def _preview(
    request: HttpRequest, token: str, name: str, plan: ImportPlan, *, error: str = ""
) -> HttpResponse:
    step = send_step(request.user, None)
    if step == "submit_for_sign_off":
        send_label = _("Lưu và gửi thủ trưởng ký duyệt")
    elif allows(request.user, Action.SIGN_OFF_REPORT):
        send_label = _("Lưu, ký duyệt và gửi Văn phòng")
    else:
        send_label = _("Lưu và gửi Văn phòng")
    context = _context(
        request, plan=plan, token=token, name=name, error=error, send_label=send_label
    )
    return render(request, "web/sheet_preview.html", context)


def _keep(request: HttpRequest, data: bytes, name: str, plan: ImportPlan) -> str:
    """Keep the upload under a random name; the session remembers it and the plan's digest."""
    token = PENDING.new_token()
    (sheets_dir() / f"{token}.xlsx").write_bytes(data)
    PENDING.remember(request, token, {"name": name[:255], "digest": plan.digest()})
    return token


def _confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    entry = PENDING.entry(request, token)
    path = sheets_dir() / f"{token}.xlsx" if entry else None
    if entry is None or path is None or not path.is_file():
        messages.error(
            request, _("Tệp tải lên không còn (đã nhập hoặc đã quá hạn); hãy tải lên lại.")
        )
        return redirect("web:sheet_import")
    action = request.POST.get("action")
    if action not in ("draft", "send"):
        PENDING.forget(request, token, path)
        messages.info(request, _("Đã hủy, không lưu gì."))
        return redirect("web:sheet_import")
    try:
        plan = plan_import(request.user, path.read_bytes())
    except SheetError as error:  # cannot happen for a file that was planned once; said anyway
        PENDING.forget(request, token, path)
        messages.error(request, f"{entry['name']}: {error}")
        return redirect("web:sheet_import")
    if plan.digest() != entry["digest"]:
        entry["digest"] = plan.digest()
        PENDING.remember(request, token, entry)
        return _preview(
            request,
            token,
            entry["name"],
            plan,
            error=_(
                "Dữ liệu đã thay đổi từ lúc xem trước (có báo cáo vừa được sửa hoặc gửi); "
                "chưa lưu gì. Hãy xem lại kết quả dưới đây rồi xác nhận lần nữa."
            ),
        )
    result = apply_import(request.user, plan, send=action == "send")
    PENDING.forget(request, token, path)
    context = _context(request, plan=plan, result=result, name=entry["name"])
    return render(request, "web/sheet_result.html", context)

"""The periodic reports page: pick a program, a period, a number and a date; see the report
as it will print; download it as DOCX, PDF or XLSX. For those the policy lets produce reports
(the office, leaders, administrators)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from theodoi.inputs import InputError, read_day
from theodoi.programs.models import Program
from theodoi.reporting.content import ReportContentError, build_report
from theodoi.reporting.frame import Signer, report_defaults, signer_of
from theodoi.reporting.html_report import STYLESHEET, render_document
from theodoi.reporting.periods import (
    PeriodError,
    default_period,
    parse_period,
    period_choices,
)
from theodoi.reporting.produce import FORMATS, produce
from theodoi.reporting.section_two import build_section_two
from theodoi.tracking.policy import Action, check

from ..forms import DayInput
from .common import current_program, member_required

KINDS = [
    ("periodic", gettext_lazy("Kết quả thực hiện chương trình")),
    ("section-ii", gettext_lazy("Xây dựng chương trình, kế hoạch hành động cá nhân (mục II)")),
]


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại báo cáo"), choices=KINDS, required=False)
    program = forms.ModelChoiceField(
        queryset=Program.objects.ordinary().order_by("-pk"),
        label=gettext_lazy("Chương trình"),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Chọn một chương trình trong danh sách.")},
    )
    period = forms.CharField(
        label=gettext_lazy("Kỳ báo cáo"),
        help_text=gettext_lazy(
            "Quý (2021-Q2), 6 tháng (2021-H1), năm (2021), nhiệm kỳ (2020-2025)"
        ),
        error_messages={"required": gettext_lazy("Ghi kỳ báo cáo, vd 2021-Q2.")},
    )
    number = forms.CharField(
        label=gettext_lazy("Số văn bản"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "Số (vd 125) hoặc số và ký hiệu (vd 125-BC/TU); để trống cho bản dự thảo."
        ),
    )
    date = forms.CharField(
        label=gettext_lazy("Ngày báo cáo"),
        required=False,
        widget=DayInput(),
    )
    proposals = forms.CharField(
        label=gettext_lazy("Đề xuất, kiến nghị (tùy chọn)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Để trống: theodoi tự lập từ số liệu."),
    )
    short = forms.BooleanField(
        label=gettext_lazy("Bản rút gọn"),
        required=False,
        help_text=gettext_lazy(
            "Chỉ nêu tên cơ quan hoàn thành chậm và quá hạn, không liệt kê mọi cơ quan dưới "
            "mỗi nhiệm vụ."
        ),
    )
    on_behalf = forms.CharField(
        label=gettext_lazy("Quyền hạn ký"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Vd T/M BAN THƯỜNG VỤ; để trống: theo thể thức của cơ quan."),
    )
    signer_title = forms.CharField(
        label=gettext_lazy("Chức vụ người ký"), required=False, max_length=200
    )
    signer_name = forms.CharField(
        label=gettext_lazy("Họ tên người ký"), required=False, max_length=200
    )
    recipients = forms.CharField(
        label=gettext_lazy("Nơi nhận"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Mỗi dòng một nơi nhận."),
    )
    format = forms.ChoiceField(
        choices=[("", "HTML"), *((name, name.upper()) for name in FORMATS)], required=False
    )

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def signer(self) -> Signer:
        """Who signs and the recipients as typed; blanks are filled from the profile."""
        data = self.cleaned_data
        return signer_of(
            data["on_behalf"], data["signer_title"], data["signer_name"], data["recipients"]
        )

    def clean_date(self):
        try:
            return read_day(self.cleaned_data["date"])
        except InputError as error:
            raise forms.ValidationError(str(error)) from None


def last_quarter(today: dt.date) -> str:
    """The last quarter that has ended: what a periodic report is usually about."""
    quarter = (today.month - 1) // 3
    return f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"


@member_required
def reports(request: HttpRequest) -> HttpResponse:
    check(request.user, Action.PRODUCE_REPORT)
    if not Program.objects.exists():
        return render(request, "web/reports.html", {"form": None})
    if "period" not in request.GET:
        program = current_program(request)
        initial = {"program": program, "period": last_quarter(timezone.localdate())}
        if program is not None:
            defaults = report_defaults(program)
            initial |= {
                "on_behalf": defaults.on_behalf, "signer_title": defaults.title,
                "signer_name": defaults.name, "recipients": "\n".join(defaults.recipients),
            }  # fmt: skip
        # the last quarter with data, never one to come (a finished program: its end's)
        initial["period"] = default_period(program, timezone.localdate())
        form = ReportForm(initial=initial)
        _name_periods(form, program, initial["period"])
        return render(request, "web/reports.html", {"form": form})
    form = ReportForm(request.GET)
    chosen = request.GET.get("program", "")
    _name_periods(
        form,
        Program.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None,
        request.GET.get("period", ""),
    )
    report = None
    if form.is_valid():
        data = form.cleaned_data
        check(request.user, Action.PRODUCE_REPORT, data["program"])  # its committee's only
        try:
            if data["kind"] == "section-ii":
                report = build_section_two(
                    data["program"], data["period"], number=data["number"], day=data["date"]
                )
            else:
                report = build_report(
                    data["program"], data["period"], number=data["number"], day=data["date"],
                    proposals=data["proposals"], signer=form.signer(), short=data["short"],
                )  # fmt: skip
        except ReportContentError as exc:
            form.add_error(exc.field if exc.field in form.fields else "period", str(exc))
    if report is None:
        return render(request, "web/reports.html", {"form": form})
    if form.cleaned_data["format"]:
        return download(produce(report, form.cleaned_data["format"]))
    return render(
        request,
        "web/reports.html",
        {
            "form": form,
            "report": report,
            "document": render_document(report),
            "stylesheet": STYLESHEET,
        },
    )


def _name_periods(form: forms.Form, program: Program | None, chosen: str) -> None:
    """The period picker lists the program's periods by their Vietnamese names ("Quý
    III/2026", "Cả nhiệm kỳ 2020-2025"); a key typed in a link that is not listed is kept."""
    today = timezone.localdate()
    choices = period_choices(program, today) if program is not None else []
    if chosen and all(key != chosen for key, _label in choices):
        try:
            found = parse_period(chosen)
            choices.insert(0, (found.key, found.picker_label))
        except PeriodError:
            choices.insert(0, (chosen, chosen))
    if choices:
        form.fields["period"].widget = forms.Select(choices=choices)
        form.fields["period"].help_text = ""


def download(output) -> HttpResponse:
    """The file, named in ASCII for old clients and in Vietnamese (RFC 6266 ``filename*``)."""
    response = HttpResponse(output.data, content_type=output.content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{output.filename}\"; filename*=UTF-8''{quote(output.display_name)}"
    )
    return response

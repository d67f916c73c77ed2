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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from theodoi.inputs import InputError, read_day
from theodoi.programs.models import Program
from theodoi.reporting.content import ReportContentError, build_report
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
        max_length=20,
        help_text=gettext_lazy("Để trống cho bản dự thảo."),
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
    format = forms.ChoiceField(
        choices=[("", "HTML"), *((name, name.upper()) for name in FORMATS)], required=False
    )

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if "/" in number:
            raise forms.ValidationError(_("Chỉ ghi số (vd 123), không ghi ký hiệu."))
        return number

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
        initial = {
            "program": program,
            "period": last_quarter(timezone.localdate()),
        }
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
                    proposals=data["proposals"],
                )  # fmt: skip
        except ReportContentError as exc:
            form.add_error("period", str(exc))
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

"""The forms a body and the office fill in: a progress report, an extension request, a review,
an extension decision. They check what was typed (dates, numbers, required fields); the
services in ``theodoi.tracking`` decide the rest and their errors are put next to the field
they are about."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from theodoi.inputs import DAY_FORMATS, InputError, check_day, read_day
from theodoi.tracking.models import ProgressReport, ReportState

DATE_FORMATS = list(DAY_FORMATS)  # the date field's, then typed by hand
DOCUMENT_TYPES = (
    "Chỉ thị", "Nghị quyết", "Kết luận", "Quy định", "Quyết định", "Kế hoạch", "Chương trình",
    "Hướng dẫn", "Thông báo", "Báo cáo", "Đề án", "Công văn",
)  # fmt: skip
ACCEPT = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


# What a day field accepts as typed: dd/mm/yyyy (d/m too, or "-" for "/", which a phone's
# number pad has) and yyyy-mm-dd (a link's ``?as_of=``); ``theodoi.inputs.read_day`` reads them.
DAY_PATTERN = r"\s*(\d{1,2}(/|-)\d{1,2}(/|-)\d{4}|\d{4}-\d{1,2}-\d{1,2})\s*"


def day_attrs() -> dict[str, str]:
    """The attributes of a typed day field: the browser's own date field shows mm/dd/yyyy in
    an English browser, so a text field that says dd/mm/yyyy and keeps to it."""
    return {
        "placeholder": "dd/mm/yyyy",
        "pattern": DAY_PATTERN,
        "inputmode": "numeric",
        "autocomplete": "off",
        "maxlength": "12",
        "size": "12",
        "class": "day",
        "data-day": "",
        "title": str(_("Ghi ngày theo dạng dd/mm/yyyy, ví dụ 30/06/2021.")),
    }


class DayInput(forms.DateInput):
    """A text field for a day, shown and typed as dd/mm/yyyy whatever the browser's language
    (no native date field: Chromium shows it as mm/dd/yyyy in an English browser)."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs={**day_attrs(), **(attrs or {})}, format="%d/%m/%Y")


class DayField(forms.DateField):
    """A day typed dd/mm/yyyy (or yyyy-mm-dd), read by ``theodoi.inputs.read_day`` like every
    face reads one, so its message for "31/02/2021" or "31/12/9999" is the same everywhere."""

    widget = DayInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            return read_day(text)
        except InputError as error:
            if not _shaped_as_day(text):  # "hôm qua", "31/02/2021": say how to write one
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
            raise forms.ValidationError(str(error), code="invalid") from None  # "31/12/9999"


def _shaped_as_day(text: str) -> bool:
    """Whether ``text`` is a real day in one of ``DAY_FORMATS`` (its year aside)."""
    for pattern in DAY_FORMATS:
        try:
            dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
        return True
    return False


def _within_years(day) -> None:
    """A day of a year a program can concern (``theodoi.inputs.check_day``)."""
    try:
        check_day(day)
    except InputError as error:
        raise forms.ValidationError(str(error)) from None


def day_field(label, *, required: bool = False) -> forms.DateField:
    return DayField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=DayInput(),
        validators=[_within_years],
        error_messages={"invalid": _("Ngày không hợp lệ; ghi theo dạng dd/mm/yyyy.")},
    )


class ReportForm(forms.Form):
    """A body's progress report on one occurrence, with its evidence."""

    SAVE = "save"
    SEND = "send"

    state = forms.ChoiceField(
        label=_("Tiến độ"), choices=ReportState.choices, widget=forms.RadioSelect
    )
    percent = forms.IntegerField(
        label=_("Phần trăm hoàn thành"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("Phần trăm phải từ 0 đến 100."),
            "max_value": _("Phần trăm phải từ 0 đến 100."),
            "invalid": _("Phần trăm là một số từ 0 đến 100."),
        },
    )
    narrative = forms.CharField(
        label=_("Nội dung báo cáo"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    done_on = day_field(_("Ngày hoàn thành"))
    document_type = forms.CharField(
        label=_("Loại văn bản đã ban hành"), required=False, max_length=60
    )
    document_number = forms.CharField(
        label=_("Số, ký hiệu"),
        required=False,
        max_length=100,
        help_text=_("Ví dụ: 05-CT/TU"),
    )
    document_date = day_field(_("Ngày văn bản"))
    document_signer = forms.CharField(
        label=_("Cơ quan ban hành, người ký"), required=False, max_length=300
    )
    file = forms.FileField(
        label=_("Tệp minh chứng"),
        required=False,
        help_text=_("PDF, Word (.docx), Excel (.xlsx), ảnh PNG hoặc JPEG"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[(SAVE, SAVE), (SEND, SEND)], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Several forms on one page: ids unique per occurrence, names unchanged.
        if prefix_id:
            self.auto_id = f"{prefix_id}-%s"
        self.fields["document_type"].widget.attrs["list"] = "document-types"

    @classmethod
    def initial_for(cls, report: ProgressReport | None) -> dict:
        if report is None:
            return {"state": ReportState.NOT_STARTED, "version": ""}
        return {
            "state": report.state,
            "percent": report.percent,
            "narrative": report.narrative,
            "done_on": report.done_on,
            "document_type": report.document_type,
            "document_number": report.document_number,
            "document_date": report.document_date,
            "document_signer": report.document_signer,
            "version": report.version,
        }

    @property
    def sending(self) -> bool:
        return self.cleaned_data.get("action") == self.SEND

    def clean_document_number(self) -> str:
        number = re.sub(r"\s+", " ", self.cleaned_data["document_number"]).strip()
        number = re.sub(r"^(?:số|so)\s*:?\s*", "", number, flags=re.IGNORECASE)
        if number and not re.search(r"\d", number):
            raise forms.ValidationError(
                _("Số, ký hiệu văn bản cần có số, ví dụ 05-CT/TU."), code="document_number"
            )
        return number

    def clean(self):
        data = super().clean()
        undated = data.get("state") == ReportState.DONE and not data.get("done_on")
        if self.sending and undated and "done_on" not in self.errors:
            self.add_error("done_on", _("Báo cáo hoàn thành cần ghi ngày hoàn thành."))
        return data

    def service_values(self) -> dict:
        """The cleaned values as ``save_report`` takes them."""
        data = self.cleaned_data
        return {
            "state": data["state"],
            "percent": data.get("percent"),
            "narrative": data.get("narrative") or "",
            "done_on": data.get("done_on"),
            "document_type": data.get("document_type") or "",
            "document_number": data.get("document_number") or "",
            "document_date": data.get("document_date"),
            "document_signer": data.get("document_signer") or "",
        }

    def add_service_error(self, message: str) -> None:
        """Put a service's message next to the field it is about, else above the form."""
        self.add_error(field_of(message, REPORT_ERROR_FIELDS), message)


class ExtensionRequestForm(forms.Form):
    new_due = day_field(_("Hạn mới đề nghị"), required=True)
    reason = forms.CharField(
        label=_("Lý do"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Đề nghị gia hạn cần nêu lý do.")},
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if prefix_id:
            self.auto_id = f"{prefix_id}-%s"

    def add_service_error(self, message: str) -> None:
        self.add_error(field_of(message, EXTENSION_ERROR_FIELDS), message)


class ReviewForm(forms.Form):
    """The office's decision on a submitted report: confirm, or return with a comment."""

    ACCEPT = "accept"
    RETURN = "return"

    decision = forms.ChoiceField(choices=[(ACCEPT, ACCEPT), (RETURN, RETURN)])
    comment = forms.CharField(
        label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if prefix_id:
            self.auto_id = f"{prefix_id}-%s"

    @property
    def accepting(self) -> bool:
        return self.cleaned_data.get("decision") == self.ACCEPT

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error(
                "comment", _("Trả lại báo cáo cần ghi ý kiến để cơ quan biết phải sửa gì.")
            )
        return data

    def add_service_error(self, message: str) -> None:
        self.add_error(field_of(message, {"ý kiến": "comment"}), message)


class ExtensionDecisionForm(forms.Form):
    APPROVE = "approve"
    REJECT = "reject"

    decision = forms.ChoiceField(choices=[(APPROVE, APPROVE), (REJECT, REJECT)])
    comment = forms.CharField(
        label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    granted = day_field(_("Đồng ý đến ngày (để trống: theo hạn đề nghị)"))

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if prefix_id:
            self.auto_id = f"{prefix_id}-%s"

    @property
    def approving(self) -> bool:
        return self.cleaned_data.get("decision") == self.APPROVE

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REJECT and not (data.get("comment") or "").strip():
            self.add_error(
                "comment", _("Không đồng ý gia hạn cần ghi ý kiến để cơ quan biết lý do.")
            )
        return data

    def add_service_error(self, message: str) -> None:
        self.add_error(field_of(message, {"ý kiến": "comment"}), message)


# Words in a service's message -> the field it is about (the first that matches).
REPORT_ERROR_FIELDS = {
    "ngày hoàn thành": "done_on",
    "phần trăm": "percent",
    "tiến độ": "state",
    "tệp": "file",
}
EXTENSION_ERROR_FIELDS = {"hạn mới": "new_due", "lý do": "reason"}


def field_of(message: str, fields: dict[str, str]) -> str | None:
    lowered = message.lower()
    for words, field in fields.items():
        if words in lowered:
            return field
    return None

"""How a body's documents are headed and signed: the lines at the top left of its reports,
its abbreviation in document numbers, its place name for the date line, which format it
follows (the Party's, Hướng dẫn 36-HD/VPTW; or the State's, Nghị định 30/2020/NĐ-CP), and who
signs. A body without a profile gets one derived from its name and kind
(``theodoi.reporting.frame.profile_for``); a profile edited in the admin wins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from theodoi.orgs.models import Organization


class DocumentFormat(models.TextChoices):
    PARTY = "party", _("Văn bản của Đảng (Hướng dẫn 36-HD/VPTW)")
    STATE = "state", _("Văn bản hành chính nhà nước (Nghị định 30/2020/NĐ-CP)")


class IssuerProfile(models.Model):
    organization = models.OneToOneField(
        Organization,
        models.CASCADE,
        related_name="issuer_profile",
        verbose_name=_("cơ quan ban hành"),
    )
    format = models.CharField(
        _("thể thức văn bản"),
        max_length=10,
        choices=DocumentFormat.choices,
        default=DocumentFormat.PARTY,
    )
    superior_line = models.CharField(
        _("tên cơ quan cấp trên"),
        max_length=200,
        blank=True,
        help_text=_("Dòng trên cùng bên trái, vd “ĐẢNG BỘ TỈNH QUẢNG NGÃI”."),
    )
    issuer_line = models.CharField(
        _("tên cơ quan ban hành"),
        max_length=200,
        help_text=_("Vd “TỈNH ỦY”; hai dòng thì xuống dòng giữa hai dòng."),
    )
    abbreviation = models.CharField(
        _("chữ viết tắt trong số ký hiệu"),
        max_length=40,
        help_text=_("Vd “TU” (Số 12-BC/TU) hoặc “UBND” (Số: 12/BC-UBND)."),
    )
    place = models.CharField(
        _("địa danh"), max_length=100, help_text=_("Vd “Quảng Ngãi” trong dòng ngày tháng.")
    )
    on_behalf = models.CharField(
        _("quyền hạn ký"),
        max_length=200,
        blank=True,
        help_text=_("Vd “T/M BAN THƯỜNG VỤ” hoặc “TM. ỦY BAN NHÂN DÂN”."),
    )
    signer_title = models.CharField(
        _("chức vụ người ký"),
        max_length=200,
        blank=True,
        help_text=_("Để trống: lấy theo người ký chương trình."),
    )
    signer_name = models.CharField(
        _("họ tên người ký"),
        max_length=200,
        blank=True,
        help_text=_("Để trống: lấy theo người ký chương trình."),
    )
    recipients = models.TextField(
        _("nơi nhận"),
        blank=True,
        help_text=_("Mỗi dòng một nơi nhận; để trống: lấy theo nơi nhận của chương trình."),
    )

    class Meta:
        verbose_name = _("thể thức báo cáo của cơ quan")
        verbose_name_plural = _("thể thức báo cáo của cơ quan")

    def __str__(self) -> str:
        return str(self.organization)

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]

"""Leaders' personal action plans (section II.2 of the example program) and the annual
evaluation of bodies and leaders (section II.3).

A leader writes a plan under a program; once the body named in the program approves it, its
items become real tracked work (a ``Program`` of kind "Kế hoạch hành động cá nhân" with one
task per item), and the plan is sent to the supervising bodies, who acknowledge it. The
evaluation keeps every decision an evaluating body records, beside the suggestion it had.
"""

from __future__ import annotations

from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from theodoi.orgs.models import Organization
from theodoi.parsing.text import fold
from theodoi.programs.models import Program, Task

PLAN_KIND = "Kế hoạch hành động cá nhân"


class Leader(models.Model):
    """A person with a leading position in a body (bí thư, chủ tịch, giám đốc sở ...), who
    owes a personal plan; they may have no account in theodoi."""

    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="leaders", verbose_name=_("cơ quan, đơn vị")
    )
    name = models.CharField(_("họ và tên"), max_length=200)
    position = models.CharField(_("chức vụ"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="leader_positions",
        verbose_name=_("tài khoản"),
    )
    active = models.BooleanField(_("đang giữ chức vụ"), default=True)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = _("người đứng đầu")
        verbose_name_plural = _("người đứng đầu")
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name_key"], name="one_leader_name_per_body"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.position}"

    def save(self, *args, **kwargs) -> None:
        self.name_key = fold(self.name)
        super().save(*args, **kwargs)


class ApprovalBody(models.TextChoices):
    """Who approves a personal plan, as section II.2 names them."""

    STANDING_COMMITTEE = "standing_committee", _("Ban thường vụ cấp ủy")
    PARTY_DELEGATION = "party_delegation", _("Ban cán sự đảng")
    PARTY_GROUP = "party_group", _("Đảng đoàn")
    KEY_OFFICIALS = "key_officials", _("Hội nghị cán bộ chủ chốt của cơ quan")


class PersonalPlan(models.Model):
    """A leader's personal action plan under a program, and where it is in its approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn")
        SUBMITTED = "submitted", _("Chờ thông qua")
        APPROVED = "approved", _("Đã thông qua")
        SENT = "sent", _("Đã gửi")

    leader = models.ForeignKey(
        Leader, models.PROTECT, related_name="plans", verbose_name=_("người đứng đầu")
    )
    under = models.ForeignKey(
        Program,
        models.CASCADE,
        related_name="personal_plans",
        verbose_name=_("chương trình thực hiện"),
    )
    parent_task = models.ForeignKey(
        Task,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="personal_plans",
        verbose_name=_("nhiệm vụ của chương trình"),
        help_text=_("Nhiệm vụ giao xây dựng kế hoạch hành động cá nhân (mục II.2)."),
    )
    title = models.TextField(_("tên kế hoạch"))
    deadline = models.DateField(
        _("hạn thông qua và gửi"),
        null=True,
        blank=True,
        help_text=_("Theo thời hạn của nhiệm vụ giao xây dựng kế hoạch."),
    )
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("trình thông qua lúc"), null=True, blank=True)
    approval_kind = models.CharField(
        _("hình thức thông qua"), max_length=30, choices=ApprovalBody.choices, blank=True
    )
    approval_body = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_plans",
        verbose_name=_("cơ quan thông qua"),
    )
    approved_on = models.DateField(_("ngày thông qua"), null=True, blank=True)
    approval_reference = models.CharField(
        _("văn bản thông qua"),
        max_length=300,
        blank=True,
        help_text=_("Ví dụ: Thông báo số 12-TB/HU ngày 15/3/2021"),
    )
    approval_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_approvals_recorded",
        verbose_name=_("người ghi nhận thông qua"),
    )
    approval_recorded_at = models.DateTimeField(_("ghi nhận lúc"), null=True, blank=True)
    program = models.OneToOneField(
        Program,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="personal_plan",
        verbose_name=_("chương trình theo dõi các nội dung"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="plans_created",
        verbose_name=_("người lập"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("kế hoạch hành động cá nhân")
        verbose_name_plural = _("kế hoạch hành động cá nhân")
        ordering = ["under", "leader__organization__name", "leader__name"]
        constraints = [
            models.UniqueConstraint(fields=["leader", "under"], name="one_plan_per_leader")
        ]

    def __str__(self) -> str:
        return gettext("Kế hoạch của %(leader)s") % {"leader": self.leader}


class PlanItem(models.Model):
    """One thing the leader commits to, with its date; once the plan is approved, ``task`` is
    the tracked task it became."""

    plan = models.ForeignKey(
        PersonalPlan, models.CASCADE, related_name="items", verbose_name=_("kế hoạch")
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    text = models.TextField(_("nội dung"))
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    due_date = models.DateField(_("thời hạn"))
    program_task = models.ForeignKey(
        Task,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("nhiệm vụ chương trình liên quan"),
    )
    task = models.OneToOneField(
        Task,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_item",
        verbose_name=_("nhiệm vụ theo dõi"),
    )

    class Meta:
        verbose_name = _("nội dung kế hoạch")
        verbose_name_plural = _("nội dung kế hoạch")
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:80]}"


class RecipientBasis(models.TextChoices):
    """Why a body receives the plan (section II.2)."""

    COMMITTEE = "committee", _("Cấp ủy cùng cấp")
    INSPECTION = "inspection", _("Ủy ban kiểm tra cấp ủy cùng cấp")
    UPPER_STANDING = "upper_standing", _("Ban thường vụ cấp ủy cấp trên trực tiếp")
    UPPER_INSPECTION = "upper_inspection", _("Ủy ban kiểm tra cấp ủy cấp trên trực tiếp")
    UPPER_ORGANIZATION = "upper_organization", _("Ban tổ chức cấp ủy cấp trên trực tiếp")
    OTHER = "other", _("Nơi nhận khác")


class PlanRecipient(models.Model):
    """A supervising body the approved plan was sent to, and its acknowledgement."""

    plan = models.ForeignKey(
        PersonalPlan, models.CASCADE, related_name="recipients", verbose_name=_("kế hoạch")
    )
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="plans_received", verbose_name=_("nơi nhận")
    )
    basis = models.CharField(
        _("căn cứ gửi"), max_length=30, choices=RecipientBasis.choices, default="other"
    )
    sent_on = models.DateField(_("ngày gửi"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="plans_sent",
        verbose_name=_("người gửi"),
    )
    acknowledged_at = models.DateTimeField(_("xác nhận đã nhận lúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="plans_acknowledged",
        verbose_name=_("người xác nhận đã nhận"),
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("nơi nhận kế hoạch")
        verbose_name_plural = _("nơi nhận kế hoạch")
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "organization"], name="one_copy_per_body")
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.organization}"


class Rating(models.TextChoices):
    """The four levels of Party evaluation, best first."""

    EXCELLENT = "excellent", _("Hoàn thành xuất sắc nhiệm vụ")
    GOOD = "good", _("Hoàn thành tốt nhiệm vụ")
    PASS = "pass", _("Hoàn thành nhiệm vụ")
    FAIL = "fail", _("Không hoàn thành nhiệm vụ")


def percent_field(label, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=default)


class EvaluationScale(models.Model):
    """The program's thresholds for the suggested rating: the least done rate (done ÷ due)
    and on-time rate (done on time ÷ due), in percent, for each level above "không hoàn
    thành". Defaults: xuất sắc 100/90, tốt 90/70, hoàn thành 70/50. A better level may not
    ask less than a lower one."""

    program = models.OneToOneField(
        Program,
        models.CASCADE,
        related_name="evaluation_scale",
        verbose_name=_("chương trình"),
    )
    excellent_done = percent_field(_("xuất sắc: tỷ lệ hoàn thành tối thiểu (%)"), 100)
    excellent_on_time = percent_field(_("xuất sắc: tỷ lệ đúng hạn tối thiểu (%)"), 90)
    good_done = percent_field(_("tốt: tỷ lệ hoàn thành tối thiểu (%)"), 90)
    good_on_time = percent_field(_("tốt: tỷ lệ đúng hạn tối thiểu (%)"), 70)
    pass_done = percent_field(_("hoàn thành: tỷ lệ hoàn thành tối thiểu (%)"), 70)
    pass_on_time = percent_field(_("hoàn thành: tỷ lệ đúng hạn tối thiểu (%)"), 50)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thang đánh giá, xếp loại")
        verbose_name_plural = _("thang đánh giá, xếp loại")

    def __str__(self) -> str:
        return gettext("Thang đánh giá %(program)s") % {"program": self.program.number}

    def levels(self) -> list[tuple[str, int, int]]:
        """(rating, least done %, least on-time %), best first."""
        return [
            (Rating.EXCELLENT.value, self.excellent_done, self.excellent_on_time),
            (Rating.GOOD.value, self.good_done, self.good_on_time),
            (Rating.PASS.value, self.pass_done, self.pass_on_time),
        ]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for rating, done, on_time in self.levels():
            for name, value in ((f"{rating}_done", done), (f"{rating}_on_time", on_time)):
                if value is None or not 0 <= value <= 100:
                    errors.setdefault(name, []).append(gettext("Tỷ lệ phải từ 0 đến 100 (%)."))
        if errors:
            raise ValidationError(errors)
        for (better, b_done, b_time), (worse, w_done, w_time) in pairwise(self.levels()):
            if b_done < w_done:
                errors.setdefault(f"{better}_done", []).append(_order_message(better, worse))
            if b_time < w_time:
                errors.setdefault(f"{better}_on_time", []).append(_order_message(better, worse))
        if errors:
            raise ValidationError(errors)


def _order_message(better: str, worse: str) -> str:
    return gettext(
        "Các ngưỡng phải theo thứ tự: mức “%(better)s” không được thấp hơn mức “%(worse)s”."
    ) % {"better": Rating(better).label, "worse": Rating(worse).label}


class EvaluationDecision(models.Model):
    """A rating the evaluating body decided for a body or a leader for a year, with its
    comment and the suggestion (and figures) it had before it. Every decision is kept; the
    latest is the one in force."""

    program = models.ForeignKey(
        Program, models.CASCADE, related_name="evaluation_decisions", verbose_name=_("chương trình")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluation_decisions",
        verbose_name=_("cơ quan, đơn vị"),
    )
    leader = models.ForeignKey(
        Leader,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluation_decisions",
        verbose_name=_("người đứng đầu"),
    )
    rating = models.CharField(_("xếp loại"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("nhận xét"), blank=True)
    suggested_rating = models.CharField(
        _("xếp loại gợi ý lúc quyết định"), max_length=20, choices=Rating.choices, blank=True
    )
    figures = models.JSONField(_("số liệu lúc quyết định"), default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="evaluation_decisions",
        verbose_name=_("người ghi nhận"),
    )
    decided_at = models.DateTimeField(_("ghi nhận lúc"))

    class Meta:
        verbose_name = _("quyết định xếp loại")
        verbose_name_plural = _("quyết định xếp loại")
        ordering = ["program", "year", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, leader__isnull=True)
                | Q(organization__isnull=True, leader__isnull=False),
                name="decision_for_a_body_or_a_leader",
            )
        ]

    def __str__(self) -> str:
        who = self.organization or self.leader
        return f"{who} {self.year}: {self.get_rating_display()}"

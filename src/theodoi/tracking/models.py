"""The daily work of following up: people and their roles, progress reports with their whole
history, and extensions of due dates. Every state a report or an extension passes through is
stored with its date, so a status as of any past date is read from the record, never
recomputed from the present."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from theodoi.orgs.models import Organization
from theodoi.programs.models import Occurrence


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị")
    MONITOR = "monitor", _("Theo dõi (Văn phòng)")
    LEADER = "leader", _("Lãnh đạo")
    HEAD = "head", _("Thủ trưởng cơ quan")
    STAFF = "staff", _("Cán bộ cơ quan")


class Membership(models.Model):
    """A user's body and role. One body per user: a person who works for two bodies has two
    accounts, so each report says plainly which body it speaks for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="membership",
        verbose_name=_("người dùng"),
    )
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="memberships", verbose_name=_("cơ quan")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"


class ReportState(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Đã hoàn thành")


class ReportStatus(models.TextChoices):
    """Where a report is in its review."""

    DRAFT = "draft", _("Đang soạn")
    AWAITING_SIGNOFF = "awaiting_signoff", _("Chờ thủ trưởng ký duyệt")
    SUBMITTED = "submitted", _("Chờ xác nhận")
    RETURNED = "returned", _("Trả lại")
    CONFIRMED = "confirmed", _("Đã xác nhận")


class ProgressReport(models.Model):
    """What a body reports on one occurrence of its assignment. ``version`` guards against two
    people overwriting each other: a save must name the version it started from."""

    occurrence = models.ForeignKey(
        Occurrence, models.CASCADE, related_name="reports", verbose_name=_("kỳ thực hiện")
    )
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="reports", verbose_name=_("cơ quan báo cáo")
    )
    state = models.CharField(
        _("tiến độ"), max_length=20, choices=ReportState.choices, default=ReportState.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(_("phần trăm"), null=True, blank=True)
    narrative = models.TextField(_("nội dung báo cáo"), blank=True)
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    document_type = models.CharField(_("loại văn bản đã ban hành"), max_length=60, blank=True)
    document_number = models.CharField(_("số, ký hiệu văn bản"), max_length=100, blank=True)
    document_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    document_signer = models.CharField(_("cơ quan ký văn bản"), max_length=300, blank=True)
    status = models.CharField(
        _("tình trạng xét duyệt"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
    )
    review_comment = models.TextField(_("ý kiến của Văn phòng"), blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    demo = models.BooleanField(
        _("dữ liệu minh họa"),
        default=False,
        help_text=_("Do theodoi demo --with-history tạo ra, không phải báo cáo thật."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "organization"], name="one_report_per_body_and_period"
            )
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="report_status_updated"),
            # Every page asks whether demo reports exist (the banner): a partial index
            # answers at once, where the table holds millions of real ones.
            models.Index(fields=["demo"], condition=models.Q(demo=True), name="report_demo"),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.occurrence}"


class ReportRevision(models.Model):
    """Every version of a report, as it stood after each change, with who and when: the
    history a status as of a past date is read from."""

    report = models.ForeignKey(
        ProgressReport, models.CASCADE, related_name="revisions", verbose_name=_("báo cáo")
    )
    version = models.PositiveIntegerField(_("phiên bản"))
    at = models.DateTimeField(_("lúc"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="report_revisions",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("thao tác"), max_length=20)
    # through what and from where: "web" (a signed-in session), "api:<token prefix>", "cli"
    via = models.CharField(_("qua"), max_length=40, blank=True, default="")
    address = models.GenericIPAddressField(_("từ địa chỉ"), null=True, blank=True)
    state = models.CharField(_("tiến độ"), max_length=20, choices=ReportState.choices)
    status = models.CharField(
        _("tình trạng xét duyệt"), max_length=20, choices=ReportStatus.choices
    )
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    data = models.JSONField(_("nội dung"), default=dict)

    class Meta:
        verbose_name = _("phiên bản báo cáo")
        verbose_name_plural = _("phiên bản báo cáo")
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="one_revision_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.version} {self.action}"


class Extension(models.Model):
    """A request to move an occurrence's due date, and its decision. The original due date
    stays on the occurrence; an approved extension applies from its decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ quyết định")
        APPROVED = "approved", _("Đồng ý")
        REJECTED = "rejected", _("Không đồng ý")

    occurrence = models.ForeignKey(
        Occurrence, models.CASCADE, related_name="extensions", verbose_name=_("kỳ thực hiện")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="extensions_requested",
        verbose_name=_("người đề nghị"),
    )
    requested_at = models.DateTimeField(_("đề nghị lúc"))
    reason = models.TextField(_("lý do"))
    new_due = models.DateField(_("hạn mới đề nghị"))
    status = models.CharField(
        _("quyết định"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="extensions_decided",
        verbose_name=_("người quyết định"),
    )
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True)

    class Meta:
        verbose_name = _("gia hạn")
        verbose_name_plural = _("gia hạn")
        ordering = ["occurrence", "requested_at"]

    def __str__(self) -> str:
        return f"{self.occurrence}: {self.new_due:%d/%m/%Y} ({self.get_status_display()})"


class EvidenceFile(models.Model):
    """A file a body attaches to its report as evidence: a PDF, Word or Excel file or an
    image, its type checked on its content. Stored through Django's storage and served only
    after the permission policy agrees."""

    report = models.ForeignKey(
        ProgressReport, models.CASCADE, related_name="files", verbose_name=_("báo cáo")
    )
    file = models.FileField(_("tệp"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="evidence_files",
        verbose_name=_("người tải lên"),
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"))

    class Meta:
        verbose_name = _("tệp minh chứng")
        verbose_name_plural = _("tệp minh chứng")
        ordering = ["report", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Notification(models.Model):
    """One thing a person should hear about, in the app and in that day's digest email: a due
    date coming, a deadline today, overdue work, or (for the monitor) what was reported.

    Unique per recipient, kind, day and subject (``key``: the occurrence or the digest
    subject), so however often and from however many machines ``theodoi remind`` runs, a
    reminder is stored, and mailed, once."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Sắp đến hạn")
        DUE_TODAY = "due_today", _("Đến hạn hôm nay")
        OVERDUE = "overdue", _("Quá hạn")
        MONITOR_DAILY = "monitor_daily", _("Tổng hợp hằng ngày")
        REPORT_RETURNED = "report_returned", _("Báo cáo bị trả lại")
        REPORT_CONFIRMED = "report_confirmed", _("Báo cáo được xác nhận")
        EXTENSION_APPROVED = "extension_approved", _("Gia hạn được chấp thuận")
        EXTENSION_REFUSED = "extension_refused", _("Gia hạn không được chấp thuận")
        LEAD_DESIGNATED = "lead_designated", _("Được giao chủ trì")
        TASK_ASSIGNED = "task_assigned", _("Được giao nhiệm vụ")
        TASK_AMENDED = "task_amended", _("Nhiệm vụ được điều chỉnh")
        URGED = "urged", _("Đôn đốc")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("người nhận"),
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("ngày"))
    key = models.CharField(_("đối tượng"), max_length=60)
    occurrence = models.ForeignKey(
        Occurrence,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("kỳ thực hiện"),
    )
    due = models.DateField(_("hạn"), null=True, blank=True)
    text = models.TextField(_("nội dung"))
    link = models.CharField(_("liên kết"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    read_at = models.DateTimeField(_("đã xem lúc"), null=True, blank=True)
    digest = models.ForeignKey(
        "Digest",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("thư tổng hợp"),
    )

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-day", "kind", "due", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "day", "key"], name="one_notification_per_subject"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "digest"], name="notification_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day:%d/%m/%Y}: {self.text[:60]}"


class Urging(models.Model):
    """The office urging (đôn đốc) a body about its overdue or soon-due work, in one action.

    ``items`` keeps the list as it stood when urged (task, due date, days overdue), so the
    letter printed later says what the body was urged about, not today's list."""

    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="urgings", verbose_name=_("cơ quan")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="urgings_made",
        verbose_name=_("người đôn đốc"),
    )
    made_on = models.DateField(_("ngày đôn đốc"))
    created_at = models.DateTimeField(_("tạo lúc"))
    message = models.TextField(_("lời nhắn"), blank=True)
    occurrences = models.ManyToManyField(
        Occurrence, related_name="urgings", verbose_name=_("kỳ thực hiện")
    )
    items = models.JSONField(_("danh sách"), default=list)

    class Meta:
        verbose_name = _("đôn đốc")
        verbose_name_plural = _("đôn đốc")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} {self.made_on:%d/%m/%Y}"


class Digest(models.Model):
    """The one email a person gets on a day, listing all of that day's notifications. Unique
    per person and day; ``claimed_until`` lets one of several concurrent runs send it, and a
    failed send stays unsent (``sent_at`` empty, the error kept) to be retried by the next."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="digests",
        verbose_name=_("người nhận"),
    )
    day = models.DateField(_("ngày"))
    address = models.CharField(_("địa chỉ thư"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi lần gửi cuối"), blank=True)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thư tổng hợp")
        verbose_name_plural = _("thư tổng hợp")
        ordering = ["-day", "recipient"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day:%d/%m/%Y}"


class CalendarFeed(models.Model):
    """A person's secret calendar address. Only a hash of the secret is stored: the address is
    shown once when made, and rotating it makes the old address stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("người dùng"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"))

    class Meta:
        verbose_name = _("lịch iCal")
        verbose_name_plural = _("lịch iCal")

    def __str__(self) -> str:
        return str(self.user)


class RollupGeneration(models.Model):
    """How many times a program's figures (scope ``p<id>``), or everything's (scope ``all``),
    have changed. A cached roll-up is good only while both generations it was computed at
    are still current (``theodoi.tracking.rollup_cache``)."""

    scope = models.CharField(max_length=40, primary_key=True)
    n = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("thế hệ số liệu tổng hợp")
        verbose_name_plural = _("thế hệ số liệu tổng hợp")


class RollupCache(models.Model):
    """A roll-up computed once for a program as of a day (a tally, a dashboard), kept with
    the generations it was computed at. Stale rows are not deleted on change: they stop
    matching, and the next computation overwrites them."""

    program = models.ForeignKey(
        "programs.Program", models.CASCADE, related_name="+", verbose_name=_("chương trình")
    )
    as_of = models.DateField(_("tính đến ngày"))
    kind = models.CharField(_("loại"), max_length=20)
    generation = models.PositiveBigIntegerField()
    global_generation = models.PositiveBigIntegerField()
    value = models.BinaryField()
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("số liệu tổng hợp đã tính")
        verbose_name_plural = _("số liệu tổng hợp đã tính")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "as_of", "kind"], name="one_rollup_per_program_day_kind"
            )
        ]

"""Programs as imported: versions, the section tree, tasks with their time as parsed,
assignments of bodies to tasks, and the dated occurrences each assignment owes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from theodoi.orgs.models import Organization, OrgGroup

ROLE_FIELDS = ("directs", "issues", "advises", "implements", "leads", "coordinates")
# Roles that owe work and so reports: a body that only directs or issues reports nothing.
DOING_ROLES = ("advises", "implements", "leads", "coordinates")


class ReportingCycle(models.TextChoices):
    MONTH = "month", _("Hằng tháng")
    QUARTER = "quarter", _("Hằng quý")
    HALF_YEAR = "half-year", _("6 tháng")
    YEAR = "year", _("Hằng năm")


class ProgramQuerySet(models.QuerySet):
    def ordinary(self) -> ProgramQuerySet:
        """Programs as the pages list them: not the programs that track a leader's personal
        plan (``theodoi.plans``), which are reached through their plan."""
        return self.filter(personal_plan__isnull=True)

    def in_force(self, day: dt.date) -> ProgramQuerySet:
        """Programs in force on ``day``: not drafts, not replaced or finished before it, and
        (unless the office set another end) within their term (see ``Program.ends_on``)."""
        return self.exclude(status=Program.Status.DRAFT).filter(
            Q(ended_on__gte=day)
            | Q(ended_on__isnull=True, term_end__isnull=True)
            | Q(ended_on__isnull=True, term_end__gte=day.year)
        )


class Program(models.Model):
    """An action program (or plan) and what its document says about itself."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        ACTIVE = "active", _("Đang thực hiện")
        CLOSED = "closed", _("Đã kết thúc")
        REPLACED = "replaced", _("Đã được thay thế")

    number = models.CharField(_("số, ký hiệu"), max_length=100, unique=True)
    number_derived = models.BooleanField(
        _("số do hệ thống đặt"),
        default=False,
        help_text=_("Văn bản không ghi số; số này do theodoi đặt."),
    )
    title = models.TextField(_("trích yếu"))
    kind = models.CharField(_("loại văn bản"), max_length=100, blank=True)
    issuer = models.ForeignKey(
        Organization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="programs",
        verbose_name=_("cơ quan ban hành"),
    )
    issuer_name = models.CharField(
        _("cơ quan ban hành (như văn bản ghi)"), max_length=300, blank=True
    )
    date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    resolution = models.TextField(_("nghị quyết thực hiện"), blank=True)
    term_start = models.PositiveSmallIntegerField(_("nhiệm kỳ từ năm"), null=True, blank=True)
    term_end = models.PositiveSmallIntegerField(_("nhiệm kỳ đến năm"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    ended_on = models.DateField(
        _("kết thúc ngày"),
        null=True,
        blank=True,
        help_text=_("Ngày văn phòng cho chương trình kết thúc; để trống: hết nhiệm kỳ."),
    )
    replaced_by = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("được thay thế bởi"),
    )
    reporting_cycle = models.CharField(
        _("kỳ báo cáo nhiệm vụ thường xuyên"),
        max_length=20,
        choices=ReportingCycle.choices,
        default=ReportingCycle.HALF_YEAR,
    )
    parent_program = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="lower_programs",
        verbose_name=_("chương trình cấp trên"),
    )
    parent_task = models.ForeignKey(
        "Task",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="lower_programs",
        verbose_name=_("nhiệm vụ cấp trên"),
    )
    signer = models.JSONField(_("người ký"), default=dict, blank=True)
    preamble = models.JSONField(_("phần mở đầu"), default=list, blank=True)
    recipients = models.JSONField(_("nơi nhận"), default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["-date", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:80]}"

    @property
    def ends_on(self) -> dt.date | None:
        """The last day the program is in force: the day the office set (finished or
        replaced), else the last day of its term; None when neither is known."""
        if self.ended_on is not None:
            return self.ended_on
        if self.term_end:
            return dt.date(self.term_end, 12, 31)
        return None

    def in_force_on(self, day: dt.date) -> bool:
        if self.status == self.Status.DRAFT:
            return False
        end = self.ends_on
        return end is None or day <= end

    def judged_as_of(self, day: dt.date) -> dt.date:
        """The day a finished program's figures are judged as of when ``day`` is asked by
        default: its end (its work stops being owed, so days overdue stop counting)."""
        end = self.ends_on
        return end if end is not None and day > end else day

    @property
    def has_ended(self) -> bool:
        """Ended by today (finished, replaced, or past its term)."""
        return self.status != self.Status.DRAFT and not self.in_force_on(timezone.localdate())

    @property
    def life_label(self) -> str:
        """In force, finished or replaced, as people say it."""
        if self.status == self.Status.REPLACED:
            return str(_("Đã được thay thế"))
        if self.status == self.Status.DRAFT:
            return str(self.Status.DRAFT.label)
        return str(
            _("Đang có hiệu lực") if self.in_force_on(timezone.localdate()) else _("Đã kết thúc")
        )

    @property
    def current_version(self) -> ProgramVersion | None:
        return self.versions.order_by("-number").first()


class ProgramVersion(models.Model):
    """One version of a program: the first document, then each amendment, whether a
    document (điều chỉnh, bổ sung) or a change the office made on a task (``OFFICE``: who,
    when, why, and the diff in ``changes``). ``corrections`` lists what the office
    corrected in the parsed draft before confirming the document."""

    class How(models.TextChoices):
        DOCUMENT = "document", _("văn bản")
        OFFICE = "office", _("văn phòng sửa trên nhiệm vụ")

    program = models.ForeignKey(
        Program, models.CASCADE, related_name="versions", verbose_name=_("chương trình")
    )
    number = models.PositiveIntegerField(_("lần"))
    source_name = models.CharField(_("tệp nguồn"), max_length=400)
    source_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)
    summary = models.JSONField(_("tóm tắt"), default=dict)
    warnings = models.JSONField(_("cảnh báo khi nhập"), default=list)
    how = models.CharField(_("cách tạo"), max_length=20, choices=How.choices, default=How.DOCUMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập, người sửa"),
    )
    reason = models.TextField(_("lý do"), blank=True)
    changes = models.JSONField(_("thay đổi so với lần trước"), default=list, blank=True)
    corrections = models.JSONField(_("văn phòng sửa bản đọc"), default=list, blank=True)

    class Meta:
        verbose_name = _("phiên bản chương trình")
        verbose_name_plural = _("phiên bản chương trình")
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.program.number} (lần {self.number})"


class Section(models.Model):
    program = models.ForeignKey(
        Program, models.CASCADE, related_name="sections", verbose_name=_("chương trình")
    )
    number = models.CharField(_("mục"), max_length=60)
    title = models.TextField(_("tên mục"), blank=True)
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("mục cha"),
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    text = models.JSONField(_("nội dung"), default=list, blank=True)

    class Meta:
        verbose_name = _("mục")
        verbose_name_plural = _("mục")
        ordering = ["program", "position"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="one_section_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:80]}"


class ParentLink(models.TextChoices):
    """How a lower-level program's task was linked to the parent task it implements."""

    DOCUMENT = "document", _("văn bản ghi nhiệm vụ")
    SECTION = "section", _("văn bản ghi mục, nhiệm vụ gần nhất về nội dung")
    SIMILARITY = "similarity", _("gần nhất về nội dung")
    PERSON = "person", _("người nhập chọn")


class Task(models.Model):
    """One thing to be done, as the program's latest version words it. A task of a
    lower-level program names the task of the parent program it implements
    (``parent_task``; see ``theodoi.programs.lineage``)."""

    program = models.ForeignKey(
        Program, models.CASCADE, related_name="tasks", verbose_name=_("chương trình")
    )
    section = models.ForeignKey(
        Section, models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("mục")
    )
    key = models.CharField(_("mã trong văn bản"), max_length=80)
    text = models.TextField(_("nội dung nhiệm vụ"))
    # The text folded for search (``theodoi.programs.search.text_key``), kept by ``save``.
    text_key = models.TextField(
        _("nội dung không dấu (để tìm kiếm)"), blank=True, default="", editable=False
    )
    time = models.JSONField(_("thời gian (như bộ đọc hiểu)"), default=dict)
    time_text = models.CharField(_("thời gian (như văn bản ghi)"), max_length=500, blank=True)
    time_kind = models.CharField(_("loại thời hạn"), max_length=20, db_index=True)
    needs_time = models.BooleanField(
        _("cần đặt thời hạn"),
        default=False,
        help_text=_("Bộ đọc không hiểu thời gian; cần người đặt."),
    )
    milestones = models.JSONField(_("mốc"), default=list, blank=True)
    lead = models.ForeignKey(
        Organization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_tasks",
        verbose_name=_("cơ quan chủ trì"),
    )
    needs_lead = models.BooleanField(
        _("cần chỉ định cơ quan chủ trì"),
        default=False,
        help_text=_("Văn bản giao cho nhiều cơ quan mà không nêu cơ quan chủ trì."),
    )
    product = models.CharField(_("sản phẩm"), max_length=500, blank=True)
    line = models.PositiveIntegerField(_("dòng trong văn bản"), null=True, blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    added_in = models.ForeignKey(
        ProgramVersion, models.PROTECT, related_name="added_tasks", verbose_name=_("thêm ở lần")
    )
    changed_in = models.ForeignKey(
        ProgramVersion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="changed_tasks",
        verbose_name=_("sửa ở lần"),
    )
    withdrawn_in = models.ForeignKey(
        ProgramVersion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="withdrawn_tasks",
        verbose_name=_("bãi bỏ ở lần"),
    )
    parent_task = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="lower_tasks",
        verbose_name=_("thực hiện nhiệm vụ cấp trên"),
    )
    parent_link = models.CharField(
        _("cách gắn nhiệm vụ cấp trên"), max_length=20, choices=ParentLink.choices, blank=True
    )
    parent_score = models.PositiveSmallIntegerField(
        _("độ giống nội dung (0-100)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["program", "position"]
        indexes = [models.Index(fields=["program", "section"], name="task_program_section")]

    def __str__(self) -> str:
        return f"[{self.key}] {self.text[:80]}"

    def save(self, *args, **kwargs) -> None:
        from .search import text_key

        self.text_key = text_key(self.text)
        fields = kwargs.get("update_fields")
        if fields is not None and "text" in fields:
            kwargs["update_fields"] = {*fields, "text_key"}
        super().save(*args, **kwargs)


class Assignment(models.Model):
    """A body's roles on a task. A group named on the task has a row of its own (no body)
    as the source; each member of a group with fixed members gets its own row, ``via_group``
    the group. A body that takes over another's work (a reorganisation) gets a row from the
    takeover date, ``transferred_from`` the earlier one."""

    task = models.ForeignKey(
        Task, models.CASCADE, related_name="assignments", verbose_name=_("nhiệm vụ")
    )
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("cơ quan"),
    )
    group = models.ForeignKey(
        OrgGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("nhóm được giao"),
    )
    via_group = models.ForeignKey(
        OrgGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="member_assignments",
        verbose_name=_("giao qua nhóm"),
    )
    written = models.CharField(_("tên như văn bản ghi"), max_length=400, blank=True)
    directs = models.BooleanField(_("chỉ đạo"), default=False)
    issues = models.BooleanField(_("ban hành"), default=False)
    advises = models.BooleanField(_("tham mưu"), default=False)
    implements = models.BooleanField(_("thực hiện"), default=False)
    leads = models.BooleanField(_("chủ trì"), default=False)
    coordinates = models.BooleanField(_("phối hợp"), default=False)
    inferred = models.BooleanField(
        _("suy ra"),
        default=False,
        help_text=_("Nhiệm vụ không nêu cơ quan; lấy theo phần Tổ chức thực hiện."),
    )
    active_from = models.DateField(_("từ ngày"), null=True, blank=True)
    active_to = models.DateField(_("đến ngày"), null=True, blank=True)
    transferred_from = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="transferred_to",
        verbose_name=_("tiếp nhận từ"),
    )

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        indexes = [models.Index(fields=["organization", "task"], name="assignment_org_task")]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(group__isnull=False),
                name="assignment_names_a_body_or_group",
            )
        ]

    def __str__(self) -> str:
        who = self.organization or self.group
        return f"{who}: {', '.join(self.roles)}"

    @property
    def roles(self) -> list[str]:
        return [role for role in ROLE_FIELDS if getattr(self, role)]

    @property
    def owes_work(self) -> bool:
        return self.organization_id is not None and any(getattr(self, r) for r in DOING_ROLES)


class Occurrence(models.Model):
    """One dated period of one assignment: what progress is reported against.

    ``withdrawn_on`` is the day a withdrawn occurrence stopped being owed (the amendment's
    adoption date, a reorganisation's effective date), so a status as of an earlier day judges
    it as the work it then was. Rows withdrawn before the field existed have none: they read
    as withdrawn on every date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chưa hoàn thành")
        DONE = "done", _("Đã hoàn thành")
        WITHDRAWN = "withdrawn", _("Không còn thực hiện")

    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="occurrences", verbose_name=_("phân công")
    )
    period_start = models.DateField(_("từ ngày"), null=True, blank=True)
    due_date = models.DateField(_("hạn"))
    label = models.CharField(_("kỳ"), max_length=120)
    source = models.CharField(_("theo"), max_length=20)  # "deadline" | "period" | "milestone"
    scope = models.CharField(_("phạm vi"), max_length=300, blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    withdrawn_on = models.DateField(
        _("không còn thực hiện từ ngày"),
        null=True,
        blank=True,
        help_text=_("Ngày văn bản điều chỉnh hoặc việc sắp xếp tổ chức có hiệu lực."),
    )

    class Meta:
        verbose_name = _("kỳ thực hiện")
        verbose_name_plural = _("kỳ thực hiện")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["due_date", "status"], name="occurrence_due_status"),
            models.Index(fields=["assignment", "due_date"], name="occurrence_assignment_due"),
        ]

    def __str__(self) -> str:
        return f"{self.label} (hạn {self.due_date:%d/%m/%Y})"


class Reference(models.Model):
    """Another document the program cites."""

    program = models.ForeignKey(
        Program, models.CASCADE, related_name="references", verbose_name=_("chương trình")
    )
    type = models.CharField(_("loại văn bản"), max_length=60)
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    date = models.DateField(_("ngày"), null=True, blank=True)
    text = models.CharField(_("trích dẫn"), max_length=400)

    class Meta:
        verbose_name = _("văn bản được dẫn")
        verbose_name_plural = _("văn bản được dẫn")

    def __str__(self) -> str:
        return self.text


class PendingImport(models.Model):
    """A document uploaded for import and not yet confirmed: what the parser read
    (``parsed``), the draft as the office corrected it (``draft``, the same JSON contract),
    the corrections in order, and the decisions on names the registry does not know. It
    belongs to the person who uploaded it and lasts a day (``expires_at``); nothing of it is
    tracked until it is confirmed (``theodoi.programs.drafts``)."""

    token = models.CharField(max_length=32, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("người tải lên")
    )
    name = models.CharField(_("tên tệp"), max_length=255)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), db_index=True)
    options = models.JSONField(_("tùy chọn nhập"), default=dict, blank=True)
    parsed = models.JSONField(_("bản đọc"), default=dict)
    draft = models.JSONField(_("bản đã sửa"), default=dict)
    corrections = models.JSONField(_("các lần sửa"), default=list, blank=True)
    names = models.JSONField(_("quyết định về tên cơ quan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("văn bản chờ nhập")
        verbose_name_plural = _("văn bản chờ nhập")

    def __str__(self) -> str:
        return self.name

"""Bodies that direct, draft and carry out programs, the names documents give them, the groups
documents name as one, and the reorganisations that pass their work to successors."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from theodoi.parsing.text import fold


class Kind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Cấp ủy")
    STANDING_COMMITTEE = "standing_committee", _("Ban Thường vụ")
    STANDING_OFFICE = "standing_office", _("Thường trực")
    PARTY_BOARD = "party_board", _("Ban đảng")
    INSPECTION_COMMITTEE = "inspection_committee", _("Ủy ban Kiểm tra")
    PARTY_OFFICE = "party_office", _("Văn phòng cấp ủy")
    PARTY_DELEGATION = "party_delegation", _("Ban cán sự đảng")
    PARTY_GROUP = "party_group", _("Đảng đoàn")
    PEOPLES_COUNCIL = "peoples_council", _("Hội đồng nhân dân")
    PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    MASS_ORGANIZATION = "mass_organization", _("Mặt trận, đoàn thể")
    ARMED_FORCES_PARTY_COMMITTEE = "armed_forces_party_committee", _("Đảng ủy lực lượng vũ trang")
    COURT = "court", _("Tòa án")
    PROCURACY = "procuracy", _("Viện kiểm sát")
    POLICE = "police", _("Công an")
    MILITARY = "military", _("Quân sự")
    SCHOOL = "school", _("Trường")
    CENTRAL_BODY = "central_body", _("Cơ quan Trung ương")
    OTHER = "other", _("Khác")


class Level(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")


class Organization(models.Model):
    """A body. Unresolved ones are names an import met that no registry entry matched; a
    person maps each to a real body (or confirms it as new)."""

    code = models.CharField(_("mã"), max_length=120, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    full_name = models.CharField(_("tên đầy đủ"), max_length=400, blank=True)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại"), max_length=40, choices=Kind.choices, default=Kind.OTHER)
    level = models.CharField(_("cấp"), max_length=20, choices=Level.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("trực thuộc"),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    assumed = models.BooleanField(
        _("thông tin giả định"),
        default=False,
        help_text=_("Một phần thông tin không lấy từ nguồn công khai."),
    )
    unresolved = models.BooleanField(_("chưa xác định"), default=False, db_index=True)
    name_key = models.CharField(max_length=300, editable=False, db_index=True)

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = fold(self.name)
        super().save(*args, **kwargs)

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class OrgGroup(models.Model):
    """A set of bodies that documents name as one ("các huyện ủy, thị ủy, thành ủy ...").
    An unnamed group ("các cơ quan liên quan") has no fixed members: it is kept on a task as
    written, for reports, and owes nothing itself."""

    code = models.CharField(_("mã"), max_length=120, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    unnamed = models.BooleanField(_("không xác định thành viên"), default=False)
    members = models.ManyToManyField(
        Organization, blank=True, related_name="org_groups", verbose_name=_("thành viên")
    )
    member_groups = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="in_groups",
        verbose_name=_("nhóm thành viên"),
    )

    class Meta:
        verbose_name = _("nhóm cơ quan")
        verbose_name_plural = _("nhóm cơ quan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def all_members(self, *, on=None) -> list[Organization]:
        """Members, through member groups too; with ``on``, those valid that day."""
        seen: dict[int, Organization] = {}
        stack, visited = [self], set()
        while stack:
            group = stack.pop()
            if group.pk in visited:
                continue
            visited.add(group.pk)
            for org in group.members.all():
                if on is None or org.is_valid_on(on):
                    seen.setdefault(org.pk, org)
            stack.extend(group.member_groups.all())
        return sorted(seen.values(), key=lambda org: org.name_key)


class Alias(models.Model):
    """Another way documents write a body's or a group's name, compared folded."""

    name = models.CharField(_("tên gọi khác"), max_length=400)
    key = models.CharField(max_length=400, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
        verbose_name=_("cơ quan"),
    )
    group = models.ForeignKey(
        OrgGroup,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
        verbose_name=_("nhóm"),
    )

    class Meta:
        verbose_name = _("tên gọi khác")
        verbose_name_plural = _("tên gọi khác")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, group__isnull=True)
                | Q(organization__isnull=True, group__isnull=False),
                name="alias_of_one_body_or_group",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.key = fold(self.name)
        super().save(*args, **kwargs)


class Reorganization(models.Model):
    """A body merged, split, renamed or abolished on a date, with its successors. Applying it
    passes the body's open work due from that date to the successor."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Sáp nhập, hợp nhất")
        SPLIT = "split", _("Chia tách")
        RENAME = "rename", _("Đổi tên")
        ABOLISH = "abolish", _("Giải thể, kết thúc hoạt động")

    kind = models.CharField(_("hình thức"), max_length=20, choices=Kind.choices)
    effective = models.DateField(_("ngày hiệu lực"))
    predecessors = models.ManyToManyField(
        Organization, related_name="reorganized_in", verbose_name=_("cơ quan trước")
    )
    successors = models.ManyToManyField(
        Organization, related_name="created_by", blank=True, verbose_name=_("cơ quan kế thừa")
    )
    basis = models.CharField(_("căn cứ"), max_length=400, blank=True)
    applied_at = models.DateTimeField(_("đã áp dụng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("sắp xếp tổ chức")
        verbose_name_plural = _("sắp xếp tổ chức")
        ordering = ["-effective"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective:%d/%m/%Y}"

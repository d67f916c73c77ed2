"""API tokens: one per program or person that calls the API on a user's behalf."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A secret that signs a caller in as ``user``. Only its hash is stored: the token is
    shown once when made; ``prefix`` (its first characters, not secret) names it in lists so a
    person can tell which one to revoke."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("người dùng"),
    )
    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(_("mã nhận biết"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class RateCount(models.Model):
    """One caller's calls in its current window of the API's rate limit (``api.rate``): a row
    that each call moves on in one UPDATE, so that the count is exact however many threads
    and server processes call at once."""

    key = models.CharField(max_length=100, primary_key=True)
    started = models.DateTimeField()
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("lượt gọi API")
        verbose_name_plural = _("lượt gọi API")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"

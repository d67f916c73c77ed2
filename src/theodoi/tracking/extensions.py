"""Asking to move a due date, and deciding on it.

A body asks for a later due date on one of its open occurrences, with a reason; the office
that follows the program (the monitor) approves or rejects it. The original due date stays
on the occurrence: an approved extension applies from its decision (``decided_at``), which
is how ``theodoi.tracking.status`` reads it, so the status as of a day before the decision
still judges against the earlier date.

Every action is one transaction and asks the permission policy first; a request the policy
allows but that cannot be recorded as given raises ``ExtensionError`` with a Vietnamese
message for the person.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.utils import timezone

from theodoi.acting import acting
from theodoi.programs.models import Occurrence

from . import notify
from .models import Extension
from .policy import Action, check

__all__ = ["ExtensionError", "decide_extension", "effective_due", "request_extension",
           "term_warnings"]  # fmt: skip


class ExtensionError(ValueError):
    """An extension that cannot be asked for or decided as given; the message says why."""


def effective_due(occurrence: Occurrence, *, at: dt.datetime | None = None) -> dt.date:
    """The due date in force at ``at`` (now by default): the new date of the latest approved
    extension decided by then (latest ``decided_at``, then the latest created), else the
    occurrence's own due date. The same rule as the status function's."""
    approved = Extension.objects.filter(
        occurrence=occurrence, status=Extension.Status.APPROVED, decided_at__isnull=False
    )
    if at is not None:
        approved = approved.filter(decided_at__lte=at)
    latest = approved.order_by("-decided_at", "-pk").first()
    return latest.new_due if latest is not None else occurrence.due_date


def term_warnings(extension: Extension) -> list[str]:
    """What a decider should know about the dates: the one asked (or granted) lies past the
    end of the program's term (or the day the office ended it)."""
    program = extension.occurrence.assignment.task.program
    ends = program.ends_on
    if ends is not None and extension.new_due > ends:
        return [
            f"Hạn {extension.new_due:%d/%m/%Y} ở sau ngày kết thúc của chương trình "
            f"({ends:%d/%m/%Y}); việc sẽ được đánh giá theo nhiệm kỳ đã kết thúc."
        ]
    return []


def request_extension(
    *,
    user,
    occurrence: Occurrence,
    new_due: dt.date,
    reason: str,
    now: dt.datetime | None = None,
) -> Extension:
    """The user's body asks to move ``occurrence``'s due date to ``new_due``.

    ``new_due`` must be after the due date in force; a reason is required; an occurrence has
    at most one request awaiting a decision at a time.
    """
    now = now or timezone.now()
    with transaction.atomic(), acting(user):
        # Locking the occurrence serialises two requests on it: one pending at a time.
        occurrence = (
            Occurrence.objects.select_for_update()
            .select_related("assignment")
            .get(pk=occurrence.pk)
        )
        check(user, Action.REQUEST_EXTENSION, occurrence)
        reason = unicodedata.normalize("NFC", (reason or "").strip())
        if not reason:
            raise ExtensionError("Đề nghị gia hạn cần nêu lý do.")
        if isinstance(new_due, dt.datetime) or not isinstance(new_due, dt.date):
            raise ExtensionError("Hạn mới đề nghị phải là một ngày.")
        current = effective_due(occurrence, at=now)
        if new_due <= current:
            raise ExtensionError(
                f"Hạn mới đề nghị ({new_due:%d/%m/%Y}) phải sau hạn hiện hành ({current:%d/%m/%Y})."
            )
        if occurrence.extensions.filter(status=Extension.Status.PENDING).exists():
            raise ExtensionError(
                "Kỳ thực hiện này đã có một đề nghị gia hạn đang chờ quyết định; "
                "chờ quyết định đó trước khi đề nghị tiếp."
            )
        return Extension.objects.create(
            occurrence=occurrence,
            requested_by=user,
            requested_at=now,
            reason=reason,
            new_due=new_due,
        )


def decide_extension(
    *,
    user,
    extension: Extension,
    approve: bool,
    comment: str = "",
    granted: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Extension:
    """The office approves or rejects a pending request. A rejection says why (``comment``).

    An approval may grant an earlier date than the one asked (``granted``: after the due
    date in force, not after the one asked); the asked date is then kept in the comment.
    ``extension.warnings`` lists what the decider should know (a date past the program's
    term). The occurrence's own due date is not changed: the approval applies from
    ``decided_at``.
    """
    now = now or timezone.now()
    with transaction.atomic(), acting(user):
        locked = Extension.objects.select_for_update().get(pk=extension.pk)
        extension = Extension.objects.select_related("occurrence__assignment").get(pk=locked.pk)
        check(user, Action.DECIDE_EXTENSION, extension)
        if extension.status != Extension.Status.PENDING:
            raise ExtensionError("Đề nghị gia hạn này đã được quyết định.")
        comment = unicodedata.normalize("NFC", (comment or "").strip())
        if not approve and not comment:
            raise ExtensionError("Không đồng ý gia hạn cần ghi ý kiến để cơ quan biết lý do.")
        if now < extension.requested_at:
            raise ExtensionError("Thời điểm quyết định không thể trước thời điểm đề nghị.")
        if approve and granted is not None and granted != extension.new_due:
            asked = extension.new_due
            if isinstance(granted, dt.datetime) or not isinstance(granted, dt.date):
                raise ExtensionError("Hạn được gia hạn phải là một ngày.")
            if granted > asked:
                raise ExtensionError(
                    f"Hạn được gia hạn ({granted:%d/%m/%Y}) không được sau hạn cơ quan đề nghị "
                    f"({asked:%d/%m/%Y}); muốn lâu hơn, cơ quan cần đề nghị lại."
                )
            current = effective_due(extension.occurrence, at=now)
            if granted <= current:
                raise ExtensionError(
                    f"Hạn được gia hạn ({granted:%d/%m/%Y}) phải sau hạn hiện hành "
                    f"({current:%d/%m/%Y})."
                )
            extension.new_due = granted
            note = f"Đề nghị đến {asked:%d/%m/%Y}; đồng ý đến {granted:%d/%m/%Y}."
            comment = f"{note} {comment}".strip()
        if approve:
            current = effective_due(extension.occurrence, at=now)
            if extension.new_due <= current:
                raise ExtensionError(
                    f"Hạn mới đề nghị ({extension.new_due:%d/%m/%Y}) không còn sau hạn "
                    f"hiện hành ({current:%d/%m/%Y}); không thể đồng ý."
                )
        extension.status = Extension.Status.APPROVED if approve else Extension.Status.REJECTED
        extension.decided_by = user
        extension.decided_at = now
        extension.comment = comment
        extension.save(update_fields=["status", "decided_by", "decided_at", "comment", "new_due"])
        extension.warnings = term_warnings(extension)
        notify.extension_decided(extension)  # the body hears it at once
        return extension

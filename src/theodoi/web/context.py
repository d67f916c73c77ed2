"""What every page needs to draw its menu: the person's body and role, and which parts of
the application the permission policy lets them open.

Every page pays for this, so it is kept cheap: the menu depends on the role alone and is
made once per role, its links once per process (`links`); the unread count and the demo banner's
question are one query, written out: the ORM spent more time composing it than the database
did answering it."""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from theodoi.tracking.models import Notification, ProgressReport, Role
from theodoi.tracking.policy import BODY_ROLES, Action, actor_of, role_may

from .links import link

_OFFICE = "office"  # the roles that see every body's work (the office, leaders, administrators)

# (URL name, label, what the role needs: an action it may do, _OFFICE, or None for anyone)
_MENU = (
    ("web:dashboard", _("Tổng quan"), _OFFICE),
    ("web:national", _("Tổng hợp"), _OFFICE),
    ("web:programs", _("Chương trình"), None),
    ("web:my_work", _("Việc của cơ quan"), Action.CREATE_REPORT),
    ("web:review", _("Chờ xử lý"), Action.REVIEW_REPORT),
    ("web:plans", _("Kế hoạch cá nhân"), Action.VIEW_PERSONAL_PLAN),
    ("web:evaluation", _("Đánh giá"), Action.EVALUATE),
    ("web:organizations", _("Cơ quan"), None),
    ("web:search", _("Tìm kiếm"), None),
    ("web:reports", _("Báo cáo"), Action.PRODUCE_REPORT),
    ("web:import", _("Nhập văn bản"), Action.IMPORT_PROGRAM),
)


@cache
def _entries(role: Role) -> tuple[tuple[str, object], ...]:
    """The menu's (URL name, label) for a role: what the permission policy lets it open."""
    shown = []
    for name, label, needs in _MENU:
        if needs == _OFFICE:
            allowed = role not in BODY_ROLES
        else:
            allowed = needs is None or role_may(role, needs)
        if allowed:
            shown.append((name, label))
    return tuple(shown)


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    actor = actor_of(user) if user is not None else None
    if actor is None:
        return {"membership": None, "menu": []}
    menu = [(name, link(name), label) for name, label in _entries(actor.role)]
    unread, demo_data = _unread_and_demo(user.pk)
    return {
        "membership": user.membership,
        "menu": menu,
        "unread_notifications": unread,
        "demo_data": demo_data,
    }


def _unread_and_demo(user_id: int) -> tuple[int, bool]:
    """The person's unread notifications, and whether any progress report is demo data (the
    banner): both indexed (`notification_unread`, `report_demo`), in one round trip."""
    notifications, reports = (
        connection.ops.quote_name(model._meta.db_table) for model in (Notification, ProgressReport)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {notifications}"
            " WHERE recipient_id = %s AND read_at IS NULL),"
            f" EXISTS (SELECT 1 FROM {reports} WHERE demo)",
            [user_id],
        )
        unread, demo = cursor.fetchone()
    return unread, bool(demo)

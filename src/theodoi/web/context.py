"""What every page needs to draw its menu: the person's body and role, and which parts of
the application the permission policy lets them open."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from theodoi.tracking.models import Notification, ProgressReport
from theodoi.tracking.policy import Action, actor_of, allows


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    actor = actor_of(user) if user is not None else None
    if actor is None:
        return {"membership": None, "menu": []}
    menu = []
    if actor.sees_everything:  # the office, leaders, administrators
        menu.append(("web:dashboard", _("Tổng quan")))
        menu.append(("web:national", _("Tổng hợp")))
    menu.append(("web:programs", _("Chương trình")))
    if allows(user, Action.CREATE_REPORT):
        menu.append(("web:my_work", _("Việc của cơ quan")))
    if allows(user, Action.REVIEW_REPORT):
        menu.append(("web:review", _("Chờ xử lý")))
    if allows(user, Action.VIEW_PERSONAL_PLAN):
        menu.append(("web:plans", _("Kế hoạch cá nhân")))
    if allows(user, Action.EVALUATE):
        menu.append(("web:evaluation", _("Đánh giá")))
    menu.append(("web:organizations", _("Cơ quan")))
    menu.append(("web:search", _("Tìm kiếm")))
    if allows(user, Action.PRODUCE_REPORT):
        menu.append(("web:reports", _("Báo cáo")))
    if allows(user, Action.IMPORT_PROGRAM):
        menu.append(("web:import", _("Nhập văn bản")))
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {
        "membership": user.membership,
        "menu": menu,
        "unread_notifications": unread,
        "demo_data": ProgressReport.objects.filter(demo=True).exists(),
    }

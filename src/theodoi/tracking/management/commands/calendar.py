"""`theodoi calendar USERNAME [--rotate]`: a person's secret calendar address.

The address is printed once, when made: only a hash of its secret is stored, so it cannot be
shown again. `--rotate` makes a new one and the old one stops working (a lost phone, a
colleague who left).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from theodoi.tracking.calendar import CalendarError, feed_url, has_feed, issue_feed
from theodoi.tracking.policy import actor_of


class Command(BaseCommand):
    help = (
        "In địa chỉ lịch iCal (các hạn của cơ quan) của một người dùng; --rotate đổi địa chỉ mới."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="tên đăng nhập")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="tạo địa chỉ mới; địa chỉ cũ thôi dùng được",
        )

    def handle(self, *args, **options) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"theodoi calendar: không có người dùng {username}", returncode=2)
        if not user.is_active:
            raise CommandError(f"theodoi calendar: tài khoản {username} đã bị khóa", returncode=2)
        if actor_of(user) is None:
            raise CommandError(
                f"theodoi calendar: người dùng {username} chưa được gán cơ quan "
                f"(theodoi member {username} MÃ_CƠ_QUAN --role VAI_TRÒ)",
                returncode=2,
            )
        existed = has_feed(user)
        if existed and not options["rotate"]:
            self.stdout.write(
                f"{username} đã có địa chỉ lịch iCal: địa chỉ đã hiện một lần khi tạo và không "
                "xem lại được. Dùng --rotate để tạo địa chỉ mới (địa chỉ cũ sẽ thôi dùng được)."
            )
            return
        try:
            token = issue_feed(user)
        except CalendarError as error:
            raise CommandError(f"theodoi calendar: {error}", returncode=2) from error
        organization = user.membership.organization
        if existed:
            self.stdout.write(
                f"Đã đổi địa chỉ lịch iCal của {username}; địa chỉ cũ thôi dùng được."
            )
        else:
            self.stdout.write(f"Địa chỉ lịch iCal của {username} ({organization.name}):")
        self.stdout.write(feed_url(token))
        self.stdout.write(
            "Giữ kín địa chỉ này: ai có nó đều xem được các hạn của cơ quan. "
            "Địa chỉ chỉ hiện một lần."
        )

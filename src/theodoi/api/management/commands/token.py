"""`theodoi token create USER --name N | list [USER] | revoke PREFIX`: API tokens from the
command line, for the person who runs the server (the same rules as the web page and the API:
``theodoi.api.tokens``). The secret is printed once, by `create`, on a line of its own."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from theodoi.api.models import ApiToken
from theodoi.api.tokens import TokenError, create_token, revoke_token, token_by_prefix


class Command(BaseCommand):
    help = "Khóa API: tạo (create), liệt kê (list), thu hồi (revoke)."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = actions.add_parser("create", help="tạo khóa API cho một người dùng")
        create.add_argument("username", help="tên đăng nhập")
        create.add_argument("--name", required=True, help="tên khóa: hệ thống nào sẽ dùng nó")
        listing = actions.add_parser("list", help="liệt kê khóa API (của một người dùng)")
        listing.add_argument("username", nargs="?", help="tên đăng nhập; bỏ trống: mọi người")
        revoke = actions.add_parser("revoke", help="thu hồi một khóa API theo mã nhận biết")
        revoke.add_argument("prefix", help="mã nhận biết (8 ký tự sau td_, như danh sách ghi)")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except TokenError as error:
            self._fail(str(error))

    def _create(self, options: dict) -> None:
        user = self._user(options["username"])
        row, secret = create_token(user, options["name"], by=None)
        self.stdout.write(f"Đã tạo khóa API “{row.name}” cho {user.get_username()}.")
        self.stdout.write("Khóa (chỉ hiện một lần này; hãy lưu lại ngay):")
        self.stdout.write(secret)

    def _list(self, options: dict) -> None:
        rows = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options["username"]:
            rows = rows.filter(user=self._user(options["username"]))
        found = False
        for row in rows:
            found = True
            used = _when(row.last_used_at) or "chưa dùng"
            state = f"thu hồi {_when(row.revoked_at)}" if row.revoked_at else "còn hiệu lực"
            self.stdout.write(
                f"td_{row.prefix}\t{row.user.get_username()}\t{row.name}\t"
                f"tạo {_when(row.created_at)}\tdùng {used}\t{state}"
            )
        if not found:
            self.stdout.write("Chưa có khóa API nào.")

    def _revoke(self, options: dict) -> None:
        row = token_by_prefix(options["prefix"])
        was_active = row.revoked_at is None
        revoke_token(row, by=row.user)
        verb = "Đã thu hồi" if was_active else "Đã thu hồi từ trước"
        self.stdout.write(f"{verb}: td_{row.prefix} “{row.name}” của {row.user.get_username()}.")

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise TokenError(f"Không có người dùng {username}.")
        return user

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"theodoi token: {message}\n")
        raise SystemExit(2)


def _when(moment) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")

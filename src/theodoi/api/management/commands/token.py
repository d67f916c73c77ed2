"""`theodoi token list [USER] | revoke PREFIX`: API tokens from the command line, for the person
who runs the server (the same rules as the web page and the API: ``theodoi.api.tokens``).

The operator on the server is nobody's account, so the command makes no token (`create` says
where a person makes their own): a token it made would act, and be audited, as the person
named. It lists and revokes; a revocation is recorded in the audit log as the command's
("cli", with the server account that ran it), not as the token's owner's."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from theodoi.api.models import ApiToken
from theodoi.api.tokens import TokenError, not_for_someone_else, revoke_token, token_by_prefix


class Command(BaseCommand):
    help = "Khóa API: liệt kê (list), thu hồi (revoke); mỗi người tự tạo khóa trên trang Khóa API."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="list|revoke")
        # Kept so that `create` says where a person makes their own, not "invalid choice".
        create = actions.add_parser("create", help="không dùng: mỗi người tự tạo khóa của mình")
        create.add_argument("username", nargs="?")
        create.add_argument("--name")
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
        raise TokenError(
            f"{not_for_someone_else()} Lệnh trên máy chủ chỉ liệt kê (list) và thu hồi (revoke)."
        )

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
        revoke_token(row, by=None)  # the operator: recorded as the command's, nobody's account
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

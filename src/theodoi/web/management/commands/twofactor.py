"""`theodoi twofactor reset USERNAME`: remove a person's authenticator (a lost phone), so they
sign in with their password and enrol again. For the server's operator: it works when the
only administrator is the one who lost the phone."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Xóa thiết bị xác thực hai bước của một người dùng (mất điện thoại)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["reset"])
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"theodoi twofactor: không có người dùng {username}", returncode=2)
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        if removed:
            self.stdout.write(
                f"Đã xóa thiết bị xác thực hai bước của {username}; lần đăng nhập sau, người "
                "này đăng ký lại."
            )
        else:
            self.stdout.write(f"{username} chưa bật xác thực hai bước; không có gì để xóa.")

"""`theodoi member USERNAME ORG_CODE --role ROLE`: give a user their body and role.

The permission policy answers nothing for a user without a membership, administrators made
with `createsuperuser` included, so this is the step after creating an account.
"""

from __future__ import annotations

import sys
import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from theodoi.orgs.models import Organization
from theodoi.tracking.models import Membership, Role


class Command(BaseCommand):
    help = "Gán người dùng vào cơ quan với một vai trò (quản trị, theo dõi, lãnh đạo, thủ trưởng, cán bộ)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="tên đăng nhập")
        parser.add_argument("org_code", help="mã cơ quan (vd qn.btctu; xem theodoi orgs list)")
        parser.add_argument("--role", required=True, choices=Role.values, help="vai trò")
        parser.add_argument(
            "--create", action="store_true", help="tạo tài khoản nếu chưa có (không có mật khẩu)"
        )
        parser.add_argument(
            "--name",
            default="",
            help='họ và tên (vd "Nguyễn Thị Lan"): thư nhắc việc gọi theo tên này',
        )

    def handle(self, *args, **options) -> None:
        users = get_user_model()
        organization = Organization.objects.filter(
            code=options["org_code"], unresolved=False
        ).first()
        if organization is None:
            self._fail(f"theodoi member: không có cơ quan mã {options['org_code']}")
        with transaction.atomic():
            user = users.objects.filter(username=options["username"]).first()
            if user is None:
                if not options["create"]:
                    self._fail(
                        f"theodoi member: không có người dùng {options['username']} "
                        "(tạo bằng theodoi createsuperuser, hoặc thêm --create)"
                    )
                user = users.objects.create_user(options["username"])
            name = " ".join(unicodedata.normalize("NFC", options["name"]).split())
            if name:
                user.first_name, user.last_name = name[:150], ""
                user.save(update_fields=["first_name", "last_name"])
            membership, created = Membership.objects.update_or_create(
                user=user, defaults={"organization": organization, "role": options["role"]}
            )
        verb = "Đã gán" if created else "Đã cập nhật"
        self.stdout.write(
            f"{verb}: {user.get_username()} — {membership.get_role_display()}, {organization.name}"
        )

    def _fail(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        raise SystemExit(2)

"""`theodoi urge USERNAME ORG_CODE [--task ID] [--message TEXT] [--letter FILE.docx]`: the
office urges a body (đôn đốc) from the command line, acting as USERNAME: the same service,
policy and record as the web and the API; the body is told at once, and ``--letter`` writes
the letter (DOCX)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand

from theodoi.orgs.models import Organization
from theodoi.programs.models import Task
from theodoi.reporting.urging_letter import render_urging_letter
from theodoi.tracking.urging import UrgingError, urge


class Command(BaseCommand):
    help = "Đôn đốc một cơ quan về các việc quá hạn, sắp đến hạn (và ghi công văn DOCX)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="tên đăng nhập (Văn phòng theo dõi)")
        parser.add_argument("org_code", help="mã cơ quan được đôn đốc (vd qn.btctu)")
        parser.add_argument("--task", type=int, help="chỉ đôn đốc về nhiệm vụ này (mã số)")
        parser.add_argument("--message", default="", help="lời nhắn kèm theo")
        parser.add_argument("--letter", help="ghi công văn đôn đốc vào tệp .docx này")

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            self._fail(f"theodoi urge: không có người dùng {options['username']}")
        body = Organization.objects.filter(code=options["org_code"]).first()
        if body is None:
            self._fail(f"theodoi urge: không có cơ quan mã {options['org_code']}")
        task = None
        if options["task"] is not None:
            task = Task.objects.filter(pk=options["task"]).first()
            if task is None:
                self._fail(f"theodoi urge: không có nhiệm vụ mã số {options['task']}")
        try:
            urging = urge(user, body, message=options["message"], task=task)
        except (PermissionDenied, UrgingError) as error:
            self._fail(f"theodoi urge: {error}")
        self.stdout.write(f"Đã đôn đốc {body.name}: {len(urging.items)} việc quá hạn, sắp đến hạn.")
        for item in urging.items:
            late = f"quá hạn {item['days_overdue']} ngày" if item["days_overdue"] else "sắp đến hạn"
            self.stdout.write(f"  {item['task_key']} ({item['label']}): {late}")
        if options["letter"]:
            Path(options["letter"]).write_bytes(render_urging_letter(urging))
            self.stdout.write(f"Công văn: {options['letter']}")

    def _fail(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        raise SystemExit(2)

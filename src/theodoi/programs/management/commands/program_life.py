"""`theodoi program_life finish|replace|reopen --program NUMBER --user NAME [--on dd/mm/yyyy]
[--by NUMBER]`: end a program (finished, or replaced by another) or put it back in force
(``theodoi.programs.life``: the rules the program page and the API use)."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand

from theodoi.inputs import InputError, read_day
from theodoi.programs import life
from theodoi.programs.models import Program


class Command(BaseCommand):
    help = "Kết thúc, thay thế chương trình, hoặc cho chương trình có hiệu lực trở lại."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["finish", "replace", "reopen"])
        parser.add_argument("--program", required=True, metavar="NUMBER", help="số chương trình")
        parser.add_argument("--user", required=True, metavar="NAME", help="người thực hiện")
        parser.add_argument("--on", metavar="dd/mm/yyyy", help="ngày kết thúc")
        parser.add_argument("--by", metavar="NUMBER", help="số chương trình thay thế")

    def handle(self, *args, **options) -> None:
        program = self._program(options["program"])
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            self._fail(f"không có người dùng {options['user']}")
        try:
            day = read_day(options["on"]) if options["on"] else None
        except InputError as exc:
            self._fail(str(exc))
        try:
            if options["action"] == "finish":
                done = life.finish_program(user=user, program=program, on=day)
            elif options["action"] == "replace":
                if not options["by"]:
                    self._fail("replace cần --by SỐ_CHƯƠNG_TRÌNH thay thế")
                by = self._program(options["by"])
                done = life.replace_program(user=user, program=program, by=by, on=day)
            else:
                done = life.reopen_program(user=user, program=program)
        except (life.LifeError, PermissionDenied) as exc:
            self._fail(str(exc))
        end = f", kết thúc ngày {done.ended_on:%d/%m/%Y}" if done.ended_on else ""
        self.stdout.write(f"{done.number}: {done.life_label}{end}")

    def _program(self, number: str) -> Program:
        found = Program.objects.filter(number=number).first()
        if found is None:
            self._fail(f"không có chương trình số {number}")
        return found

    def _fail(self, message: str) -> None:
        """One line on stderr, exit status 2."""
        sys.stderr.write("theodoi program_life: " + message.replace("\n", " ") + "\n")
        raise SystemExit(2)

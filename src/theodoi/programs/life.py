"""A program's life: in force, finished, replaced.

A program is in force from its issue to the end of its term (31/12 of ``term_end``) unless the
office finishes it on another day (``finish_program``) or another program takes its place
(``replace_program``, which ends it the day before the replacement's issue date or on the day
given). From the day after its end a program owes nothing more: its figures are judged as of
its end by default (``Program.judged_as_of``), so days overdue stop counting there.

One transaction per change, the policy (``AMEND_PROGRAM``: the office changes the program)
asked on the locked program; bad input is ``LifeError`` with a Vietnamese message. The web,
the API and the CLI (``theodoi program-life``) call these functions.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from theodoi.acting import acting

from .models import Program

__all__ = ["LifeError", "finish_program", "reopen_program", "replace_program"]


class LifeError(ValueError):
    """A change of a program's life that cannot be made; the message says why."""


def _locked(user, program: Program) -> Program:
    # function-local as amendments.py does: the policy and the kept figures live above
    from theodoi.tracking.policy import Action, check

    locked = Program.objects.select_for_update().get(pk=program.pk)
    check(user, Action.AMEND_PROGRAM, locked)
    return locked


def _check_day(program: Program, day: dt.date) -> None:
    if program.term_start and day.year < program.term_start:
        raise LifeError(
            _("Ngày kết thúc %(day)s trước nhiệm kỳ của chương trình (từ năm %(year)s).")
            % {"day": f"{day:%d/%m/%Y}", "year": program.term_start}
        )
    if program.date and day < program.date:
        raise LifeError(
            _("Ngày kết thúc %(day)s trước ngày ban hành chương trình (%(issued)s).")
            % {"day": f"{day:%d/%m/%Y}", "issued": f"{program.date:%d/%m/%Y}"}
        )


def finish_program(*, user, program: Program, on: dt.date | None = None) -> Program:
    """End ``program`` on ``on`` (by default the end of its term, else today): it is no longer
    in force from the next day."""
    from theodoi.tracking.rollup_cache import changing_programs

    with transaction.atomic(), acting(user), changing_programs() as changes:
        locked = _locked(user, program)
        if locked.status == Program.Status.DRAFT:
            raise LifeError(_("Chương trình còn là dự thảo, chưa thể kết thúc."))
        if locked.status == Program.Status.REPLACED:
            raise LifeError(_("Chương trình đã được thay thế; không kết thúc lại được."))
        day = on or locked.ends_on or timezone.localdate()
        _check_day(locked, day)
        locked.status = Program.Status.CLOSED
        locked.ended_on = day
        locked.save(update_fields=["status", "ended_on", "updated_at"])
        changes.program(locked.pk)
        return locked


def replace_program(*, user, program: Program, by: Program, on: dt.date | None = None) -> Program:
    """``by`` takes the place of ``program``, which ends on ``on`` (by default the day before
    ``by`` was issued, else today)."""
    from theodoi.tracking.rollup_cache import changing_programs

    if by.pk == program.pk:
        raise LifeError(_("Một chương trình không thể tự thay thế chính nó."))
    with transaction.atomic(), acting(user), changing_programs() as changes:
        locked = _locked(user, program)
        successor = Program.objects.get(pk=by.pk)
        if successor.replaced_by_id == locked.pk:
            raise LifeError(
                _("Chương trình %(number)s đã được chương trình này thay thế.")
                % {"number": successor.number}
            )
        if locked.status == Program.Status.DRAFT:
            raise LifeError(_("Chương trình còn là dự thảo, chưa thể thay thế."))
        day = on
        if day is None and successor.date is not None:
            day = successor.date - dt.timedelta(days=1)
        day = day or timezone.localdate()
        _check_day(locked, day)
        locked.status = Program.Status.REPLACED
        locked.replaced_by = successor
        locked.ended_on = day
        locked.save(update_fields=["status", "replaced_by", "ended_on", "updated_at"])
        changes.program(locked.pk)
        return locked


def reopen_program(*, user, program: Program) -> Program:
    """Undo a finish or a replacement (a mistake): in force again until its term's end."""
    from theodoi.tracking.rollup_cache import changing_programs

    with transaction.atomic(), acting(user), changing_programs() as changes:
        locked = _locked(user, program)
        if locked.status not in (Program.Status.CLOSED, Program.Status.REPLACED):
            raise LifeError(_("Chương trình đang có hiệu lực."))
        locked.status = Program.Status.ACTIVE
        locked.replaced_by = None
        locked.ended_on = None
        locked.save(update_fields=["status", "replaced_by", "ended_on", "updated_at"])
        changes.program(locked.pk)
        return locked

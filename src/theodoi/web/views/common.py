"""What the pages share: who may open them, the "as of" date, the program being looked at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from theodoi.inputs import InputError, read_day
from theodoi.programs.models import Program
from theodoi.tracking.policy import Actor, actor_of
from theodoi.tracking.scope import scope_of


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and with a body and role: the policy answers nothing for anyone else.

    A signed-out htmx request (a session that expired while the page was open) is sent to
    the login page as a whole page, with the page it came from to return to, rather than
    having the login form swapped into a table row."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                back = request.htmx.current_url_abs_path or request.get_full_path()
                return HttpResponseClientRedirect(redirect_to_login(back).url)
            return redirect_to_login(request.get_full_path())
        if actor_of(request.user) is None:
            raise PermissionDenied(
                _("Tài khoản chưa được gán cơ quan và vai trò; đề nghị quản trị viên gán.")
            )
        return view(request, *args, **kwargs)

    return wrapped


def actor(request: HttpRequest) -> Actor:
    found = actor_of(request.user)
    if found is None:  # member_required runs first
        raise PermissionDenied
    return found


def parse_day(text: str | None) -> dt.date | None:
    """A date typed as dd/mm/yyyy or sent by a date field as yyyy-mm-dd, within the years
    ``theodoi.inputs`` allows; None if not (``read_day`` says why)."""
    try:
        return read_day(text)
    except InputError:
        return None


def as_of(request: HttpRequest) -> tuple[dt.date, str | None]:
    """The "as of" date asked for (``?as_of=``), today by default; with an error message
    when what was typed is not a date, or a day outside the years allowed."""
    try:
        day = read_day(request.GET.get("as_of"))
    except InputError as error:
        return timezone.localdate(), str(error)
    return day or timezone.localdate(), None


def program_choices() -> QuerySet[Program]:
    """The programs a page's program picker offers, newest first. A personal plan's own
    program is reached through its plan (/plans/), not from here."""
    return Program.objects.ordinary().order_by("-pk")


def current_program(request: HttpRequest) -> Program | None:
    """The program asked for (``?program=<id>``), else the latest one imported that is not a
    lower-level program (a district's program imported under the province's does not take
    the province's place on the dashboard), in force today if one is: the latest of the user's own committee, where
    it does not reach everything (a district office starts on its district's program)."""
    raw = request.GET.get("program")
    programs = program_choices()
    if raw:
        if not raw.isdigit():
            raise Http404(_("Không có chương trình này."))
        found = programs.filter(pk=int(raw)).first()
        if found is None:
            raise Http404(_("Không có chương trình này."))
        return found
    scope = scope_of(request.user)
    if scope is not None and not scope.everything:
        # the latest at the top of the user's own committee (a district's own program)
        own = programs.filter(pk__in=sorted(scope.programs))
        top = own.exclude(parent_program_id__in=sorted(scope.programs)).first()
        if top is not None:
            return top
    top = programs.filter(parent_program__isnull=True)
    # The programs in force first; once every one has ended, the latest (shown as of its end).
    return top.in_force(timezone.localdate()).first() or top.first() or programs.first()


def program_as_of(request: HttpRequest) -> dict:
    """What a page with the program picker and the "as of" field (``_program_as_of.html``)
    puts in its context: ``program``, ``programs``, ``as_of``, ``as_of_error``."""
    day, error = as_of(request)
    program = current_program(request)
    asked = day
    if program is not None and not request.GET.get("as_of"):
        # By default a finished program is shown as of its end: it owes nothing after it,
        # so its days overdue stop counting there. A day typed is shown as asked.
        day = program.judged_as_of(day)
    return {
        "as_of": day,
        "as_of_error": error,
        "asked_as_of": asked,
        "program_ended": day != asked,
        "program": program,
        "programs": picker_choices(program),
    }


def picker_choices(program: Program | None) -> list[Program]:
    """What the program picker lists: the top-level programs, and the one shown. A country
    holds thousands of lower-level programs; each is reached from its parent's dashboard
    (lower levels) or the program list, not from a list of thousands."""
    choices = list(program_choices().filter(parent_program__isnull=True).only("number", "title"))
    if program is not None and all(p.pk != program.pk for p in choices):
        choices.insert(0, program)
    return choices

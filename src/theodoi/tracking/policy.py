"""Who may see and change what: the one permission policy that views, the API and the admin
all ask. Plain functions; nothing here writes.

Ask ``allows(user, action, obj)`` for a yes or no, ``check(user, action, obj)`` to raise
``PermissionDenied`` with a Vietnamese message, ``refusal(user, action, obj)`` for that message
alone (``None`` when allowed: a disabled button can say why), and ``visible_*(user)`` for the
rows a user may see, as querysets to filter further.

A user acts through their ``Membership``: one body, one role. Nobody without one (not signed
in, inactive, or no membership) may do anything. "Own body" below means the user's
organisation; an assignment belongs to a body when ``assignment.organization`` is that body
(a group's own row, with no body, belongs to nobody), and an occurrence, a report or an
extension belongs to the body of its assignment (a report also to the body it speaks for).

Who may do what (Y everything, O own body's only, N nothing; then the invariants below):

==================== ===== ======= ====== ==== ===== ============================================
action               admin monitor leader head staff object
==================== ===== ======= ====== ==== ===== ============================================
VIEW_PROGRAM         Y     Y       Y      Y    Y     Program (the program's text is not secret)
VIEW_TASK            Y     Y       Y      Y    Y     Task
VIEW_ASSIGNMENT      Y     Y       Y      O    O     Assignment
VIEW_OCCURRENCE      Y     Y       Y      O    O     Occurrence
VIEW_REPORT          Y     Y       Y      O+   O+    ProgressReport
VIEW_EVIDENCE_FILE   Y     Y       Y      O+   O+    ProgressReport, or an evidence row's report
VIEW_EXTENSION       Y     Y       Y      O    O     Extension
CREATE_REPORT        Y     N       N      O    O     Occurrence, or the new report (unsaved)
EDIT_REPORT          Y     N       N      O    O     ProgressReport
SUBMIT_REPORT        Y     N       N      O    O     ProgressReport
SIGN_OFF_REPORT      Y     N       N      O    N     ProgressReport
REVIEW_REPORT        Y     Y       F      N    N     ProgressReport (accept or return)
REQUEST_EXTENSION    Y     N       N      O    O     Occurrence
DECIDE_EXTENSION     Y     Y       F      N    N     Extension
SEND_REMINDERS       Y     Y       N      N    N     none
URGE                 Y     Y       N      N    N     Organization: urge a body (đôn đốc)
MANAGE_ORGANIZATIONS Y     N       N      N    N     none (or the organisation)
IMPORT_PROGRAM       Y     Y       N      N    N     none (or the program amended); and its draft
DESIGNATE_LEAD       Y     Y       N      N    N     Task
AMEND_PROGRAM        Y     Y       N      N    N     Program or Task: change a tracked task
VIEW_AUDIT           Y     Y       Y      O    O     one object's history: as seeing the object
VIEW_AUDIT (no obj)  Y     Y       Y      N    N     the whole audit log
PRODUCE_REPORT       Y     Y       Y      N    N     none (or the program): periodic reports
VIEW_PERSONAL_PLAN   Y     Y       Y      O*   O*    PersonalPlan
MANAGE_PERSONAL_PLAN Y     N       N      O    O     PersonalPlan (write, edit items, submit)
RECORD_PLAN_APPROVAL Y     Y       N      O    N     PersonalPlan
SEND_PLAN            Y     Y       N      O    O     PersonalPlan
ACKNOWLEDGE_PLAN     Y     N       N      R    R     PlanRecipient (one body's copy)
EVALUATE             Y     Y       Y      N    N     none, the program or the decision: evaluation
CONFIGURE_EVALUATION Y     N       N      N    N     none (or the program): rating thresholds
==================== ===== ======= ====== ==== ===== ============================================

F: a leader of the committee (its standing body, or the leader the office names by giving a
person the leader role) reviews and decides the office's own work: the reports and extension
requests of a body that holds the monitor role (``Scope.offices``). Nobody reviews their own
body's report, so without this the monitoring office's reports would wait forever.

O+: a body also sees the reports (and their evidence) that other bodies make on a task it
leads (``Task.lead``): the lead reads the coordinating bodies' contributions.

Y is within the user's committee (``theodoi.tracking.scope``), for administrators too: the
committee their body belongs to (a province's Tỉnh ủy, a district's Huyện ủy, a People's
Committee), its bodies, and the programs it or they issued with every program below them.

==================== ============================= ===================================
Y reaches            a program of the committee's  the committee's bodies' rows in
                     (or below one)                another committee's program
==================== ============================= ===================================
seeing (VIEW_*)      yes                           yes (a district office follows what
                                                   its bodies owe the province)
office work: review, yes                           no: the program's own office does
decide, designate,
amend, import into,
produce, evaluate,
configure
a body's work (admin yes                           yes
only), plan steps
the program's text   always (every member)         always
the registry         always (administrators manage it for the whole installation)
==================== ============================= ===================================

A program about to be imported is the committee's if one of its bodies issued it, if it
sits below one of its programs, or if its issuer is unknown (it is then the importer's).
A committee that is the registry's only root (a national installation whose provinces
hang under the Central Committee) reaches everything.

Importing includes checking and correcting the parsed draft and creating there the bodies it
names (stored at confirmation). Amending changes a tracked task (lead, bodies, time, text),
adds one or withdraws one, each as a new version of the program.

Personal plans: "own" is the body of the plan's leader (``plan.leader.organization``). O*: a
body also sees the plans sent to it. R: the head and staff of the body a copy was sent to
acknowledge it. The body's head records the approval by its standing committee, party
delegation or key officials' conference (the office may record it too); its staff write the
plan and send it once approved.

Invariants, for every role, administrators included (checked after the table):

- A report speaks for the body of its assignment: nobody creates, edits, submits or signs off
  a report on an occurrence of a group's own row, or one whose body is not the assignment's.
- A body reports (creates, edits, submits, signs off) and asks for an extension only on an
  occurrence that is still open (``Occurrence.Status.OPEN``).
- A report is edited while it is a draft, awaiting its head's sign-off, or returned; once
  submitted only the office acts on it (review), and once confirmed done nobody changes it.
  A confirmed progress report (not done) on an open occurrence is reported again: the body
  edits it, which starts a new round as a draft (the confirmed version stays in its history).
- Submitting starts from a draft or a returned report; signing off needs a report awaiting
  sign-off; review needs a submitted report; a decision needs a pending extension.
- Nobody reviews their own body's report, nor decides their own body's extension, nor
  rates their own body (or its head) in the annual evaluation (EVALUATE asked of the
  ``EvaluationDecision`` about to be recorded).
- A personal plan is written and changed only as a draft; its approval is recorded once it
  is submitted; it is sent once approved; a copy is acknowledged once, by its recipient.

Without an object, the question is about the action in general: for the actions that take
none (reminders, organisations, import, the whole audit log) that is the whole answer; for
the others it says whether the role may ever do it (to show a menu or a button).

Checks on an object read its relations (a report's occurrence, assignment and task): load
them with ``select_related("occurrence__assignment__task")`` when asking about many rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from theodoi.orgs.models import Alias, Organization, OrgGroup, Reorganization
from theodoi.plans.models import EvaluationDecision, PersonalPlan, PlanItem, PlanRecipient
from theodoi.programs.models import Assignment, Occurrence, Program, Task
from theodoi.tracking.models import (
    EvidenceFile,
    Extension,
    ProgressReport,
    ReportState,
    ReportStatus,
    Role,
)
from theodoi.tracking.scope import scope_of

AnyUser = AbstractBaseUser | AnonymousUser


class Action(models.TextChoices):
    """What a user may be allowed to do. The label completes "Bạn không có quyền ..."."""

    VIEW_PROGRAM = "view_program", _("xem chương trình")
    VIEW_TASK = "view_task", _("xem nhiệm vụ")
    VIEW_ASSIGNMENT = "view_assignment", _("xem phân công")
    VIEW_OCCURRENCE = "view_occurrence", _("xem kỳ thực hiện")
    VIEW_REPORT = "view_report", _("xem báo cáo tiến độ")
    VIEW_EVIDENCE_FILE = "view_evidence_file", _("xem tệp minh chứng")
    VIEW_EXTENSION = "view_extension", _("xem đề nghị gia hạn")
    CREATE_REPORT = "create_report", _("lập báo cáo tiến độ")
    EDIT_REPORT = "edit_report", _("sửa báo cáo tiến độ")
    SUBMIT_REPORT = "submit_report", _("gửi báo cáo tiến độ")
    SIGN_OFF_REPORT = "sign_off_report", _("ký duyệt báo cáo tiến độ")
    REVIEW_REPORT = "review_report", _("xác nhận hoặc trả lại báo cáo tiến độ")
    REQUEST_EXTENSION = "request_extension", _("đề nghị gia hạn")
    DECIDE_EXTENSION = "decide_extension", _("quyết định gia hạn")
    SEND_REMINDERS = "send_reminders", _("gửi nhắc việc, đôn đốc")
    URGE = "urge", _("đôn đốc cơ quan, đơn vị")
    MANAGE_ORGANIZATIONS = "manage_organizations", _("quản lý danh mục cơ quan, đơn vị")
    IMPORT_PROGRAM = "import_program", _("nhập chương trình")
    DESIGNATE_LEAD = "designate_lead", _("chỉ định cơ quan chủ trì")
    AMEND_PROGRAM = "amend_program", _("sửa nhiệm vụ của chương trình")
    VIEW_AUDIT = "view_audit", _("xem lịch sử thay đổi")
    PRODUCE_REPORT = "produce_report", _("lập báo cáo định kỳ, thống kê")
    VIEW_PERSONAL_PLAN = "view_personal_plan", _("xem kế hoạch hành động cá nhân")
    MANAGE_PERSONAL_PLAN = "manage_personal_plan", _("lập, sửa kế hoạch hành động cá nhân")
    RECORD_PLAN_APPROVAL = (
        "record_plan_approval",
        _("ghi nhận thông qua kế hoạch hành động cá nhân"),
    )
    SEND_PLAN = "send_plan", _("gửi kế hoạch hành động cá nhân")
    ACKNOWLEDGE_PLAN = "acknowledge_plan", _("xác nhận đã nhận kế hoạch hành động cá nhân")
    EVALUATE = "evaluate", _("đánh giá, xếp loại hằng năm")
    CONFIGURE_EVALUATION = "configure_evaluation", _("đặt thang đánh giá, xếp loại")


A = Action

SEEING = frozenset(
    {
        A.VIEW_PROGRAM,
        A.VIEW_TASK,
        A.VIEW_ASSIGNMENT,
        A.VIEW_OCCURRENCE,
        A.VIEW_REPORT,
        A.VIEW_EVIDENCE_FILE,
        A.VIEW_EXTENSION,
        A.VIEW_AUDIT,
    }
)
BODY_WORK = frozenset({A.CREATE_REPORT, A.EDIT_REPORT, A.SUBMIT_REPORT, A.REQUEST_EXTENSION})
PLAN_WORK = frozenset({A.VIEW_PERSONAL_PLAN, A.MANAGE_PERSONAL_PLAN, A.SEND_PLAN,
                       A.ACKNOWLEDGE_PLAN})  # fmt: skip
OFFICE_WORK = frozenset({A.REVIEW_REPORT, A.DECIDE_EXTENSION, A.SEND_REMINDERS, A.DESIGNATE_LEAD,
                         A.IMPORT_PROGRAM, A.AMEND_PROGRAM, A.URGE})  # fmt: skip

# What a committee's leader does for the office itself (F in the table): nobody else can.
OWN_OFFICE_WORK = frozenset({A.REVIEW_REPORT, A.DECIDE_EXTENSION})

# The table of the module docstring, by role. Head and staff act on their own body's rows.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.MONITOR: SEEING
    | OFFICE_WORK
    | {A.PRODUCE_REPORT, A.VIEW_PERSONAL_PLAN}
    | {A.RECORD_PLAN_APPROVAL, A.SEND_PLAN, A.EVALUATE},
    Role.LEADER: SEEING | OWN_OFFICE_WORK | {A.PRODUCE_REPORT, A.VIEW_PERSONAL_PLAN, A.EVALUATE},
    Role.HEAD: SEEING | BODY_WORK | PLAN_WORK | {A.SIGN_OFF_REPORT, A.RECORD_PLAN_APPROVAL},
    Role.STAFF: SEEING | BODY_WORK | PLAN_WORK,
}
BODY_ROLES = frozenset({Role.HEAD, Role.STAFF})

# The object each action asks about; the actions not listed take none (any object is ignored).
OBJECT_TYPES: dict[Action, tuple[type, ...]] = {
    A.VIEW_PROGRAM: (Program,),
    A.VIEW_TASK: (Task,),
    A.DESIGNATE_LEAD: (Task,),
    A.AMEND_PROGRAM: (Program, Task),
    A.VIEW_ASSIGNMENT: (Assignment,),
    A.VIEW_OCCURRENCE: (Occurrence,),
    A.CREATE_REPORT: (Occurrence, ProgressReport),
    A.REQUEST_EXTENSION: (Occurrence,),
    A.VIEW_REPORT: (ProgressReport,),
    A.EDIT_REPORT: (ProgressReport,),
    A.SUBMIT_REPORT: (ProgressReport,),
    A.SIGN_OFF_REPORT: (ProgressReport,),
    A.REVIEW_REPORT: (ProgressReport,),
    A.VIEW_EXTENSION: (Extension,),
    A.DECIDE_EXTENSION: (Extension,),
    A.URGE: (Organization,),
    A.VIEW_PERSONAL_PLAN: (PersonalPlan,),
    A.MANAGE_PERSONAL_PLAN: (PersonalPlan,),
    A.RECORD_PLAN_APPROVAL: (PersonalPlan,),
    A.SEND_PLAN: (PersonalPlan,),
    A.ACKNOWLEDGE_PLAN: (PlanRecipient,),
    A.EVALUATE: (Program, EvaluationDecision),
    A.CONFIGURE_EVALUATION: (Program,),
}
PLAN_STEPS = frozenset({A.MANAGE_PERSONAL_PLAN, A.RECORD_PLAN_APPROVAL, A.SEND_PLAN})

EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.AWAITING_SIGNOFF, ReportStatus.RETURNED})
SUBMITTABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
REPORT_WORK = frozenset({A.EDIT_REPORT, A.SUBMIT_REPORT, A.SIGN_OFF_REPORT})


@dataclass(frozen=True)
class Actor:
    """Who a user acts as: a role in one body."""

    role: Role
    organization_id: int

    @property
    def sees_everything(self) -> bool:
        return self.role not in BODY_ROLES


def actor_of(user: AnyUser | None) -> Actor | None:
    """The role and body a user acts as; ``None`` for anyone who may do nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    membership = getattr(user, "membership", None)
    if membership is None:
        return None
    try:
        role = Role(membership.role)
    except ValueError:
        return None
    return Actor(role=role, organization_id=membership.organization_id)


# --- The questions ---------------------------------------------------------------------------


def allows(user: AnyUser | None, action: Action, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (on ``obj``)."""
    return refusal(user, action, obj) is None


def role_may(role: Role, action: Action) -> bool:
    """Whether ``role`` may ever do ``action`` (on some object): ``allows`` without an object,
    for a signed-in, active member with that role. What a menu shows."""
    if action not in ROLE_ACTIONS[role]:
        return False
    return role not in BODY_ROLES or _in_scope(Actor(role, 0), action, None)


def check(user: AnyUser | None, action: Action, obj: Any = None) -> None:
    """Raise ``PermissionDenied``, with the Vietnamese reason, unless ``user`` may."""
    reason = refusal(user, action, obj)
    if reason is not None:
        raise PermissionDenied(reason)


def refusal(user: AnyUser | None, action: Action, obj: Any = None) -> str | None:
    """Why ``user`` may not do ``action`` (on ``obj``), in Vietnamese; ``None`` if they may.

    A wrong kind of object (a task where a report is asked about) is a programming error and
    raises ``TypeError``: it would otherwise read as a silent "no".
    """
    action = Action(action)
    _check_type(action, obj)
    if user is None or not user.is_authenticated:
        return gettext("Bạn cần đăng nhập để thực hiện việc này.")
    if not user.is_active:
        return gettext("Tài khoản này đã bị khóa.")
    actor = actor_of(user)
    if actor is None:
        return gettext("Tài khoản này chưa được gán cơ quan và vai trò; xin liên hệ quản trị.")
    if action not in ROLE_ACTIONS[actor.role]:
        return gettext("Bạn không có quyền %(action)s.") % {"action": action.label}
    if not actor.sees_everything and not _in_scope(actor, action, obj):
        return gettext("Bạn chỉ được %(action)s của cơ quan mình.") % {"action": action.label}
    if obj is None:
        return None
    if actor.sees_everything:
        beyond = _beyond_committee(user, action, obj)
        if beyond is not None:
            return beyond
    if actor.role is Role.LEADER and action in OWN_OFFICE_WORK:
        broken = _invariant_broken(actor, action, obj)
        return broken or _not_office_work(user, action, obj)
    return _invariant_broken(actor, action, obj)


def _not_office_work(user: AnyUser, action: Action, obj: Any) -> str | None:
    """A leader reviews and decides only the monitoring office's own work (F)."""
    if isinstance(obj, ProgressReport):
        body = obj.organization_id
    else:
        body = obj.occurrence.assignment.organization_id
    scope = scope_of(user)
    if scope is not None and body in scope.offices():
        return None
    return gettext(
        "Lãnh đạo chỉ %(action)s của chính Văn phòng theo dõi; việc của các cơ quan khác do "
        "Văn phòng xử lý."
    ) % {"action": action.label}


def _check_type(action: Action, obj: Any) -> None:
    if obj is None:
        return
    if action is A.VIEW_EVIDENCE_FILE:
        _report_of(obj)
        return
    expected = OBJECT_TYPES.get(action)
    if expected is not None and not isinstance(obj, expected):
        names = " or ".join(t.__name__ for t in expected)
        raise TypeError(f"{action.name} expects {names}, not {type(obj).__name__}")


def _report_of(obj: Any) -> ProgressReport:
    """An evidence file's report: the report itself, or the ``report`` of an evidence row."""
    report = obj if isinstance(obj, ProgressReport) else getattr(obj, "report", None)
    if not isinstance(report, ProgressReport):
        raise TypeError(f"VIEW_EVIDENCE_FILE asks about a report's file, not {type(obj).__name__}")
    return report


# --- Scope: what a body's head and staff may touch ---------------------------------------------


def _in_scope(actor: Actor, action: Action, obj: Any) -> bool:
    """For head and staff: whether ``obj`` is their body's to see or to work on. Without an
    object, whether the role may ever do it, except the whole audit log, which is not theirs."""
    org = actor.organization_id
    if obj is None:
        return action is not A.VIEW_AUDIT
    if action in (A.VIEW_PROGRAM, A.VIEW_TASK):
        return True
    if action is A.VIEW_ASSIGNMENT:
        return obj.organization_id == org
    if action is A.CREATE_REPORT and isinstance(obj, ProgressReport):
        return obj.organization_id == org
    if action in (A.VIEW_OCCURRENCE, A.CREATE_REPORT, A.REQUEST_EXTENSION):
        return obj.assignment.organization_id == org
    if action is A.VIEW_REPORT:
        return _sees_report(actor, obj)
    if action is A.VIEW_EVIDENCE_FILE:
        return _sees_report(actor, _report_of(obj))
    if action in REPORT_WORK:
        return obj.organization_id == org
    if action is A.VIEW_EXTENSION:
        return obj.occurrence.assignment.organization_id == org
    if action is A.VIEW_AUDIT:
        return _sees_object(actor, obj)
    if action is A.VIEW_PERSONAL_PLAN:
        return _sees_plan(actor, obj)
    if action in PLAN_STEPS:
        return obj.leader.organization_id == org
    if action is A.ACKNOWLEDGE_PLAN:
        return obj.organization_id == org
    return False


def _sees_plan(actor: Actor, plan: PersonalPlan) -> bool:
    """A body's own leaders' plans, and the plans sent to it."""
    if plan.leader.organization_id == actor.organization_id:
        return True
    return (
        plan.pk is not None
        and plan.recipients.filter(organization_id=actor.organization_id).exists()
    )


def _sees_report(actor: Actor, report: ProgressReport) -> bool:
    """A body's own reports, those on its own assignments, and any on a task it leads."""
    assignment = report.occurrence.assignment
    return actor.organization_id in (
        report.organization_id,
        assignment.organization_id,
        assignment.task.lead_id,
    )


def _sees_object(actor: Actor, obj: Any) -> bool:
    """For head and staff: whether they may see ``obj``, and so its history."""
    if isinstance(obj, ProgressReport):
        return _sees_report(actor, obj)
    if isinstance(obj, Assignment):
        return _in_scope(actor, A.VIEW_ASSIGNMENT, obj)
    if isinstance(obj, Occurrence):
        return _in_scope(actor, A.VIEW_OCCURRENCE, obj)
    if isinstance(obj, Extension):
        return _in_scope(actor, A.VIEW_EXTENSION, obj)
    if isinstance(obj, EvidenceFile):
        return _sees_report(actor, obj.report)
    if isinstance(obj, PersonalPlan):
        return _sees_plan(actor, obj)
    if isinstance(obj, PlanItem | PlanRecipient):
        return _sees_plan(actor, obj.plan)
    # The program's text and the registry of bodies are open to every member.
    return isinstance(obj, Program | Task | Organization | OrgGroup | Alias | Reorganization)


# --- Committee: how far the office, leaders and administrators reach ---------------------------

# What a role may also do on its committee's own bodies' rows in another committee's program.
_BY_BODY = SEEING | BODY_WORK | PLAN_STEPS | {A.VIEW_PERSONAL_PLAN, A.SIGN_OFF_REPORT,
                                              A.ACKNOWLEDGE_PLAN}  # fmt: skip


def _belongs(obj: Any) -> tuple[int | None, tuple[int | None, ...]] | None:
    """The program a row is part of and the bodies it is about; ``None`` for what is open
    to every member (the registry of bodies)."""
    if isinstance(obj, Program):
        return obj.pk, ()
    if isinstance(obj, Task):
        return obj.program_id, ()
    if isinstance(obj, Assignment):
        return obj.task.program_id, (obj.organization_id,)
    if isinstance(obj, Occurrence | Extension):
        assignment = (obj.occurrence if isinstance(obj, Extension) else obj).assignment
        if assignment.task_id is None:  # an unsaved probe standing for all of a body's work
            return None, (assignment.organization_id,)
        return assignment.task.program_id, (assignment.organization_id,)
    if isinstance(obj, ProgressReport):
        assignment = obj.occurrence.assignment
        return assignment.task.program_id, (obj.organization_id, assignment.organization_id)
    if isinstance(obj, EvidenceFile):
        return _belongs(obj.report)
    if isinstance(obj, PersonalPlan):
        return obj.under_id, (obj.leader.organization_id,)
    if isinstance(obj, PlanItem):
        return _belongs(obj.plan)
    if isinstance(obj, PlanRecipient):
        program, bodies = _belongs(obj.plan)
        return program, (*bodies, obj.organization_id)
    if isinstance(obj, EvaluationDecision):
        return obj.program_id, (_rated_body(obj),)
    return None


def _urge_beyond(user: AnyUser, body: Organization) -> str | None:
    """The office urges the bodies below its own committee only."""
    scope = scope_of(user)
    if scope is not None and scope.has_body(body.pk):
        return None
    return gettext(
        "Bạn chỉ được đôn đốc các cơ quan, đơn vị thuộc %(committee)s và cấp dưới; "
        "%(body)s thuộc cấp khác theo dõi."
    ) % {"committee": (scope.committee_name() if scope else "") or "cấp của mình",
         "body": body.name}  # fmt: skip


def _beyond_committee(user: AnyUser, action: Action, obj: Any) -> str | None:
    """Why an office, a leader or an administrator may not act on ``obj``: it is another
    committee's (see ``theodoi.tracking.scope``). The program's text is open to everyone."""
    if action in (A.VIEW_PROGRAM, A.VIEW_TASK):
        return None
    if action is A.URGE:
        return _urge_beyond(user, obj)
    belongs = _belongs(obj)
    if belongs is None:
        return None
    scope = scope_of(user)
    program, bodies = belongs
    if scope is None or scope.has_program(program):
        return None
    if isinstance(obj, Program) and obj.pk is None and _new_within(obj, scope):
        return None
    if action in _BY_BODY and any(scope.has_body(b) for b in bodies if b is not None):
        return None
    if _sent_within(action, obj, scope) or _works_within(program, bodies, scope):
        return None
    return gettext(
        "Bạn chỉ được %(action)s trong các chương trình của %(committee)s và cấp dưới; "
        "việc này thuộc cấp khác theo dõi."
    ) % {"action": action.label, "committee": scope.committee_name() or "cấp của mình"}


def _new_within(program: Program, scope) -> bool:
    """A program about to be imported is the committee's when one of its bodies issued it,
    when it sits below one of its programs, or when its issuer is unknown (it is then the
    importer's)."""
    if program.issuer_id is None:
        return program.parent_program_id is None or scope.has_program(program.parent_program_id)
    return scope.has_body(program.issuer_id) or scope.has_program(program.parent_program_id)


def _works_within(program: int | None, bodies: tuple[int | None, ...], scope) -> bool:
    """A body's work as a whole (a probe with no program: its calendar) is the committee's
    to see when the body has work in one of the committee's programs."""
    return program is None and any(b in scope.working_bodies() for b in bodies if b)


def _sent_within(action: Action, obj: Any, scope) -> bool:
    """A personal plan sent to one of the committee's bodies is seen there."""
    return (
        action is A.VIEW_PERSONAL_PLAN
        and isinstance(obj, PersonalPlan)
        and obj.pk is not None
        and obj.recipients.filter(organization_id__in=sorted(scope.bodies)).exists()
    )


def _rated_body(decision: EvaluationDecision) -> int | None:
    if decision.organization_id is not None:
        return decision.organization_id
    return decision.leader.organization_id if decision.leader_id else None


# --- Invariants: what nobody may do, administrators included ---------------------------------


def _invariant_broken(actor: Actor, action: Action, obj: Any) -> str | None:
    if action is A.CREATE_REPORT and isinstance(obj, ProgressReport):
        return _wrong_body(obj) or _not_open(obj.occurrence)
    if action in (A.CREATE_REPORT, A.REQUEST_EXTENSION):
        return _not_open(obj)
    if action in REPORT_WORK:
        return _report_refusal(action, obj)
    if action is A.REVIEW_REPORT:
        if obj.status != ReportStatus.SUBMITTED:
            return gettext("Báo cáo này không ở bước chờ xác nhận.")
        if obj.organization_id == actor.organization_id:
            return gettext(
                "Không ai được xác nhận hoặc trả lại báo cáo của chính cơ quan mình; báo cáo của "
                "Văn phòng do lãnh đạo cấp ủy (vai trò Lãnh đạo) xác nhận."
            )
        return None
    if action is A.DECIDE_EXTENSION:
        if obj.status != Extension.Status.PENDING:
            return gettext("Đề nghị gia hạn này đã được quyết định.")
        if obj.occurrence.assignment.organization_id == actor.organization_id:
            return gettext(
                "Không ai được quyết định gia hạn cho chính cơ quan mình; đề nghị của Văn phòng "
                "do lãnh đạo cấp ủy (vai trò Lãnh đạo) quyết định."
            )
        return None
    if action is A.URGE and obj.pk == actor.organization_id:
        return gettext("Không ai được đôn đốc chính cơ quan mình.")
    if action in PLAN_STEPS:
        return _plan_step_refusal(action, obj)
    if action is A.EVALUATE and isinstance(obj, EvaluationDecision):
        if _rated_body(obj) == actor.organization_id:
            return gettext(
                "Không ai được xếp loại chính cơ quan mình (hoặc người đứng đầu của nó)."
            )
        return None
    if action is A.ACKNOWLEDGE_PLAN and obj.acknowledged_at is not None:
        return gettext("Cơ quan đã xác nhận nhận kế hoạch này rồi.")
    return None


def _plan_step_refusal(action: Action, plan: PersonalPlan) -> str | None:
    """Each step of a personal plan comes after the one before it."""
    status = plan.status
    Status = PersonalPlan.Status
    if action is A.MANAGE_PERSONAL_PLAN and status != Status.DRAFT:
        return gettext("Kế hoạch đã trình thông qua; không sửa được nữa.")
    if action is A.RECORD_PLAN_APPROVAL and status != Status.SUBMITTED:
        if status == Status.DRAFT:
            return gettext("Kế hoạch chưa được trình thông qua.")
        return gettext("Kế hoạch đã được ghi nhận thông qua rồi.")
    if action is A.SEND_PLAN and status != Status.APPROVED:
        if status == Status.SENT:
            return gettext("Kế hoạch đã được gửi rồi.")
        return gettext("Kế hoạch chưa được thông qua; chưa gửi được.")
    return None


def _not_open(occurrence: Occurrence) -> str | None:
    """Why a body may not report on (or ask to extend) an occurrence, if it may not."""
    if occurrence.assignment.organization_id is None:
        return gettext("Kỳ này thuộc một nhóm, không thuộc cơ quan nào; không báo cáo được.")
    if occurrence.status != Occurrence.Status.OPEN:
        return gettext("Kỳ thực hiện này đã hoàn thành hoặc không còn thực hiện.")
    return None


def _wrong_body(report: ProgressReport) -> str | None:
    if report.organization_id != report.occurrence.assignment.organization_id:
        return gettext("Báo cáo này không phải của cơ quan được giao kỳ thực hiện.")
    return None


def _report_refusal(action: Action, report: ProgressReport) -> str | None:
    """Edit, submit, sign off: the report's status, its body and its occurrence."""
    status = report.status
    if status == ReportStatus.CONFIRMED and (
        action is not A.EDIT_REPORT or report.state == ReportState.DONE
    ):
        if report.state != ReportState.DONE:
            return gettext(
                "Tiến độ đã được xác nhận; hãy cập nhật báo cáo (báo cáo lại) rồi mới gửi."
            )
        return gettext("Báo cáo đã được xác nhận; không ai được thay đổi.")
    if status == ReportStatus.SUBMITTED:
        return gettext("Báo cáo đang chờ Văn phòng xác nhận; chỉ Văn phòng xử lý được lúc này.")
    closed = _wrong_body(report) or _not_open(report.occurrence)
    if closed:
        return closed
    if action is A.SUBMIT_REPORT and status not in SUBMITTABLE:
        return gettext("Báo cáo đang chờ thủ trưởng ký duyệt.")
    if action is A.SIGN_OFF_REPORT and status != ReportStatus.AWAITING_SIGNOFF:
        return gettext("Báo cáo không ở bước chờ thủ trưởng ký duyệt.")
    if action is A.EDIT_REPORT and status not in EDITABLE | {ReportStatus.CONFIRMED}:
        return gettext("Báo cáo không ở bước được sửa.")
    return None


# --- What a user may see, as querysets ---------------------------------------------------------


def _visible(
    user: AnyUser | None,
    rows: QuerySet,
    own: Callable[[int], Q],
    *,
    program: str,
    bodies: tuple[str, ...],
    also: Callable[[Any], Q] | None = None,
) -> QuerySet:
    """For a body's head and staff, the ``rows`` that ``own(their body's id)`` selects; for
    the office, leaders and administrators, those of their committee (see ``_BY_BODY``):
    the row's program (at ``program``) is the committee's, or its body (at one of
    ``bodies``) is below the committee; none for anyone else."""
    actor = actor_of(user)
    if actor is None:
        return rows.none()
    if not actor.sees_everything:
        return rows.filter(own(actor.organization_id))
    scope = scope_of(user)
    if scope is None or scope.everything:
        return rows
    reach = scope.programs_q(program)
    for field in bodies:
        reach |= scope.bodies_q(field)
    if also is not None:
        reach |= also(scope)
    return rows.filter(reach)


def visible_assignments(user: AnyUser | None) -> QuerySet[Assignment]:
    """The assignments of the user's committee; a body's own for its head and staff."""
    return _visible(
        user, Assignment.objects.all(), lambda org: Q(organization_id=org),
        program="task__program_id", bodies=("organization_id",),
    )  # fmt: skip


def visible_occurrences(user: AnyUser | None) -> QuerySet[Occurrence]:
    """The occurrences of the assignments the user sees."""
    return _visible(
        user, Occurrence.objects.all(), lambda org: Q(assignment__organization_id=org),
        program="assignment__task__program_id", bodies=("assignment__organization_id",),
    )  # fmt: skip


def visible_reports(user: AnyUser | None) -> QuerySet[ProgressReport]:
    """A body's own reports, and the reports others make on the tasks it leads; the
    committee's for the office, leaders and administrators."""
    return _visible(
        user,
        ProgressReport.objects.all(),
        lambda org: (
            Q(organization_id=org)
            | Q(occurrence__assignment__organization_id=org)
            | Q(occurrence__assignment__task__lead_id=org)
        ),
        program="occurrence__assignment__task__program_id",
        bodies=("organization_id", "occurrence__assignment__organization_id"),
    )


def visible_extensions(user: AnyUser | None) -> QuerySet[Extension]:
    """The extensions asked on the occurrences the user sees."""
    return _visible(
        user, Extension.objects.all(),
        lambda org: Q(occurrence__assignment__organization_id=org),
        program="occurrence__assignment__task__program_id",
        bodies=("occurrence__assignment__organization_id",),
    )  # fmt: skip


def visible_plans(user: AnyUser | None) -> QuerySet[PersonalPlan]:
    """For a body's head and staff, the plans of their body's leaders and those sent to
    their body; the committee's (and those sent to its bodies) for everyone else."""
    return _visible(
        user,
        PersonalPlan.objects.all(),
        lambda org: (
            Q(leader__organization_id=org)
            | Q(pk__in=PlanRecipient.objects.filter(organization_id=org).values("plan"))
        ),
        program="under_id",
        bodies=("leader__organization_id",),
        also=lambda scope: Q(
            pk__in=PlanRecipient.objects.filter(scope.bodies_q("organization_id")).values("plan")
        ),
    )

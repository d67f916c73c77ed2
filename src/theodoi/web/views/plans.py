"""Personal action plans (section II.2) and the annual evaluation (section II.3).

``/plans/?program=``: the plans under a program, with where each stands (drafted, approved
when and by whom, sent to whom, acknowledged by whom), the leaders who have none, and the
form to start one. ``/plans/<pk>/``: one plan, its items (with their status once tracked,
linking to the task pages), and the form of the step it is at. ``/evaluation/``: the year's
evaluation of bodies and leaders, a decision form per row, and its XLSX export.

Views are thin: the services in ``theodoi.plans`` check the policy and the input; their
errors are put next to the field they are about."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from theodoi.orgs.models import Organization
from theodoi.plans import evaluation as rating_rules
from theodoi.plans.export import workbook
from theodoi.plans.models import (
    ApprovalBody,
    Leader,
    PersonalPlan,
    PlanItem,
    PlanRecipient,
    Rating,
    RecipientBasis,
)
from theodoi.plans.plan_report import plan_rows
from theodoi.plans.services import (
    PlanError,
    acknowledge,
    add_item,
    create_plan,
    proposed_approval,
    proposed_recipients,
    record_approval,
    remove_item,
    send_plan,
    submit_plan,
)
from theodoi.programs.models import Occurrence, Program, Task
from theodoi.reporting.periods import last_year
from theodoi.tracking.evidence import XLSX
from theodoi.tracking.policy import Action, allows, check, refusal, visible_plans
from theodoi.tracking.status import statuses

from ..forms import day_field
from .common import actor, current_program, member_required, program_choices

# --- Forms -----------------------------------------------------------------------------------


class PlanForm(forms.Form):
    leader_name = forms.CharField(label=gettext_lazy("Họ và tên người đứng đầu"), max_length=200)
    leader_position = forms.CharField(
        label=gettext_lazy("Chức vụ"),
        max_length=300,
        help_text=gettext_lazy("Ví dụ: Bí thư Huyện ủy, Giám đốc Sở"),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Cơ quan, đơn vị"),
        queryset=Organization.objects.filter(unresolved=False),
        required=False,
    )
    title = forms.CharField(
        label=gettext_lazy("Tên kế hoạch"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Để trống: theodoi đặt tên theo người đứng đầu và chương trình."),
    )


class ItemForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Nội dung"), widget=forms.Textarea(attrs={"rows": 2}))
    start_date = day_field(gettext_lazy("Từ ngày"))
    due_date = day_field(gettext_lazy("Thời hạn"), required=True)
    program_task = forms.ModelChoiceField(
        label=gettext_lazy("Nhiệm vụ chương trình liên quan"), queryset=Task.objects.none(),
        required=False,
    )  # fmt: skip

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["program_task"]
        field.queryset = program.tasks.filter(withdrawn_in__isnull=True).order_by("position")
        field.label_from_instance = lambda t: f"{t.key} — {t.text[:90]}"


class ApprovalForm(forms.Form):
    approval_kind = forms.ChoiceField(
        label=gettext_lazy("Hình thức thông qua"), choices=ApprovalBody.choices
    )
    approval_body = forms.ModelChoiceField(
        label=gettext_lazy("Cơ quan thông qua"),
        queryset=Organization.objects.filter(unresolved=False),
        required=False,
    )
    approved_on = day_field(gettext_lazy("Ngày thông qua"), required=True)
    reference = forms.CharField(
        label=gettext_lazy("Văn bản thông qua"), required=False, max_length=300,
        help_text=gettext_lazy("Ví dụ: Thông báo số 12-TB/HU ngày 15/3/2021"),
    )  # fmt: skip


class SendForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Nơi nhận đề xuất"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Nơi nhận khác"),
        queryset=Organization.objects.filter(unresolved=False),
        required=False,
    )
    sent_on = day_field(gettext_lazy("Ngày gửi"), required=True)

    def __init__(self, *args, proposed: list[tuple[Organization, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.proposed = dict((org.pk, basis) for org, basis in proposed)
        field = self.fields["recipients"]
        field.queryset = Organization.objects.filter(pk__in=list(self.proposed))
        basis_label = dict(RecipientBasis.choices)
        field.label_from_instance = lambda o: f"{o.name} ({basis_label[self.proposed[o.pk]]})"
        if not self.is_bound:
            self.initial["recipients"] = list(self.proposed)

    def chosen(self) -> list[tuple[Organization, str]]:
        data = self.cleaned_data
        chosen = [(o, self.proposed[o.pk]) for o in data.get("recipients") or []]
        chosen += [(o, RecipientBasis.OTHER) for o in data.get("others") or []]
        return chosen


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=500)


class DecisionForm(forms.Form):
    rating = forms.ChoiceField(label=gettext_lazy("Xếp loại"), choices=Rating.choices)
    comment = forms.CharField(
        label=gettext_lazy("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def put_error(form: forms.Form, error: PlanError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


# --- The list --------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    check(user, Action.VIEW_PERSONAL_PLAN)
    program = current_program(request)
    if program is None:
        return render(request, "web/plans.html", {"program": None})
    me = actor(request)
    may_write = allows(user, Action.MANAGE_PERSONAL_PLAN)
    form = None
    if may_write:
        form = PlanForm(request.POST if request.method == "POST" else None)
        if me.sees_everything:
            form.fields["organization"].required = True
        else:
            del form.fields["organization"]
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(refusal(user, Action.MANAGE_PERSONAL_PLAN))
        if form.is_valid():
            data = form.cleaned_data
            body = data.get("organization") or user.membership.organization
            try:
                plan = create_plan(
                    user=user, under=program, organization=body,
                    leader_name=data["leader_name"], leader_position=data["leader_position"],
                    title=data.get("title") or "",
                )  # fmt: skip
            except PlanError as error:
                put_error(form, error)
            else:
                messages.success(request, _("Đã lập kế hoạch; thêm các nội dung rồi trình."))
                return redirect("web:plan", plan.pk)
    shown = set(visible_plans(user).filter(under=program).values_list("pk", flat=True))
    rows = [
        row
        for row in plan_rows(program, as_of=timezone.localdate())
        if (row.plan is not None and row.plan.pk in shown)
        or (row.plan is None and (me.sees_everything
                                  or row.leader.organization_id == me.organization_id))
    ]  # fmt: skip
    return render(
        request,
        "web/plans.html",
        {
            "program": program,
            "programs": program_choices(),
            "rows": rows,
            "form": form,
        },
    )


# --- One plan --------------------------------------------------------------------------------

STEPS = ("plan-item", "remove-item", "submit", "approval", "send", "acknowledge")


@member_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        PersonalPlan.objects.select_related(
            "leader__organization", "under", "parent_task", "approval_body", "program",
            "approval_recorded_by",
        ),
        pk=pk,
    )  # fmt: skip
    user = request.user
    check(user, Action.VIEW_PERSONAL_PLAN, found)
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        step = request.POST.get("step")
        if step not in STEPS:
            raise Http404(_("Không có thao tác này."))
        done, form = _post(request, found, step)
        if done:
            return redirect(reverse("web:plan", args=[found.pk]))
        if form is not None:
            bound[step] = form
        found.refresh_from_db()
    return render(request, "web/plans_plan.html", _plan_context(request, found, bound))


def _post(request: HttpRequest, plan: PersonalPlan, step: str) -> tuple[bool, forms.Form | None]:
    """Do ``step``; (True, None) when done, else (False, the form with its errors)."""
    user = request.user
    form: forms.Form = forms.Form(request.POST)
    try:
        if step == "plan-item":
            form = ItemForm(request.POST, program=plan.under)
            if not form.is_valid():
                return False, form
            add_item(user=user, plan=plan, **form.cleaned_data)
            messages.success(request, _("Đã thêm nội dung."))
        elif step == "remove-item":
            item = get_object_or_404(PlanItem, pk=request.POST.get("item") or 0, plan=plan)
            remove_item(user=user, item=item)
            messages.success(request, _("Đã bỏ nội dung."))
        elif step == "submit":
            submit_plan(user=user, plan=plan)
            messages.success(request, _("Đã trình thông qua kế hoạch."))
        elif step == "approval":
            form = ApprovalForm(request.POST)
            if not form.is_valid():
                return False, form
            data = form.cleaned_data
            record_approval(
                user=user, plan=plan, approval_kind=data["approval_kind"],
                approved_on=data["approved_on"], approval_body=data.get("approval_body"),
                reference=data.get("reference") or "",
            )  # fmt: skip
            messages.success(request, _("Đã ghi nhận kế hoạch được thông qua."))
        elif step == "send":
            form = SendForm(request.POST, proposed=proposed_recipients(plan.leader.organization))
            if not form.is_valid():
                return False, form
            send_plan(user=user, plan=plan, recipients=form.chosen(),
                      sent_on=form.cleaned_data["sent_on"])  # fmt: skip
            messages.success(request, _("Đã ghi nhận gửi kế hoạch."))
        else:  # acknowledge
            form = AcknowledgeForm(request.POST)
            copy = get_object_or_404(
                PlanRecipient, pk=request.POST.get("recipient") or 0, plan=plan
            )
            if not form.is_valid():
                return False, form
            acknowledge(user=user, recipient=copy, note=form.cleaned_data.get("note") or "")
            messages.success(
                request, _("%(body)s đã xác nhận nhận kế hoạch.") % {"body": copy.organization}
            )
    except PlanError as error:
        put_error(form, error)
        return False, form
    return True, None


def _plan_context(request: HttpRequest, plan: PersonalPlan, bound: dict) -> dict:
    user = request.user
    today = timezone.localdate()
    items = list(plan.items.select_related("task", "program_task"))
    by_task = {}
    if plan.program_id:
        occurrences = Occurrence.objects.filter(assignment__task__program_id=plan.program_id)
        found = statuses(occurrences, as_of=today)
        for occurrence in occurrences.select_related("assignment"):
            by_task[occurrence.assignment.task_id] = found[occurrence.pk]
    rows = [(item, by_task.get(item.task_id)) for item in items]
    body = plan.leader.organization
    kind, approving = proposed_approval(body)
    context = {
        "plan": plan,
        "rows": rows,
        "today": today,
        "copies": list(
            plan.recipients.select_related("organization", "sent_by", "acknowledged_by")
        ),
        "may_manage": allows(user, Action.MANAGE_PERSONAL_PLAN, plan),
        "may_approve": allows(user, Action.RECORD_PLAN_APPROVAL, plan),
        "may_send": allows(user, Action.SEND_PLAN, plan),
    }
    if context["may_manage"]:
        context["item_form"] = bound.get("plan-item") or ItemForm(program=plan.under)
    if context["may_approve"]:
        context["approval_form"] = bound.get("approval") or ApprovalForm(
            initial={"approval_kind": kind, "approval_body": approving}
        )
    if context["may_send"]:
        context["send_form"] = bound.get("send") or SendForm(
            proposed=proposed_recipients(body), initial={"sent_on": today}
        )
    context["ack_rows"] = [
        (copy, allows(user, Action.ACKNOWLEDGE_PLAN, copy)) for copy in context["copies"]
    ]
    context["ack_form"] = bound.get("acknowledge") or AcknowledgeForm()
    context["errors"] = {step: form for step, form in bound.items()}
    return context


# --- The annual evaluation ---------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def evaluation(request: HttpRequest) -> HttpResponse:
    user = request.user
    check(user, Action.EVALUATE)
    program = current_program(request)
    today = timezone.localdate()
    raw = (request.GET.get("year") or "").strip()
    year_error = None
    # The last year that has ended (never a 31/12 still to come), and for a finished program
    # the year of its end: what the office evaluates (theodoi.reporting.periods).
    year = last_year(program, today) if program is not None else today.year - 1
    if raw:
        if raw.isdigit() and 1900 <= int(raw) <= 2200:
            year = int(raw)
        else:
            year_error = _("“%(value)s” không phải là năm (ví dụ 2021).") % {"value": raw}
    if program is None:
        return render(request, "web/plans_evaluation.html", {"program": None})
    check(user, Action.EVALUATE, program)
    failed: tuple[str, int, forms.Form] | None = None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        kind, pk = request.POST.get("kind"), request.POST.get("pk") or ""
        if kind not in ("body", "leader") or not pk.isdigit():
            raise Http404(_("Không có mục này."))
        subject = {
            "organization": get_object_or_404(Organization, pk=int(pk)) if kind == "body" else None,
            "leader": get_object_or_404(Leader, pk=int(pk)) if kind == "leader" else None,
        }
        if form.is_valid():
            try:
                rating_rules.record_decision(
                    user=user, program=program, year=year, rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data.get("comment") or "", **subject,
                )  # fmt: skip
            except rating_rules.EvaluationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Đã ghi nhận xếp loại."))
                return redirect(f"{reverse('web:evaluation')}?program={program.pk}&year={year}")
        failed = (kind, int(pk), form)
    result = rating_rules.evaluate(program, year)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            workbook(result),
            content_type=XLSX,
        )
        response["Content-Disposition"] = f'attachment; filename="danh-gia-{year}.xlsx"'
        return response
    return render(
        request,
        "web/plans_evaluation.html",
        {
            "program": program,
            "programs": program_choices(),
            "year": year,
            "year_error": year_error,
            "result": result,
            "levels": [(Rating(r).label, d, t) for r, d, t in result.scale.levels()],
            "bodies": [_with_form(r, "body", r.organization.pk, failed) for r in result.bodies],
            "leaders": [_with_form(r, "leader", r.leader.pk, failed) for r in result.leaders],
        },
    )


def _with_form(row, kind: str, pk: int, failed) -> dict:
    if failed is not None and failed[:2] == (kind, pk):
        form = failed[2]
    else:
        current = row.decision.rating if row.decision else row.suggestion
        form = DecisionForm(initial={"rating": current})
    return {"row": row, "kind": kind, "pk": pk, "form": form}

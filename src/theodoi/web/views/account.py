"""Signing in (password, then the code of an authenticator when the person has one) and the
two-factor page. The rules are in ``theodoi.web.twofactor``; these pages only ask and show."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import twofactor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã xác thực (6 chữ số)"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class LoginForm(AuthenticationForm):
    """Django's sign-in form, with the length of a user name checked before anything looks
    for it: Django only tells the browser (``maxlength``), and a longer name would reach
    django-axes' record of failed sign-ins, whose column PostgreSQL keeps to 255 characters."""

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        longest = self.fields["username"].max_length or 150
        if len(username) > longest:
            raise forms.ValidationError(
                _("Tên đăng nhập dài tối đa %(longest)s ký tự.") % {"longest": longest}
            )
        return username


class LoginView(auth_views.LoginView):
    """Django's LoginView (``authenticate`` with the request, so django-axes counts failures
    and locks out), with a second step for those who have an authenticator."""

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not twofactor.satisfied(user):
            return _to(_code_or_enrol(user), request.GET.get(REDIRECT_FIELD_NAME))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if twofactor.confirmed_device(user) is None:
            twofactor.forget_second_step(self.request)
            return super().form_valid(form)
        twofactor.begin_second_step(self.request, user)
        return _to("web:login_code", self.get_redirect_url())


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the 6-digit code, after the password (or for a session that began
    before its user enrolled, when a page needs it verified)."""
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    signed_in = request.user.is_authenticated
    if signed_in:
        if twofactor.satisfied(request.user):
            return HttpResponseRedirect(twofactor.safe_next(request, next_url))
        if twofactor.confirmed_device(request.user) is None:
            return _to("web:two_factor", next_url)
        pending = None
    else:
        pending = twofactor.pending_user(request)
        if pending is None:
            messages.info(request, _("Phiên đăng nhập đã hết hạn; hãy nhập lại mật khẩu."))
            return _to("web:login", next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if pending is None:
                twofactor.verify_session(request, code)
            else:
                twofactor.verify_login(request, pending, code)
        except twofactor.TwoFactorError as error:
            if pending is not None and twofactor.pending_user(request) is None:
                messages.error(request, str(error))
                return _to("web:login", next_url)
            form.add_error("code", str(error))
        else:
            return HttpResponseRedirect(twofactor.safe_next(request, next_url))
    return render(
        request,
        "web/login_code.html",
        {
            "form": form,
            "next": next_url or "",
            "username": (pending.user if pending else request.user).get_username(),
        },
    )


@login_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-factor on (scan, then confirm with a first code) or off (with a current
    code)."""
    user = request.user
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    device = twofactor.confirmed_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if request.POST.get("action") == "disable":
                twofactor.disable(request, code)
                messages.success(request, _("Đã tắt xác thực hai bước."))
            else:
                twofactor.confirm_enrolment(request, code)
                messages.success(
                    request,
                    _("Đã bật xác thực hai bước: từ lần đăng nhập sau, hãy nhập mã từ ứng dụng."),
                )
                if next_url:
                    return HttpResponseRedirect(twofactor.safe_next(request, next_url))
        except twofactor.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            return redirect("web:two_factor")
    context = {
        "form": form,
        "device": device,
        "required": twofactor.required_for(user),
        "next": next_url or "",
    }
    if device is None:
        enrolling = twofactor.enrolment_device(user)
        context.update(qr=twofactor.qr_svg(enrolling), secret=twofactor.secret_text(enrolling))
    elif not twofactor.satisfied(user):
        return _to("web:login_code", request.get_full_path())
    return render(request, "web/two_factor.html", context)


def _code_or_enrol(user) -> str:
    return "web:login_code" if twofactor.confirmed_device(user) else "web:two_factor"


def _to(name: str, next_url: str | None) -> HttpResponseRedirect:
    url = reverse(name)
    if next_url:
        url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
    return HttpResponseRedirect(url)

"""The admin site with two-factor: a user who has an authenticator (or whose role must have
one) enters the admin only from a session verified with a code.

Chosen over django-otp's ``OTPAdminSite``, which requires a device of every staff user even
where two-factor is optional. The admin has no sign-in form of its own: its login address
sends people to the site's (password, then code), so nothing signs in around the second step.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import twofactor


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and twofactor.satisfied(request.user)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """The site's sign-in (or its code step) instead of the admin's own form."""
        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            target = "web:login"
        elif not twofactor.satisfied(user):
            target = "web:login_code" if twofactor.confirmed_device(user) else "web:two_factor"
        else:
            raise PermissionDenied(_("Tài khoản này không được vào trang quản trị."))
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': next_url})}")

"""Every address that changes something refuses a POST without the CSRF token: 403, nothing
changed. The addresses are every URL pattern of ``theodoi.web.urls`` and
``theodoi.tracking.urls`` (ids filled in with real rows), plus the language switch, the
admin's forms and the htmx requests of the work list and the review queue; for the login
form, a client that is not signed in. (A view that takes no POST at all answers 405.) Each refused POST is then sent again with the token,
to show the refusal was the token's (the same request with it goes through)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from theodoi.orgs.models import Alias, Organization
from theodoi.plans.models import EvaluationDecision, PersonalPlan, PlanItem
from theodoi.programs.models import Program
from theodoi.tracking.models import Extension, Notification, ProgressReport

from .conftest import PASSWORD

# Staff send straight to the office here: what is tested is not the sign-off.
pytestmark = pytest.mark.usefixtures("straight_to_the_office")

HTMX = {"HTTP_HX_REQUEST": "true"}
MODELS = (ProgressReport, Extension, PersonalPlan, PlanItem, EvaluationDecision, Program,
          Alias, Organization, Notification)  # fmt: skip


def snapshot() -> dict:
    """What a POST could change: every row of the models people write, as values."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def patterns(resolver, prefix: str = "") -> list[tuple[str, str]]:
    """(route, view name) of every pattern, nested includes joined."""
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue  # the admin and the API have their own tests below and elsewhere
            found += patterns(entry, route)
        elif isinstance(entry, URLPattern):
            found.append((route, entry.name or ""))
    return found


def filled(route: str, world) -> str:
    """The route with each parameter given a real value."""
    values = {
        "pk": str(world.ours.assignment.task_id),
        "code": "qn.btctu",
        "token": "0" * 32,
    }
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m[1], "1"), route)
    return "/" + path


def refused(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def csrf_token(client, url: str = "/work/") -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_every_address_refuses_a_post_without_the_token(world):
    routes = patterns(get_resolver())
    names = {name for _route, name in routes}
    assert {"my_work", "review", "plan", "login", "logout", "notifications"} <= names, names
    client = world.login("staff", enforce_csrf_checks=True)
    before = snapshot()
    body = {"form": "report", "occurrence": world.ours.pk, "state": "done", "step": "submit"}
    for route, _name in routes:
        url = filled(route, world)
        for extra in ({}, HTMX):
            response = client.post(url, body, **extra)
            # 405: a view that takes no POST at all (the calendar feeds, exempt from CSRF
            # because calendar programs fetch them with GET).
            assert refused(response) or response.status_code == 405, (url, extra, response)
    assert snapshot() == before


def test_the_forms_that_change_things(world):
    """The real forms, each POSTed without its token (refused, nothing changed), then with it
    (it changes what it should): so the refusals above are the token's, not the form's."""
    staff = world.login("staff", enforce_csrf_checks=True)
    monitor = world.login("monitor", enforce_csrf_checks=True)
    report = {"form": "report", "occurrence": world.ours.pk, "state": "in_progress",
              "percent": "10", "narrative": "Đang làm.", "version": "", "action": "send"}  # fmt: skip
    before = snapshot()
    assert refused(staff.post("/work/", report))
    assert refused(staff.post("/work/", report, **HTMX))
    assert snapshot() == before
    token = csrf_token(staff)
    response = staff.post("/work/", report, HTTP_X_CSRFTOKEN=token, **HTMX)  # as htmx sends it
    assert response.status_code == 200
    sent = ProgressReport.objects.get(occurrence=world.ours)

    review = {"kind": "report", "pk": sent.pk, "version": sent.version, "decision": "accept"}
    before = snapshot()
    assert refused(monitor.post("/review/", review))
    assert refused(monitor.post("/review/", review, **HTMX))
    assert snapshot() == before
    review["csrfmiddlewaretoken"] = csrf_token(monitor, "/review/")
    assert monitor.post("/review/", review).status_code == 302
    sent.refresh_from_db()
    assert sent.status == "confirmed"

    plan = {"leader_name": "Nguyễn Văn A", "leader_position": "Trưởng ban"}
    url = f"/plans/?program={world.program.pk}"
    assert refused(staff.post(url, plan))
    assert not PersonalPlan.objects.exists()
    plan["csrfmiddlewaretoken"] = csrf_token(staff, url)
    assert staff.post(url, plan).status_code == 302
    assert PersonalPlan.objects.count() == 1

    before = Notification.objects.filter(read_at__isnull=True).count()
    assert refused(staff.post("/notifications/"))
    assert Notification.objects.filter(read_at__isnull=True).count() == before


def test_login_logout_and_language_need_the_token(world):
    visitor = Client(enforce_csrf_checks=True)
    credentials = {"username": "staff", "password": PASSWORD}
    response = visitor.post(reverse("web:login"), credentials)
    assert refused(response)
    assert SESSION_KEY not in visitor.session
    credentials["csrfmiddlewaretoken"] = csrf_token(visitor, reverse("web:login"))
    response = visitor.post(reverse("web:login"), credentials)
    assert response.status_code == 302 and SESSION_KEY in visitor.session

    staff = world.login("staff", enforce_csrf_checks=True)
    assert refused(staff.post(reverse("web:logout")))
    assert staff.get("/work/").status_code == 200  # still signed in
    assert refused(staff.post("/i18n/setlang/", {"language": "en", "next": "/work/"}))
    assert "django_language" not in staff.cookies
    page = staff.get("/work/")
    assert page.status_code == 200 and 'lang="vi"' in page.content.decode()


def test_the_admin_needs_the_token(world):
    admin = world.login("admin", enforce_csrf_checks=True)
    btctu = Organization.objects.get(code="qn.btctu")
    alias = {"name": "Ban Tổ chức (tên cũ)", "organization": btctu.pk, "group": ""}
    assert refused(admin.post("/admin/orgs/alias/add/", alias))
    assert not Alias.objects.filter(name=alias["name"]).exists()
    alias["csrfmiddlewaretoken"] = csrf_token(admin, "/admin/orgs/alias/add/")
    assert admin.post("/admin/orgs/alias/add/", alias).status_code == 302
    assert Alias.objects.filter(name=alias["name"]).exists()
    name = btctu.name
    assert refused(admin.post(f"/admin/orgs/organization/{btctu.pk}/delete/", {"post": "yes"}))
    assert Organization.objects.get(pk=btctu.pk).name == name

"""The permission matrix through the API's read endpoints: for each role of the ``users``
fixture, the API answers the same yes or no as the policy (``allows`` for one object, the
``visible_*`` querysets for lists); another body's rows are refused, never shown; a caller
without a live token is 401."""

from __future__ import annotations

from django.test import Client

from theodoi.api.models import ApiToken
from theodoi.programs.models import Assignment, Occurrence, Task
from theodoi.tracking.policy import Action, allows, visible_assignments, visible_occurrences

ROLES = ("admin", "monitor", "leader", "head", "staff", "outsider")


def all_ids(api, path: str, params: dict) -> set[int]:
    ids, page = set(), 1
    while True:
        body = api.get(path, {**params, "page": page, "page_size": 200}).json()
        ids |= {item["id"] for item in body["items"]}
        if not body["items"] or len(ids) >= body["count"]:
            return ids
        page += 1


def sample(rows, codes=("qn.btctu", "qn.btgtu", "qn.vptu")) -> list:
    """A few rows of each of three bodies, and a group's own row where there is one."""
    found = []
    for code in codes:
        found += list(rows.filter(**{f"{_body(rows)}__code": code})[:3])
    return found


def _body(rows) -> str:
    return "organization" if rows.model is Assignment else "assignment__organization"


def test_one_object_by_id_is_answered_as_the_policy_says(api_as, users, example):
    assignments = sample(Assignment.objects.all())
    group_rows = list(Assignment.objects.filter(organization__isnull=True)[:2])
    occurrences = sample(Occurrence.objects.select_related("assignment"))
    task = Task.objects.first()
    for role in ROLES:
        api, user = api_as(role), users[role]
        for a in assignments + group_rows:
            response = api.get(f"/api/assignments/{a.pk}")
            expected = 200 if allows(user, Action.VIEW_ASSIGNMENT, a) else 403
            assert response.status_code == expected, (role, a.pk)
            if expected == 403:
                assert "cơ quan mình" in response.json()["detail"]
        for o in occurrences:
            response = api.get(f"/api/occurrences/{o.pk}")
            expected = 200 if allows(user, Action.VIEW_OCCURRENCE, o) else 403
            assert response.status_code == expected, (role, o.pk)
        assert api.get(f"/api/tasks/{task.pk}").status_code == 200  # the program is open
        assert api.get(f"/api/programs/{example.pk}").status_code == 200
    # The matrix has both answers: a body's staff are refused another body's rows.
    outsider = users["outsider"]
    assert any(not allows(outsider, Action.VIEW_ASSIGNMENT, a) for a in assignments)
    assert any(allows(outsider, Action.VIEW_ASSIGNMENT, a) for a in assignments)


def test_lists_hold_what_the_policy_lets_each_role_see(api_as, users, example):
    for role in ROLES:
        api, user = api_as(role), users[role]
        for code in ("qn.btctu", "qn.btgtu"):
            listed = all_ids(api, "/api/assignments", {"organization": code})
            expected = set(
                visible_assignments(user)
                .filter(organization__code=code)
                .values_list("pk", flat=True)
            )
            assert listed == expected, (role, code)
            listed = all_ids(api, "/api/occurrences", {"organization": code})
            expected = set(
                visible_occurrences(user)
                .filter(assignment__organization__code=code)
                .values_list("pk", flat=True)
            )
            assert listed == expected, (role, code)
    # Head and staff see their own body's rows and nothing of another body's.
    assert all_ids(api_as("staff"), "/api/assignments", {"organization": "qn.btctu"})
    assert not all_ids(api_as("staff"), "/api/occurrences", {"organization": "qn.btgtu"})
    task = Task.objects.filter(assignments__organization__code="qn.btgtu").first()
    shown = api_as("staff").get(f"/api/tasks/{task.pk}").json()["assignments"]
    assert all(a["organization"]["code"] == "qn.btctu" for a in shown)


def test_no_token_a_revoked_token_and_no_body_are_refused(users, secrets_for, example):
    paths = [
        "/api/programs",
        f"/api/programs/{example.pk}",
        f"/api/programs/{example.pk}/sections",
        "/api/tasks",
        f"/api/tasks/{Task.objects.first().pk}",
        "/api/assignments",
        "/api/occurrences",
        "/api/organizations",
        "/api/organizations/qn.btctu",
        "/api/tokens",
    ]
    for path in paths:
        assert Client().get(path).status_code == 401, path
    ApiToken.objects.filter(user=users["staff"]).update(revoked_at="2026-01-01T00:00:00Z")
    for path in paths:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {secrets_for['staff']}")
        assert response.status_code == 401, path
    # A signed-in account without a body and role may read nothing.
    users["leader"].membership.delete()
    client = Client()
    client.force_login(users["leader"])
    for path in paths[:-1]:
        assert client.get(path).status_code == 403, path

"""The same hostile input through the REST API (/api/), with real tokens (``create_token``):

- script and SQL-looking text in a report and an extension: stored and answered verbatim as
  JSON (never HTML), shown escaped on the web; SQL-looking strings as every filter of the
  list endpoints: an answer, never an error, no row changed;
- CSRF: the web's session may call the API but not change anything without the CSRF token;
  a bearer token (not sent by browsers on their own) needs none;
- another body's token: 403/404 for Ban Tổ chức's report, its files, its occurrence, its
  extension, and a changed nothing; list endpoints leave them out;
- a JSON body over the size limit: 400, nothing stored.
"""

from __future__ import annotations

import json

from django.conf import settings

from theodoi.api.tokens import create_token
from theodoi.programs.models import Task
from theodoi.tracking.models import Extension, ProgressReport

from .hostile import SQL, inert, shown, xss

JSON = "application/json"


def bearer(world, username: str) -> dict:
    user = world.users[username]
    _token, secret = create_token(user, f"kiểm thử {username}", by=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url: str, data: dict, **extra):
    return client.post(url, json.dumps(data), content_type=JSON, **extra)


def test_script_and_sql_are_text_in_the_api(world):
    client = world.login("staff")  # the session is the web's; the token says who
    auth = bearer(world, "staff")
    text = xss("api") + " " + " ".join(SQL)
    response = post(client, "/api/progress-reports", {
        "occurrence": world.ours.pk, "state": "in_progress", "percent": 10, "narrative": text,
        "document_signer": SQL[0],
    }, **auth)  # fmt: skip
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith(JSON)
    body = response.json()
    assert body["narrative"] == text
    report = ProgressReport.objects.get(pk=body["id"])
    assert report.narrative == text and report.document_signer == SQL[0]
    response = client.get(f"/api/progress-reports/{report.pk}", **auth)
    assert response.json()["narrative"] == text
    response = post(
        client,
        "/api/extensions",
        {"occurrence": world.ours2.pk, "new_due": "2030-12-31", "reason": text},
        **auth,
    )
    assert response.status_code == 201, response.content
    assert Extension.objects.get().reason == text
    page = client.get(f"/tasks/{world.ours.assignment.task_id}/").content.decode()
    assert inert(page) == [] and xss("api") in shown(page)

    tasks = Task.objects.count()
    for value in SQL:
        for url, names in {
            "/api/tasks": ("q", "organization", "role", "program", "section", "time_kind"),
            "/api/occurrences": ("q", "organization", "status", "as_of", "due_from", "program"),
            "/api/organizations": ("q", "kind", "level"),
            "/api/progress-reports": ("status", "occurrence"),
        }.items():
            for name in names:
                response = client.get(url, {name: value}, **auth)
                assert response.status_code in (200, 404, 422), (url, name, value, response)
                assert response["Content-Type"].startswith(JSON)
        response = client.get("/api/organizations/" + value.replace("/", "%2F"), **auth)
        assert response.status_code in (404, 422), value
    assert Task.objects.count() == tasks
    assert ProgressReport.objects.get().narrative == text


def test_csrf_for_the_session_not_for_tokens(world):
    staff = world.login("staff", enforce_csrf_checks=True)
    data = {"occurrence": world.ours.pk, "state": "in_progress", "narrative": "Đang làm."}
    response = post(staff, "/api/progress-reports", data)
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()
    response = post(staff, "/api/progress-reports", data, **bearer(world, "staff"))
    assert response.status_code == 201
    report = ProgressReport.objects.get()
    response = staff.patch(f"/api/progress-reports/{report.pk}",
                           json.dumps({"version": report.version, "narrative": "Đổi."}),
                           content_type=JSON)  # fmt: skip
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.narrative == "Đang làm."
    staff.get("/work/")
    token = staff.cookies["csrftoken"].value
    response = staff.patch(f"/api/progress-reports/{report.pk}",
                           json.dumps({"version": report.version, "narrative": "Đổi."}),
                           content_type=JSON, HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.narrative == "Đổi."


def test_another_bodys_token(world):
    staff, outsider = world.login("staff"), world.login("outsider")
    mine, theirs = bearer(world, "staff"), bearer(world, "outsider")
    secret = "Nội dung nội bộ số 5521"
    response = post(
        staff,
        "/api/progress-reports",
        {"occurrence": world.ours.pk, "state": "in_progress", "narrative": secret},
        **mine,
    )
    report_id = response.json()["id"]
    response = post(
        staff,
        "/api/extensions",
        {"occurrence": world.ours2.pk, "new_due": "2030-12-31", "reason": secret},
        **mine,
    )
    extension_id = response.json()["id"]
    before = list(ProgressReport.objects.values()), list(Extension.objects.values())
    for url in (
        f"/api/progress-reports/{report_id}",
        f"/api/progress-reports/{report_id}/files",
        f"/api/extensions/{extension_id}",
        f"/api/occurrences/{world.ours.pk}",
    ):
        response = outsider.get(url, **theirs)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert secret not in response.content.decode()
    for url in ("/api/progress-reports", "/api/extensions"):
        response = outsider.get(url, **theirs)
        assert response.status_code == 200 and secret not in response.content.decode()
    response = outsider.patch(f"/api/progress-reports/{report_id}",
                              json.dumps({"version": 1, "narrative": "ghi đè"}),
                              content_type=JSON, **theirs)  # fmt: skip
    assert response.status_code in (403, 404)
    for url, data in (
        (f"/api/progress-reports/{report_id}/submit", {"version": 1}),
        (f"/api/progress-reports/{report_id}/review", {"version": 1, "decision": "accept"}),
        (f"/api/extensions/{extension_id}/decide", {"decision": "approve"}),
        (
            "/api/progress-reports",
            {
                "occurrence": world.ours.pk,
                "state": "done",
                "narrative": "x",
                "done_on": "2021-03-01",
            },
        ),
        ("/api/extensions", {"occurrence": world.ours.pk, "new_due": "2030-12-31", "reason": "x"}),
    ):
        response = post(outsider, url, data, **theirs)
        assert response.status_code in (403, 404, 409), (url, response.status_code)
        assert secret not in response.content.decode()
    assert (list(ProgressReport.objects.values()), list(Extension.objects.values())) == before


def test_an_oversized_json_body(world):
    staff = world.login("staff")
    auth = bearer(world, "staff")
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = post(
        staff,
        "/api/progress-reports",
        {"occurrence": world.ours.pk, "state": "in_progress", "narrative": text},
        **auth,
    )
    assert response.status_code in (400, 413, 422), response.status_code
    assert not ProgressReport.objects.exists()

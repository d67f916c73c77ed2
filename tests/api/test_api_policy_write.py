"""The write endpoints against the permission policy, role by role: each call through the API
is allowed exactly when ``theodoi.tracking.policy.allows`` says so (for what the service
asks it about), a refusal is 403 with the policy's reason, and a refused call changes no row.
An allowed call runs in a savepoint rolled back after it, so every role meets the same record."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from theodoi.api.tokens import create_token
from theodoi.programs.models import Occurrence
from theodoi.tracking.extensions import request_extension
from theodoi.tracking.models import EvidenceFile, Extension, ProgressReport, ReportRevision
from theodoi.tracking.policy import Action, actor_of, allows, refusal
from theodoi.tracking.reports import save_report, submit_report

ROLES = ["admin", "monitor", "leader", "head", "staff", "outsider"]


class _Undo(Exception):
    def __init__(self, response) -> None:
        self.response = response


def undone(call, *args):
    """The response of ``call(*args)``, with everything it wrote rolled back."""
    try:
        with transaction.atomic():
            raise _Undo(call(*args))
    except _Undo as done:
        return done.response


def rows() -> tuple[int, ...]:
    return (
        ProgressReport.objects.count(),
        ReportRevision.objects.count(),
        EvidenceFile.objects.count(),
        Extension.objects.count(),
        Occurrence.objects.filter(status="done").count(),
    )


@pytest.fixture
def world(example, users, settings, tmp_path):
    """Ban Tổ chức's open occurrences in every state a write starts from."""
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = users["staff"]
    free, drafted, awaiting, sent, extended = Occurrence.objects.filter(
        assignment__organization__code="qn.btctu", status="open"
    ).order_by("pk")[:5]

    def write(occurrence):
        return save_report(user=staff, occurrence=occurrence, expected_version=None,
                           state="done", done_on=occurrence.due_date.replace(year=2021, month=1,
                           day=1), narrative="Đã xong.")  # fmt: skip

    draft = write(drafted)
    waiting = submit_report(user=staff, report=write(awaiting), expected_version=1, sign_off=True)
    submitted = submit_report(user=staff, report=write(sent), expected_version=1)
    extension = request_extension(user=staff, occurrence=extended, new_due=extended.due_date.
                                  replace(year=2030), reason="Chờ hướng dẫn.")  # fmt: skip
    return {
        "free": free,
        "draft": draft,
        "awaiting": waiting,
        "submitted": submitted,
        "extension": extension,
    }


def caller(user):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'ma trận')[1]}"}

    def send(method, url, data=None, **extra):
        if extra.get("multipart"):
            return client.post(url, data, **headers)
        if method == "get":
            return client.get(url, **headers)
        return getattr(client, method)(
            url, json.dumps(data or {}), content_type="application/json", **headers
        )

    return send


def cases(user, w):
    """(name, what the policy says, the call) for each write endpoint."""
    actor = actor_of(user)
    own = ProgressReport(occurrence=w["free"], organization_id=actor.organization_id)
    draft, waiting, submitted = w["draft"], w["awaiting"], w["submitted"]
    pdf = b"%PDF-1.4\n%fake but signed\n"
    return [
        ("create", allows(user, Action.CREATE_REPORT, own),
         lambda s: s("post", "/api/progress-reports", {"occurrence": w["free"].pk,
                                                        "state": "in_progress"})),
        # The service speaks for the caller's body: the policy's yes, and the same body.
        ("edit", allows(user, Action.EDIT_REPORT, draft)
         and actor.organization_id == draft.organization_id,
         lambda s: s("patch", f"/api/progress-reports/{draft.pk}", {"version": 1,
                                                                     "percent": 50})),
        ("submit", allows(user, Action.SUBMIT_REPORT, draft),
         lambda s: s("post", f"/api/progress-reports/{draft.pk}/submit", {"version": 1})),
        ("sign off", allows(user, Action.SIGN_OFF_REPORT, waiting),
         lambda s: s("post", f"/api/progress-reports/{waiting.pk}/sign-off",
                     {"version": waiting.version})),
        ("review", allows(user, Action.REVIEW_REPORT, submitted),
         lambda s: s("post", f"/api/progress-reports/{submitted.pk}/review",
                     {"version": submitted.version, "decision": "accept"})),
        ("attach", allows(user, Action.EDIT_REPORT, draft),
         lambda s: s("post", f"/api/progress-reports/{draft.pk}/files",
                     {"file": SimpleUploadedFile("a.pdf", pdf)}, multipart=True)),
        ("extend", allows(user, Action.REQUEST_EXTENSION, w["free"]),
         lambda s: s("post", "/api/extensions", {"occurrence": w["free"].pk,
                                                 "new_due": "2030-12-31", "reason": "Chờ."})),
        ("decide", allows(user, Action.DECIDE_EXTENSION, w["extension"]),
         lambda s: s("post", f"/api/extensions/{w['extension'].pk}/decide",
                     {"decision": "approve"})),
        # Permission first: an allowed caller gets to the empty file (422), others do not.
        ("import", allows(user, Action.IMPORT_PROGRAM),
         lambda s: s("post", "/api/imports/", {"document": SimpleUploadedFile("a.md", b"")},
                     multipart=True)),
        ("produce", allows(user, Action.PRODUCE_REPORT),
         lambda s: s("get", f"/api/reports/periodic?program={draft.occurrence.assignment.task.program_id}&period=2021-Q9")),
    ]  # fmt: skip


EXPECTED_OK = {"create": 201, "edit": 200, "submit": 200, "sign off": 200, "review": 200,
               "attach": 201, "extend": 201, "decide": 200, "import": 422, "produce": 422}  # fmt: skip


def test_every_write_endpoint_follows_the_policy_for_every_role(world, users):
    matrix = {}
    for role in ROLES:
        user = users[role]
        send = caller(user)
        for name, allowed, call in cases(user, world):
            if allowed:
                response = undone(call, send)
                assert response.status_code == EXPECTED_OK[name], (role, name, response.content)
            else:  # not rolled back: a refusal must leave every row as it was by itself
                before = rows()
                response = call(send)
                assert response.status_code == 403, (role, name, response.content)
                assert response.json()["detail"], (role, name)
                assert rows() == before, (role, name)
            matrix[(role, name)] = allowed

    # The matrix is the policy's table: spot-check it reads as the docstring says.
    assert matrix[("staff", "create")] and matrix[("head", "sign off")]
    assert not matrix[("staff", "sign off")] and not matrix[("outsider", "create")]
    assert matrix[("monitor", "review")] and matrix[("monitor", "decide")]
    assert not matrix[("leader", "review")] and not matrix[("admin", "edit")]
    assert matrix[("admin", "submit")] and matrix[("admin", "import")]
    assert not matrix[("head", "produce")] and matrix[("leader", "produce")]


def test_refusals_carry_the_policys_own_reason(world, users):
    staff, outsider = users["staff"], users["outsider"]
    draft = world["draft"]
    response = caller(outsider)("patch", f"/api/progress-reports/{draft.pk}",
                                {"version": 1, "percent": 1})  # fmt: skip
    assert response.json()["detail"] == refusal(outsider, Action.VIEW_REPORT, draft)
    response = caller(staff)("post", f"/api/progress-reports/{world['awaiting'].pk}/sign-off",
                             {"version": world["awaiting"].version})  # fmt: skip
    assert response.status_code == 403
    assert response.json()["detail"] == refusal(staff, Action.SIGN_OFF_REPORT, world["awaiting"])


def test_another_bodys_ids_are_never_answered(world, users):
    """Everything of Ban Tổ chức, asked by Ban Tuyên giáo: 403 or 404, never 200."""
    send = caller(users["outsider"])
    draft = world["draft"]
    evidence_call = caller(users["staff"])(
        "post", f"/api/progress-reports/{draft.pk}/files",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\nx")}, multipart=True,
    )  # fmt: skip
    evidence = evidence_call.json()["id"]
    for url in (
        f"/api/progress-reports/{draft.pk}",
        f"/api/progress-reports/{draft.pk}/files",
        f"/api/evidence/{evidence}",
        f"/api/extensions/{world['extension'].pk}",
    ):
        assert send("get", url).status_code in (403, 404), url
    listed = send("get", f"/api/progress-reports?occurrence={draft.occurrence_id}")
    assert listed.status_code == 200 and listed.json()["items"] == []
    listed = send("get", f"/api/extensions?occurrence={world['extension'].occurrence_id}")
    assert listed.status_code == 200 and listed.json()["items"] == []

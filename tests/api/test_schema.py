"""The whole API against its own OpenAPI document (schemathesis, in-process through Django's
WSGI application): for inputs generated from the document, signed with a real token of a
monitor and of a body's staff, over the example program, no answer is a server error (5xx)
and every answer fits the schema the document declares for it.

Bounded: ``EXAMPLES`` generated cases per operation, no shrinking, so the file runs in a few
minutes. Every operation is tried even when one fails; the failures are listed together."""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from theodoi.api.models import ApiToken
from theodoi.api.tokens import create_token
from theodoi.programs.models import Assignment, Occurrence, Program, Task

EXAMPLES = 25
CALLERS = ("monitor", "staff")


def real_ids() -> dict[str, list]:
    """Ids that exist, so that generated calls reach past "not found" half the time."""
    ids = {
        "program_id": list(Program.objects.values_list("pk", flat=True)),
        "task_id": list(Task.objects.values_list("pk", flat=True)[:40]),
        "assignment_id": list(Assignment.objects.values_list("pk", flat=True)[:40]),
        "occurrence_id": list(Occurrence.objects.values_list("pk", flat=True)[:40]),
        "code": ["qn.btctu", "qn.btgtu", "qn.vptu"],
        "token_id": [create_token(user, "thử thu hồi")[0].pk for user in User.objects.all()],
    }
    return {name: values for name, values in ids.items() if values}


@pytest.fixture
def connection_kept():
    """Django closes the database connection at the end of each request it serves; the test
    client turns that off, and so must a test that calls the WSGI application directly (on
    PostgreSQL the test's own transaction would be closed after the first call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@override_settings(THEODOI_API_RATE="1000000/m")  # the limit has its own test
def test_no_server_error_and_every_answer_fits_the_schema(secrets_for, connection_kept):
    known = real_ids()
    callers = ApiToken.objects.filter(name__startswith="kiểm thử")  # secrets_for's tokens
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"GET /api/occurrences", "GET /api/tasks/{task_id}", "POST /api/tokens"} <= labels

    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), caller=st.sampled_from(CALLERS), data=st.data())
        def call(case, caller: str, data) -> None:
            callers.update(revoked_at=None)  # a generated revoke may have hit a caller's own
            for name in list(case.path_parameters or {}):
                if name in known and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
            response = case.call(headers={"Authorization": f"Bearer {secrets_for[caller]}"})
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            call()
        except Exception as error:
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)

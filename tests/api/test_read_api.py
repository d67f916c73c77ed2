"""The API's read side: what a caller of /api/programs, /api/tasks, /api/occurrences ... gets,
compared with the functions the web pages use (the search rule, the status rules)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from theodoi.orgs.models import Organization, Reorganization
from theodoi.programs.models import Occurrence, Task
from theodoi.programs.search import Criteria, matching_tasks
from theodoi.tracking.policy import visible_occurrences
from theodoi.tracking.status import statuses

AS_OF = "2022-01-15"


def all_items(api, path: str, params: dict | None = None) -> list[dict]:
    """Every item of a paged list, page after page."""
    items, page = [], 1
    while True:
        response = api.get(path, {**(params or {}), "page": page, "page_size": 200})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        if len(items) >= body["count"] or not body["items"]:
            assert len(items) == body["count"]
            return items
        page += 1


def test_programs_and_their_tree(api_as, example):
    api = api_as("staff")
    listed = api.get("/api/programs").json()
    assert listed["count"] == 1
    program = listed["items"][0]
    assert program["number"] == example.number
    assert program["issuer"]["code"] == "qn.tu"
    assert program["task_count"] == Task.objects.filter(withdrawn_in__isnull=True).count()

    detail = api.get(f"/api/programs/{example.pk}").json()
    assert detail["term_start"] == 2020 and detail["term_end"] == 2025
    assert detail["signer"]["title"] == "BÍ THƯ"
    assert [v["number"] for v in detail["versions"]] == [1]

    tree = api.get(f"/api/programs/{example.pk}/sections").json()
    top = [s["number"] for s in tree["sections"]]
    assert top[:2] == ["A", "B"]
    b = tree["sections"][1]
    assert "B.III" in [child["number"] for child in b["children"]]
    # Every task appears once in the tree, in its own section.
    seen = []

    def walk(nodes):
        for node in nodes:
            seen.extend((t["id"], node["number"]) for t in node["tasks"])
            walk(node["children"])

    walk(tree["sections"])
    seen += [(t["id"], None) for t in tree["loose_tasks"]]
    expected = {(t.pk, t.section.number if t.section else None) for t in Task.objects.all()}
    assert sorted(seen) == sorted(expected)

    assert api.get("/api/programs/999999").status_code == 404
    assert api.get("/api/programs/999999").json() == {"detail": "Không tìm thấy."}


def test_tasks_found_by_text_without_diacritics_as_the_web_finds_them(api_as, example):
    api = api_as("monitor")
    found = all_items(api, "/api/tasks", {"q": "du lich", "program": example.pk})
    expected = matching_tasks(Task.objects.all(), Criteria(text="du lich", program=example))
    assert found and sorted(t["id"] for t in found) == sorted(t.pk for t in expected)
    assert all("du lịch" in t["text"].lower() for t in found)


def test_tasks_by_body_role_and_section(api_as, example):
    api = api_as("monitor")
    led = all_items(api, "/api/tasks", {"organization": "qn.btctu", "role": "leads"})
    expected = Task.objects.filter(
        assignments__organization__code="qn.btctu", assignments__leads=True
    ).distinct()
    assert led and sorted(t["id"] for t in led) == sorted(t.pk for t in expected)

    section = example.sections.get(number="B.III")
    under = all_items(api, "/api/tasks", {"section": section.pk})
    assert under and all(t["section"].startswith("B.III") for t in under)

    unknown = api.get("/api/tasks", {"organization": "khong-co"})
    assert unknown.status_code == 422
    assert "khong-co" in unknown.json()["detail"]


def test_task_detail_shows_the_assignments_the_caller_may_see(api_as, example):
    task = Task.objects.filter(assignments__organization__code="qn.btctu").first()
    bodies = set(task.assignments.values_list("organization__code", flat=True))
    assert len(bodies) > 1, "the check needs a task shared by several bodies"
    everyone = api_as("monitor").get(f"/api/tasks/{task.pk}").json()
    assert {a["organization"]["code"] for a in everyone["assignments"] if a["organization"]} == {
        code for code in bodies if code
    }
    own = api_as("staff").get(f"/api/tasks/{task.pk}").json()
    assert {a["organization"]["code"] for a in own["assignments"]} == {"qn.btctu"}
    assert own["text"] == task.text and own["time"] == task.time


def test_occurrence_statuses_as_of_a_date_are_the_status_rules(api_as, example):
    api = api_as("monitor")
    body = Organization.objects.get(code="qn.btctu")
    items = all_items(api, "/api/occurrences", {"organization": body.code, "as_of": AS_OF})
    rows = visible_occurrences(None).none() | Occurrence.objects.filter(
        assignment__organization=body
    )
    expected = statuses(rows, as_of=dt.date(2022, 1, 15))
    assert sorted(i["id"] for i in items) == sorted(expected)
    for item in items:
        state = expected[item["id"]]
        assert item["status"]["as_of"] == AS_OF
        assert item["status"]["bucket"] == state.bucket
        assert item["status"]["due"] == state.due.isoformat()
        assert item["status"]["label"] == state.label
    # Ordered by due date, as the web's search.
    dues = [i["due_date"] for i in items]
    assert dues == sorted(dues)

    overdue = all_items(api, "/api/occurrences", {"status": "open_overdue", "as_of": AS_OF})
    assert overdue and all(i["status"]["bucket"] == "open_overdue" for i in overdue)
    every = statuses(
        Occurrence.objects.filter(assignment__organization__isnull=False),
        as_of=dt.date(2022, 1, 15),
    )
    assert len(overdue) == sum(1 for s in every.values() if s.bucket == "open_overdue")

    ranged = all_items(api, "/api/occurrences", {"due_from": "2021-01-01", "due_to": "2021-03-31"})
    assert ranged and all("2021-01-01" <= i["status"]["due"] <= "2021-03-31" for i in ranged)

    one = api.get(f"/api/occurrences/{items[0]['id']}", {"as_of": AS_OF}).json()
    assert one == items[0]


def test_the_same_rows_as_the_web_search_page(api_as, client_for, example):
    params = {"q": "to chuc", "status": "open_overdue", "as_of": AS_OF}
    api = all_items(api_as("staff"), "/api/occurrences", params)
    page = client_for("staff").get("/search/", params)
    web = [o.pk for o, _state in page.context["page"].paginator.object_list]
    assert api and [i["id"] for i in api] == web


def test_pages_are_bounded_and_bad_values_are_explained(api_as, example):
    api = api_as("monitor")
    first = api.get("/api/occurrences", {"page_size": 5}).json()
    assert len(first["items"]) == 5 and first["count"] > 5
    second = api.get("/api/occurrences", {"page_size": 5, "page": 2}).json()
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert api.get("/api/occurrences", {"page_size": 201}).status_code == 422
    for params, word in [
        ({"page": 0}, "page"),
        ({"as_of": "2021-13-01"}, "as_of"),
        ({"as_of": "9999-12-31"}, "as_of"),
        ({"status": "xong"}, "status"),
        ({"due_from": "2021-06-01", "due_to": "2021-01-01"}, "due_to"),
        ({"program": 999999}, "program"),
    ]:
        response = api.get("/api/occurrences", params)
        assert response.status_code == 422, params
        assert word in response.json()["detail"], response.json()


def test_queries_per_page_do_not_grow_with_the_page(api_as, example):
    api = api_as("monitor")
    api.get("/api/programs")  # the token's first use records it (one write a minute)
    counts = []
    for size in (5, 200):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/occurrences", {"page_size": size, "as_of": AS_OF})
        assert len(response.json()["items"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    for path in ("/api/tasks", "/api/assignments", "/api/organizations"):
        sizes = []
        for size in (5, 60):
            with CaptureQueriesContext(connection) as queries:
                api.get(path, {"page_size": size})
            sizes.append(len(queries))
        assert sizes[0] == sizes[1], (path, sizes)


def test_organisations_with_aliases_groups_and_successors(api_as, example):
    api = api_as("staff")
    found = api.get("/api/organizations", {"q": "ban to chuc"}).json()
    assert "qn.btctu" in [o["code"] for o in found["items"]]
    old, new = Organization.objects.get(code="qn.btctu"), Organization.objects.get(code="qn.btgtu")
    merge = Reorganization.objects.create(kind="merge", effective=dt.date(2025, 3, 1), basis="QĐ 1")
    merge.predecessors.add(old)
    merge.successors.add(new)
    old.aliases.create(name="BTC Tỉnh ủy")
    detail = api.get("/api/organizations/qn.btctu").json()
    assert detail["aliases"] == ["BTC Tỉnh ủy"]
    assert detail["groups"]
    assert detail["successors"] == [
        {"kind": "merge", "effective": "2025-03-01", "basis": "QĐ 1",
         "organizations": [{"code": "qn.btgtu", "name": new.name}]}
    ]  # fmt: skip
    assert api.get("/api/organizations/qn.btgtu").json()["predecessors"][0]["organizations"] == [
        {"code": "qn.btctu", "name": old.name}
    ]
    assert api.get("/api/organizations", {"q": "btc tinh uy"}).json()["count"] >= 1
    assert api.get("/api/organizations/khong-co").status_code == 404


def test_text_is_answered_nfc(api_as, example):
    task = Task.objects.order_by("pk").first()
    Task.objects.filter(pk=task.pk).update(text=unicodedata.normalize("NFD", "Tổ chức du lịch"))
    text = api_as("staff").get(f"/api/tasks/{task.pk}").json()["text"]
    assert text == unicodedata.normalize("NFC", "Tổ chức du lịch")


def test_the_web_session_reads_and_writes_with_its_csrf_token(users, secrets_for):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["staff"])
    assert client.get("/api/programs").status_code == 200
    refused = client.post("/api/tokens", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    page = client.get("/account/tokens/")
    token = page.cookies["csrftoken"].value
    made = client.post(
        "/api/tokens", {"name": "bảng tính"}, content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert made.status_code == 201, made.content
    # A bearer token needs no CSRF token.
    bearer = Client(enforce_csrf_checks=True).post(
        "/api/tokens", {"name": "máy chủ báo cáo"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secrets_for['staff']}",
    )  # fmt: skip
    assert bearer.status_code == 201, bearer.content


def test_the_documentation_works_offline(users):
    """/api/docs loads Swagger UI from our own static files (no CDN), with no inline script
    to run: its settings are a JSON block read by a static script, which a 'self' CSP allows."""
    page = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "/static/ninja/swagger-ui.css" in page
    assert "cdn" not in page.lower() and "//" not in page.split("<body")[0]  # no other host
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    assert "style=" not in page and "<style" not in page
    document = Client().get("/api/openapi.json").json()
    assert "/api/occurrences" in document["paths"]

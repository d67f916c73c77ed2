"""Lower-level programs on the web: the import page with the parent program chosen and each
task's parent task confirmed or changed; the parent's page listing who issued a program and
who did not; the dashboard's own table for the lower programs, the parent's figures unmoved."""

from __future__ import annotations

import datetime as dt
import html
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from theodoi.orgs.registry import load_registry_file
from theodoi.programs.importer import import_program
from theodoi.programs.lineage import example_district, link_lower_program
from theodoi.programs.models import Occurrence, ParentLink, Program, Task
from theodoi.tracking.lineage import lower_levels
from theodoi.tracking.status import statuses, tally

DISTRICT, DISTRICT_REGISTRY = example_district()
AS_OF = "2021-06-30"
FIGURES = ("total", "rate", "done_on_time", "done_late", "open_in_time", "open_overdue",
           "no_deadline", "due_soon")  # fmt: skip


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def row(content: str, attribute: str, value: str) -> str:
    """The words of the table row marked ``attribute="value"``."""
    start = content.index(f'<tr {attribute}="{value}"')
    return text_of(content[start : content.index("</tr>", start)])


def figures(content: str) -> dict[str, str]:
    return {
        name: re.search(rf'data-figure="{name}">([^<]*)<', content).group(1) for name in FIGURES
    }


# ---- the import page ------------------------------------------------------------------------


def upload(client, **fields):
    data = {"document": SimpleUploadedFile(DISTRICT.name, DISTRICT.read_bytes()), **fields}
    return client.post(reverse("web:import"), data, follow=True)


def test_import_page_under_a_parent_with_links_confirmed_and_changed(client_for, example):
    load_registry_file(DISTRICT_REGISTRY)
    client = client_for("monitor")
    page = client.get(reverse("web:import")).content.decode()
    assert 'name="parent"' in page and f'value="{example.pk}"' in page

    response = upload(client, parent=example.pk)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.error == "" and preview.parent == example
    assert preview.parent_task == "B.II.1"  # proposed: it asks Huyện ủy Bình Sơn for it
    content = response.content.decode()
    assert re.search(r'<option value="B.II.1" selected>', content)
    rows = {r.proposal.key: r for r in preview.link_rows}
    assert len(rows) == 10
    assert (rows["B.III.1/1"].default, rows["B.III.1/1"].proposal.how) == (
        "B.III.1.2/1",
        ParentLink.DOCUMENT,
    )
    assert "văn bản ghi “nhiệm vụ B.III.1.2/1”" in row(content, "data-task", "B.III.1/1")
    assert (rows["B.III.2/1"].default, rows["B.III.2/1"].proposal.how) == (
        "B.III.3.5/7",
        ParentLink.SIMILARITY,
    )
    uncertain = rows["B.III.2/3"]
    assert uncertain.default == "" and uncertain.options[0][0] == "B.III.3.6/2"
    assert "chưa gắn: nội dung gần nhất chỉ" in row(content, "data-task", "B.III.2/3")
    assert Program.objects.count() == 1  # nothing saved by the preview

    # A key that is not a task of the parent: told next to its field, nothing imported.
    index = {r.proposal.key: r.index for r in preview.link_rows}
    bad = client.post(
        reverse("web:import"),
        {"token": preview.token, "action": "confirm", f"link_key_{index['B.III.2/3']}": "B.IX.9"},
    )
    assert bad.status_code == 200
    again = {r.proposal.key: r for r in bad.context["preview"].link_rows}
    assert "không có nhiệm vụ “B.IX.9”" in again["B.III.2/3"].error
    assert "không có nhiệm vụ “B.IX.9”" in row(bad.content.decode(), "data-task", "B.III.2/3")
    assert Program.objects.count() == 1

    # The office confirms the uncertain one, says the monitoring duty has no counterpart,
    # and moves one proposal; the rest as proposed.
    response = client.post(
        reverse("web:import"),
        {
            "token": preview.token,
            "action": "confirm",
            "parent_task": "B.II.1",
            f"link_{index['B.III.2/3']}": "B.III.3.6/2",
            f"link_{index['B.IV.1']}": "-",
            f"link_key_{index['B.I.1']}": "B.I.3",
        },
    )
    program = Program.objects.get(number="05-CTr/HU")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:program", args=[program.pk])
    assert (program.parent_program, program.parent_task.key) == (example, "B.II.1")
    links = {t.key: (t.parent_task.key if t.parent_task else None, t.parent_link)
             for t in program.tasks.select_related("parent_task")}  # fmt: skip
    assert links["B.III.2/3"] == ("B.III.3.6/2", ParentLink.PERSON)
    assert links["B.IV.1"] == (None, ParentLink.PERSON)
    assert links["B.I.1"] == ("B.I.3", ParentLink.PERSON)
    assert links["B.III.1/1"] == ("B.III.1.2/1", ParentLink.DOCUMENT)
    assert links["B.III.2/1"] == ("B.III.3.5/7", ParentLink.SIMILARITY)
    message = " ".join(str(m) for m in response.wsgi_request._messages)
    assert f"Chương trình cấp trên: {example.number}; 9/10 nhiệm vụ đã gắn" in message


def test_the_upload_form_checks_the_parent_task(client_for, example):
    load_registry_file(DISTRICT_REGISTRY)
    client = client_for("monitor")
    response = upload(client, parent=example.pk, parent_task="B.IX.9")
    assert "không có nhiệm vụ “B.IX.9”" in response.context["form"].errors["parent_task"][0]
    response = upload(client, parent_task="B.II.1")
    assert response.context["form"].errors["parent_task"] == ["Chọn chương trình cấp trên trước."]
    assert Program.objects.count() == 1


def test_a_program_without_a_parent_is_imported_as_before(client_for, example):
    load_registry_file(DISTRICT_REGISTRY)
    client = client_for("monitor")
    preview = upload(client).context["preview"]
    assert preview.parent is None and preview.link_rows == []
    client.post(reverse("web:import"), {"token": preview.token, "action": "confirm"})
    program = Program.objects.get(number="05-CTr/HU")
    assert program.parent_program is None
    assert not program.tasks.filter(parent_task__isnull=False).exists()


# ---- the parent's page and the dashboard ----------------------------------------------------


def test_the_parent_page_lists_who_issued_and_who_did_not(client_for, example, district):
    content = (
        client_for("staff")
        .get(reverse("web:program", args=[example.pk]), {"as_of": AS_OF})
        .content.decode()
    )
    section = content[content.index('id="lower-levels"') :]
    assert "Chương trình của cấp dưới" in content
    bodies = re.findall(r'<tr data-body="([^"]+)" data-state="([^"]+)"', section)
    assert len(bodies) == 34
    states = dict(bodies)
    assert states["qn.hu-binhson"] == "issued_on_time"
    assert "05-CTr/HU ngày 15/03/2021" in row(section, "data-body", "qn.hu-binhson")
    assert states["qn.hu-lyson"] == "missing_overdue"
    assert "Chưa ban hành, quá hạn" in row(section, "data-body", "qn.hu-lyson")
    assert list(states.values()).count("missing_overdue") == 33
    assert "1/34 cơ quan đã ban hành chương trình (1 đúng hạn, 0 quá hạn); 33 chưa ban hành." in (
        text_of(section)
    )
    # As of a day before the district's program, nobody has issued one yet.
    earlier = (
        client_for("staff")
        .get(reverse("web:program", args=[example.pk]), {"as_of": "2021-03-10"})
        .content.decode()
    )
    assert set(re.findall(r'data-state="([^"]+)"', earlier)) == {"missing_in_time"}


def test_the_district_page_shows_its_parent_and_links(client_for, example, district):
    content = client_for("staff").get(reverse("web:program", args=[district.pk])).content.decode()
    assert "Thực hiện chương trình cấp trên" in content
    assert f'href="{reverse("web:program", args=[example.pk])}' in content
    parent_task = Task.objects.get(program=example, key="B.II.1")
    assert f'href="{reverse("web:task", args=[parent_task.pk])}' in content
    assert 'data-task="B.III.2/1"><td>' in content
    assert '<td data-parent="B.III.3.5/7">' in content
    assert "gần nhất về nội dung" in row(content, "data-task", "B.III.2/1")
    assert 'id="lower-levels"' not in content  # nothing under the district's program


def expected_row(program: Program, day: dt.date) -> dict[str, str]:
    occurrences = Occurrence.objects.filter(
        assignment__task__program=program, assignment__organization__isnull=False
    )
    counts = tally(statuses(occurrences, as_of=day))
    rate = f"{round(100 * counts.done / counts.due)}%" if counts.due else "—"
    return {
        "tasks": str(program.tasks.filter(withdrawn_in__isnull=True).count()),
        "total": str(occurrences.count()),
        "due": str(counts.due),
        "done": str(counts.done),
        "overdue": str(counts.open_overdue),
        "rate": rate,
    }


def cells(content: str, program: str) -> dict[str, str]:
    start = content.index(f'<tr data-program="{program}"')
    fragment = content[start : content.index("</tr>", start)]
    return dict(re.findall(r'data-cell="([a-z]+)">([^<]*)<', fragment))


def test_the_dashboard_has_a_table_of_its_own_for_the_lower_programs(client_for, example):
    client = client_for("monitor")
    url = reverse("web:dashboard")
    before = client.get(url, {"program": example.pk, "as_of": AS_OF}).content.decode()
    assert 'id="lower"' in before  # who must issue, even before anyone has
    assert 'id="lower-programs"' not in before

    load_registry_file(DISTRICT_REGISTRY)
    summary = import_program(path=DISTRICT, parent=example.number)
    district = Program.objects.get(number=summary.program)
    link_lower_program(program=district)
    # The dashboard still opens on the province's program, not the district's latest one.
    default = client.get(url, {"as_of": AS_OF})
    assert default.context["program"] == example
    after = default.content.decode()
    assert figures(after) == figures(before)

    day = dt.date.fromisoformat(AS_OF)
    want = expected_row(district, day)
    assert cells(after, "05-CTr/HU") == want
    assert cells(after, "total") == want  # one program: the total is its row
    assert "1/34 cơ quan đã ban hành (1 đúng hạn, 0 quá hạn)" in text_of(after)
    assert "33 cơ quan chưa ban hành, quá hạn" in text_of(after)
    assert lower_levels(example, as_of=day).rows[0].program == district
    # The district's own dashboard shows its own figures.
    own = client.get(url, {"program": district.pk, "as_of": AS_OF}).content.decode()
    assert figures(own)["total"] == want["total"]


# ---- the task page ----------------------------------------------------------------------------


def test_a_task_page_links_its_parent_task_and_the_lower_work(client_for, district, example):
    child = Task.objects.get(program=district, key="B.III.1/1")  # states B.III.1.2/1
    parent = child.parent_task
    assert parent.key == "B.III.1.2/1" and parent.program == example
    client = client_for("staff")

    page = text_of(client.get(reverse("web:task", args=[child.pk])).content.decode())
    assert f"Thực hiện nhiệm vụ cấp trên: {parent.key} của {example.number}" in page

    page = text_of(client.get(reverse("web:task", args=[parent.pk])).content.decode())
    assert "nhiệm vụ cấp dưới thực hiện nhiệm vụ này" in page
    assert f"{child.key} (Huyện ủy Bình Sơn)" in page

    # B.II.1 asked the districts for programs: Bình Sơn's is listed under it.
    asking = Task.objects.get(program=example, key="B.II.1")
    page = text_of(client.get(reverse("web:task", args=[asking.pk])).content.decode())
    assert f"{district.number} — Huyện ủy Bình Sơn, 15/03/2021" in page

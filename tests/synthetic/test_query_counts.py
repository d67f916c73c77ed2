"""No page's number of queries grows with the data: each page is asked of a small synthetic
province and of one several times its size, cold (nothing kept yet), and must cost the same
number of queries in both. A loop that queries once per row (N+1) fails here long before it
shows at the size of a country."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from theodoi.synthetic.generate import generate
from theodoi.synthetic.shape import Scale

SMALL = Scale(provinces=1, communes=2, departments=1, commune_tasks=4, department_tasks=5)
LARGE = Scale(provinces=2, communes=6, departments=3, commune_tasks=10, department_tasks=12)


def _pages(manifest: dict) -> dict[str, tuple[str, str]]:
    province = manifest["provinces"][0]
    program, monitor, staff = province["program"], province["monitor"], manifest["staff"][0]
    return {
        "dashboard": (monitor, f"/dashboard/?program={program}&as_of=30/06/2023"),
        "dashboard_today": (monitor, f"/dashboard/?program={program}"),
        "national": (monitor, "/national/?as_of=30/06/2023"),
        "program_tree": (monitor, f"/programs/{program}/?as_of=30/06/2023"),
        "task": (monitor, f"/tasks/{manifest['tasks'][0]}/"),
        "search": (monitor, f"/search/?q={manifest['search'][0]}&as_of=2023-06-30"),
        "search_overdue": (monitor, f"/search/?program={program}&status=open_overdue"),
        "work_list": (staff, "/work/"),
        "work_list_all": (staff, "/work/?show=all"),
        "review": (monitor, "/review/"),
        "organizations": (monitor, "/organizations/"),
        "organization": (monitor, f"/organizations/{staff.removesuffix('-staff')}/"),
        "programs": (monitor, "/programs/"),
        "report_preview": (monitor, f"/reports/?program={program}&period=2023-Q2"),
        "notifications": (staff, "/notifications/"),
    }


def _counts(scale: Scale, data_dir) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction.atomic():
        summary = generate(scale, seed=3, password="x", today=dt.date(2026, 11, 27),
                           say=lambda _: None)  # fmt: skip
        manifest = json.loads(summary.manifest.read_text(encoding="utf-8"))
        users = get_user_model().objects
        for name, (username, url) in _pages(manifest).items():
            client = Client()
            client.force_login(users.get(username=username))
            ContentType.objects.clear_cache()  # as cold as the first request of a process
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
            counts[name] = len(queries)
        transaction.set_rollback(True)
    return counts


@pytest.mark.django_db
def test_no_page_costs_more_queries_with_more_data(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    small = _counts(SMALL, tmp_path)
    large = _counts(LARGE, tmp_path)
    grown = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grown, f"queries per page (small, large) grew with the data: {grown}"

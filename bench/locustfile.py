"""Locust users for bench/load.py: people of several bodies sign in, read their work list and
task pages and save progress reports through the web form (CSRF and all); the office and a
leader read the dashboard and task pages.

The accounts and the occurrences each may report on come from the JSON file named by
THEODOI_LOAD_PLAN (written by bench/load.py); each simulated person gets a share of their
body's occurrences no other simulated person touches, so a refused save means a fault, not
two people editing the same report.

GET requests are retried once when the server closed a kept-alive connection just as it was
reused (a browser does the same); a POST is never retried.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from pathlib import Path

from locust import HttpUser, between, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

PLAN = json.loads(Path(os.environ["THEODOI_LOAD_PLAN"]).read_text(encoding="utf-8"))
VERSION = re.compile(r'name="version" value="(\d*)"')
_counters = {"people": itertools.count(), "office": itertools.count()}
_lock = threading.Lock()


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    group = "people"

    def on_start(self) -> None:
        retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"})
        self.client.mount("http://", HTTPAdapter(max_retries=retry))
        with _lock:
            self.index = next(_counters[self.group])
        accounts = PLAN[self.group]
        self.person = accounts[self.index % len(accounts)]
        self.rng = random.Random(f"{self.group}{self.index}")
        self.client.get("/login/", name="sign in (form)")
        with self.client.post(
            "/login/",
            data={
                "username": self.person["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in refused for {self.person['username']}")

    def task_page(self) -> None:
        self.client.get(f"/tasks/{self.rng.choice(self.person['tasks'])}/", name="task page")


class Office(SignedIn):
    """The office that follows the program, and a leader."""

    weight = 1
    group = "office"

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="dashboard")

    @task(2)
    def read_task(self) -> None:
        self.task_page()


class BodyPerson(SignedIn):
    """The head or staff of a body that carries out tasks."""

    weight = 4

    def on_start(self) -> None:
        super().on_start()
        # Several simulated users of one account split its occurrences between them.
        accounts = len(PLAN["people"])
        share, shares = self.index // accounts, max(1, -(-PLAN["users"] // accounts))
        own = self.person["occurrences"]
        self.occurrences = own[share::shares] or own

    @task(3)
    def work_list(self) -> None:
        self.client.get("/work/", name="work list")

    @task(3)
    def read_task(self) -> None:
        self.task_page()

    @task(2)
    def report(self) -> None:
        """Open a row of the work list (as htmx does), then save the report in it."""
        occurrence = self.rng.choice(self.occurrences)
        row = self.client.get(
            f"/work/?occurrence={occurrence}",
            headers={"HX-Request": "true"},
            name="work list: open a row",
        )
        found = VERSION.search(row.text or "")
        if found is None:
            return  # the row has no form (already sent); reading it was the request
        percent = self.rng.randrange(5, 100, 5)
        with self.client.post(
            "/work/",
            data={
                "occurrence": occurrence,
                "show": "open",
                "state": "in_progress",
                "percent": percent,
                "narrative": f"Đã triển khai khoảng {percent}% (kiểm thử tải).",
                "version": found.group(1),
                "action": "save",
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="report: save (form)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"report not saved (HTTP {response.status_code})")

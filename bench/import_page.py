"""Import draft benchmark: the page that lists a 150-task document for the office to check, and
one field corrected in place, timed from a separate client against `theodoi serve` on the demo's
data (`theodoi demo --no-serve` prepares a fresh folder). Prints `name=value` lines, then
whether each goal is met (issue 17: the page ≤ 1 s, a field edit ≤ 150 ms).

    .venv/bin/python bench/import_page.py --data-dir /tmp/import-bench [--tasks 150]

Exit status 0 even when a goal is missed (it measures); 1 on a failed request.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from httpclient import Client, emit

from web import start_server, stop_server, wait_until_up

ACCOUNT = re.compile(r"^account: (\S+) (\S+) (\S+) (.+)$")
BODIES = ["Ban Tổ chức Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy", "Ban Dân vận Tỉnh ủy",
          "Văn phòng Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy", "Ban Nội chính Tỉnh ủy"]  # fmt: skip
TIMES = ["Quý IV/2026", "Hằng năm", "Trước 30/6/2027", "Thường xuyên", "Năm 2027"]
GOALS = [("page", "page_p95_ms", 1000.0), ("edit", "edit_p95_ms", 150.0)]


def document(tasks: int) -> str:
    """A plan of ``tasks`` tasks in sections of ten, each with a lead, a coordinator and a
    time, as a province committee writes them."""
    lines = ["TỈNH ỦY QUẢNG NGÃI", "", "Số 99-KH/TU", "", "Quảng Ngãi, ngày 01 tháng 3 năm 2026",
             "", "KẾ HOẠCH", "", "thực hiện thử nghiệm đo tốc độ", "", "II. NHIỆM VỤ", ""]  # fmt: skip
    for n in range(tasks):
        if n % 10 == 0:
            lines += [f"{n // 10 + 1}. Nhóm nhiệm vụ thứ {n // 10 + 1}", ""]
        lead, other = BODIES[n % len(BODIES)], BODIES[(n + 1) % len(BODIES)]
        lines += [
            f"- {lead} chủ trì, phối hợp với {other} triển khai nội dung số {n + 1} về chuyển "
            f"đổi số trong công tác đảng. Thời gian: {TIMES[n % len(TIMES)]}.",
            "",
        ]
    return "\n".join(lines)


def prepare(folder: Path) -> tuple[str, str]:
    """The demo's data in ``folder``; the office monitor's username and password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THEODOI_", "DJANGO_"))}
    out = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "demo", "--data-dir", str(folder), "--no-serve"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for line in out.splitlines():
        found = ACCOUNT.match(line.strip())
        if found and found.group(3) == "monitor":
            return found.group(1), found.group(2)
    raise SystemExit("theodoi demo printed no monitor account")


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    options.data_dir.mkdir(parents=True, exist_ok=True)
    username, password = prepare(options.data_dir)
    os.environ["THEODOI_SECRET_KEY"] = "theodoi-demo-key-" + "x" * 40
    server, url = start_server(options)
    try:
        wait_until_up(url, server)
        return run(url, username, password, options)
    finally:
        stop_server(server)


def run(url: str, username: str, password: str, options: argparse.Namespace) -> int:
    client = Client(url)
    client.login_theodoi(username, password)
    session = client.session
    page = session.get(client.url("/import/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = time.perf_counter()
    sent = session.post(
        client.url("/import/"),
        data={"csrfmiddlewaretoken": token},
        files={"document": ("ke-hoach.md", document(options.tasks).encode())},
        headers={"Referer": client.url("/import/")},
    )
    emit("upload_and_read_ms", round((time.perf_counter() - started) * 1000, 1))
    match = re.search(r"/import/([0-9a-f]{32})/", sent.url)
    if sent.status_code != 200 or match is None:
        print(f"upload failed: {sent.status_code} {sent.url}", file=sys.stderr)
        return 1
    draft = f"/import/{match.group(1)}/"
    shown = sent.text.count('<tbody id="task-')
    emit("tasks_listed", shown)
    if shown < options.tasks:
        print(f"the page lists {shown} tasks, not {options.tasks}", file=sys.stderr)
        return 1

    def get_page() -> None:
        response = session.get(client.url(draft))
        response.raise_for_status()

    csrf = session.cookies.get("csrftoken", "")
    headers = {"HX-Request": "true", "X-CSRFToken": csrf, "Referer": client.url(draft)}
    middle = f"II.{options.tasks // 20 + 1}/{5}"
    texts = iter(TIMES * options.runs)

    def edit() -> None:
        response = session.post(
            client.url(draft + "correct/"),
            data={"op": "time", "task": middle, "text": next(texts)},
            headers=headers,
        )
        if response.status_code != 200 or "<tbody" not in response.text:
            raise SystemExit(f"edit failed: {response.status_code} {response.text[:200]}")

    def open_row() -> None:
        response = session.get(
            client.url(draft + "task/"), params={"task": middle, "field": "bodies"},
            headers=headers,
        )  # fmt: skip
        response.raise_for_status()

    figures = {}
    for name, call in (("page", get_page), ("edit", edit), ("open_row", open_row)):
        call()  # warm up
        values = timed(call, options.runs)
        figures[f"{name}_median_ms"] = round(statistics.median(values), 1)
        figures[f"{name}_p95_ms"] = round(p95(values), 1)
    for name, value in figures.items():
        emit(name, value)
    for line, name, limit in GOALS:
        met = figures[name] <= limit
        emit(f"goal_{line}", f"{'met' if met else 'missed'} ({figures[name]} ms ≤ {limit:g} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

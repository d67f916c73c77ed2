"""A longer fuzzing run of the parser's entry points: the properties of
tests/parsing/test_fuzz.py (time expressions, role labels and prose, references, mutated Word
and PDF documents) for a given time, in rounds of fresh random examples. Prints how many
examples each property tried, and the smallest failing example of any that failed (exit 1).

    .venv/bin/python bench/fuzz_parser.py --minutes 10
    .venv/bin/python bench/fuzz_parser.py --minutes 2 --only times,docx-xml
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests package

from hypothesis import HealthCheck, Phase, given, seed, settings
from tests.parsing.test_fuzz import PROPERTIES

ROUND = 200  # examples per round; the time limit is checked between rounds


def run_round(name: str, number: int, tried: list[int]) -> BaseException | None:
    strategy, check, _examples = PROPERTIES[name]

    @seed(number)
    @settings(
        max_examples=ROUND,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def round_(value) -> None:
        tried[0] += 1
        check(value)

    try:
        round_()
    except Exception as error:  # the property failed: hypothesis has shrunk the example
        return error
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="time for the whole run")
    parser.add_argument(
        "--only", default="", help=f"comma-separated properties ({', '.join(PROPERTIES)})"
    )
    options = parser.parse_args()
    names = [n for n in options.only.split(",") if n] or list(PROPERTIES)
    if unknown := [n for n in names if n not in PROPERTIES]:
        parser.error(f"unknown properties: {', '.join(unknown)}")
    share = options.minutes * 60 / len(names)
    failures = 0
    print(f"{'property':<12}{'examples':>10}{'seconds':>9}  result")
    for name in names:
        tried, started, number, error = [0], time.monotonic(), 0, None
        while time.monotonic() - started < share and error is None:
            error = run_round(name, number, tried)
            number += 1
        spent = time.monotonic() - started
        print(f"{name:<12}{tried[0]:>10}{spent:>9.0f}  {'FAILED' if error else 'ok'}", flush=True)
        if error is not None:
            failures += 1
            print("".join(traceback.format_exception(error)), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: in-process parse of a program document (default: the bundled example).

    python bench/parse.py [FILE] [--runs N]
    python bench/parse.py --corpus [DIR] [--runs N]

Prints the median and other figures of many runs; the goal for the example is a median of at
most 10 ms on a 2-core machine. `--corpus` (default DIR: tests/data/corpus) times each document
of the development corpus instead, as its scorer reads it (the .docx where there is one, else
the .txt without its header lines as Markdown), one line per document; the goal there is a
median of at most 50 ms per document. This measures; it does not pass or fail.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import tempfile
import time
from pathlib import Path

from theodoi.parsing import example_path, parse_file

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
EXAMPLE_GOAL_MS = 10.0  # median, the bundled example
DOCUMENT_GOAL_MS = 50.0  # median, each corpus document


def timings(path: str | Path, runs: int) -> tuple[int, list[float]]:
    """The task count and `runs` sorted parse times (ms), after one untimed warm-up parse."""
    draft = parse_file(path)  # warm up: registry, regexes, imports
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        parse_file(path)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return len(draft.tasks), samples


def p90(samples: list[float]) -> float:
    return samples[max(0, int(len(samples) * 0.9) - 1)]


def goal(median: float, limit: float) -> str:
    return "met" if median <= limit else "missed"


def example_mode(file: str, runs: int) -> None:
    tasks, samples = timings(file, runs)
    median = statistics.median(samples)
    print(f"file={file}")
    print(f"tasks={tasks} runs={runs}")
    print(f"min_ms={samples[0]:.2f}")
    print(f"p90_ms={p90(samples):.2f}")
    print(f"median_ms={median:.2f}")
    if Path(file).resolve() == example_path().resolve():
        print(f"goal_example_median_ms={goal(median, EXAMPLE_GOAL_MS)}")


def corpus_inputs(corpus: Path, tmp: str) -> list[tuple[str, str]]:
    """(name, path parsed) per document of expected.json, through the scorer's input_path."""
    spec = importlib.util.spec_from_file_location("corpus_score", corpus / "score.py")
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    names = sorted(k for k in expected if k.endswith(".txt"))
    return [(name[:-4], scorer.input_path(str(corpus), name, tmp)) for name in names]


def corpus_mode(corpus: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        medians = {}
        for name, path in corpus_inputs(corpus, tmp):
            tasks, samples = timings(path, runs)
            medians[name] = median = statistics.median(samples)
            print(
                f"doc={name} input={Path(path).suffix[1:]} tasks={tasks} runs={runs} "
                f"median_ms={median:.2f} p90_ms={p90(samples):.2f} "
                f"goal={goal(median, DOCUMENT_GOAL_MS)}"
            )
        tasks, samples = timings(example_path(), runs)
        median = statistics.median(samples)
        print(
            f"doc=example input={example_path().suffix[1:]} tasks={tasks} runs={runs} "
            f"median_ms={median:.2f} p90_ms={p90(samples):.2f} "
            f"goal={goal(median, EXAMPLE_GOAL_MS)}"
        )
    worst = max(medians, key=medians.get)
    missed = sum(m > DOCUMENT_GOAL_MS for m in medians.values())
    print(
        f"corpus docs={len(medians)} worst_median_ms={medians[worst]:.2f} worst_doc={worst} "
        f"total_median_ms={sum(medians.values()):.1f} missed={missed} "
        f"goal_corpus_median_ms={'met' if not missed else 'missed'} "
        f"goal_example_median_ms={goal(median, EXAMPLE_GOAL_MS)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(example_path()))
    parser.add_argument(
        "--corpus",
        nargs="?",
        const=CORPUS,
        type=Path,
        metavar="DIR",
        help=f"time each corpus document instead (default DIR: {CORPUS})",
    )
    parser.add_argument("--runs", type=int, help="timed runs each (default 200; corpus: 30)")
    args = parser.parse_args()
    if args.corpus is not None:
        corpus_mode(args.corpus, args.runs or 30)
    else:
        example_mode(args.file, args.runs or 200)


if __name__ == "__main__":
    main()

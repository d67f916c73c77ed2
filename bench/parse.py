"""Benchmark: in-process parse of a program document (default: the bundled example).

    python bench/parse.py [FILE] [--runs N]

Prints the median and other figures of many runs; the goal for the example is under 10 ms
on a 2-core machine. This measures; it does not pass or fail.
"""

from __future__ import annotations

import argparse
import statistics
import time

from theodoi.parsing import example_path, parse_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(example_path()))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    draft = parse_file(args.file)  # warm up: registry, regexes, imports
    samples = []
    for _ in range(args.runs):
        started = time.perf_counter()
        parse_file(args.file)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    print(f"file={args.file}")
    print(f"tasks={len(draft.tasks)} runs={args.runs}")
    print(f"min_ms={samples[0]:.2f}")
    print(f"p90_ms={samples[int(len(samples) * 0.9) - 1]:.2f}")
    print(f"median_ms={statistics.median(samples):.2f}")


if __name__ == "__main__":
    main()

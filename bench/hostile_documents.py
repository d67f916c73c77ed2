"""Benchmark: hostile documents read within bounds. Builds each hostile file itself (a zip
bomb .docx, too many parts, XML too deep, too many elements or attributes, a huge table, a
PDF of 20,000 pages, a stream that inflates to 1 GB, a page of a million characters or of
endless instructions, 19 MB of Markdown) and ordinary documents to compare (a corpus .docx,
PDFs of ordinary and of ruled pages), then reads each in a fresh process and prints its time
and peak memory.

    python bench/hostile_documents.py [--through import|parse] [--only NAME,NAME] [--list]

``--through import`` (the default) reads each file as an upload is read: the child process
sets Django up on a new SQLite folder and calls programs/drafts.receive (the service behind
the web page, the API and `theodoi import`) for an office account; ``parse`` calls
parsing.parse_file alone (no Django). The child's base is its resident memory after start-up
and one ordinary read (the worker's base); its peak is the high-water mark of its resident
memory (VmHWM, reset at the base) after the file; the goal is at most 300 MB above the base
for every file (issue 18). One line per file:

    name=zip-bomb-docx size_kb=348 seconds=0.02 base_mb=87 peak_above_base_mb=0 refused=unpacked_mb

and the refusal's message, then ``worst_peak_above_base_mb`` and
``goal_peak_above_base_300mb=met|missed``. It measures; it never fails on a figure (exit
status 1 only when a child crashes or an ordinary file is refused). ``--timeout`` (600 s)
ends a child that runs longer; ``--source DIR`` (an older tree's src/ folder, from `git
archive`) reads the same files with that code: the figures before the bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests package: the builders of the hostile files
MB = 1 << 20

CORPUS_DOCX = ROOT / "tests" / "data" / "corpus" / "docx" / "12-cantho-153-kh-ubnd-ma-tuy.docx"
GOAL_MB = 300


def files() -> dict[str, tuple[str, Callable[[], bytes], bool]]:
    """The files, by name: (suffix, builder, whether it is ordinary and must be read). The
    builders are the tests' (imported here: a child reading with --source never needs them)."""
    from tests.parsing.test_hostile_documents import (
        PARAGRAPH,
        deflated,
        docx,
        nested_tables,
        numbered_paragraphs,
        pdf,
        repeated,
        text_page,
    )

    def _table(rows: int, cells: int) -> bytes:
        """A Word table of ``rows`` rows of ``cells`` short cells."""
        out = [b"<w:tbl>"]
        for row in range(rows):
            out.append(b"<w:tr>")
            for cell in range(cells):
                out.append(
                    b"<w:tc><w:p><w:r><w:t>%d.%d S\xe1\xbb\x9f %d</w:t></w:r></w:p></w:tc>"
                    % (row, cell, row * 31 + cell)
                )
            out.append(b"</w:tr>")
        out.append(b"</w:tbl>")
        return b"".join(out)

    def _long_paragraphs(count: int, size: int) -> list[bytes]:
        """``count`` paragraphs of about ``size`` characters of varied Vietnamese words."""
        rng = random.Random(18)
        words = [
            "Sở",
            "Ban",
            "tỉnh",
            "chủ",
            "trì",
            "phối",
            "hợp",
            "thực",
            "hiện",
            "năm",
            "quý",
            "kế",
        ]
        return [
            f"<w:p><w:r><w:t>{n}. {' '.join(rng.choice(words) + str(rng.randrange(999)) for _ in range(size // 6))}</w:t></w:r></w:p>".encode()
            for n in range(count)
        ]

    def _deflated_stream(piece: bytes, size: int) -> list[tuple[bytes, bytes]]:
        """A FlateDecode content stream of ``piece`` repeated to ``size`` bytes, compressed as it
        is made (the 1 GB never sits in this process's memory)."""
        compressor = zlib.compressobj(9)
        block = piece * (MB // len(piece))
        out = [compressor.compress(block) for _ in range(size // len(block))]
        return [(b"FlateDecode", b"".join(out) + compressor.flush())]

    def _attributes(count: int, each: int) -> list[bytes]:
        """``count`` empty paragraphs of ``each`` attributes with random values (so they do not
        compress past the ratio bound): 19 MB on disk, 927 MB in memory before the bound."""
        rng = random.Random(18)
        return [
            b"<w:p %s/>" % b" ".join(b'a%d="%d"' % (n, rng.randrange(10**6)) for n in range(each))
            for _ in range(count)
        ]

    def _mixed_at_bounds() -> list[bytes]:
        """The most a .docx can hold within every bound: XML elements and attributes up to the
        node bound, and then long paragraphs of random text (which compresses about 2 times)
        up to the expanded size, in a file of about 20 MB."""
        rng = random.Random(18)
        letters = "aăâbcdđeêghiklmnoôơpqrstuưvxy "
        texts = ("".join(rng.choices(letters, k=MB)) for _ in range(18))
        text = [f"<w:p><w:r><w:t>{words}</w:t></w:r></w:p>".encode() for words in texts]
        return _attributes(19_000, 40) + text

    def _grid_page() -> list[tuple[bytes, bytes]]:
        """A page that is one ruled table of 78 × 50 cells (19,500 path segments, under the bound
        of 20,000): what pdfplumber's table finder does with the most a page may draw."""
        cells = b"\n".join(
            b"%d %d 10 10 re S" % (20 + column * 11, 20 + row * 10)
            for row in range(78)
            for column in range(50)
        )
        return deflated(b"BT /F1 6 Tf 30 830 Td (Bang) Tj ET\n" + cells)

    def _markdown(size: int) -> bytes:
        line = (
            "- Sở Nội vụ chủ trì, phối hợp với các sở, ngành thực hiện; thời gian: Quý IV/2025.\n"
        )
        return (line * (size // len(line.encode()))).encode()

    return {
        "corpus-docx": (".docx", lambda: CORPUS_DOCX.read_bytes(), True),
        "ordinary-pdf-20-pages": (".pdf", lambda: pdf([text_page()] * 20), True),
        "grid-tables-pdf-10-pages": (".pdf", lambda: pdf([_grid_page()] * 10), True),
        "zip-bomb-docx": (".docx", lambda: docx(repeated(PARAGRAPH, 100 * MB)), False),
        "many-parts-docx": (".docx", lambda: docx(extra=20_000), False),
        "deep-xml-docx": (".docx", lambda: docx([nested_tables(5_000)]), False),
        "many-elements-docx": (".docx", lambda: docx(numbered_paragraphs(600_000), level=6), False),
        "many-attributes-docx": (".docx", lambda: docx(_attributes(100_000, 40), level=6), False),
        "mixed-at-bounds-docx": (".docx", lambda: docx(_mixed_at_bounds(), level=6), False),
        "paragraphs-at-bounds-docx": (
            ".docx",
            lambda: docx(numbered_paragraphs(75_000), level=6),
            True,
        ),
        "long-paragraphs-docx": (
            ".docx",
            lambda: docx(_long_paragraphs(170, 9_000), level=6),
            True,
        ),
        "huge-table-docx": (".docx", lambda: docx([_table(15_000, 6)], level=6), True),
        "many-pages-pdf": (
            ".pdf",
            lambda: pdf([deflated(b"BT /F1 9 Tf 40 800 Td (trang) Tj ET")] * 20_000),
            False,
        ),
        "flate-bomb-pdf": (".pdf", lambda: pdf([_deflated_stream(b" ", 1024 * MB)]), False),
        "crowded-page-pdf": (
            ".pdf",
            lambda: pdf([deflated(b"BT /F1 1 Tf 0 0 Td (" + b"x" * 1_000_000 + b") Tj ET")]),
            False,
        ),
        "endless-instructions-pdf": (
            ".pdf",
            lambda: pdf([_deflated_stream(b"1 ", 50 * MB)]),
            False,
        ),
        "long-markdown": (".md", lambda: _markdown(19 * MB), False),
    }


def child(path: str, through: str) -> None:
    """Read ``path`` once after a warm-up, in this process; print one JSON line."""

    def status_mb(field: str) -> float:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        raise LookupError(field)

    if through == "import":
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "theodoi.settings")
        django.setup()
        from django.contrib.auth import get_user_model

        from theodoi.programs import drafts

        user, _ = get_user_model().objects.get_or_create(username="bench-office")

        def read(file: Path) -> str:
            pending = drafts.receive(user=user, name=file.name, chunks=[file.read_bytes()])
            return f"tasks={len(pending.parsed['tasks'])}"

        errors: tuple[type[BaseException], ...] = (drafts.DraftError,)
    else:
        from theodoi.parsing import ParseError, parse_file

        def read(file: Path) -> str:
            return f"tasks={len(parse_file(file).tasks)}"

        errors = (ParseError,)
    read(CORPUS_DOCX)  # warm up: imports, registry, parsers
    import gc

    gc.collect()
    base = status_mb("VmRSS")
    # The peak from here: Linux's "5" resets the process's high-water mark to its resident
    # size now (ru_maxrss would also count the parent's peak before exec: the builder's).
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    started = time.perf_counter()
    try:
        outcome = read(Path(path))
    except errors as exc:
        # drafts.DraftError says the parser's message; the parser's error is its context
        bound = getattr(exc, "bound", None) or getattr(exc.__context__, "bound", None)
        outcome = f"refused={bound or 'other'}"
        message = str(exc)
    else:
        message = ""
    seconds = time.perf_counter() - started
    peak = status_mb("VmHWM")
    result = {"seconds": seconds, "base_mb": base, "above_mb": max(0.0, peak - base)}
    print(json.dumps(result | {"outcome": outcome, "message": message}, ensure_ascii=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--through", choices=["import", "parse"], default="import")
    parser.add_argument("--only", help="names, separated by commas (see --list)")
    parser.add_argument("--list", action="store_true", help="print the names and stop")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a child may run")
    parser.add_argument(
        "--source", help="read with the theodoi package of this folder (an older tree's src/)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.through)
        return 0
    known = files()
    if args.list:
        print("\n".join(known))
        return 0
    names = args.only.split(",") if args.only else list(known)
    unknown = set(names) - set(known)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))} (see --list)")
    faults = 0
    worst = 0.0
    print(f"through={args.through} loadavg_start={os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="theodoi-hostile-") as folder:
        env = dict(os.environ)
        env.setdefault("THEODOI_SECRET_KEY", "bench-hostile-documents")
        env["THEODOI_DATA_DIR"] = str(Path(folder) / "data")
        env.pop("DATABASE_URL", None)  # a private SQLite file, not a shared database
        if args.source:
            env["PYTHONPATH"] = str(Path(args.source).resolve())
        if args.through == "import":
            subprocess.run(
                [sys.executable, "-m", "theodoi.cli", "migrate", "-v0"], env=env, check=True
            )
        for name in names:
            suffix, build, ordinary = known[name]
            path = Path(folder) / f"{name}{suffix}"
            path.write_bytes(build())
            size_kb = path.stat().st_size // 1024
            command = [sys.executable, __file__, "--through", args.through, "--child", str(path)]
            try:
                done = subprocess.run(
                    command, env=env, capture_output=True, text=True, timeout=args.timeout
                )
            except subprocess.TimeoutExpired:
                print(f"name={name} size_kb={size_kb} outcome=timeout_{args.timeout}s")
                continue
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                print(
                    f"name={name} size_kb={size_kb} outcome=crashed exit={done.returncode}: {tail}"
                )
                faults += 1
                continue
            result = json.loads(lines[-1])
            worst = max(worst, result["above_mb"])
            print(
                f"name={name} size_kb={size_kb} seconds={result['seconds']:.2f} "
                f"base_mb={result['base_mb']:.0f} peak_above_base_mb={result['above_mb']:.0f} "
                f"{result['outcome']}"
            )
            if result["message"]:
                print(f"  message: {result['message']}")
            if ordinary and result["outcome"].startswith("refused"):
                faults += 1
            path.unlink()
    print(f"worst_peak_above_base_mb={worst:.0f}")
    print(f"goal_peak_above_base_{GOAL_MB}mb={'met' if worst <= GOAL_MB else 'missed'}")
    print(f"loadavg_end={os.getloadavg()[0]:.1f}")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())

"""Files and folders only their owner can read: the data folder, the SQLite database, uploads
and backups hold password hashes and unpublished reports.

The modes are set explicitly (0700 folders, 0600 files) rather than left to the umask, which
is often 022 and would make them readable by every account on the machine. Pure Python: the
`theodoi` command uses it before Django is set up.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER = 0o700
FILE = 0o600


def private_folder(path: Path | str) -> Path:
    """``path`` and any missing folders above it, created 0700 whatever the umask. A folder
    that exists already keeps the mode its owner gave it."""
    path = Path(path)
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER)
        except FileExistsError:  # made meanwhile by another process
            continue
        folder.chmod(FOLDER)  # mkdir's mode passes through the umask
    if not path.is_dir():
        path.mkdir()  # raises the error a person can read (a file in the way)
    return path


def private_file(path: Path | str) -> Path:
    """An empty file at ``path``, 0600 whatever the umask, unless one is there already: made
    first so that a program which creates it otherwise (SQLite) opens this one."""
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE)
    except FileExistsError:
        return path
    try:
        os.fchmod(descriptor, FILE)
    finally:
        os.close(descriptor)
    return path


def write_private(path: Path | str, text: str) -> None:
    """``text`` (UTF-8) in a file that is 0600 from its first byte."""
    path = Path(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(descriptor, FILE)
        out.write(text)

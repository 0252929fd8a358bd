"""File modes: what holds subscribers' data is the site owner's alone.

The database (every address, name and signup IP) and its -wal and -shm files are 0600; the
outbox folder is 0700 and its messages 0600. The feeds and archive pages are public and
keep the usual world-readable modes.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _restrict(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & 0o077:
        os.chmod(path, current & mode)


def private_folder(folder: Path) -> None:
    """Make `folder` (and its parents) if missing; it alone is readable by its owner only."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    _restrict(folder, PRIVATE_FOLDER)


def private_database(path: Path) -> None:
    """Create a SQLite database file 0600 before SQLite does (SQLite would make it 0644).

    SQLite gives the -wal and -shm files the database file's mode; a database made by an
    older release is tightened, companions included.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for candidate in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
        _restrict(candidate, PRIVATE_FILE)

"""Say it once: what `run` has already told the user about the content folder's files.

Cron runs every ten minutes and mails whatever a run prints; a skipped draft or a broken
file must not fill the administrator's inbox. Each (file, message) is printed by the run
that first finds it; it is printed again when the file changes (its size or modification
time), or after it went away and came back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from syndicate.store import notices, utcnow, write_transaction

Notice = tuple[str, str]  # (the file, the line about it)


def _version(path: str) -> str:
    """Return what tells one version of a file from the next: its size and time."""
    try:
        status = os.stat(path)
    except OSError:
        return ""
    return f"{status.st_size}:{status.st_mtime_ns}"


def first_told(engine: Engine, current: Sequence[Notice]) -> list[Notice]:
    """Return the notices of `current` not told before, and remember exactly `current`."""
    # Stored under the file's name and version, so an edited file is told about again.
    keyed = {
        (f"{path}\n{_version(path)}"[:2000], message[:2000]): (path, message)
        for path, message in current
    }
    wanted = list(keyed)
    with write_transaction(engine) as conn:
        known = {(row.path, row.message) for row in conn.execute(sa.select(notices))}
        fresh = [notice for notice in wanted if notice not in known]
        gone = known - set(wanted)
        for path, message in gone:
            conn.execute(
                notices.delete().where(notices.c.path == path, notices.c.message == message)
            )
        if fresh:
            now = utcnow()
            conn.execute(
                notices.insert(),
                [{"path": p, "message": m, "created_at": now} for p, m in fresh],
            )
    return [keyed[key] for key in fresh]

"""Whether the feed files match the store: a mark left while they may not.

A publish sets the mark before it changes the store and clears it once every feed file is
renamed into place. A mark still there when the next publish or run starts means the last
one failed or was killed somewhere in between (the store may hold articles the feeds lack,
tag feeds may be missing, temporaries may be left over): that publish rebuilds every feed
file from the store and sweeps the temporaries, and only then queues the issues that waited
for those feeds.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from syndicate.atomic import write_atomic
from syndicate.config import Settings

MARK = ".syndicate-feeds-unfinished"


def _mark_path(settings: Settings) -> Path:
    return settings.site / MARK


def feeds_unfinished(settings: Settings) -> bool:
    """Tell whether the last feed write did not finish, so the feeds may lag the store."""
    return _mark_path(settings).exists()


def mark_unfinished(settings: Settings) -> None:
    """Record, durably, that feed files are about to change."""
    settings.site.mkdir(parents=True, exist_ok=True)
    write_atomic(
        _mark_path(settings), b"the feed files may lag the store: the next publish rebuilds them\n"
    )


def mark_finished(settings: Settings) -> None:
    """Record that every feed file is in place."""
    with contextlib.suppress(FileNotFoundError):
        _mark_path(settings).unlink()

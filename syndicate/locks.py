"""A per-site lock so that overlapping runs (cron and a manual run) take turns."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from syndicate.config import Settings
from syndicate.errors import LockedError


@contextmanager
def site_lock(
    settings: Settings, name: str = "publish", *, timeout: float = 120.0
) -> Iterator[None]:
    """Hold the site's `name` lock for the block, waiting up to `timeout` seconds for it.

    flock locks belong to the open file, so the kernel releases them when a run dies: no
    stale lock files to clean up after a crash.
    """
    settings.site.mkdir(parents=True, exist_ok=True)
    path = settings.site / f".syndicate-{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"another syndicate {name} is still running on {settings.site} "
                        f"(waited {timeout:.0f} s for {path.name})"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

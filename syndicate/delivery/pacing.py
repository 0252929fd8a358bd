"""How fast and how much one send may go: the rate limit, the `--limit` budget, retry delays."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from syndicate.config import Settings

MAX_BACKOFF = timedelta(hours=12)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Return how long a delivery deferred `attempts` times waits before the next try."""
    delay = timedelta(seconds=settings.retry_delay * 2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


class RateLimit:
    """Space sends `1 / rate` seconds apart across every connection together."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        """Return when this caller's slot comes, or as soon as `stop` is set."""
        if not self.interval:
            return
        with self.lock:
            slot = max(self.next, time.monotonic())
            self.next = slot + self.interval
        while not stop.is_set():
            left = slot - time.monotonic()
            if left <= 0:
                return
            stop.wait(min(left, 0.5))


class Budget:
    """How many more deliveries this run may claim (`--limit`), shared by the workers."""

    def __init__(self, limit: int | None) -> None:
        self.left = limit
        self.lock = threading.Lock()

    def take(self, wanted: int) -> int:
        """Grant up to `wanted` more deliveries; 0 when the budget is spent."""
        with self.lock:
            if self.left is None:
                return wanted
            granted = min(wanted, self.left)
            self.left -= granted
            return granted

    def give_back(self, unused: int) -> None:
        """Return what a claim did not use."""
        with self.lock:
            if self.left is not None:
                self.left += unused

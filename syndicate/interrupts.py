"""Ctrl-C and SIGTERM during `send` or `run`: stop cleanly, and say where the send stopped.

The sender's workers finish the message on the wire and give back the rows they hold, so
every delivery is sent or claimable again; the user hears how many went and how many are
left, and the exit code says which signal stopped it (130 for SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from syndicate.config import Settings
from syndicate.errors import Interrupted


def stopped(error: KeyboardInterrupt, *, sent: int) -> Interrupted:
    """Return the interrupt that stopped a send, with how many messages went out."""
    return Interrupted(getattr(error, "signum", signal.SIGINT), sent)


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Raise Interrupted in the main thread on SIGINT or SIGTERM, for the block."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def deliveries_left(settings: Settings) -> int:
    """Count the deliveries a send started now would work through."""
    from syndicate.delivery import count_due
    from syndicate.store import open_store

    engine = open_store(settings)
    try:
        return count_due(engine)
    finally:
        engine.dispose()

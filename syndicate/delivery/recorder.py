"""Recording a worker's accepted message while the wire waits for the next one.

A worker hands each accepted message to its `Recorder`, which holds the record (`direct`'s
SENT, one commit per message) until the worker next waits on the network: the transport
calls `settle` right after it has written the next message's MAIL, RCPT and DATA (with
PIPELINING; after the DATA reply without it), and the commit runs while the server
answers. Any other write of the worker settles it first, and so does a rate limit's wait.

Before this, a thread of its own wrote each record. The overlap was the same, but every
message then cost two hand-overs between threads, and on a busy machine each one waits
for the scheduler to run the other thread: a send ran at half the rate it reaches now.

The window is one message. The next message's DATA cannot end before `settle` has
committed the previous one; if that commit fails, the next message is dropped unsent
and the error stops the worker. So at any moment at most one message per connection is
accepted but not recorded, as DESIGN.md requires, and a crash can send at most that one
twice.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from syndicate.delivery.run import Run


class Recorder:
    """One worker's record of its last accepted message, written at the next wait."""

    def __init__(self, run: Run, statements: Callable[[], AbstractContextManager[Any]]) -> None:
        self.run = run
        self.statements = statements  # the worker's DBAPI connection for its turn
        self.pending: dict[str, object] | None = None

    def record_sent(self, values: dict[str, object]) -> None:
        """Hold one accepted message's record; the previous one must be settled."""
        assert self.pending is None, "settle() the previous message first"
        self.pending = values

    def settle(self) -> None:
        """Commit the record held, if any; raise what its write raised."""
        values, self.pending = self.pending, None
        if values is None:
            return
        run = self.run
        with run.sqlite_writes or nullcontext(), self.statements() as dbapi:
            run.direct.record_sent(dbapi, values)

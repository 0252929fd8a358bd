"""Recording a worker's accepted messages while its next message is on the wire.

A worker hands each accepted message to its `Recorder`, which commits it (`direct`'s SENT,
one commit per message) on a thread and a database connection of its own, and goes on
with the next delivery: the state check, the splice and the SMTP conversation of message
N+1 run while message N is written, and SQLite or the PostgreSQL driver do their part of
that write outside the GIL, on the other core.

The window is one message. Before the worker ends the DATA of message N+1 (the last moment
that message can still be withdrawn) it waits for N's commit (`settle`); if that commit
failed, N+1 is dropped unsent and the error stops the worker. So at any moment at most one
message per connection is accepted but not recorded, as DESIGN.md requires, and a crash
can send at most that one twice.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext

from sqlalchemy.engine import Connection

from syndicate.delivery.run import Run


class Recorder:
    """One worker's writer of sent messages: one thread, one connection, one in flight."""

    def __init__(self, run: Run, name: str) -> None:
        self.run = run
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-recorder")
        self.conn: Connection | None = None  # opened and used on the recorder's thread only
        self.pending: Future[None] | None = None

    def record_sent(self, values: dict[str, object]) -> None:
        """Start recording one accepted message; the previous one must be settled."""
        assert self.pending is None, "settle() the previous message first"
        self.pending = self.thread.submit(self._write, values)

    def settle(self) -> None:
        """Wait until the message handed over last is committed; raise what its write raised."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Settle the last message, then let go of the thread and its connection."""
        try:
            self.settle()
        finally:
            self.thread.submit(self._disconnect).result()
            self.thread.shutdown()

    def _write(self, values: dict[str, object]) -> None:
        run = self.run
        if self.conn is None:
            self.conn = run.engine.connect()
        with run.sqlite_writes or nullcontext():
            run.direct.record_sent(self.conn.connection.dbapi_connection, values)

    def _disconnect(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()

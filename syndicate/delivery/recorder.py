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

import threading
from contextlib import nullcontext
from queue import SimpleQueue

from sqlalchemy.engine import Connection

from syndicate.delivery.run import Run

_STOP = None  # what close() hands the thread instead of a message's values


class Recorder:
    """One worker's writer of sent messages: one thread, one connection, one in flight.

    A bare thread and two queues rather than an executor: submitting to a
    ThreadPoolExecutor (a Future, a work item, locks) cost more per message than the rest
    of the hand-over.
    """

    def __init__(self, run: Run, name: str) -> None:
        self.run = run
        self.conn: Connection | None = None  # opened and used on the recorder's thread only
        self.jobs: SimpleQueue[dict[str, object] | None] = SimpleQueue()
        self.results: SimpleQueue[BaseException | None] = SimpleQueue()
        self.pending = False
        self.thread = threading.Thread(target=self._serve, name=f"{name}-recorder", daemon=True)
        self.thread.start()

    def record_sent(self, values: dict[str, object]) -> None:
        """Start recording one accepted message; the previous one must be settled."""
        assert not self.pending, "settle() the previous message first"
        self.pending = True
        self.jobs.put(values)

    def settle(self) -> None:
        """Wait until the message handed over last is committed; raise what its write raised."""
        if not self.pending:
            return
        self.pending = False
        error = self.results.get()
        if error is not None:
            raise error

    def close(self) -> None:
        """Settle the last message, then let go of the thread and its connection."""
        try:
            self.settle()
        finally:
            self.jobs.put(_STOP)
            error = self.results.get()  # how letting go of the connection went
            self.thread.join()
            if error is not None:
                raise error

    def _serve(self) -> None:
        while (values := self.jobs.get()) is not _STOP:
            try:
                self._write(values)
            except BaseException as e:  # handed to the worker, which raises it
                self.results.put(e)
            else:
                self.results.put(None)
        try:
            self._disconnect()
        except BaseException as e:
            self.results.put(e)
        else:
            self.results.put(None)

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

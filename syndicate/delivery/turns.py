"""Taking turns at SQLite's one write lock: the threads and the processes of a send.

SQLite lets one connection write at a time. A writer that finds the lock taken is put off
by SQLite's busy handler, which sleeps and tries again (1, 2, 5, 10 ... ms): far longer
than the write it waits for (a tenth of a millisecond), and each sent message waits for
its record before the next one goes. So the senders queue up on locks that wake the next
writer the moment the lock is let go: a thread lock between the threads of one sender, and
an exclusive `flock` on a file beside the database (`<database>-send.lock`) between sender
processes (`send --processes N`, or two cron runs). Writers other than senders (commands,
the web app) never take it; SQLite's own lock still keeps them apart, as before.
"""

from __future__ import annotations

import os
import threading
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Connection, Engine

try:
    import fcntl
except ImportError:  # not POSIX: the processes fall back on SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

LOCK_FILE_MODE = 0o600


class WriteTurns:
    """A context manager held around every write a sender makes to one SQLite database."""

    def __init__(self, database: str | None) -> None:
        self.threads = threading.Lock()
        self.fd: int | None = None
        if fcntl is not None and database and database != ":memory:":
            path = f"{database}-send.lock"
            try:
                self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, LOCK_FILE_MODE)
            except OSError:  # a folder we cannot write to: SQLite's busy handler, as before
                self.fd = None

    def __enter__(self) -> WriteTurns:
        self.threads.acquire()
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            except BaseException:
                self.threads.release()
                raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self.fd is not None:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()

    def close(self) -> None:
        """Let go of the lock file (a process's lock goes with its descriptor)."""
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


class SharedConnection:
    """One SQLite connection for the per-message statements of all of a process's workers.

    SQLite empties a connection's page cache whenever another connection has written
    since its last transaction, and a worker writes once per message: with a connection
    each, two workers of one process made each other read every page again, about nine
    reads per message. Sharing one (under `lock`) keeps its cache warm between them; a
    statement takes microseconds, so the turns cost little.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.conn: Connection | None = None

    def dbapi(self) -> Any:
        """Return the shared DBAPI connection (opened on first use); hold `lock` around it."""
        if self.conn is None:
            self.conn = self.engine.connect()
        return self.conn.connection.dbapi_connection

    def close(self) -> None:
        """Let go of the connection."""
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()

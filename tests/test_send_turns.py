"""The senders' turns at SQLite's write lock: a kernel lock between processes, not sleeps."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.delivery.run import Run
from syndicate.delivery.turns import WriteTurns
from syndicate.delivery.worker import Worker
from syndicate.mailer import OutboxTransport


def _take_turns(first: WriteTurns, second: WriteTurns) -> None:
    """Hold `first`; check `second`, entered from another thread, waits until it is let go."""
    entered = threading.Event()

    def other() -> None:
        with second:
            entered.set()

    with first:
        thread = threading.Thread(target=other)
        thread.start()
        assert not entered.wait(0.3)  # held off while the first one writes
    assert entered.wait(5)  # and let in as soon as it is done
    thread.join()


def test_two_senders_on_one_database_take_turns(tmp_path: Path) -> None:
    database = str(tmp_path / "syndicate.db")
    # Two WriteTurns open the lock file twice, as two sender processes do.
    first, second = WriteTurns(database), WriteTurns(database)
    try:
        _take_turns(first, second)
    finally:
        first.close()
        second.close()
    lock_file = tmp_path / "syndicate.db-send.lock"
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600


def test_threads_of_one_sender_take_turns_too(tmp_path: Path) -> None:
    turns = WriteTurns(str(tmp_path / "syndicate.db"))
    try:
        _take_turns(turns, turns)
    finally:
        turns.close()


def test_an_in_memory_database_needs_no_lock_file(tmp_path: Path) -> None:
    turns = WriteTurns(":memory:")
    with turns:
        pass
    turns.close()
    assert turns.fd is None


def test_the_workers_of_one_sqlite_sender_share_a_connection_for_each_message(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    # Each worker writing on a connection of its own emptied the other's page cache.
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL workers keep a connection each")
    run = Run(engine, settings, 0, None, None)
    first, second = (Worker(run, OutboxTransport(tmp_path / "outbox")) for _ in range(2))
    try:
        with first.statements() as one:
            held = run.shared is not None and run.shared.lock.locked()
        with second.statements() as other:
            pass
        assert held and one is other
    finally:
        run.close()

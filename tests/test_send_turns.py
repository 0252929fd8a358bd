"""The senders' turns at SQLite's write lock: a kernel lock between processes, not sleeps."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from syndicate.delivery.turns import WriteTurns


def test_two_senders_on_one_database_take_turns(tmp_path: Path) -> None:
    database = str(tmp_path / "syndicate.db")
    # Two WriteTurns open the lock file twice, as two sender processes do.
    first, second = WriteTurns(database), WriteTurns(database)
    entered = threading.Event()

    def other_sender() -> None:
        with second:
            entered.set()

    try:
        with first:
            thread = threading.Thread(target=other_sender)
            thread.start()
            assert not entered.wait(0.3)  # held off while the first one writes
        assert entered.wait(5)  # and let in as soon as it is done
        thread.join()
    finally:
        first.close()
        second.close()
    lock_file = tmp_path / "syndicate.db-send.lock"
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600


def test_threads_of_one_sender_take_turns_too(tmp_path: Path) -> None:
    turns = WriteTurns(str(tmp_path / "syndicate.db"))
    entered = threading.Event()

    def other_thread() -> None:
        with turns:
            entered.set()

    try:
        with turns:
            thread = threading.Thread(target=other_thread)
            thread.start()
            assert not entered.wait(0.3)
        assert entered.wait(5)
        thread.join()
    finally:
        turns.close()


def test_an_in_memory_database_needs_no_lock_file(tmp_path: Path) -> None:
    turns = WriteTurns(":memory:")
    with turns:
        pass
    turns.close()
    assert turns.fd is None

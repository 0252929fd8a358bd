"""Issue 17: private files are private, and no temporary of ours is left to be published."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from delivery_helpers import add_active, delivery_states, write_article
from site_helpers import cli, store

from syndicate import atomic
from syndicate.atomic import remove_stale_temporaries
from syndicate.store import subscribers


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(bool(os.environ.get("SYNDICATE_TEST_DB")), reason="SQLite files only")
def test_database_and_outbox_are_private_feeds_public(site: Path, usual_umask: object) -> None:
    add_active(site, 1)
    write_article(site)
    assert cli(site, "run").exit_code == 0
    db = site / "syndicate.db"
    assert mode(db) == 0o600
    with store(site) as engine, engine.begin() as conn:
        conn.execute(sa.update(subscribers).values(name="Dana Reader"))
        companions = [db.with_name(db.name + end) for end in ("-wal", "-shm")]
        assert all(path.exists() for path in companions)
        assert [mode(path) for path in companions] == [0o600, 0o600]
    outbox = site / "outbox"
    assert mode(outbox) == 0o700
    assert [mode(p) for p in outbox.iterdir()] == [0o600]
    feeds = site / "feeds"
    assert mode(feeds) & 0o005 == 0o005
    assert all(mode(p) & 0o004 for p in feeds.rglob("*") if p.is_file())


@pytest.mark.skipif(bool(os.environ.get("SYNDICATE_TEST_DB")), reason="SQLite files only")
def test_a_database_made_world_readable_is_tightened(site: Path, usual_umask: object) -> None:
    add_active(site, 1)
    db = site / "syndicate.db"
    os.chmod(db, 0o644)
    (site / "outbox").mkdir(mode=0o755)
    os.chmod(site / "outbox", 0o755)
    assert cli(site, "signup", "second@example.net").exit_code == 0
    assert mode(db) == 0o600
    assert mode(site / "outbox") == 0o700


def gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_ours_are_removed_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "feeds" / "tags" / "ferries"
    folder.mkdir(parents=True)
    dead = folder / f".atom.xml.{gone_pid()}.k2j4h6g8.tmp"
    old = folder / ".rss.xml.1.a1b2c3d4.tmp"  # pid 1 is alive, but the file is two hours old
    fresh = folder / ".feed.json.1.z9y8x7w6.tmp"  # alive and new: another publish's, kept
    mine = folder / f".atom.xml.{os.getpid()}.abcdefgh.tmp"
    others = [folder / ".atom.xml.tmp", folder / "notes.tmp", folder / "atom.xml"]
    for path in (dead, old, fresh, mine, *others):
        path.write_bytes(b"<feed")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    removed = remove_stale_temporaries(tmp_path / "feeds")
    assert sorted(removed) == sorted([dead, old])
    assert all(path.exists() for path in (fresh, mine, *others))


def test_send_sweeps_the_outbox_and_a_full_disk_leaves_no_half_message(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_active(site, 2)
    write_article(site)
    assert cli(site, "publish", str(site / "content" / "ferry.md")).exit_code == 0
    outbox = site / "outbox"
    outbox.mkdir(mode=0o700)
    stale = outbox / f".outbox.{gone_pid()}.q1w2e3r4.tmp"
    stale.write_bytes(b"From: half a message")

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            self.handle.write(data[:100])  # type: ignore[attr-defined]
            self.handle.flush()  # type: ignore[attr-defined]
            raise OSError(28, "No space left on device")

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        handle = real_fdopen(fd, mode, *args, **kwargs)  # type: ignore[call-overload]
        return FullDisk(handle) if mode == "wb" else handle

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    result = cli(site, "send")
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "stay due" in result.stderr
    assert list(outbox.iterdir()) == []  # the stale one swept, the truncated one removed
    assert delivery_states(site) == {"due": 2}  # what it says: they stay due

    monkeypatch.setattr(atomic.os, "fdopen", real_fdopen)
    assert cli(site, "send").exit_code == 0
    assert delivery_states(site) == {"written": 2}

"""The pieces publish stands on: the atomic batch writer and the site lock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syndicate.atomic import atomic_files, write_atomic
from syndicate.config import load_settings
from syndicate.errors import LockedError
from syndicate.locks import site_lock


def test_write_atomic_skips_identical_content(tmp_path: Path) -> None:
    path = tmp_path / "feeds" / "atom.xml"
    assert write_atomic(path, b"<feed/>") is True
    mtime = path.stat().st_mtime_ns
    assert write_atomic(path, b"<feed/>") is False
    assert path.stat().st_mtime_ns == mtime
    assert write_atomic(path, b"<feed>new</feed>") is True
    assert path.read_bytes() == b"<feed>new</feed>"
    assert sorted(p.name for p in path.parent.iterdir()) == ["atom.xml"]


def test_a_failed_batch_leaves_the_old_files_and_no_temp_files(tmp_path: Path) -> None:
    old = tmp_path / "rss.xml"
    old.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_files() as batch:
        batch.stage(old, b"new")
        batch.stage(tmp_path / "feed.json", b"{}")
        raise RuntimeError("rendering failed")
    assert old.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rss.xml"]


def test_a_failed_rename_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace
    calls: list[str] = []

    def replace_once(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr("syndicate.atomic.os.replace", replace_once)
    with pytest.raises(OSError), atomic_files() as batch:
        for name in ("a.xml", "b.xml", "c.xml"):
            batch.stage(tmp_path / name, name.encode())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]


def test_site_lock_excludes_a_second_holder(site: Path) -> None:
    settings = load_settings(site)
    with site_lock(settings, "run"):
        busy = pytest.raises(LockedError, match="another syndicate run is still running")
        with busy, site_lock(settings, "run", timeout=0):
            pass
        with site_lock(settings, "publish", timeout=0):  # another lock is independent
            pass
    with site_lock(settings, "run", timeout=0):  # released on exit
        pass

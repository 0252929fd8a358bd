"""Atomic file writes: a reader never sees half a file, a failed batch leaves the old files.

Files are staged as temporary files in their own folder (so `os.replace` is a rename on
one filesystem), flushed to disk, and only renamed into place once every file of the batch
is staged. A temporary's name carries the writer's process id: one left behind by a killed
process is recognised as ours and swept away later (`remove_stale_temporaries`). Hand-written because the standard library has no multi-file atomic writer and
the single-file libraries (atomicwrites is unmaintained) do not batch.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# ".<name>.<pid>.<random>.tmp": the names `temporary_prefix` gives, nobody else's files.
_OUR_TEMPORARY = re.compile(r"\..+\.(\d+)\.[A-Za-z0-9_]+\.tmp")
STALE_AFTER = 3600.0  # seconds: a temporary this old is left over, whoever wrote it


def temporary_prefix(name: str) -> str:
    """Return the prefix of a temporary file for `name` written by this process."""
    return f".{name}.{os.getpid()}."


def process_alive(pid: int) -> bool:
    """Return whether a process `pid` runs on this machine (whoever's it is)."""
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # alive, another user's
    except (OverflowError, OSError):  # ProcessLookupError, or a number no process can have
        return False
    return True


def remove_stale_temporaries(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Delete our temporaries under `folder` whose writer is gone or that are over an hour old.

    A web server or rsync would otherwise publish them. Only names of our own pattern are
    touched, and never this process's own.
    """
    removed: list[Path] = []
    now = time.time()
    walk = os.walk(folder) if recursive else [(str(folder), [], _names(folder))]
    for root, _, names in walk:
        for name in names:
            match = _OUR_TEMPORARY.fullmatch(name)
            if match is None or int(match.group(1)) == os.getpid():
                continue
            path = Path(root) / name
            try:
                old = now - path.stat().st_mtime > STALE_AFTER
                if old or not process_alive(int(match.group(1))):
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue  # gone already, or not ours to delete: leave it
    return removed


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _fsync_folder(folder: Path) -> None:
    # The rename itself lives in the folder's entry table: sync it so it survives a crash.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicFiles:
    """A batch of files written all at once: stage each, then commit renames them into place."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def stage(self, path: Path, data: bytes, *, mode: int = 0o644) -> bool:
        """Write `data` to a temporary file beside `path`; return False when `path` already holds it.

        The file gets `mode` before it is renamed into place, so it is never readable wider.
        """
        try:
            if path.read_bytes() == data:
                return False
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=temporary_prefix(path.name), suffix=".tmp", dir=path.parent
        )
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, mode)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        self._staged.append((temp, path))
        return True

    @property
    def paths(self) -> list[Path]:
        """Return the files this batch will replace."""
        return [path for _, path in self._staged]

    def commit(self) -> None:
        """Rename every staged file into place."""
        folders = set()
        try:
            while self._staged:
                temp, path = self._staged[0]
                os.replace(temp, path)
                self._staged.pop(0)
                folders.add(path.parent)
        finally:
            self.discard()  # after a failed rename, leave no temporary files behind
        for folder in sorted(folders):
            _fsync_folder(folder)

    def discard(self) -> None:
        """Remove every staged temporary file, leaving the old files as they were."""
        for temp, _ in self._staged:
            temp.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def atomic_files() -> Iterator[AtomicFiles]:
    """Stage files in the block; rename them all when it ends, discard them all if it raises."""
    batch = AtomicFiles()
    try:
        yield batch
    except BaseException:
        batch.discard()
        raise
    batch.commit()


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> bool:
    """Replace `path` with `data` atomically; return False when it already held exactly that."""
    with atomic_files() as batch:
        return batch.stage(path, data, mode=mode)

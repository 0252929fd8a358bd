"""Helpers for tests that drive a site: the command line, a look at its database, files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine

from syndicate.cli import main
from syndicate.config import Settings, load_settings
from syndicate.store import open_store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"  # the project's own articles


def cli(site: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run `syndicate --site SITE ARGS...` in-process, like a user would.

    An exception that escapes the command fails the test with its traceback: click would
    otherwise report it as exit code 1, the code a clean `Error:` line also has.
    """
    return CliRunner().invoke(
        main, ["--site", str(site), *args], env=dict(env or {}), catch_exceptions=False
    )


@contextmanager
def store(site: Path | Settings) -> Iterator[Engine]:
    """Open a site's database (by folder or settings), and let go of its connections after."""
    engine = open_store(site if isinstance(site, Settings) else load_settings(site, environ={}))
    try:
        yield engine
    finally:
        engine.dispose()


def write_file(folder: Path, name: str, data: bytes | str) -> Path:
    """Write a file (text as UTF-8) into `folder` and return its path."""
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def add_settings(site: Path, section: str, *lines: str) -> None:
    """Add `key = value` lines to a section of the site's syndicate.toml, made if missing."""
    path = site / "syndicate.toml"
    text = path.read_text(encoding="utf-8")
    header = f"[{section}]\n"
    added = "".join(f"{line}\n" for line in lines)
    if header in text:
        text = text.replace(header, header + added, 1)
    else:
        text += f"\n{header}{added}"
    path.write_text(text, encoding="utf-8")

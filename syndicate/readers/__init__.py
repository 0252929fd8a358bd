"""Readers: one per article format, all returning the same Article.

`read_article` checks the file, decodes it and hands the text to the reader its
extension (or `fmt`) picks; each reader module declares the extensions it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from syndicate.config import Settings
from syndicate.errors import DecodeProblem, InputError
from syndicate.model import Article
from syndicate.readers import html, markdown, text
from syndicate.readers.assemble import Source
from syndicate.readers.fetch import is_url, read_url
from syndicate.readers.normalize import clean_text, decode

MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Reader:
    """One article format: its name, the extensions it takes and how it reads bytes."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[Source, bytes], Article]


def _read_text(data: bytes, source: Source) -> str:
    try:
        cleaned = clean_text(decode(data))
    except DecodeProblem as e:
        raise source.problem(str(e)) from None
    if not cleaned.strip():
        raise source.problem("is empty")
    return cleaned


READERS: tuple[Reader, ...] = (
    Reader("text", text.EXTENSIONS, lambda src, data: text.read(src, _read_text(data, src))),
    Reader(
        "markdown",
        markdown.EXTENSIONS,
        lambda src, data: markdown.read(src, _read_text(data, src)),
    ),
    Reader("html", html.EXTENSIONS, html.read),
)
FORMATS: tuple[str, ...] = tuple(reader.name for reader in READERS)


def reader_for(path: Path, fmt: str | None = None) -> Reader:
    """Pick the reader by name, else by the file's extension."""
    if fmt is not None:
        for reader in READERS:
            if reader.name == fmt:
                return reader
        raise InputError(f"{path}: unknown format {fmt!r} (use {', '.join(FORMATS)})")
    suffix = path.suffix.lower()
    for reader in READERS:
        if suffix in reader.extensions:
            return reader
    known = ", ".join(ext for reader in READERS for ext in reader.extensions)
    what = f"extension {suffix!r}" if suffix else "no extension"
    raise InputError(f"{path}: unknown article format ({what}; expected {known}, or pass --format)")


def read_source(ref: str | Path, settings: Settings, fmt: str | None = None) -> Article:
    """Read an article file, or fetch and read the page when `ref` is a URL."""
    if isinstance(ref, str) and is_url(ref):
        if fmt not in (None, "html"):
            raise InputError(f"{ref}: a fetched page is read as html, not {fmt}")
        return read_url(ref, settings)
    return read_article(Path(ref), settings, fmt)


def read_article(path: Path, settings: Settings, fmt: str | None = None) -> Article:
    """Read one article file; raise InputError (one line naming the file) for bad input."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not an article file")
    if not path.is_file():
        raise InputError(f"{path}: is not a regular file")
    reader = reader_for(path, fmt)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"{path}: is {size / 1024 / 1024:.1f} MB; articles are limited to 10 MB"
            )
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    source = Source(path=path, settings=settings)
    if not data.strip():
        raise source.problem("is empty")
    article = reader.read(source, data)
    if not article.title:
        raise source.problem("no recognisable title")
    return article

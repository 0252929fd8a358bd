"""Followed feeds in the store: add, list, find, remove, and the entries each has shown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndicate.errors import InputError
from syndicate.sources.tables import source_entries, sources
from syndicate.states import SourceState
from syndicate.store import TableRow, storable_id


@dataclass(frozen=True)
class Source:
    """One followed feed and the state of its polling."""

    id: int
    url: str
    name: str
    tags: tuple[str, ...] = ()
    full_page: bool = False
    every: float | None = None
    backfill: int = 0
    state: SourceState = SourceState.NEW
    etag: str | None = None
    last_modified: str | None = None
    body_digest: str | None = None
    failures: int = 0
    last_error: str | None = None
    next_check: datetime | None = None
    last_check: datetime | None = None
    last_new: datetime | None = None

    def conditional_headers(self) -> dict[str, str]:
        """The validators of the last answer, sent back so an unchanged feed costs a 304."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _source(row: TableRow) -> Source:
    tags = json.loads(row.tags or "[]")
    return Source(
        id=row.id,
        url=row.url,
        name=row.name,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        full_page=bool(row.full_page),
        every=row.every,
        backfill=row.backfill or 0,
        state=SourceState(row.state),
        etag=row.etag,
        last_modified=row.last_modified,
        body_digest=row.body_digest,
        failures=row.failures or 0,
        last_error=row.last_error,
        next_check=row.next_check,
        last_check=row.last_check,
        last_new=row.last_new,
    )


def check_feed_url(url: str) -> str:
    """Accept an absolute http(s) URL; anything else is a user mistake."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = urlsplit("")
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise InputError(f"{url!r} is not an http:// or https:// feed address")
    return url.strip()


def _free_name(conn: Connection, wanted: str) -> str:
    name, number = wanted, 1
    while conn.execute(sa.select(sources.c.id).where(sources.c.name == name)).first():
        number += 1
        name = f"{wanted}-{number}"
    return name


def add_source(
    conn: Connection, url: str, *, name: str | None, now: datetime, **options: Any
) -> Source:
    """Follow the feed at `url` (tags, full_page, every, backfill in `options`)."""
    url = check_feed_url(url)
    if conn.execute(sa.select(sources.c.id).where(sources.c.url == url)).first():
        raise InputError(f"{url} is followed already (syndicate sources list)")
    if name is not None:
        name = " ".join(name.split())
        if not name or name.isdigit():
            raise InputError(f"--name: {name!r} is not a usable name (it needs a letter)")
        if conn.execute(sa.select(sources.c.id).where(sources.c.name == name)).first():
            raise InputError(f"--name: a source is named {name!r} already")
    else:
        name = _free_name(conn, urlsplit(url).hostname or "feed")
    values = dict(options, tags=json.dumps(list(options.get("tags", ()))))
    conn.execute(
        sources.insert().values(
            url=url, name=name, state=SourceState.NEW, created_at=now, failures=0, **values
        )
    )
    return find_source(conn, url)


def list_sources(conn: Connection) -> list[Source]:
    """Every followed feed, by name."""
    return [_source(row) for row in conn.execute(sa.select(sources).order_by(sources.c.name))]


def due_sources(conn: Connection, now: datetime) -> list[Source]:
    """The sources a run polls now: not failing, and their next check has come."""
    query = sa.select(sources).where(
        sources.c.state != SourceState.FAILING,
        sa.or_(sources.c.next_check.is_(None), sources.c.next_check <= now),
    )
    return [_source(row) for row in conn.execute(query.order_by(sources.c.id))]


def find_source(conn: Connection, ref: str) -> Source:
    """Find a followed feed by its name, its URL or its number."""
    ref = ref.strip()
    condition = sa.or_(sources.c.name == ref, sources.c.url == ref)
    if ref.isdigit() and storable_id(int(ref)):
        condition = sa.or_(condition, sources.c.id == int(ref))
    row = conn.execute(sa.select(sources).where(condition).limit(1)).first()
    if row is None:
        raise InputError(f"no followed feed {ref!r} (syndicate sources list)")
    return _source(row)


def remove_source(conn: Connection, ref: str) -> Source:
    """Stop following a feed; the articles made from it stay."""
    source = find_source(conn, ref)
    conn.execute(source_entries.delete().where(source_entries.c.source_id == source.id))
    conn.execute(sources.delete().where(sources.c.id == source.id))
    return source


@dataclass(frozen=True)
class Seen:
    """An entry shown before: what it said, and its article if it became one."""

    digest: str
    article_pk: int | None


def seen_entries(conn: Connection, source_id: int) -> dict[str, Seen]:
    """Every entry the source has shown, by entry key."""
    query = sa.select(
        source_entries.c.entry_key, source_entries.c.digest, source_entries.c.article_pk
    ).where(source_entries.c.source_id == source_id)
    return {row.entry_key: Seen(row.digest, row.article_pk) for row in conn.execute(query)}


def failing_feeds(conn: Connection, *_: Any) -> list[str] | None:
    """The followed feeds that fail (marked failing, or failing now), one line each."""
    query = sa.select(sources).where(sources.c.failures > 0).order_by(sources.c.name)
    found = [_source(row) for row in conn.execute(query)]
    return [
        f"{s.name} ({s.state}, {s.failures} failures in a row): {s.last_error}" for s in found
    ] or None

"""Publishing what a check found, and remembering it: the state of each source, its entries.

`run` publishes a check's entries in its own batch with the content folder's files;
`check_now` is `syndicate sources check`. Either way the state is written only after the
articles are stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.publishing import PublishOptions, PublishResult, publish_batch
from syndicate.sources.checking import Check, Outcome, check_sources
from syndicate.sources.entries import SOURCE_KEY_PREFIX
from syndicate.sources.tables import source_entries, sources
from syndicate.store import articles, open_store, utcnow, write_transaction


def publish_backfill(engine: Engine, settings: Settings, check: Check, *, dry_run: bool) -> None:
    """Store the first polls' backfilled entries: in the feeds, never mailed."""
    if check.backfill:
        options = PublishOptions(send_email=False, strict=False, dry_run=dry_run)
        publish_batch(engine, settings, check.backfill, options)


def _article_pks(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        query = sa.select(articles.c.key, articles.c.pk).where(
            articles.c.key.in_(keys[start : start + 500])
        )
        found.update({row.key: row.pk for row in conn.execute(query)})
    return found


_STATE = ("url", "state", "etag", "last_modified", "body_digest", "failures", "last_error", "next_check",
          "last_check", "last_new")  # fmt: skip


def _save_sources(conn: Connection, outcomes: Sequence[Outcome]) -> None:
    """Write every polled source's state in one statement, executed for each."""
    rows = [
        {"source_id": o.source.id, **{f"new_{name}": getattr(o.source, name) for name in _STATE}}
        for o in outcomes
    ]
    if rows:
        statement = (
            sources.update()
            .where(sources.c.id == sa.bindparam("source_id"))
            .values({name: sa.bindparam(f"new_{name}") for name in _STATE})
        )
        conn.execute(statement, rows)


def _remember_entries(conn: Connection, outcome: Outcome, pks: dict[str, int]) -> None:
    source = outcome.source
    now = utcnow()
    keys = list(outcome.seen)
    known = {
        row.entry_key: row.article_pk
        for row in conn.execute(
            sa.select(source_entries.c.entry_key, source_entries.c.article_pk).where(
                source_entries.c.source_id == source.id, source_entries.c.entry_key.in_(keys)
            )
        )
    }
    for key, digest in outcome.seen.items():
        pk = pks.get(f"{SOURCE_KEY_PREFIX}{source.id}:{key}", known.get(key))
        if key in known:
            conn.execute(
                source_entries.update()
                .where(source_entries.c.source_id == source.id, source_entries.c.entry_key == key)
                .values(digest=digest, article_pk=pk)
            )
        else:
            conn.execute(
                source_entries.insert().values(
                    source_id=source.id, entry_key=key, digest=digest, article_pk=pk, first_seen=now
                )
            )


def record_check(engine: Engine, check: Check) -> None:
    """Keep each polled source's new state and the entries it showed, in one transaction.

    A permanent redirect to a URL another source follows keeps the old URL (no clash).
    """
    with write_transaction(engine) as conn:
        urls = {row.id: row.url for row in conn.execute(sa.select(sources.c.id, sources.c.url))}
        owners = {url: number for number, url in urls.items()}
        pks = _article_pks(conn, [a.key for a in [*check.articles, *check.backfill] if a.key])
        kept = []
        for outcome in check.outcomes:
            source = outcome.source
            if source.id not in urls:
                continue  # removed while it was polled
            if owners.get(source.url, source.id) != source.id:
                outcome = replace(outcome, source=replace(source, url=urls[source.id]))
            kept.append(outcome)
        _save_sources(conn, kept)
        for outcome in kept:
            if outcome.seen:
                _remember_entries(conn, outcome, pks)


@dataclass(frozen=True)
class CheckReport:
    """What `sources check` found: per source, its answer; the articles published."""

    check: Check
    published: tuple[PublishResult, ...]
    dry_run: bool


def check_now(
    settings: Settings, refs: Sequence[str] = (), *, dry_run: bool = False
) -> CheckReport:
    """Poll `refs` (else every source not failing) now, publish what is new, remember it.

    A dry run polls and says what is new, and stores nothing.
    """
    engine = open_store(settings)
    try:
        check = check_sources(engine, settings, refs or None, all_sources=True)
        if dry_run:
            return CheckReport(check, (), True)
        options = PublishOptions(strict=False)
        published, _ = publish_batch(engine, settings, check.articles, options)
        publish_backfill(engine, settings, check, dry_run=False)
        record_check(engine, check)
    finally:
        engine.dispose()
    return CheckReport(check, published.results, False)

"""The job `run` and `sources check` share: poll, decide what is new, publish, remember.

Nothing is written until the articles are published: a poll whose publishing fails leaves
the source's validators and seen entries as they were, so the next run sees the same
entries again (and the store's identity makes a second pass harmless).

- The first successful poll of a source records its entries as seen and mails nothing;
  with `backfill` N, its N newest become articles, never mailed.
- Later, an entry whose id (else link) was never seen is new; a seen one whose text or
  dates changed is an edit of its article (no second email); an unpublished one stays out.
- A failure is told once when it starts and once when the source is marked failing after
  FAILURE_LIMIT in a row; meanwhile the source backs off, doubling up to a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.articles import UNPUBLISHED
from syndicate.config import Settings
from syndicate.model import Article
from syndicate.sources.entries import entry_article, entry_key, full_page, newest_first
from syndicate.sources.feeds import Entry
from syndicate.sources.polling import Polled, body_digest, poll
from syndicate.sources.records import (
    Source,
    due_sources,
    failing_feeds,
    find_source,
    list_sources,
    seen_entries,
)
from syndicate.states import SourceState
from syndicate.status import add_section
from syndicate.store import articles, utcnow

add_section("failing_feeds", failing_feeds)  # `syndicate status` shows them

FAILURE_LIMIT = 10
FIRST_DELAY = timedelta(minutes=10)  # the first retry of a source polled at every run
MAX_DELAY = timedelta(days=1)


@dataclass(frozen=True)
class Found:
    """One entry that becomes (or updates) an article."""

    key: str
    digest: str
    article: Article
    edit: bool = False


@dataclass(frozen=True)
class Outcome:
    """What one poll of one source found, and the state to keep once it is published."""

    source: Source  # as it is to be stored
    found: tuple[Found, ...] = ()  # new and edited entries: published, mailed when new
    backfill: tuple[Found, ...] = ()  # the first poll's newest: published, never mailed
    seen: dict[str, str] = field(default_factory=dict)  # entry key: digest, to remember
    warning: str | None = None
    error: str | None = None
    not_modified: bool = False


@dataclass(frozen=True)
class Check:
    """Every source polled by one run or `sources check`."""

    outcomes: tuple[Outcome, ...]

    @property
    def articles(self) -> list[Article]:
        return [found.article for o in self.outcomes for found in o.found]

    @property
    def backfill(self) -> list[Article]:
        return [found.article for o in self.outcomes for found in o.backfill]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(o.warning for o in self.outcomes if o.warning)


def backoff(source: Source, failures: int) -> timedelta:
    """How long a source that failed `failures` times in a row waits: doubling, up to a day."""
    base = timedelta(seconds=source.every) if source.every else FIRST_DELAY
    return min(base * 2 ** min(failures - 1, 20), MAX_DELAY)


def _failed(source: Source, error: str, now: datetime) -> Outcome:
    failures = source.failures + 1
    state = SourceState.FAILING if failures >= FAILURE_LIMIT else source.state
    warning = None
    if failures == 1:
        warning = f"source {source.name}: {error} (retried later, less often; said once)"
    elif failures == FAILURE_LIMIT:
        warning = (
            f"source {source.name} is marked failing after {failures} failures in a row "
            f"(last: {error}); `run` no longer polls it: "
            f"`syndicate sources check {source.name}` polls it and re-enables it"
        )
    stored = replace(
        source,
        state=state,
        failures=failures,
        last_error=error[:2000],
        last_check=now,
        next_check=now + backoff(source, failures),
    )
    return Outcome(stored, warning=warning, error=error)


def _succeeded(source: Source, polled: Polled, now: datetime) -> Source:
    fetched = polled.fetched
    assert fetched is not None
    changes: dict[str, object] = {}
    if not polled.not_modified:
        changes = {
            "etag": (fetched.headers.get("etag") or "")[:500] or None,
            "last_modified": (fetched.headers.get("last-modified") or "")[:200] or None,
            "body_digest": body_digest(fetched),
        }
    if fetched.moved_to and len(fetched.moved_to) <= 2000:
        changes["url"] = fetched.moved_to
    state = SourceState.ACTIVE if source.state != SourceState.NEW or polled.feed else source.state
    every = timedelta(seconds=source.every) if source.every else None
    return replace(
        source,
        state=state,
        failures=0,
        last_error=None,
        last_check=now,
        next_check=now + every if every else None,
        **changes,  # type: ignore[arg-type]
    )


def _article(settings: Settings, source: Source, entry: Entry, polled: Polled) -> Article:
    assert polled.feed is not None
    page = full_page(entry, settings) if source.full_page else None
    return entry_article(entry, source, polled.feed, settings, page)


def _unpublished(conn: Connection, article_pk: int | None) -> bool:
    if article_pk is None:
        return True  # seen on the first poll: it never became an article
    state = conn.execute(sa.select(articles.c.state).where(articles.c.pk == article_pk)).scalar()
    return state is None or state == UNPUBLISHED


def _read_entries(
    conn: Connection, settings: Settings, polled: Polled, source: Source, now: datetime
) -> Outcome:
    assert polled.feed is not None
    seen = seen_entries(conn, source.id)
    # A source re-enabled after failing from the start has never been read either.
    was = polled.source.state
    first = was == SourceState.NEW or (was == SourceState.FAILING and not seen)
    entries: dict[str, Entry] = {}
    for entry in polled.feed.entries:
        entries.setdefault(entry_key(entry), entry)  # a repeated id: the first one counts
    remember = {key: entry.digest for key, entry in entries.items()}
    found, backfill = [], []
    if first:
        wanted = {entry_key(e) for e in newest_first(tuple(entries.values()))[: source.backfill]}
        for key in wanted:
            article = _article(settings, source, entries[key], polled)
            backfill.append(Found(key, remember[key], article))
    for key, entry in entries.items() if not first else ():
        known = seen.get(key)
        if known is not None and known.digest == remember[key]:
            del remember[key]  # nothing to write
            continue
        if known is not None and _unpublished(conn, known.article_pk):
            continue  # an edit of what is not (or no longer) an article: remembered only
        article = _article(settings, source, entry, polled)
        found.append(Found(key, remember[key], article, edit=known is not None))
    if any(not f.edit for f in found):
        source = replace(source, last_new=now)
    return Outcome(source, tuple(found), tuple(backfill), remember)


def decide(conn: Connection, settings: Settings, polled: Polled, now: datetime) -> Outcome:
    """Turn one source's answer into what to publish and what to remember."""
    source = polled.source
    if polled.error is not None:
        return _failed(source, polled.error, now)
    stored = _succeeded(source, polled, now)
    if polled.not_modified:
        return Outcome(stored, not_modified=True)
    try:
        return _read_entries(conn, settings, polled, stored, now)
    except Exception as e:  # noqa: BLE001 - a stranger's entries must not stop the run
        return _failed(source, f"{source.url}: cannot be read ({type(e).__name__}: {e})", now)


def check_sources(
    engine: Engine,
    settings: Settings,
    refs: Sequence[str] | None = None,
    *,
    all_sources: bool = False,
) -> Check:
    """Poll the sources due now (`refs`: those, failing or not; `all_sources`: every one)."""
    now = utcnow()
    with engine.connect() as conn:
        if refs:
            chosen = [find_source(conn, ref) for ref in dict.fromkeys(refs)]
        elif all_sources:
            chosen = [s for s in list_sources(conn) if s.state != SourceState.FAILING]
        else:
            chosen = due_sources(conn, now)
    answers = poll(chosen, settings)
    with engine.connect() as conn:
        return Check(tuple(decide(conn, settings, polled, now) for polled in answers))

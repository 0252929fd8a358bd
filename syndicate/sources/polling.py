"""Fetching followed feeds, several at once, over one pool of connections.

Each fetch is a conditional GET (the stored ETag and Last-Modified sent back); whatever a
source answers (an error, a page that is no feed, 50 MB, a parser's surprise) becomes
that source's failure, never the run's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from syndicate.config import Settings
from syndicate.errors import FetchError
from syndicate.readers.fetch import Fetched, fetch, http_client
from syndicate.sources.feeds import Feed, read_feed
from syndicate.sources.records import Source

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


@dataclass(frozen=True)
class Polled:
    """One source's answer: not modified (no feed), a feed, or the reason it failed."""

    source: Source
    fetched: Fetched | None = None
    feed: Feed | None = None
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        """A 304, or the very bytes read last time."""
        return self.fetched is not None and (
            self.fetched.status == 304 or self.source.body_digest == body_digest(self.fetched)
        )


def body_digest(fetched: Fetched) -> str:
    return hashlib.sha256(fetched.content).hexdigest()


def poll_one(source: Source, client: httpx.Client) -> Polled:
    """Fetch and read one source; a failure is returned, never raised."""
    headers = {"Accept": ACCEPT, **source.conditional_headers()}
    try:
        fetched = fetch(source.url, headers=headers, client=client)
        unchanged = Polled(source, fetched)
        if unchanged.not_modified:
            return unchanged
        return Polled(source, fetched, read_feed(fetched.url, fetched.content, fetched.headers))
    except FetchError as e:
        return Polled(source, error=str(e))
    except Exception as e:  # noqa: BLE001 - a stranger's bytes must not stop the run
        return Polled(source, error=f"{source.url}: cannot be read ({type(e).__name__}: {e})")


def poll(sources: Sequence[Source], settings: Settings) -> list[Polled]:
    """Fetch `sources` at most `sources.pool` at a time; one answer each, in order."""
    if not sources:
        return []
    pool = max(1, settings.sources_pool)
    seconds = settings.sources_timeout or 20.0
    timeout = httpx.Timeout(seconds, connect=min(seconds, 10.0))
    with http_client(timeout, connections=pool) as client, ThreadPoolExecutor(pool) as workers:
        return list(workers.map(lambda source: poll_one(source, client), sources))

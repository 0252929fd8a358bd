"""The tables of followed feeds: the sources, keyed by URL, and the entries they have shown.

They live on the store's `metadata` (so a new database gets them with the rest), beside the
code that reads them; `store.migrate` imports this module before it creates anything.
"""

from __future__ import annotations

import sqlalchemy as sa

from syndicate.store import UTCDateTime, metadata

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("tags", sa.Text, nullable=False, default="[]"),  # JSON list
    sa.Column("full_page", sa.Boolean, nullable=False, default=False),
    sa.Column("every", sa.Float),  # seconds between polls; None: at every run
    sa.Column("backfill", sa.Integer, nullable=False, default=0),
    sa.Column("state", sa.String(20), nullable=False),  # SourceState
    sa.Column("etag", sa.String(500)),
    sa.Column("last_modified", sa.String(200)),
    # sha256 of the last feed read: a server that sends no validators and the same bytes
    # again costs no parsing (as a 304 would not).
    sa.Column("body_digest", sa.String(64)),
    sa.Column("failures", sa.Integer, nullable=False, default=0),  # in a row
    sa.Column("last_error", sa.String(2000)),
    sa.Column("next_check", UTCDateTime),  # None: due at the next run
    sa.Column("last_check", UTCDateTime),
    sa.Column("last_new", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # An entry's article key names its source's id: a removed source's id is never reused.
    sqlite_autoincrement=True,
)

source_entries = sa.Table(
    "source_entries",
    metadata,
    sa.Column("source_id", sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("entry_key", sa.String(64), primary_key=True),  # sha256 of the id, else link
    sa.Column("digest", sa.String(64), nullable=False),  # what the entry said: an edit shows
    sa.Column("article_pk", sa.ForeignKey("articles.pk", ondelete="SET NULL")),
    sa.Column("first_seen", UTCDateTime, nullable=False),
)

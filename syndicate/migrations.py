"""Schema versions: the steps that upgrade an older database in place, and the copy kept first.

A new database is created at the newest version directly (`store.metadata`); the steps
here only ever run on databases made by older releases.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from syndicate.errors import StoreError
from syndicate.store import (
    article_tags,
    articles,
    confirmation_sends,
    digest_entries,
    digests,
    feed_pages,
    inbound_messages,
    issue_articles,
    issues,
    memberships,
    metadata,
    newsletters,
    notices,
    runs,
    schema_version,
    tag_slugs,
    utcnow,
)

# Each step upgrades a database from the version before it. A new database is created at
# the newest version directly, so steps only ever run on databases made by older releases.


@dataclass(frozen=True)
class DefaultNewsletter:
    """The newsletter a migration to version 6 puts every existing subscriber and issue on."""

    slug: str
    name: str
    is_default: bool = True  # False: the first newsletter the site declares


Migration = Callable[[Connection, DefaultNewsletter], None]


def _create_indexes(conn: Connection, table: sa.Table, *names: str) -> None:
    """Create the indexes `names` that `table` declares (a step adds them to an old table)."""
    wanted = set(names)
    for index in table.indexes:
        if index.name in wanted:
            wanted.discard(str(index.name))
            index.create(conn)
    assert not wanted, f"{table.name} declares no index {sorted(wanted)}"


def _tag_dates(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 2: article_tags carries the publication time, indexed for the tag feeds."""
    kind = conn.dialect.type_compiler_instance.process(sa.DateTime())
    conn.execute(sa.text(f"ALTER TABLE article_tags ADD COLUMN published {kind}"))
    conn.execute(
        sa.text(
            "UPDATE article_tags SET published = "
            "(SELECT published FROM articles WHERE articles.pk = article_tags.article_pk)"
        )
    )
    _create_indexes(conn, article_tags, "article_tags_newest", "article_tags_spelling")


def _guardrails(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 3: articles carry a hash of their text (duplicates); the notices table."""
    import json

    from syndicate.model import article_from_dict

    conn.execute(sa.text("ALTER TABLE articles ADD COLUMN text_hash VARCHAR(64)"))
    _create_indexes(conn, articles, "ix_articles_text_hash")
    for pk, data in conn.execute(sa.select(articles.c.pk, articles.c.data)).all():
        digest = article_from_dict(json.loads(data)).text_hash
        conn.execute(articles.update().where(articles.c.pk == pk).values(text_hash=digest))
    notices.create(conn)


# Each subscriber's state and consent becomes its membership of the one newsletter; a
# bounced address keeps its bounce on the subscriber and its membership ends with it.
_MEMBERSHIPS_V3 = """
INSERT INTO memberships (newsletter_id, subscriber_id, state, created_at, signup_method,
    signup_client, confirmed_at, confirm_method, confirm_client, unsubscribed_at,
    unsubscribe_method)
SELECT :newsletter, id,
    CASE state WHEN 'active' THEN 'active' WHEN 'pending' THEN 'pending' ELSE 'unsubscribed' END,
    created_at, signup_method, signup_client, confirmed_at, confirm_method, confirm_client,
    CASE state WHEN 'bounced' THEN bounced_at ELSE unsubscribed_at END,
    CASE state WHEN 'bounced' THEN 'bounce' ELSE unsubscribe_method END
FROM subscribers
"""


def _tag_slugs(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 4: each tag's slug is stored; tags that shared one ("C++", "C#") part ways.

    The first tag to use a slug keeps it (its feed keeps its URL); a later tag that had
    the same slug gets one of its own.
    """
    from syndicate.tag_slugs import slug_for, tag_key

    tag_slugs.create(conn)
    spellings = conn.execute(
        sa.select(
            article_tags.c.tag, article_tags.c.tag_slug, sa.func.min(article_tags.c.article_pk)
        )
        .group_by(article_tags.c.tag, article_tags.c.tag_slug)
        .order_by(sa.func.min(article_tags.c.article_pk))
    ).all()
    for tag, old_slug, _ in spellings:
        owner = conn.execute(
            sa.select(tag_slugs.c.key).where(tag_slugs.c.slug == old_slug)
        ).scalar()
        if (
            owner is None
            and conn.execute(
                sa.select(tag_slugs.c.slug).where(tag_slugs.c.key == tag_key(tag))
            ).first()
            is None
        ):
            conn.execute(tag_slugs.insert().values(key=tag_key(tag), slug=old_slug))
            continue
        new_slug = slug_for(conn, tag)
        if new_slug != old_slug:
            conn.execute(
                article_tags.update()
                .where(article_tags.c.tag == tag, article_tags.c.tag_slug == old_slug)
                .values(tag_slug=new_slug)
            )


def _run_log(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 5: the runs table, so `syndicate status` can say how the last run ended."""
    runs.create(conn, checkfirst=True)


def _newsletters(conn: Connection, default: DefaultNewsletter) -> None:
    """Version 6: newsletters, memberships, and issues linked to their articles by a join table.

    The site's one newsletter is stored, every subscriber becomes its member with the
    state and consent it had, and every issue (with its deliveries, untouched) is its issue.
    """
    for table in (newsletters, issue_articles, memberships):
        table.create(conn)
    kind = conn.dialect.type_compiler_instance.process(sa.Integer())
    conn.execute(
        sa.text(f"ALTER TABLE issues ADD COLUMN newsletter_id {kind} REFERENCES newsletters (id)")
    )
    _create_indexes(conn, issues, "ix_issues_newsletter_id")
    values = {"slug": default.slug, "name": default.name, "is_default": default.is_default}
    inserted = conn.execute(newsletters.insert().values(created_at=utcnow(), **values))
    key = inserted.inserted_primary_key
    assert key is not None  # an INSERT of one row hands back its key
    newsletter_id = int(key[0])
    conn.execute(issues.update().values(newsletter_id=newsletter_id))
    pairs = sa.select(issues.c.id, issues.c.article_pk, sa.literal(0, sa.Integer))
    conn.execute(issue_articles.insert().from_select(["issue_id", "article_pk", "position"], pairs))
    conn.execute(sa.text(_MEMBERSHIPS_V3), {"newsletter": newsletter_id})


def _sources(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 7: followed feeds (sources/tables.py) and the entries they have shown."""
    from syndicate.sources.tables import source_entries, sources

    sources.create(conn)
    source_entries.create(conn)


def _inbound(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 8: deliveries record what came back (bounce); the inbound_messages table."""
    conn.execute(sa.text("ALTER TABLE deliveries ADD COLUMN bounce VARCHAR(20)"))
    inbound_messages.create(conn)


def _feed_history(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 9: articles take places in the feed's history; archive pages are recorded."""
    conn.execute(sa.text("ALTER TABLE articles ADD COLUMN feed_seq INTEGER"))
    _create_indexes(conn, articles, "ix_articles_feed_seq")
    feed_pages.create(conn)


def _digests(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 10: what digest newsletters collect for their next slot, and the slots they had."""
    digest_entries.create(conn)
    digests.create(conn)


def _confirmation_log(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 11: confirmation_sends, the web's confirmation emails counted per address per day."""
    confirmation_sends.create(conn, checkfirst=True)


def _publish_indexes(conn: Connection, _default: DefaultNewsletter) -> None:
    """Version 12: indexes that keep a publish's cost off the archive's size."""
    _create_indexes(conn, articles, "articles_feed_pages", "articles_scheduled")


MIGRATIONS: list[Migration] = [
    _tag_dates,
    _guardrails,
    _tag_slugs,
    _run_log,
    _newsletters,
    _sources,
    _inbound,
    _feed_history,
    _digests,
    _confirmation_log,
    _publish_indexes,
]
CURRENT_VERSION = 1 + len(MIGRATIONS)
FALLBACK_NEWSLETTER = DefaultNewsletter("newsletter", "Newsletter")


def _schema_version(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table("schema_version"):
        return None
    return int(conn.execute(sa.select(schema_version.c.version)).scalar_one())


def keep_copy(engine: Engine, version: int) -> Path | None:
    """Copy a SQLite database to `<file>.bak-<version>` before migrating it; return the copy.

    The first copy of a version is kept: a migration tried again must not overwrite the
    database as it was with one already half-changed. The copy is made with SQLite's
    backup API, which includes what the write-ahead log holds.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    target = Path(f"{database}.bak-{version}")
    if target.exists():
        return target
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(database)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as e:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot keep a copy of {database} before migrating it: {e}") from e
    return target


def migrate(engine: Engine, default: DefaultNewsletter | None = None) -> None:
    """Create the schema on a new database, or upgrade an older one in place.

    `default` names the newsletter an older database's subscribers and issues move to.
    """
    import syndicate.sources.tables  # noqa: F401  (its tables join `metadata` for create_all)

    try:
        # The usual case writes nothing, so runs that start together do not queue here.
        with engine.connect() as conn:
            found = _schema_version(conn)
        if found == CURRENT_VERSION:
            return
        if found is not None and found < CURRENT_VERSION:
            keep_copy(engine, found)
        # Two first runs at once (cron and a manual publish) must not both create the
        # schema: take the write lock before looking again.
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7427013)"))
                version = _schema_version(conn)
                if version is None:
                    metadata.create_all(conn)
                    conn.execute(schema_version.insert().values(version=CURRENT_VERSION))
                    return
                if version > CURRENT_VERSION:
                    raise StoreError(
                        f"the database is at schema version {version}, newer than this "
                        f"syndicate ({CURRENT_VERSION}): upgrade syndicate"
                    )
                for step in MIGRATIONS[version - 1 :]:
                    step(conn, default or FALLBACK_NEWSLETTER)
                conn.execute(schema_version.update().values(version=CURRENT_VERSION))
    except SQLAlchemyError as e:
        raise StoreError(f"cannot prepare the database: {e}") from e

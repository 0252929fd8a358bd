"""The database: schema, migrations, connections. SQLite by default, PostgreSQL as an option.

Queries that belong to one stage live with it (articles in `articles.py`, subscribers in
`subscribers/`, deliveries in `delivery/`); this module owns the tables they share.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from syndicate.config import Settings
from syndicate.errors import StoreError
from syndicate.model import ArticleState
from syndicate.permissions import private_database


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Store moments as naive UTC on every backend; hand them back timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


# The largest id a database's integer column holds (a signed 64-bit BIGINT): a larger number
# given on the command line or in a link names nothing, and the drivers overflow on it.
MAX_ID = 2**63 - 1


def storable_id(number: int) -> bool:
    """Tell whether `number` can be a row's id at all (1 up to MAX_ID)."""
    return 0 < number <= MAX_ID


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("feed_id", sa.String(500), nullable=False, unique=True),
    # Identity, in the order DESIGN.md gives: front matter id, canonical url, source path.
    sa.Column("key", sa.String(500), index=True),
    sa.Column("url", sa.String(2000), index=True),
    sa.Column("path", sa.String(2000), index=True),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("published", UTCDateTime, nullable=False, index=True),
    sa.Column("updated", UTCDateTime, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    # Title and body alone (Article.text_hash): finds a copy saved under another name.
    sa.Column("text_hash", sa.String(64), index=True),
    sa.Column("data", sa.Text, nullable=False),  # article_to_dict as JSON
    # published | scheduled (dated in the future: not in the feeds yet) | unpublished
    sa.Column("state", sa.String(20), nullable=False, default=ArticleState.PUBLISHED.value),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

article_tags = sa.Table(
    "article_tags",
    metadata,
    sa.Column("article_pk", sa.ForeignKey("articles.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(200), primary_key=True),
    sa.Column("tag_slug", sa.String(200), nullable=False, index=True),
    # The article's publication time (which never changes), copied here so a tag feed
    # reads its newest entries straight from the index below, however big the tag.
    sa.Column("published", UTCDateTime),
    sa.Index("article_tags_newest", "tag_slug", "published", "article_pk", "tag"),
    sa.Index("article_tags_spelling", "tag_slug", "tag"),  # a tag's spellings, by index
)

# Each tag's feed folder, fixed at its first use (see tag_slugs.py).
tag_slugs = sa.Table(
    "tag_slugs",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # NFKC, case-folded spelling
    sa.Column("slug", sa.String(200), nullable=False, unique=True),
)

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("article_pk", sa.ForeignKey("articles.pk"), nullable=False, index=True),
    # held (waiting for review) | queued (deliveries made) | cancelled
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("message", sa.LargeBinary, nullable=False),  # MIME bytes with placeholders
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("queued_at", UTCDateTime),
    sa.Column("cancelled_at", UTCDateTime),
)

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False, unique=True),  # lower-cased
    sa.Column("name", sa.String(200)),
    # pending | active | unsubscribed | bounced
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("signup_method", sa.String(20), nullable=False),  # cli | import | web
    sa.Column("signup_client", sa.String(100)),
    sa.Column("confirmed_at", UTCDateTime),
    sa.Column("confirm_method", sa.String(20)),
    sa.Column("confirm_client", sa.String(100)),
    sa.Column("unsubscribed_at", UTCDateTime),
    sa.Column("unsubscribe_method", sa.String(20)),
    sa.Column("bounced_at", UTCDateTime),
    sa.Column("bounce_reply", sa.Text),
    sa.Column("soft_bounces", sa.Integer, nullable=False, default=0),
    # Never reuse an id: a link signed for a removed subscriber must not name a new one.
    sqlite_autoincrement=True,
)

suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("email_hash", sa.String(64), primary_key=True),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # kind "issue" has an issue; kind "confirm" is a queued confirmation email.
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("issue_id", sa.ForeignKey("issues.id"), index=True),
    sa.Column("subscriber_id", sa.ForeignKey("subscribers.id"), nullable=False, index=True),
    # due | sending | sent | failed | cancelled
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("reply", sa.Text),
    sa.UniqueConstraint("issue_id", "subscriber_id", name="one_delivery_per_issue"),
    sa.Index("deliveries_due", "state", "due_at"),
)

# What `run` has told the user about a file of the content folder (a skip, a warning), so
# each is said once, not every ten minutes; a row goes when its reason does.
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("path", sa.String(2000), primary_key=True),
    sa.Column("message", sa.String(2000), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

signup_attempts = sa.Table(
    "signup_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email_key", sa.String(320), nullable=False, index=True),
    sa.Column("client", sa.String(100), index=True),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
)

# One row per `syndicate run`, for `syndicate status` (the newest few hundred are kept).
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),  # ok | failed | interrupted
    sa.Column("error", sa.Text),
    sa.Column("published", sa.Integer, nullable=False, default=0),
    sa.Column("sent", sa.Integer, nullable=False, default=0),
)

# Each step upgrades a database from the version before it. A new database is created at
# the newest version directly, so steps only ever run on databases made by older releases.
Migration = Callable[[Connection], None]


def _tag_dates(conn: Connection) -> None:
    """Version 2: article_tags carries the publication time, indexed for the tag feeds."""
    kind = conn.dialect.type_compiler_instance.process(sa.DateTime())
    conn.execute(sa.text(f"ALTER TABLE article_tags ADD COLUMN published {kind}"))
    conn.execute(
        sa.text(
            "UPDATE article_tags SET published = "
            "(SELECT published FROM articles WHERE articles.pk = article_tags.article_pk)"
        )
    )
    for index in article_tags.indexes:
        if index.name in {"article_tags_newest", "article_tags_spelling"}:
            index.create(conn)


def _guardrails(conn: Connection) -> None:
    """Version 3: articles carry a hash of their text (duplicates); the notices table."""
    import json

    from syndicate.model import article_from_dict

    conn.execute(sa.text("ALTER TABLE articles ADD COLUMN text_hash VARCHAR(64)"))
    for index in articles.indexes:
        if index.name == "ix_articles_text_hash":
            index.create(conn)
    for pk, data in conn.execute(sa.select(articles.c.pk, articles.c.data)).all():
        digest = article_from_dict(json.loads(data)).text_hash
        conn.execute(articles.update().where(articles.c.pk == pk).values(text_hash=digest))
    notices.create(conn)


def _tag_slugs(conn: Connection) -> None:
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


def _run_log(conn: Connection) -> None:
    """Version 5: the runs table, so `syndicate status` can say how the last run ended."""
    runs.create(conn, checkfirst=True)


MIGRATIONS: list[Migration] = [_tag_dates, _guardrails, _tag_slugs, _run_log]
CURRENT_VERSION = 1 + len(MIGRATIONS)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is unreliable).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


# `send` holds one connection per SMTP connection (up to 32) for its whole run, and the
# default pool (5 + 10 overflow) would make the rest wait.
POOL: dict[str, Any] = {"pool_size": 5, "max_overflow": 40}


def create_db_engine(url: str) -> Engine:
    """Return an engine for `url` with the settings syndicate relies on."""
    try:
        if url.startswith("sqlite"):
            memory = sa.make_url(url).database in (None, "", ":memory:")  # a one-connection pool
            pool = {} if memory else POOL
            engine = sa.create_engine(url, connect_args={"timeout": 30}, **pool)
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            sa.event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True, **POOL)
    except (SQLAlchemyError, ImportError, ValueError) as e:
        raise StoreError(f"cannot use the database {url!r}: {e}") from e
    return engine


def _schema_version(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table("schema_version"):
        return None
    return int(conn.execute(sa.select(schema_version.c.version)).scalar_one())


def migrate(engine: Engine) -> None:
    """Create the schema on a new database, or upgrade an older one in place."""
    try:
        # The usual case writes nothing, so runs that start together do not queue here.
        with engine.connect() as conn:
            if _schema_version(conn) == CURRENT_VERSION:
                return
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
                    step(conn)
                conn.execute(schema_version.update().values(version=CURRENT_VERSION))
    except SQLAlchemyError as e:
        raise StoreError(f"cannot prepare the database: {e}") from e


def open_store(settings: Settings) -> Engine:
    """Open the site's database, creating or upgrading its schema."""
    if settings.db_url.startswith("sqlite:///"):
        settings.site.mkdir(parents=True, exist_ok=True)
        database = sa.make_url(settings.db_url).database
        if database and database != ":memory:":
            # A folder that is missing or closed: SQLite says so in its own words below.
            with contextlib.suppress(OSError):
                private_database(Path(database))
    engine = create_db_engine(settings.db_url)
    migrate(engine)
    return engine


@contextmanager
def write_transaction(engine: Engine, *, roll_back: bool = False) -> Iterator[Connection]:
    """Open a transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE).

    With `roll_back`, whatever the block wrote is undone at its end (a dry run).
    """
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin() as transaction:
                yield conn
                if roll_back:
                    transaction.rollback()
    except SQLAlchemyError as e:
        raise StoreError(f"database error: {e}") from e


def insert_ignoring_duplicates(
    conn: Connection, table: sa.Table, *, index_elements: Sequence[str] | None = None
) -> sqlite.Insert | postgresql.Insert:
    """Return an INSERT into `table` that skips a row whose key exists, in the backend's words.

    Both backends write it ON CONFLICT DO NOTHING; with `index_elements`, only a clash on
    that unique index is skipped, and any other one still raises.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=index_elements)

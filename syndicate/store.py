"""The database: schema, migrations, connections. SQLite by default, PostgreSQL as an option.

Queries that belong to one stage live with it (articles in `articles.py`, subscribers in
`subscribers/`, deliveries in `delivery/`); this module owns the tables they share.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from syndicate.config import Settings
from syndicate.errors import StoreError
from syndicate.model import ArticleState
from syndicate.permissions import private_database

# A row of `sa.select` over a whole table below (SQLAlchemy cannot type its columns).
TableRow: TypeAlias = sa.Row[*tuple[Any, ...]]


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


# The largest id a signed 64-bit column holds: a larger one (CLI, link) names nothing.
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
    sa.Column("state", sa.String(20), nullable=False, default=ArticleState.PUBLISHED.value),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("feed_seq", sa.Integer, index=True, unique=True),  # see feed_history.py
    # A publish's questions at any archive size: history pages, scheduled articles due.
    sa.Index("articles_feed_pages", "state", "feed_seq", "pk", "updated"),
    sa.Index("articles_scheduled", "state", "published"),
)

feed_pages = sa.Table(  # what each archive page was rendered from (feed_history.py)
    "feed_pages",
    metadata,
    sa.Column("page", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("stamp", sa.String(200), nullable=False),
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

newsletters = sa.Table(
    "newsletters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Fixed when first stored: a later rename changes the name, never the slug (List-Id).
    sa.Column("slug", sa.String(100), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    # The one a site that declares no [[newsletters]] has.
    sa.Column("is_default", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The first article (kept: SQLite cannot drop a foreign-key column in place);
    # issue_articles holds every article of the issue.
    sa.Column("article_pk", sa.ForeignKey("articles.pk"), nullable=False, index=True),
    sa.Column("newsletter_id", sa.ForeignKey("newsletters.id"), index=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("message", sa.LargeBinary, nullable=False),  # MIME bytes with placeholders
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("queued_at", UTCDateTime),
    sa.Column("cancelled_at", UTCDateTime),
)

issue_articles = sa.Table(
    "issue_articles",
    metadata,
    sa.Column("issue_id", sa.ForeignKey("issues.id"), primary_key=True),
    sa.Column("article_pk", sa.ForeignKey("articles.pk"), primary_key=True, index=True),
    sa.Column("position", sa.Integer, nullable=False, default=0),
)

# What a digest newsletter collects for its next slot; `issue_id` once a digest takes it.
digest_entries = sa.Table(
    "digest_entries",
    metadata,
    sa.Column("newsletter_id", sa.ForeignKey("newsletters.id"), primary_key=True),
    sa.Column("article_pk", sa.ForeignKey("articles.pk"), primary_key=True),
    sa.Column("added_at", UTCDateTime, nullable=False),  # when it was published
    sa.Column("issue_id", sa.ForeignKey("issues.id"), index=True),
    sa.Index("digest_entries_waiting", "newsletter_id", "issue_id", "added_at"),
)

# Each slot a digest newsletter has had (its cut-off), with its issue or none (nothing new):
# the key makes two runs at one slot one digest.
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("newsletter_id", sa.ForeignKey("newsletters.id"), primary_key=True),
    sa.Column("slot", UTCDateTime, primary_key=True),
    sa.Column("issue_id", sa.ForeignKey("issues.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False, unique=True),  # lower-cased
    sa.Column("name", sa.String(200)),
    # The overall state, kept in step with the memberships: bounced (a hard bounce),
    # unsubscribed (a complaint, or no membership left), active (one active), else pending.
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

# One subscriber on one newsletter, with its own state and consent record.
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("newsletter_id", sa.ForeignKey("newsletters.id"), primary_key=True),
    sa.Column(
        "subscriber_id", sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("state", sa.String(20), nullable=False),  # pending | active | unsubscribed
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("signup_method", sa.String(20), nullable=False),  # cli | import | web | migration
    sa.Column("signup_client", sa.String(100)),
    sa.Column("confirmed_at", UTCDateTime),
    sa.Column("confirm_method", sa.String(20)),
    sa.Column("confirm_client", sa.String(100)),
    sa.Column("unsubscribed_at", UTCDateTime),
    sa.Column("unsubscribe_method", sa.String(20)),  # cli | web | bounce | complaint
    sa.Index("memberships_queue", "newsletter_id", "state", "subscriber_id"),
    sa.Index("memberships_subscriber", "subscriber_id"),
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
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("reply", sa.Text),
    # What came back for it: hard | soft (counted in the window) | message (refused as a
    # message, nobody bounced) | complaint; set by the sender or the bounce mailbox.
    sa.Column("bounce", sa.String(20)),
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

# One row per confirmation email the web app sent, for the cap per address per day.
confirmation_sends = sa.Table(
    "confirmation_sends",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email_key", sa.String(320), nullable=False, index=True),
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

# What `syndicate inbound` decided about each message of the bounce mailbox it acted on, for
# audit. No foreign keys: the record outlives a removed subscriber.
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_id", sa.Text),
    sa.Column("sender", sa.Text),
    sa.Column("subject", sa.Text),
    # hard | soft | failed | delivered | complaint | unsubscribe | auto-reply
    sa.Column("classification", sa.String(20), nullable=False),
    sa.Column("subscriber_id", sa.Integer, index=True),
    sa.Column("delivery_id", sa.Integer, index=True),
    sa.Column("detail", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
)


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
    # Imported here: the migrations and the newsletter definitions read this module.
    from syndicate.migrations import migrate
    from syndicate.newsletter.definitions import migration_default

    migrate(engine, migration_default(settings))
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
    # Callers read the result's rowcount (added or not), which SQLAlchemy keeps only if asked.
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    return insert.on_conflict_do_nothing(index_elements=index_elements).execution_options(
        preserve_rowcount=True
    )

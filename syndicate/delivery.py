"""The sender: claim due deliveries, send them over a pool of SMTP connections, record each.

Crash safety comes from the claim. A worker marks a batch `sending` with its name and the
time in one atomic statement (SQLite: BEGIN IMMEDIATE + UPDATE ... RETURNING; PostgreSQL:
the same UPDATE over SELECT ... FOR UPDATE SKIP LOCKED), then commits once per message sent.
A process killed mid-batch leaves rows in `sending`: they become claimable again when the
lease runs out (LEASE, 10 minutes), or at once when the dead process ran on this machine
(its pid is gone). So only the messages on the wire at the kill, at most one per connection,
can go out twice; two senders at once never share a row.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.compiler import SQLCompiler

from syndicate.config import Settings, site_secret
from syndicate.errors import ConnectionLost, DeliveryError, Refused, StoreError, SyndicateError
from syndicate.mailer import Transport, open_transport
from syndicate.newsletter.message import Recipient, confirmation_message, message_id
from syndicate.newsletter.splice import personalize
from syndicate.store import (
    UTCDateTime,
    deliveries,
    issues,
    newsletters,
    subscribers,
    utcnow,
    write_transaction,
)
from syndicate.subscribers import (
    confirm_url,
    mark_bounced,
    record_soft_bounce,
    unsubscribe_url,
)

LEASE = timedelta(minutes=10)  # a row in `sending` this long belongs to a dead sender
BATCH = 20  # rows one worker claims at a time: small, so a crash strands few
MAX_BACKOFF = timedelta(hours=12)
RECONNECTS = 3  # connections lost in a row before a worker gives up

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SendSummary:
    """What one `send` did (or, in a dry run, would do)."""

    sent: int = 0
    deferred: int = 0
    bounced: int = 0
    failed: int = 0
    skipped: int = 0
    due: int = 0
    dry_run: bool = False
    problems: tuple[str, ...] = ()

    def describe(self) -> str:
        """Return the summary line printed at the end of a run."""
        if self.dry_run:
            return f"dry run: {self.due} deliveries due, nothing sent"
        return (
            f"sent {self.sent}, deferred {self.deferred}, bounced {self.bounced}, "
            f"failed {self.failed}, skipped {self.skipped}"
        )


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Return how long a delivery deferred `attempts` times waits before the next try."""
    delay = timedelta(seconds=settings.retry_delay * 2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def _worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _live_issue() -> sa.ColumnElement[bool]:
    queued = sa.select(issues.c.id).where(issues.c.state == "queued")
    return sa.or_(deliveries.c.kind == "confirm", deliveries.c.issue_id.in_(queued))


def _claimable(due_by: datetime, lease_cutoff: datetime) -> sa.ColumnElement[bool]:
    ready = sa.or_(
        sa.and_(deliveries.c.state == "due", deliveries.c.due_at <= due_by),
        sa.and_(deliveries.c.state == "sending", deliveries.c.claimed_at < lease_cutoff),
    )
    return sa.and_(ready, _live_issue())


def count_due(engine: Engine, *, now: datetime | None = None) -> int:
    """Return how many deliveries a send started now would work through."""
    now = now or utcnow()
    query = sa.select(sa.func.count()).where(_claimable(now, now - LEASE))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_claims(engine: Engine) -> int:
    """Give back the rows claimed by senders on this machine whose process is gone."""
    host = socket.gethostname()[:60]
    query = sa.select(deliveries.c.claimed_by).where(deliveries.c.state == "sending").distinct()
    with engine.connect() as conn:
        owners = [row[0] for row in conn.execute(query) if row[0]]
    dead = []
    for owner in owners:
        parts = owner.rsplit(":", 2)
        if len(parts) != 3:
            continue
        owner_host, pid_text, _ = parts
        if owner_host == host and pid_text.isdigit() and not _pid_alive(int(pid_text)):
            dead.append(owner)
    if not dead:
        return 0
    with write_transaction(engine) as conn:
        result = conn.execute(
            deliveries.update()
            .where(deliveries.c.state == "sending", deliveries.c.claimed_by.in_(dead))
            .values(state="due", claimed_by=None, claimed_at=None)
        )
    return result.rowcount or 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    issue_id: int | None
    subscriber_id: int
    attempts: int


# The two statements run once per message, built once and compiled once per run for the
# engine's dialect (_Direct below).
_RECIPIENT = (
    sa.select(
        subscribers.c.email,
        subscribers.c.name,
        subscribers.c.state,
        issues.c.state.label("issue_state"),
    )
    .select_from(
        deliveries.join(subscribers, subscribers.c.id == deliveries.c.subscriber_id).outerjoin(
            issues, issues.c.id == deliveries.c.issue_id
        )
    )
    .where(deliveries.c.id == sa.bindparam("delivery_id"))
)
_SENT = (
    deliveries.update()
    .where(
        deliveries.c.id == sa.bindparam("delivery_id"),
        deliveries.c.claimed_by == sa.bindparam("worker"),
        deliveries.c.state == "sending",
    )
    .values(
        state="sent",
        sent_at=sa.bindparam("when", type_=deliveries.c.sent_at.type),
        reply=sa.bindparam("text"),
        attempts=sa.bindparam("tries"),
    )
)


def _claims(postgresql: bool) -> tuple[sa.Update, ...]:
    """Return the two claim statements, built once per run (each batch binds its values).

    Each reads in the order of the index deliveries_due (state, due_at) so it stops after
    `size` rows: one query over both with OR (and ORDER BY id) made SQLite and PostgreSQL
    collect and sort every due row for each batch, which cost seconds per batch on an issue
    of a million. Stale leases first: they are few.
    """
    ready = (
        sa.and_(
            deliveries.c.state == "sending",
            deliveries.c.claimed_at < sa.bindparam("stale_before", type_=UTCDateTime),
        ),
        sa.and_(
            deliveries.c.state == "due",
            deliveries.c.due_at <= sa.bindparam("due_by", type_=UTCDateTime),
        ),
    )
    statements = []
    for condition in ready:
        candidates = (
            sa.select(deliveries.c.id)
            .where(condition, _live_issue())
            .order_by(deliveries.c.due_at)
            .limit(sa.bindparam("size", type_=sa.Integer))
        )
        if postgresql:
            # Senders on any number of machines share one issue: each skips the rows
            # another has locked instead of waiting for them.
            candidates = candidates.with_for_update(skip_locked=True, of=deliveries)
        statements.append(
            deliveries.update()
            .where(deliveries.c.id.in_(candidates.scalar_subquery()))
            .values(
                state="sending",
                claimed_by=sa.bindparam("worker"),
                claimed_at=sa.bindparam("now", type_=UTCDateTime),
            )
            .returning(
                deliveries.c.id,
                deliveries.c.kind,
                deliveries.c.issue_id,
                deliveries.c.subscriber_id,
                deliveries.c.attempts,
            )
        )
    return tuple(statements)


class _Compiled:
    """A per-message statement (_RECIPIENT, _SENT) compiled once, run on the DBAPI cursor.

    Through `Connection.execute`, SQLAlchemy's per-statement machinery (execution
    context, events, result wrapping, BEGIN through the begin event) cost several times
    what the database itself spends on these two statements.
    """

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect, **defaults: Any) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        self.order = compiled.positiontup  # None for a named paramstyle (psycopg)
        # The statement's own constants (state="sent" ...) as bound values, once.
        self.fixed = compiled.construct_params(defaults)

    def params(self, values: dict[str, object]) -> Sequence[object] | dict[str, object]:
        merged = {**self.fixed, **values}
        if self.order is None:
            return merged
        return tuple(merged[name] for name in self.order)


class _Direct:
    """The two statements each message runs, on the worker's DBAPI connection.

    The transactions are the ones SQLAlchemy made for them before: the read ends at once, so
    the next sees what others committed since; the write takes SQLite's write lock up front
    (BEGIN IMMEDIATE, under the sender's SQLite write lock) and commits once per message.
    Between them SQLAlchemy's own transaction on the connection is idle, as always between
    a worker's statements.
    A datetime is bound as the UTCDateTime type stores it (naive UTC), through its own
    bind processor; DBAPI errors come out as StoreError, as SQLAlchemy's do.
    """

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.sqlite = dialect.name == "sqlite"
        self.errors = dialect.loaded_dbapi.Error
        self.recipient = _Compiled(_RECIPIENT, dialect, delivery_id=0)
        self.sent = _Compiled(_SENT, dialect, delivery_id=0, worker="", when=None, text="", tries=0)
        self.moment = deliveries.c.sent_at.type.dialect_impl(dialect).bind_processor(dialect)

    def when(self, moment: datetime) -> object:
        return self.moment(moment) if self.moment is not None else moment

    def read(self, dbapi: Any, delivery_id: int) -> tuple[Any, ...]:
        try:
            cursor = dbapi.cursor()
            try:
                cursor.execute(
                    self.recipient.sql, self.recipient.params({"delivery_id": delivery_id})
                )
                rows = cursor.fetchall()
            finally:
                cursor.close()
            # SQLite ran it in autocommit mode (isolation_level None): no transaction is open.
            if not self.sqlite or dbapi.in_transaction:
                dbapi.rollback()
        except self.errors as e:
            _rollback_quietly(dbapi)
            raise StoreError(f"database error: {e}") from e
        if len(rows) != 1:
            raise StoreError(f"database error: delivery {delivery_id} is gone")
        return tuple(rows[0])

    def record_sent(self, dbapi: Any, values: dict[str, object]) -> None:
        try:
            cursor = dbapi.cursor()
            try:
                if self.sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                cursor.execute(self.sent.sql, self.sent.params(values))
            finally:
                cursor.close()
            dbapi.commit()
        except self.errors as e:
            _rollback_quietly(dbapi)
            raise StoreError(f"database error: {e}") from e
        except BaseException:
            _rollback_quietly(dbapi)
            raise


def _rollback_quietly(dbapi: Any) -> None:
    with suppress(Exception):  # the connection may be gone; the first error is what matters
        dbapi.rollback()


class _RateLimit:
    """Space sends `1 / rate` seconds apart across every connection together."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        if not self.interval:
            return
        with self.lock:
            slot = max(self.next, time.monotonic())
            self.next = slot + self.interval
        while not stop.is_set():
            left = slot - time.monotonic()
            if left <= 0:
                return
            stop.wait(min(left, 0.5))


class _Budget:
    """How many more deliveries this run may claim (`--limit`), shared by the workers."""

    def __init__(self, limit: int | None) -> None:
        self.left = limit
        self.lock = threading.Lock()

    def take(self, wanted: int) -> int:
        with self.lock:
            if self.left is None:
                return wanted
            granted = min(wanted, self.left)
            self.left -= granted
            return granted

    def give_back(self, unused: int) -> None:
        with self.lock:
            if self.left is not None:
                self.left += unused


class _Run:
    """State shared by the worker threads of one send."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        rate: float,
        limit: int | None,
        progress: Progress | None,
    ) -> None:
        self.engine = engine
        # The secret is read once per run, not once per unsubscribe link signed.
        self.settings = replace(settings, secret=site_secret(settings))
        self.envelope_sender = settings.envelope_sender  # parsed once, not per message
        self.started = utcnow()
        self.rate = _RateLimit(rate)
        self.budget = _Budget(limit)
        self.progress = progress
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self.error: BaseException | None = None
        self.templates: dict[int, tuple[bytes, str | None]] = {}
        # SQLite has one writer at a time and its busy handler sleeps in whole milliseconds:
        # the threads of one sender take turns here instead of spinning on the file lock.
        self.sqlite_writes = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.direct = _Direct(engine)
        self.claims = _claims(engine.dialect.name == "postgresql")

    def tally(self, outcome: str, problem: str | None = None) -> None:
        with self.lock:
            self.counts[outcome] += 1
            if problem:
                self.problems.append(problem)
            if self.progress is not None:
                self.progress(1)

    def fail(self, error: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = error
        self.stop.set()

    def template(self, issue_id: int) -> tuple[bytes, str | None]:
        """Return an issue's message template and its newsletter's slug (for the links)."""
        with self.lock:
            cached = self.templates.get(issue_id)
        if cached is None:
            with self.engine.connect() as conn:
                query = (
                    sa.select(issues.c.message, newsletters.c.slug)
                    .outerjoin(newsletters, newsletters.c.id == issues.c.newsletter_id)
                    .where(issues.c.id == issue_id)
                )
                message, slug = conn.execute(query).one()
            cached = (bytes(message), slug)
            with self.lock:
                self.templates[issue_id] = cached
        return cached


class _Worker:
    """One SMTP connection and the loop that feeds it claimed deliveries."""

    def __init__(self, run: _Run, transport: Transport) -> None:
        self.run = run
        self.transport = transport
        self.name = _worker_name()
        self.lost_in_a_row = 0
        self.conn: Connection | None = None  # the worker's own, open while loop() runs

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """Open a write transaction on the worker's connection (BEGIN IMMEDIATE on SQLite).

        Each worker keeps one connection for its whole run: checking one out of the pool
        for each of a message's two transactions cost about a third of the database time.
        """
        conn = self.conn
        assert conn is not None
        with self.run.sqlite_writes or nullcontext():
            conn.execution_options(sqlite_begin="IMMEDIATE")  # changes `conn` in place
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.execution_options(sqlite_begin="")

    def claim(self, size: int) -> list[_Claimed]:
        now = utcnow()
        claimed: list[_Claimed] = []
        with self.writing() as conn:
            for statement in self.run.claims:
                if len(claimed) >= size:
                    break
                params = {
                    "stale_before": now - LEASE,
                    "due_by": self.run.started,
                    "size": size - len(claimed),
                    "worker": self.name,
                    "now": now,
                }
                claimed.extend(_Claimed(*row) for row in conn.execute(statement, params).all())
        return sorted(claimed, key=lambda c: c.id)

    def release(self, rows: Sequence[_Claimed]) -> None:
        if not rows:
            return
        with self.writing() as conn:
            conn.execute(
                deliveries.update()
                .where(
                    deliveries.c.id.in_([r.id for r in rows]),
                    deliveries.c.claimed_by == self.name,
                    deliveries.c.state == "sending",
                )
                .values(state="due", claimed_by=None, claimed_at=None)
            )

    def _mine(self, row: _Claimed) -> sa.ColumnElement[bool]:
        return sa.and_(
            deliveries.c.id == row.id,
            deliveries.c.claimed_by == self.name,
            deliveries.c.state == "sending",
        )

    def record(self, row: _Claimed, **values: object) -> None:
        with self.writing() as conn:
            conn.execute(deliveries.update().where(self._mine(row)).values(**values))

    def loop(self) -> None:
        try:
            with self.run.engine.connect() as self.conn:
                while not self.run.stop.is_set():
                    size = self.run.budget.take(BATCH)
                    if size == 0:
                        return
                    rows = self.claim(size)
                    self.run.budget.give_back(size - len(rows))
                    if not rows:
                        return
                    self.work_through(rows)
        except SQLAlchemyError as e:
            self.run.fail(StoreError(f"database error: {e}"))
        except BaseException as e:  # handed to the main thread, which raises it
            self.run.fail(e)
        finally:
            self.conn = None
            self.transport.close()

    def work_through(self, rows: list[_Claimed]) -> None:
        for index, row in enumerate(rows):
            if self.run.stop.is_set():
                self.release(rows[index:])
                return
            try:
                self.deliver(row)
                self.lost_in_a_row = 0
            except ConnectionLost as e:
                self.release(rows[index:])
                self.lost_in_a_row += 1
                if self.lost_in_a_row >= RECONNECTS:
                    raise DeliveryError(f"{e} {RECONNECTS} times in a row; stopping") from e
                return
            except BaseException:
                self.release(rows[index:])
                raise

    def dbapi(self) -> Any:
        """Return the DBAPI connection under the worker's, for the per-message statements."""
        assert self.conn is not None
        return self.conn.connection.dbapi_connection

    def deliver(self, row: _Claimed) -> None:
        run = self.run
        email, name, state, issue_state = run.direct.read(self.dbapi(), row.id)
        if row.kind == "issue" and issue_state == "held":
            self.release([row])  # waits for `newsletter release`
            return
        wanted = "pending" if row.kind == "confirm" else "active"
        if state != wanted or (row.kind == "issue" and issue_state != "queued"):
            self.record(row, state="cancelled", claimed_by=None)
            run.tally("skipped")
            return

        message = self.build(row, email, name)
        run.rate.wait(run.stop)
        if run.stop.is_set():
            self.release([row])
            return
        try:
            reply = self.transport.send(run.envelope_sender, email, message)
        except Refused as e:
            self.refused(row, email, e)
            return
        values = {
            "delivery_id": row.id,
            "worker": self.name,
            "when": run.direct.when(utcnow()),
            "text": reply[:2000],
            "tries": row.attempts + 1,
        }
        with run.sqlite_writes or nullcontext():
            run.direct.record_sent(self.dbapi(), values)
        run.tally("sent")

    def build(self, row: _Claimed, address: str, name: str | None) -> bytes:
        settings = self.run.settings
        if row.kind == "confirm":
            link = confirm_url(settings, row.subscriber_id)
            return confirmation_message(settings, address, name, link)
        assert row.issue_id is not None
        template, newsletter = self.run.template(row.issue_id)
        recipient = Recipient(
            address=address,
            name=name,
            unsubscribe_url=unsubscribe_url(settings, row.subscriber_id, newsletter),
            message_id=message_id(settings, row.issue_id, row.subscriber_id),
        )
        return personalize(template, recipient)

    def refused(self, row: _Claimed, address: str, refusal: Refused) -> None:
        run = self.run
        reply = f"{refusal.code} {refusal.reply}"[:2000]
        attempts = row.attempts + 1
        if refusal.permanent:
            with self.writing() as conn:
                conn.execute(
                    deliveries.update()
                    .where(self._mine(row))
                    .values(state="failed", reply=reply, attempts=attempts, claimed_by=None)
                )
                mark_bounced(conn, row.subscriber_id, reply)
            run.tally("bounced", f"bounced: {address}: {reply}")
            return
        if attempts >= run.settings.max_attempts:
            with self.writing() as conn:
                conn.execute(
                    deliveries.update()
                    .where(self._mine(row))
                    .values(state="failed", reply=reply, attempts=attempts, claimed_by=None)
                )
                record_soft_bounce(conn, row.subscriber_id, run.settings.bounce_threshold)
            run.tally("failed", f"failed after {attempts} attempts: {address}: {reply}")
            return
        self.record(
            row,
            state="due",
            reply=reply,
            attempts=attempts,
            due_at=utcnow() + backoff(run.settings, attempts),
            claimed_by=None,
            claimed_at=None,
        )
        run.tally("deferred")


def send_due(
    engine: Engine,
    settings: Settings,
    *,
    rate: float | None = None,
    connections: int | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SendSummary:
    """Send every due delivery (up to `limit`) and return what happened.

    Raises DeliveryError, with every unsent delivery still due, when the server cannot be
    reached or refuses the login.
    """
    rate = settings.rate if rate is None else rate
    connections = max(1, connections or settings.connections)
    release_dead_claims(engine)
    due = count_due(engine)
    if limit is not None:
        due = min(due, limit)
    if dry_run or due == 0:
        return SendSummary(due=due, dry_run=dry_run)

    run = _Run(engine, settings, rate, limit, progress)
    transports: list[Transport] = []
    try:
        for _ in range(min(connections, due)):
            transports.append(open_transport(settings))
    except DeliveryError:
        for transport in transports:
            transport.close()
        raise
    workers = [_Worker(run, transport) for transport in transports]
    threads = [threading.Thread(target=w.loop, name=w.name, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except KeyboardInterrupt:
        run.stop.set()  # each worker finishes its message on the wire and gives back the rest
        for thread in threads:
            thread.join()
        raise
    counts = run.counts
    error = run.error
    if error is not None:
        if not isinstance(error, SyndicateError):
            raise error  # a bug, not a user's problem: let the traceback show
        message = f"{error} (sent {counts['sent']} before stopping; the rest stay due)"
        if isinstance(error, StoreError):
            raise StoreError(message) from error
        raise DeliveryError(message) from error
    return SendSummary(
        sent=counts["sent"],
        deferred=counts["deferred"],
        bounced=counts["bounced"],
        failed=counts["failed"],
        skipped=counts["skipped"],
        due=due,
        problems=tuple(run.problems),
    )

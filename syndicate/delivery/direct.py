"""The two statements every message runs, compiled once and run on the DBAPI cursor for speed.

Through `Connection.execute`, SQLAlchemy's per-statement machinery (execution context,
events, result wrapping, BEGIN through the begin event) cost several times what the
database itself spends on these two statements, so they bypass it. Each keeps the
invariant the SQLAlchemy path kept:

- RECIPIENT (read the recipient and the states that decide whether to send) runs in a
  transaction of its own that ends at once: the next statement sees what other senders and
  commands committed since (a subscriber who left, an issue put on hold). It writes nothing.
- SENT (record one accepted message) matches the row only while this worker still holds
  it (`id`, `claimed_by` = the worker, `state` = sending), exactly as every other write
  of a claimed row does (`claims.owned_by`): a row whose lease ran out and that another
  sender took is never overwritten. On SQLite it opens with BEGIN IMMEDIATE, taken under
  the sender's own SQLite write lock as every other write is, and it commits at once: one
  commit per sent message, so a crash loses at most the message on the wire.

Between them SQLAlchemy's own transaction on the connection is idle, as always between a
worker's statements. A datetime is bound as the UTCDateTime type stores it (naive UTC),
through its own bind processor; DBAPI errors come out as StoreError, as SQLAlchemy's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.compiler import SQLCompiler

from syndicate.errors import StoreError
from syndicate.model import DeliveryState
from syndicate.store import deliveries, issues, subscribers

RECIPIENT = (
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
SENT = (
    deliveries.update()
    .where(
        deliveries.c.id == sa.bindparam("delivery_id"),
        deliveries.c.claimed_by == sa.bindparam("worker"),
        deliveries.c.state == DeliveryState.SENDING,
    )
    .values(
        state=sa.bindparam("done"),  # SENT, or WRITTEN when the mail went to outbox/
        sent_at=sa.bindparam("when", type_=deliveries.c.sent_at.type),
        reply=sa.bindparam("text"),
        attempts=sa.bindparam("tries"),
    )
)


class Compiled:
    """A statement compiled once for a dialect, with its parameters laid out for the DBAPI."""

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect, **defaults: Any) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        self.order = compiled.positiontup  # None for a named paramstyle (psycopg)
        # The statement's own constants (the state SENT ...) as bound values, once.
        self.fixed = compiled.construct_params(defaults)

    def params(self, values: dict[str, object]) -> Sequence[object] | dict[str, object]:
        """Return `values` with the statement's constants, in the order the DBAPI wants."""
        merged = {**self.fixed, **values}
        if self.order is None:
            return merged
        return tuple(merged[name] for name in self.order)


class Direct:
    """RECIPIENT and SENT compiled for one engine, run on a worker's DBAPI connection."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.sqlite = dialect.name == "sqlite"
        self.errors = dialect.loaded_dbapi.Error
        self.recipient = Compiled(RECIPIENT, dialect, delivery_id=0)
        self.sent = Compiled(
            SENT,
            dialect,
            delivery_id=0,
            worker="",
            when=None,
            text="",
            tries=0,
            done=DeliveryState.SENT.value,
        )
        self.moment = deliveries.c.sent_at.type.dialect_impl(dialect).bind_processor(dialect)

    def when(self, moment: datetime) -> object:
        """Return `moment` as SENT binds it."""
        return self.moment(moment) if self.moment is not None else moment

    def read(self, dbapi: Any, delivery_id: int) -> tuple[Any, ...] | None:
        """Return (email, name, subscriber state, issue state), or None if the row is gone."""
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
        return tuple(rows[0]) if rows else None

    def record_sent(self, dbapi: Any, values: dict[str, object]) -> None:
        """Mark one delivery sent and commit (the caller holds the SQLite write lock)."""
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

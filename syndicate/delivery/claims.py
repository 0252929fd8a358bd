"""Which deliveries a sender may take, the claim that takes them, and giving dead claims back.

A worker marks a batch `sending` with its name and the time in one atomic statement
(SQLite: BEGIN IMMEDIATE + UPDATE ... RETURNING; PostgreSQL: the same UPDATE over
SELECT ... FOR UPDATE SKIP LOCKED). A row left in `sending` by a killed process becomes
claimable again when the lease runs out (LEASE), or at once when the dead process ran on
this machine (its pid is gone): so two senders never share a row, and nothing is stranded.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from syndicate.atomic import process_alive
from syndicate.model import DeliveryKind, DeliveryState, IssueState
from syndicate.store import UTCDateTime, deliveries, issues, utcnow, write_transaction

LEASE = timedelta(minutes=10)  # a row in `sending` this long belongs to a dead sender
# Rows one worker claims at a time. A crash strands them only until the next send on this
# machine (their process is gone) or the lease elsewhere; 20 cost a claim per 20 messages,
# about 8% of a sender's own time, and 100 makes that under 2%.
BATCH = 100


@dataclass(frozen=True)
class Claimed:
    """One delivery a worker has claimed, as the claim statement returned it."""

    id: int
    kind: str
    issue_id: int | None
    subscriber_id: int
    attempts: int


def worker_name() -> str:
    """Return a claim owner's name: this host, this process, and a part of its own."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _live_issue() -> sa.ColumnElement[bool]:
    queued = sa.select(issues.c.id).where(issues.c.state == IssueState.QUEUED)
    return sa.or_(deliveries.c.kind == DeliveryKind.CONFIRM, deliveries.c.issue_id.in_(queued))


def _claimable(due_by: datetime, lease_cutoff: datetime) -> sa.ColumnElement[bool]:
    ready = sa.or_(
        sa.and_(deliveries.c.state == DeliveryState.DUE, deliveries.c.due_at <= due_by),
        sa.and_(
            deliveries.c.state == DeliveryState.SENDING, deliveries.c.claimed_at < lease_cutoff
        ),
    )
    return sa.and_(ready, _live_issue())


def count_due(engine: Engine, *, now: datetime | None = None) -> int:
    """Return how many deliveries a send started now would work through."""
    now = now or utcnow()
    query = sa.select(sa.func.count()).where(_claimable(now, now - LEASE))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def release_dead_claims(engine: Engine) -> int:
    """Give back the rows claimed by senders on this machine whose process is gone."""
    host = socket.gethostname()[:60]
    query = (
        sa.select(deliveries.c.claimed_by)
        .where(deliveries.c.state == DeliveryState.SENDING)
        .distinct()
    )
    with engine.connect() as conn:
        owners = [row[0] for row in conn.execute(query) if row[0]]
    dead = []
    for owner in owners:
        parts = owner.rsplit(":", 2)
        if len(parts) != 3:
            continue
        owner_host, pid_text, _ = parts
        if owner_host == host and pid_text.isdigit() and not process_alive(int(pid_text)):
            dead.append(owner)
    if not dead:
        return 0
    with write_transaction(engine) as conn:
        result = conn.execute(
            deliveries.update()
            .where(deliveries.c.state == DeliveryState.SENDING, deliveries.c.claimed_by.in_(dead))
            .values(state=DeliveryState.DUE, claimed_by=None, claimed_at=None)
        )
    return result.rowcount or 0


def claim_statements(postgresql: bool) -> tuple[sa.Update, ...]:
    """Return the two claim statements, built once per run (each batch binds its values).

    Each reads in the order of the index deliveries_due (state, due_at) so it stops after
    `size` rows: one query over both with OR (and ORDER BY id) made SQLite and PostgreSQL
    collect and sort every due row for each batch, which cost seconds per batch on an issue
    of a million. Stale leases first: they are few.
    """
    ready = (
        sa.and_(
            deliveries.c.state == DeliveryState.SENDING,
            deliveries.c.claimed_at < sa.bindparam("stale_before", type_=UTCDateTime),
        ),
        sa.and_(
            deliveries.c.state == DeliveryState.DUE,
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
                state=DeliveryState.SENDING,
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


def owned_by(worker: str, ids: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """Match the rows among `ids` that `worker` still holds in `sending`.

    Every write a worker makes about a claimed row goes through this: a row whose lease ran
    out and that another sender took since is no longer this worker's to record.
    """
    return sa.and_(
        ids, deliveries.c.claimed_by == worker, deliveries.c.state == DeliveryState.SENDING
    )

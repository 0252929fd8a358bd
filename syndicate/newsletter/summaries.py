"""Issues as the publisher sees them: each with its deliveries counted by state, and the one
status that sums it up (waiting, held, sending, sent, written to outbox, cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.errors import IssueError
from syndicate.model import DeliveryState, IssueState
from syndicate.states import IssueStatus
from syndicate.store import TableRow, deliveries, issues, storable_id, utcnow

HELD, QUEUED, CANCELLED = IssueState.HELD, IssueState.QUEUED, IssueState.CANCELLED
DELIVERY_STATES = tuple(DeliveryState)


@dataclass(frozen=True)
class IssueSummary:
    """One issue as `newsletter list` shows it, with its deliveries counted by state."""

    id: int
    article_pk: int
    state: str
    subject: str
    created_at: datetime
    queued_at: datetime | None
    counts: dict[str, int]
    next_due: datetime | None = None  # the earliest unsent delivery's due time

    @property
    def waits_until(self) -> datetime | None:
        """Return when newsletter.delay lets the issue's first copy go, while that is ahead."""
        waiting = self.next_due is not None and self.next_due > utcnow()
        return self.next_due if waiting and not self.gone_out else None

    @property
    def gone_out(self) -> int:
        """Return how many copies left: sent over SMTP or written to the outbox."""
        return self.counts[DeliveryState.SENT] + self.counts[DeliveryState.WRITTEN]

    @property
    def total(self) -> int:
        """Return how many copies the issue has, leaving out the cancelled ones."""
        return sum(self.counts.values()) - self.counts[DeliveryState.CANCELLED]

    def status(self, now: datetime | None = None) -> str:
        """Return the one state the publisher sees: what happened to the issue as a whole.

        waiting (queued, its grace period not over), held, sending, sent, written to
        outbox, partly sent then cancelled, or cancelled.
        """
        if self.state == CANCELLED:
            return IssueStatus.PARTLY_CANCELLED if self.gone_out else IssueStatus.CANCELLED
        if self.state == HELD:
            return IssueStatus.HELD
        if self.counts[DeliveryState.DUE] or self.counts[DeliveryState.SENDING]:
            now = now or utcnow()
            not_yet = self.next_due is not None and self.next_due > now
            if not_yet and not self.gone_out and not self.counts[DeliveryState.SENDING]:
                return IssueStatus.WAITING
            return IssueStatus.SENDING
        if self.counts[DeliveryState.WRITTEN] and not self.counts[DeliveryState.SENT]:
            return IssueStatus.WRITTEN
        return IssueStatus.SENT


def issue_row(conn: Connection, issue_id: int) -> TableRow:
    row = None
    if storable_id(issue_id):
        row = conn.execute(sa.select(issues).where(issues.c.id == issue_id)).first()
    if row is None:
        raise IssueError(f"no issue {issue_id}: see `syndicate newsletter list`")
    return row


def _counts(
    conn: Connection, issue_ids: list[int]
) -> tuple[dict[int, dict[str, int]], dict[int, datetime]]:
    """Return each issue's deliveries counted by state, and its earliest unsent due time."""
    query = (
        sa.select(
            deliveries.c.issue_id,
            deliveries.c.state,
            sa.func.count(),
            sa.func.min(deliveries.c.due_at),
        )
        .where(deliveries.c.issue_id.in_(issue_ids))
        .group_by(deliveries.c.issue_id, deliveries.c.state)
    )
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(DELIVERY_STATES, 0) for i in issue_ids}
    next_due: dict[int, datetime] = {}
    for issue_id, state, number, earliest in conn.execute(query):
        counts[issue_id][state] = int(number)
        if state == DeliveryState.DUE and earliest is not None:
            next_due[issue_id] = earliest  # min() keeps the column's type: timezone-aware
    return counts, next_due


def _summaries(conn: Connection, rows: list[TableRow]) -> list[IssueSummary]:
    counts, next_due = _counts(conn, [row.id for row in rows])
    return [
        IssueSummary(
            row.id,
            row.article_pk,
            row.state,
            row.subject,
            row.created_at,
            row.queued_at,
            counts[row.id],
            next_due.get(row.id),
        )
        for row in rows
    ]


def list_issues(
    engine: Engine, *, limit: int | None = None, unfinished: bool = False
) -> list[IssueSummary]:
    """Return the issues, newest first, each with its deliveries counted by state.

    With `unfinished`, only those held or with copies still to send.
    """
    query = sa.select(
        issues.c.id,
        issues.c.article_pk,
        issues.c.state,
        issues.c.subject,
        issues.c.created_at,
        issues.c.queued_at,
    ).order_by(issues.c.id.desc())
    if unfinished:
        unsent = sa.select(deliveries.c.issue_id).where(
            deliveries.c.state.in_((DeliveryState.DUE, DeliveryState.SENDING))
        )
        query = query.where(
            sa.or_(
                issues.c.state == HELD,
                sa.and_(issues.c.state == QUEUED, issues.c.id.in_(unsent)),
            )
        )
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit) if limit else query).all()
        return _summaries(conn, list(rows))


def summary(engine: Engine, issue_id: int) -> IssueSummary:
    with engine.connect() as conn:
        return _summaries(conn, [issue_row(conn, issue_id)])[0]

"""Memberships: one subscriber on one newsletter, with its own state and consent record.

The subscriber keeps the address, the name and the bounce; its `state` column is the
overall state, kept in step here after every change to its memberships: `bounced` after a
hard bounce, `unsubscribed` after a complaint or with no membership left, `active` with at
least one active membership, else `pending`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndicate.states import DeliveryState, SubscriberState
from syndicate.store import deliveries, issues, memberships, subscribers

PENDING, ACTIVE, LEFT = (
    SubscriberState.PENDING,
    SubscriberState.ACTIVE,
    SubscriberState.UNSUBSCRIBED,
)


def membership_states(conn: Connection, subscriber_id: int) -> dict[int, str]:
    """Return the subscriber's memberships: newsletter id -> state."""
    query = sa.select(memberships.c.newsletter_id, memberships.c.state).where(
        memberships.c.subscriber_id == subscriber_id
    )
    return {int(newsletter_id): state for newsletter_id, state in conn.execute(query)}


def join(
    conn: Connection,
    subscriber_id: int,
    newsletter_ids: Iterable[int],
    *,
    state: str,
    method: str,
    client: str | None,
    now: datetime,
) -> list[int]:
    """Put a subscriber on newsletters as `state` (pending or active); return those changed.

    An active membership stays as it is; one that was left starts again with this consent.
    """
    current = membership_states(conn, subscriber_id)
    consent = {
        "state": state,
        "signup_method": method,
        "signup_client": client[:100] if client else None,
        "confirmed_at": now if state == ACTIVE else None,
        "confirm_method": method if state == ACTIVE else None,
        "confirm_client": client[:100] if client and state == ACTIVE else None,
        "unsubscribed_at": None,
        "unsubscribe_method": None,
    }
    changed = []
    for newsletter_id in newsletter_ids:
        was = current.get(newsletter_id)
        if was == ACTIVE or (was == PENDING and state == PENDING):
            continue
        if was is None:
            conn.execute(
                memberships.insert().values(
                    newsletter_id=newsletter_id,
                    subscriber_id=subscriber_id,
                    created_at=now,
                    **consent,
                )
            )
        else:
            conn.execute(
                memberships.update()
                .where(_one(subscriber_id, newsletter_id))
                .values(created_at=now, **consent)
            )
        changed.append(newsletter_id)
    return changed


def _one(subscriber_id: int, newsletter_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        memberships.c.subscriber_id == subscriber_id, memberships.c.newsletter_id == newsletter_id
    )


def activate_pending(
    conn: Connection, subscriber_id: int, *, method: str, client: str | None, now: datetime
) -> int:
    """Confirm every pending membership of a subscriber (one confirmation covers them all)."""
    result = conn.execute(
        memberships.update()
        .where(memberships.c.subscriber_id == subscriber_id, memberships.c.state == PENDING)
        .values(
            state=ACTIVE,
            confirmed_at=now,
            confirm_method=method,
            confirm_client=client[:100] if client else None,
        )
    )
    return result.rowcount or 0


def leave(
    conn: Connection,
    subscriber_id: int,
    newsletter_ids: Iterable[int] | None,
    *,
    method: str,
    now: datetime,
) -> int:
    """End memberships (all of them when `newsletter_ids` is None) and cancel their unsent
    deliveries; return how many deliveries were cancelled."""
    where = [memberships.c.subscriber_id == subscriber_id, memberships.c.state != LEFT]
    due = [deliveries.c.subscriber_id == subscriber_id, deliveries.c.state == DeliveryState.DUE]
    if newsletter_ids is not None:
        ids = list(newsletter_ids)
        where.append(memberships.c.newsletter_id.in_(ids))
        due.append(
            deliveries.c.issue_id.in_(sa.select(issues.c.id).where(issues.c.newsletter_id.in_(ids)))
        )
    conn.execute(
        memberships.update()
        .where(*where)
        .values(state=LEFT, unsubscribed_at=now, unsubscribe_method=method)
    )
    return conn.execute(deliveries.update().where(*due).values(state="cancelled")).rowcount or 0


def overall_state(conn: Connection, subscriber_id: int) -> str:
    """Return the state a subscriber's memberships add up to (a bounce is not undone here)."""
    states = set(membership_states(conn, subscriber_id).values())
    return ACTIVE if ACTIVE in states else PENDING if PENDING in states else LEFT


def refresh_state(conn: Connection, subscriber_id: int, *, method: str, now: datetime) -> str:
    """Write the subscriber's overall state after its memberships changed; return it.

    A bounced subscriber stays bounced: only a new signup (which resets it) brings it back.
    """
    row = conn.execute(
        sa.select(subscribers.c.state).where(subscribers.c.id == subscriber_id)
    ).first()
    if row is None or row.state == SubscriberState.BOUNCED:
        return row.state if row else LEFT
    state = overall_state(conn, subscriber_id)
    if state != row.state:
        values: dict[str, object] = {"state": state}
        if state == LEFT:
            values.update(unsubscribed_at=now, unsubscribe_method=method)
        conn.execute(subscribers.update().where(subscribers.c.id == subscriber_id).values(values))
    return state

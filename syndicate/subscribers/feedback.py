"""What comes back about a delivery, applied to the list: hard and soft bounces, complaints.

One set of rules for every source (the sender's SMTP refusals, the bounce mailbox, a
provider's webhook):

* a hard bounce (the mailbox does not exist) fails the delivery and bounces the subscriber
  at once;
* a soft bounce (mailbox full, deferred until given up, delayed) marks the delivery; the
  subscriber bounces once `send.soft_bounce_limit` of their last `send.soft_bounce_window`
  deliveries soft-bounced (3 of 5), so a bad week at one provider does not end a
  subscription, and one good delivery in a while does not keep a dead one alive;
* a refusal of the message (spam, policy, size) fails the delivery and bounces nobody;
* a complaint (the reader pressed "report spam") unsubscribes from everything and keeps a
  suppression entry, so no import brings the address back;
* a mailto unsubscribe leaves the one newsletter it names (memberships).

Every function works inside the caller's transaction and is harmless to repeat: the same
bounce read twice changes nothing the second time. `apply_feedback` is the entry point for
a report that names a subscriber but no delivery (a provider's webhook).
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndicate.config import Settings
from syndicate.model import DeliveryKind, DeliveryState, SubscriberState
from syndicate.store import (
    deliveries,
    insert_ignoring_duplicates,
    subscribers,
    suppressions,
    utcnow,
)
from syndicate.subscribers.addresses import normalize_address, suppression_hash
from syndicate.subscribers.memberships import leave, membership_states, refresh_state
from syndicate.subscribers.optin import mark_bounced
from syndicate.subscribers.records import cancel_due, row_by_address, row_by_id
from syndicate.subscribers.tokens import read_token

LISTED = (SubscriberState.PENDING, SubscriberState.ACTIVE)


def _mark_delivery(
    conn: Connection, delivery_id: int | None, bounce: str, reply: str, *, failed: bool
) -> None:
    if delivery_id is None:
        return
    values: dict[str, object] = {"bounce": bounce, "reply": reply[:2000]}
    if failed:
        values["state"] = DeliveryState.FAILED
    conn.execute(
        deliveries.update()
        .where(deliveries.c.id == delivery_id, deliveries.c.state != DeliveryState.DUE)
        .values(values)
    )


def hard_bounce(conn: Connection, subscriber_id: int, delivery_id: int | None, reply: str) -> None:
    """Fail the delivery and bounce the subscriber at once."""
    _mark_delivery(conn, delivery_id, "hard", reply, failed=True)
    mark_bounced(conn, subscriber_id, reply)


def message_refused(conn: Connection, delivery_id: int | None, reply: str) -> None:
    """Fail the delivery as refused for its content or sender; the subscriber stays."""
    _mark_delivery(conn, delivery_id, "message", reply, failed=True)


def soft_bounce(
    conn: Connection,
    subscriber_id: int,
    delivery_id: int | None,
    reply: str,
    *,
    limit: int,
    window: int,
    failed: bool = True,
) -> bool:
    """Mark a delivery soft-bounced; bounce the subscriber once `limit` of their last
    `window` deliveries did. Returns whether this one bounced them.

    `failed=False` for a delivery that may still arrive (a "delayed" notice). Without a
    delivery (a webhook's report), the subscriber's latest sent one is the one marked.
    """
    sent = sa.and_(
        deliveries.c.subscriber_id == subscriber_id,
        deliveries.c.kind == DeliveryKind.ISSUE,
        deliveries.c.state.in_((DeliveryState.SENT, DeliveryState.FAILED)),
    )
    if delivery_id is None:  # a report naming no delivery is about the latest one
        latest = sa.select(sa.func.max(deliveries.c.id)).where(sent)
        delivery_id = conn.execute(latest).scalar()
    _mark_delivery(conn, delivery_id, "soft", reply, failed=failed)
    conn.execute(
        subscribers.update()
        .where(subscribers.c.id == subscriber_id)
        .values(soft_bounces=subscribers.c.soft_bounces + 1)
    )
    recent = (
        sa.select(deliveries.c.bounce).where(sent).order_by(deliveries.c.id.desc()).limit(window)
    )
    soft = sum(1 for (bounce,) in conn.execute(recent) if bounce == "soft")
    state = conn.execute(
        sa.select(subscribers.c.state).where(subscribers.c.id == subscriber_id)
    ).scalar()
    if soft < limit or state not in LISTED:
        return False
    mark_bounced(conn, subscriber_id, f"{soft} of the last {window} deliveries soft-bounced")
    return True


def complaint(conn: Connection, subscriber_id: int, delivery_id: int | None, detail: str) -> None:
    """Unsubscribe from every newsletter and suppress the address (a spam complaint)."""
    _mark_delivery(conn, delivery_id, "complaint", detail, failed=False)
    row = conn.execute(
        sa.select(subscribers.c.email, subscribers.c.state).where(subscribers.c.id == subscriber_id)
    ).first()
    if row is None:
        return
    if row.state in LISTED:  # a bounced address stays bounced, and is suppressed too
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id)
            .values(
                state=SubscriberState.UNSUBSCRIBED,
                unsubscribed_at=utcnow(),
                unsubscribe_method="complaint",
            )
        )
    leave(conn, subscriber_id, None, method="complaint", now=utcnow())
    cancel_due(conn, subscriber_id)
    conn.execute(
        insert_ignoring_duplicates(conn, suppressions).values(
            email_hash=suppression_hash(row.email), reason="complaint", created_at=utcnow()
        )
    )


def leave_newsletter(
    conn: Connection, subscriber_id: int, newsletter_id: int, *, method: str
) -> bool:
    """End one subscriber's membership of one newsletter; return whether it changed.

    Newsletter 0 (a token signed before newsletters were stored) leaves every one.
    """
    now = utcnow()
    before = membership_states(conn, subscriber_id)
    leave(conn, subscriber_id, [newsletter_id] if newsletter_id else None, method=method, now=now)
    refresh_state(conn, subscriber_id, method=method, now=now)
    return membership_states(conn, subscriber_id) != before


# Reports that name a subscriber, not a delivery (a provider's webhook) -----------------------

DETAIL_LIMIT = 500


class Feedback(StrEnum):
    """What came back about one address."""

    HARD = "hard"  # the mailbox does not exist or will never take mail
    SOFT = "soft"  # a passing failure: full mailbox, greylisting, a server down
    COMPLAINT = "complaint"  # the reader marked a message as spam


def subscriber_id_for(
    conn: Connection, settings: Settings, *, email: str | None = None, token: str | None = None
) -> int | None:
    """Return the id named by an address or an unsubscribe token, or None when not listed.

    Raises AddressError for an invalid address and TokenError for a bad token.
    """
    if token:
        row = row_by_id(conn, read_token(settings, "unsubscribe", token))
    else:
        row = row_by_address(conn, normalize_address(email or ""))
    return int(row.id) if row is not None else None


def apply_feedback(
    conn: Connection, settings: Settings, subscriber_id: int, kind: Feedback, detail: str
) -> SubscriberState | None:
    """Apply one hard bounce, soft bounce or complaint; return the subscriber's state after.

    Returns None for an id that is no longer listed.
    """
    detail = " ".join(detail.split())[:DETAIL_LIMIT] or kind.value
    if kind is Feedback.HARD:
        hard_bounce(conn, subscriber_id, None, detail)
    elif kind is Feedback.SOFT:
        limit, window = settings.soft_bounces_to_stop, settings.soft_bounce_window
        soft_bounce(conn, subscriber_id, None, detail, limit=limit, window=window)
    else:
        complaint(conn, subscriber_id, None, detail)
    row = row_by_id(conn, subscriber_id)
    return SubscriberState(row.state) if row is not None else None

"""What a bounce or a complaint does to a subscriber, wherever it was read.

The bounce mailbox (inbound/) and the providers' webhook (web/webhooks.py) both end here,
so the same report has the same effect whichever way it came:

- a hard bounce bounces the subscriber at once;
- a soft bounce is counted, and bounces the subscriber at `send.bounce_threshold`;
- a complaint (someone pressed "this is spam") unsubscribes them from everything and keeps
  a suppression entry, so no import or `--confirmed` brings the address back.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.engine import Connection

from syndicate.config import Settings
from syndicate.model import SubscriberState
from syndicate.store import insert_ignoring_duplicates, subscribers, suppressions, utcnow
from syndicate.subscribers.addresses import normalize_address, suppression_hash
from syndicate.subscribers.memberships import leave
from syndicate.subscribers.optin import mark_bounced, record_soft_bounce
from syndicate.subscribers.records import cancel_due, row_by_address, row_by_id
from syndicate.subscribers.tokens import read_token

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

    Runs inside the caller's transaction. Returns None for an id that is no longer listed.
    """
    detail = " ".join(detail.split())[:DETAIL_LIMIT] or kind.value
    if kind is Feedback.HARD:
        mark_bounced(conn, subscriber_id, detail)
    elif kind is Feedback.SOFT:
        record_soft_bounce(conn, subscriber_id, settings.bounce_threshold)
    else:
        complain(conn, subscriber_id)
    row = row_by_id(conn, subscriber_id)
    return SubscriberState(row.state) if row is not None else None


def complain(conn: Connection, subscriber_id: int) -> None:
    """Unsubscribe a subscriber who complained from everything, and suppress the address."""
    row = row_by_id(conn, subscriber_id)
    if row is None:
        return
    now = utcnow()
    leave(conn, subscriber_id, None, method="complaint", now=now)  # every newsletter
    if row.state in (SubscriberState.PENDING, SubscriberState.ACTIVE):
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id)
            .values(
                state=SubscriberState.UNSUBSCRIBED,
                unsubscribed_at=now,
                unsubscribe_method="complaint",
            )
        )
    cancel_due(conn, subscriber_id)
    conn.execute(
        insert_ignoring_duplicates(conn, suppressions).values(
            email_hash=suppression_hash(row.email), reason="complaint", created_at=now
        )
    )

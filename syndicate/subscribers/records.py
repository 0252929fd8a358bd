"""Subscriber rows: reading them as Subscribers, and the small writes the other modules share."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import AddressError
from syndicate.model import DeliveryState, Subscriber, SubscriberState
from syndicate.safetext import one_line
from syndicate.store import (
    deliveries,
    insert_ignoring_duplicates,
    memberships,
    subscribers,
    suppressions,
)
from syndicate.subscribers.addresses import email_key, normalize_address, suppression_hash
from syndicate.subscribers.tokens import make_token

STATES = tuple(state.value for state in SubscriberState)  # plain text, for click.Choice
GONE = (SubscriberState.UNSUBSCRIBED, SubscriberState.BOUNCED)
NAME_LIMIT = 80
# Letters, combining marks, spaces and the punctuation of real names: nothing a link or an
# advert needs (digits, "/", ":", "<>", "@").
_NAME_PUNCTUATION = frozenset(" '’-.")


# Links -------------------------------------------------------------------------------------


def confirm_url(settings: Settings, subscriber_id: int) -> str:
    """Return the link in a confirmation email."""
    return f"{settings.public_web_url}/confirm/{make_token(settings, 'confirm', subscriber_id)}"


def unsubscribe_url(settings: Settings, subscriber_id: int, newsletter: str | None = None) -> str:
    """Return the link that unsubscribes one subscriber; it does not expire.

    With a newsletter's slug it leaves that newsletter only. The slug is not signed: the
    link without it (as sent before a site had several newsletters) leaves every one.
    """
    token = make_token(settings, "unsubscribe", subscriber_id)
    where = f"/unsubscribe/{newsletter}/{token}" if newsletter else f"/unsubscribe/{token}"
    return settings.public_web_url + where


def manage_url(settings: Settings, subscriber_id: int) -> str:
    """Return the link to a subscriber's preferences page (every email's footer); no expiry."""
    return f"{settings.public_web_url}/manage/{make_token(settings, 'manage', subscriber_id)}"


# Reading rows ------------------------------------------------------------------------------


def as_subscriber(row: Any) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        name=row.name,
        state=SubscriberState(row.state),
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        unsubscribed_at=row.unsubscribed_at,
        bounced_at=row.bounced_at,
        signup_method=row.signup_method,
        signup_client=row.signup_client,
        confirm_method=row.confirm_method,
        confirm_client=row.confirm_client,
    )


def row_by_id(conn: Connection, subscriber_id: int) -> Any:
    return conn.execute(sa.select(subscribers).where(subscribers.c.id == subscriber_id)).first()


def row_by_address(conn: Connection, address: str) -> Any:
    query = sa.select(subscribers).where(subscribers.c.email_key == email_key(address))
    return conn.execute(query).first()


def find_subscriber(engine: Engine, address: str) -> Subscriber | None:
    """Return the subscriber with this address (in any case), or None."""
    with engine.connect() as conn:
        row = row_by_address(conn, normalize_address(address))
    return as_subscriber(row) if row else None


def _on_newsletters(newsletter_ids: Sequence[int]) -> sa.Select[Any]:
    """Select the members of these newsletters, each with its state there as `state`.

    A member of several counts once, in its best state there (active, pending, then
    unsubscribed); a bounced subscriber is `bounced` everywhere.
    """
    rank = sa.case(
        {SubscriberState.ACTIVE: 1, SubscriberState.PENDING: 2}, value=memberships.c.state, else_=3
    )
    best = (
        sa.select(memberships.c.subscriber_id, sa.func.min(rank).label("rank"))
        .where(memberships.c.newsletter_id.in_(list(newsletter_ids)))
        .group_by(memberships.c.subscriber_id)
        .subquery()
    )
    state = sa.case(
        (subscribers.c.state == SubscriberState.BOUNCED, SubscriberState.BOUNCED.value),
        (best.c.rank == 1, SubscriberState.ACTIVE.value),
        (best.c.rank == 2, SubscriberState.PENDING.value),
        else_=SubscriberState.UNSUBSCRIBED.value,
    )
    columns = [c for c in subscribers.c if c.name != "state"]
    return sa.select(*columns, state.label("state")).join_from(
        subscribers, best, best.c.subscriber_id == subscribers.c.id
    )


def list_subscribers(
    engine: Engine, *, state: str | None = None, newsletter_ids: Sequence[int] = ()
) -> list[Subscriber]:
    """Return the subscribers, oldest first, optionally only those in one state.

    With `newsletter_ids`, only the members of those newsletters, in their state there.
    """
    query = _on_newsletters(newsletter_ids) if newsletter_ids else sa.select(subscribers)
    query = query.order_by(subscribers.c.id)
    if state is not None:
        query = sa.select(query.subquery()).where(sa.literal_column("state") == state)
    with engine.connect() as conn:
        return [as_subscriber(row) for row in conn.execute(query)]


def count_subscribers(engine: Engine, *, newsletter_ids: Sequence[int] = ()) -> dict[str, int]:
    """Return how many subscribers are in each state (every state, zeros included)."""
    if newsletter_ids:
        scoped = _on_newsletters(newsletter_ids).subquery()
        query = sa.select(scoped.c.state, sa.func.count()).group_by(scoped.c.state)
    else:
        query = sa.select(subscribers.c.state, sa.func.count()).group_by(subscribers.c.state)
    with engine.connect() as conn:
        counts = {state: int(n) for state, n in conn.execute(query)}
    return {state: counts.get(state, 0) for state in STATES}


def clean_name(name: str | None) -> str | None:
    """Return a display name safe for headers and pages: one line, NFC, or None when empty."""
    if name is None:
        return None
    text = unicodedata.normalize("NFC", name)
    # Control characters (CR and LF above all) would end up in a To: header.
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    text = one_line(text)
    if len(text) > NAME_LIMIT:
        raise AddressError(f"the name is too long ({len(text)} characters; at most {NAME_LIMIT})")
    if not all(c in _NAME_PUNCTUATION or unicodedata.category(c)[0] in "LM" for c in text) or (
        "www." in text.casefold()
    ):
        raise AddressError(
            "a name may hold only letters, spaces and the marks ' ’ - . (no links or numbers)"
        )
    return text or None


# Writing rows ------------------------------------------------------------------------------


def insert_subscriber(
    conn: Connection,
    address: str,
    name: str | None,
    *,
    state: str,
    method: str,
    client: str | None,
    now: datetime,
) -> int | None:
    """Insert a new subscriber; return its id, or None when the address arrived meanwhile."""
    values: dict[str, Any] = {
        "email": address,
        "email_key": email_key(address),
        "name": name,
        "state": state,
        "created_at": now,
        "signup_method": method,
        "signup_client": client[:100] if client else None,
        "soft_bounces": 0,
    }
    if state == SubscriberState.ACTIVE:
        values.update(
            confirmed_at=now, confirm_method=method, confirm_client=values["signup_client"]
        )
    statement = insert_ignoring_duplicates(conn, subscribers).values(**values)
    inserted = conn.execute(statement.returning(subscribers.c.id)).scalar_one_or_none()
    return int(inserted) if inserted is not None else None


def is_suppressed(conn: Connection, address: str) -> bool:
    query = sa.select(suppressions.c.email_hash).where(
        suppressions.c.email_hash == suppression_hash(address)
    )
    return conn.execute(query).first() is not None


def cancel_due(conn: Connection, subscriber_id: int) -> int:
    """Cancel a subscriber's deliveries that have not gone out; return how many."""
    result = conn.execute(
        deliveries.update()
        .where(deliveries.c.subscriber_id == subscriber_id, deliveries.c.state == DeliveryState.DUE)
        .values(state=DeliveryState.CANCELLED)
    )
    return result.rowcount or 0


def queue_confirmation(conn: Connection, subscriber_id: int, now: datetime) -> None:
    """Queue a confirmation email for `syndicate send` (a delivery of kind "confirm")."""
    conn.execute(
        deliveries.insert().values(
            kind="confirm",
            issue_id=None,
            subscriber_id=subscriber_id,
            state=DeliveryState.DUE,
            attempts=0,
            due_at=now,
        )
    )

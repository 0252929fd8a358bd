"""Double opt-in: signup, confirmation, unsubscribe, and the bounces that end a subscription."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import (
    AddressError,
    DeliveryError,
    NoLongerListedError,
    Refused,
    TokenError,
)
from syndicate.mailer import send_now
from syndicate.model import DeliveryState, Subscriber, SubscriberState
from syndicate.newsletter.catalog import by_slugs, choose, site_newsletters
from syndicate.store import deliveries, subscribers, utcnow, write_transaction
from syndicate.subscribers.addresses import normalize_address
from syndicate.subscribers.letters import confirmation_for
from syndicate.subscribers.memberships import (
    PENDING,
    activate_pending,
    join,
    leave,
    membership_states,
    refresh_state,
)
from syndicate.subscribers.records import (
    GONE,
    as_subscriber,
    cancel_due,
    clean_name,
    insert_subscriber,
    queue_confirmation,
    row_by_address,
    row_by_id,
)
from syndicate.subscribers.tokens import read_token, read_token_issued


def _signed_up(
    conn: Connection,
    email: str,
    display: str | None,
    *,
    method: str,
    client: str | None,
    now: datetime,
) -> Any:
    """Record a signup in an open transaction; return the address's row as it stands now.

    A new address is pending; one that had left is pending again; one still pending has
    30 more days to confirm from now.
    """
    row = row_by_address(conn, email)
    if row is None:
        new_id = insert_subscriber(
            conn,
            email,
            display,
            state=SubscriberState.PENDING,
            method=method,
            client=client,
            now=now,
        )
        return row_by_id(conn, new_id) if new_id else row_by_address(conn, email)
    if row.state in GONE:
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == row.id)
            .values(
                state=SubscriberState.PENDING,
                name=display or row.name,
                signup_method=method,
                signup_client=client[:100] if client else None,
                soft_bounces=0,
            )
        )
        return row_by_id(conn, row.id)
    if row.state == SubscriberState.PENDING:  # signed up again: 30 days from now
        conn.execute(subscribers.update().where(subscribers.c.id == row.id).values(created_at=now))
    return row


def signup(
    engine: Engine,
    settings: Settings,
    address: str,
    name: str | None = None,
    *,
    method: str = "cli",
    client: str | None = None,
    newsletters: Sequence[str] | None = None,
) -> None:
    """Sign an address up for newsletters (by slug; default: the `subscribe_on_signup` ones)
    as pending, and send the one confirmation email that covers them all at once.

    Says nothing about whether the address was known: a newsletter it is active on is left
    alone, a pending one gets its confirmation again, and one that unsubscribed or bounced
    becomes pending and must confirm again. Raises AddressError for a bad address or one the
    mail server refuses, DeliveryError when no mail server can be reached (the email is then
    queued for the next `syndicate send`).
    """
    subscriber = register_signup(
        engine, settings, address, name, method=method, client=client, newsletters=newsletters
    )
    if subscriber is not None:
        deliver_confirmation(engine, settings, subscriber)


def register_signup(
    engine: Engine,
    settings: Settings,
    address: str,
    name: str | None = None,
    *,
    method: str = "cli",
    client: str | None = None,
    newsletters: Sequence[str] | None = None,
) -> Subscriber | None:
    """Record a signup; return the subscriber to send a confirmation, or None (nothing to
    confirm: every chosen newsletter is active already).

    The database half of `signup`: the web app answers right after it and sends the
    confirmation in the background, so the answer takes as long for a known address.
    """
    email = normalize_address(address)
    display = clean_name(name)
    now = utcnow()
    with write_transaction(engine) as conn:
        chosen = [n.id for n in choose(conn, settings, newsletters)]
        row = _signed_up(conn, email, display, method=method, client=client, now=now)
        join(conn, row.id, chosen, state=PENDING, method=method, client=client, now=now)
        refresh_state(conn, row.id, method=method, now=now)
        waiting = PENDING in membership_states(conn, row.id).values()
        row = row_by_id(conn, row.id)
    return as_subscriber(row) if waiting else None


def deliver_confirmation(engine: Engine, settings: Settings, subscriber: Subscriber) -> None:
    """Send a pending subscriber's confirmation now; queue it for `send` if no server answers.

    Raises AddressError when the server refuses the address, DeliveryError (after queueing
    the email) when it cannot be reached.
    """
    email = subscriber.email
    try:
        send_confirmation(engine, settings, subscriber)
    except Refused as e:
        raise AddressError(f"the mail server refused {email}: {e.code} {e.reply}") from e
    except DeliveryError as e:
        with write_transaction(engine) as conn:
            queue_confirmation(conn, subscriber.id, utcnow())
        raise DeliveryError(
            f"{e}; the confirmation email for {email} is queued for the next `syndicate send`"
        ) from e


def send_confirmation(engine: Engine, settings: Settings, subscriber: Subscriber) -> str:
    """Build and send one subscriber's confirmation email now; return the server's reply."""
    message = confirmation_for(engine, settings, subscriber.id, subscriber.email)
    return send_now(settings, subscriber.email, message)


def _check_confirmable(row: Any, issued: datetime) -> None:
    """Refuse a confirmation link sent before the address last left the list."""
    left = max((t for t in (row.unsubscribed_at, row.bounced_at) if t is not None), default=None)
    # Token times have whole seconds: a link signed in the same second still counts as new.
    if left is not None and issued < left.replace(microsecond=0):
        raise TokenError(
            f"this confirmation link is older than {row.email}'s last unsubscribe or bounce: "
            "sign up again for a new one"
        )
    if row.state in GONE:
        raise TokenError(f"{row.email} has left the list: sign up again to come back")


def subscriber_for_token(
    engine: Engine, settings: Settings, token: str, purpose: str
) -> Subscriber:
    """Return the subscriber a link names, changing nothing (for the pages a GET shows).

    Raises TokenError when the link is bad or expired, NoLongerListedError (a TokenError)
    when it names no subscriber any more.
    """
    subscriber_id, issued = read_token_issued(settings, purpose, token)
    with engine.connect() as conn:
        row = row_by_id(conn, subscriber_id)
    if row is None:
        raise NoLongerListedError("this link names an address that is no longer on the list")
    if purpose == "confirm" and row.state != SubscriberState.ACTIVE:
        _check_confirmable(row, issued)
    return as_subscriber(row)


def confirm(
    engine: Engine,
    settings: Settings,
    token: str,
    *,
    method: str,
    client: str | None = None,
) -> Subscriber:
    """Activate the subscriber a confirmation token names; confirming twice is harmless."""
    return confirm_joining(engine, settings, token, method=method, client=client)[0]


def confirm_joining(
    engine: Engine,
    settings: Settings,
    token: str,
    *,
    method: str,
    client: str | None = None,
) -> tuple[Subscriber, list[int]]:
    """Confirm as `confirm` does; also return the ids of the newsletters this confirmation
    joined (none the second time), the ones a welcome email is due for."""
    subscriber_id, issued = read_token_issued(settings, "confirm", token)
    with write_transaction(engine) as conn:
        row = row_by_id(conn, subscriber_id)
        if row is None:
            raise NoLongerListedError(
                "this confirmation link names an address no longer on the list"
            )
        joined = [n for n, s in membership_states(conn, subscriber_id).items() if s == PENDING]
        if row.state == SubscriberState.ACTIVE and not joined:
            return as_subscriber(row), []
        _check_confirmable(row, issued)
        now = utcnow()
        activate_pending(conn, subscriber_id, method=method, client=client, now=now)
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id)
            .values(
                state=SubscriberState.ACTIVE,
                confirmed_at=now,
                confirm_method=method,
                confirm_client=client[:100] if client else None,
                soft_bounces=0,
            )
        )
        # A queued confirmation email has nothing left to ask.
        conn.execute(
            deliveries.update()
            .where(
                deliveries.c.subscriber_id == subscriber_id,
                deliveries.c.kind == "confirm",
                deliveries.c.state == DeliveryState.DUE,
            )
            .values(state=DeliveryState.CANCELLED)
        )
        return as_subscriber(row_by_id(conn, subscriber_id)), joined


def unsubscribe(
    engine: Engine,
    settings: Settings,
    address_or_token: str,
    *,
    method: str,
    newsletter: str | None = None,
) -> Subscriber:
    """Unsubscribe by address or by unsubscribe token, and cancel the unsent deliveries at once.

    With `newsletter` (a slug) only that membership ends; without, every one. Unsubscribing
    twice is harmless. Raises AddressError for an address not on the list, TokenError for a
    bad token, NoLongerListedError (a TokenError) for a token whose subscriber was removed
    since, NewsletterError for an unknown newsletter.
    """
    text = address_or_token.strip()
    with write_transaction(engine) as conn:
        if "@" in text:  # a token is URL-safe base64 and dots: never an @
            email = normalize_address(text)
            row = row_by_address(conn, email)
            if row is None:
                raise AddressError(f"{email} is not on the list")
        else:
            row = row_by_id(conn, read_token(settings, "unsubscribe", text))
            if row is None:
                raise NoLongerListedError(
                    "this unsubscribe link names an address no longer on the list"
                )
        now = utcnow()
        if newsletter is None:
            leave(conn, row.id, None, method=method, now=now)
            cancel_due(conn, row.id)
        else:
            [chosen] = by_slugs(site_newsletters(conn, settings), [newsletter])
            leave(conn, row.id, [chosen.id], method=method, now=now)
        refresh_state(conn, row.id, method=method, now=now)
        return as_subscriber(row_by_id(conn, row.id))


PENDING_FOR = timedelta(days=30)


def expire_pending(engine: Engine, *, now: datetime | None = None) -> int:
    """Delete the signups never confirmed within 30 days, with their client address.

    Only rows that were never on the list: an address that was active once and signed up
    again keeps its history. Returns how many were deleted.
    """
    cutoff = (now or utcnow()) - PENDING_FOR
    stale = sa.select(subscribers.c.id).where(
        subscribers.c.state == SubscriberState.PENDING,
        subscribers.c.created_at < cutoff,
        subscribers.c.confirmed_at.is_(None),
        subscribers.c.unsubscribed_at.is_(None),
        subscribers.c.bounced_at.is_(None),
    )
    with write_transaction(engine) as conn:
        ids = list(conn.execute(stale).scalars())
        if not ids:
            return 0
        conn.execute(deliveries.delete().where(deliveries.c.subscriber_id.in_(ids)))
        conn.execute(subscribers.delete().where(subscribers.c.id.in_(ids)))
    return len(ids)


# Bounces (called by the sender inside its own transaction) ---------------------------------


def mark_bounced(conn: Connection, subscriber_id: int, reply: str) -> None:
    """Mark a subscriber bounced (a 5xx for the mailbox): every membership ends with it, and
    its unsent deliveries are cancelled."""
    leave(conn, subscriber_id, None, method="bounce", now=utcnow())
    conn.execute(
        subscribers.update()
        .where(
            subscribers.c.id == subscriber_id,
            subscribers.c.state.in_((SubscriberState.PENDING, SubscriberState.ACTIVE)),
        )
        .values(state=SubscriberState.BOUNCED, bounced_at=utcnow(), bounce_reply=reply[:2000])
    )
    cancel_due(conn, subscriber_id)

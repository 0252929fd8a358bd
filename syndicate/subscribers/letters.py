"""The emails a subscriber gets about the subscription itself, built and sent: the
confirmation, the welcome after a web confirmation, and the link to the preferences page."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.mailer import send_now
from syndicate.model import Subscriber, SubscriberState
from syndicate.newsletter.account_mail import (
    confirmation_message,
    manage_message,
    welcome_message,
)
from syndicate.newsletter.catalog import load_newsletters
from syndicate.store import utcnow
from syndicate.subscribers.addresses import normalize_address
from syndicate.subscribers.memberships import PENDING, membership_states
from syndicate.subscribers.records import (
    confirm_url,
    manage_url,
    row_by_address,
    unsubscribe_url,
)

log = logging.getLogger(__name__)


def confirmation_for(engine: Engine, settings: Settings, subscriber_id: int, address: str) -> bytes:
    """Build a pending subscriber's confirmation: about the one newsletter it waits for, in
    that newsletter's language, or about the site's newsletters when it waits for several."""
    with engine.connect() as conn:
        waiting = [
            n for n, state in membership_states(conn, subscriber_id).items() if state == PENDING
        ]
    found = [n for n in load_newsletters(engine, settings) if n.id in waiting]
    only = found[0] if len(found) == 1 else None
    return confirmation_message(settings, address, confirm_url(settings, subscriber_id), only)


def send_welcomes(
    engine: Engine, settings: Settings, subscriber: Subscriber, newsletter_ids: Sequence[int]
) -> int:
    """Send one welcome email per newsletter just joined whose `welcome` is on; return how many.

    A welcome that cannot go out is logged and dropped: it says nothing the reader needs,
    so it is never queued to arrive late.
    """
    joined = [n for n in load_newsletters(engine, settings) if n.id in newsletter_ids]
    sent = 0
    for newsletter in joined:
        if not newsletter.welcome:
            continue
        message = welcome_message(
            settings,
            subscriber.email,
            newsletter,
            unsubscribe_url=unsubscribe_url(settings, subscriber.id, newsletter.slug),
            manage_url=manage_url(settings, subscriber.id),
            confirmed_at=utcnow(),
        )
        send_now(settings, subscriber.email, message)
        sent += 1
    return sent


def send_manage_link(engine: Engine, settings: Settings, address: str) -> bool:
    """Email the preferences link to `address` if it is on the list; return whether it went.

    An address never on the list, removed, or bounced gets nothing: the page that asked
    answers the same either way.
    """
    email = normalize_address(address)
    with engine.connect() as conn:
        row = row_by_address(conn, email)
    if row is None or row.state == SubscriberState.BOUNCED:
        return False
    send_now(settings, row.email, manage_message(settings, row.email, manage_url(settings, row.id)))
    return True

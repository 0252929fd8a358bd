"""The preferences page's library half: what a subscriber receives, and changing it.

The manage token (signed, purpose-salted, no expiry) names the subscriber; it arrives only
in that subscriber's mailbox (an issue's footer, a welcome email, a requested manage
link), so ticking a newsletter there joins it at once, with "manage" as the consent's
method. An address that bounced may leave newsletters here but join none: only a new
signup, confirmed again, brings it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import NoLongerListedError
from syndicate.model import Subscriber, SubscriberState
from syndicate.newsletter.catalog import site_newsletters
from syndicate.store import memberships, subscribers, utcnow, write_transaction
from syndicate.subscribers.memberships import ACTIVE, join, leave, refresh_state
from syndicate.subscribers.records import as_subscriber, cancel_due, clean_name, row_by_id
from syndicate.subscribers.tokens import read_token

METHOD = "manage"


@dataclass(frozen=True)
class Choice:
    """One newsletter on the page: ticked when the subscriber receives it."""

    slug: str
    name: str
    newsletter_id: int
    active: bool
    since: datetime | None  # when it was confirmed, for "since 3 March 2026"


@dataclass(frozen=True)
class Preferences:
    subscriber: Subscriber
    choices: tuple[Choice, ...]


def _read(conn: Connection, settings: Settings, subscriber_id: int) -> Preferences:
    row = row_by_id(conn, subscriber_id)
    if row is None:
        raise NoLongerListedError("this link names an address that is no longer on the list")
    query = sa.select(
        memberships.c.newsletter_id, memberships.c.state, memberships.c.confirmed_at
    ).where(memberships.c.subscriber_id == subscriber_id)
    held = {m.newsletter_id: m for m in conn.execute(query)}
    choices = []
    for newsletter in site_newsletters(conn, settings):
        membership = held.get(newsletter.id)
        if not newsletter.public and membership is None:
            continue  # a private newsletter shows only to its members
        active = membership is not None and membership.state == ACTIVE
        since = membership.confirmed_at if active and membership is not None else None
        choices.append(Choice(newsletter.slug, newsletter.name, newsletter.id, active, since))
    return Preferences(as_subscriber(row), tuple(choices))


def preferences(engine: Engine, settings: Settings, token: str) -> Preferences:
    """Return what the subscriber a manage token names receives, changing nothing.

    Raises TokenError for a bad link, NoLongerListedError when the subscriber was removed.
    """
    subscriber_id = read_token(settings, "manage", token)
    with write_transaction(engine) as conn:  # site_newsletters may store a new newsletter
        return _read(conn, settings, subscriber_id)


def change_preferences(
    engine: Engine, settings: Settings, token: str, *, name: str, wanted: Sequence[str]
) -> Preferences:
    """Receive exactly the newsletters ticked (by slug) among those the page shows, and
    take `name` as the subscriber's name; return the page's new state."""
    subscriber_id = read_token(settings, "manage", token)
    now = utcnow()
    with write_transaction(engine) as conn:
        current = _read(conn, settings, subscriber_id)
        bounced = current.subscriber.state == SubscriberState.BOUNCED
        joining = [c.newsletter_id for c in current.choices if c.slug in wanted and not c.active]
        leaving = [c.newsletter_id for c in current.choices if c.slug not in wanted]
        if joining and not bounced:
            join(conn, subscriber_id, joining, state=ACTIVE, method=METHOD, client=None, now=now)
        if leaving:
            leave(conn, subscriber_id, leaving, method=METHOD, now=now)
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id)
            .values(name=clean_name(name))
        )
        _settle(conn, subscriber_id, now)
        return _read(conn, settings, subscriber_id)


def leave_everything(engine: Engine, settings: Settings, token: str) -> Preferences:
    """Leave every newsletter at once and cancel every unsent delivery."""
    subscriber_id = read_token(settings, "manage", token)
    now = utcnow()
    with write_transaction(engine) as conn:
        _read(conn, settings, subscriber_id)  # refuses a removed subscriber
        leave(conn, subscriber_id, None, method=METHOD, now=now)
        cancel_due(conn, subscriber_id)
        _settle(conn, subscriber_id, now)
        return _read(conn, settings, subscriber_id)


def _settle(conn: Connection, subscriber_id: int, now: datetime) -> None:
    """Write the overall state; an address that comes back active counts as confirmed."""
    state = refresh_state(conn, subscriber_id, method=METHOD, now=now)
    if state == ACTIVE:
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id, subscribers.c.confirmed_at.is_(None))
            .values(confirmed_at=now, confirm_method=METHOD)
        )

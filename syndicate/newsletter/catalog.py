"""The site's newsletters in the store: each declared one gets a row (its id), kept by slug.

The file says what newsletters there are; the store remembers them, so a subscriber's
membership and an issue point at a row that outlives a rename. The one newsletter of a site
that declares none keeps the slug it was first stored with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import NewsletterError
from syndicate.newsletter.definitions import (
    Newsletter,
    declared_newsletters,
    default_newsletter,
)
from syndicate.store import memberships, newsletters, utcnow, write_transaction


def _insert(conn: Connection, newsletter: Newsletter, *, is_default: bool) -> Any:
    conn.execute(
        newsletters.insert().values(
            slug=newsletter.slug, name=newsletter.name, is_default=is_default, created_at=utcnow()
        )
    )
    return conn.execute(sa.select(newsletters).where(newsletters.c.slug == newsletter.slug)).one()


def _stored(conn: Connection, settings: Settings, *, write: bool) -> list[Newsletter] | None:
    """Match the site's newsletters to their rows; None when a row is missing and not `write`."""
    rows = {row.slug: row for row in conn.execute(sa.select(newsletters))}
    declared = declared_newsletters(settings)
    if not declared:
        default = default_newsletter(settings)
        row = next((r for r in rows.values() if r.is_default), None) or rows.get(default.slug)
        if row is None:
            if not write:
                return None
            row = _insert(conn, default, is_default=True)
        elif write and row.name != default.name:
            conn.execute(
                newsletters.update().where(newsletters.c.id == row.id).values(name=default.name)
            )
        return [default.with_id(row.id, row.slug)]
    found = []
    for newsletter in declared:
        row = rows.get(newsletter.slug)
        if row is None:
            if not write:
                return None
            row = _insert(conn, newsletter, is_default=False)
        elif write and row.name != newsletter.name:
            conn.execute(
                newsletters.update().where(newsletters.c.id == row.id).values(name=newsletter.name)
            )
        found.append(newsletter.with_id(row.id))
    return found


def site_newsletters(conn: Connection, settings: Settings) -> list[Newsletter]:
    """Return the site's newsletters with their ids, storing any new one (in `conn`'s transaction)."""
    found = _stored(conn, settings, write=True)
    assert found is not None
    return found


def load_newsletters(engine: Engine, settings: Settings) -> list[Newsletter]:
    """Return the site's newsletters with their ids; writes only when one is new."""
    with engine.connect() as conn:
        found = _stored(conn, settings, write=False)
    if found is not None:
        return found
    with write_transaction(engine) as conn:
        return site_newsletters(conn, settings)


def by_slugs(found: Sequence[Newsletter], slugs: Sequence[str]) -> list[Newsletter]:
    """Return the newsletters with these slugs, in the order given; refuse an unknown one."""
    known = {n.slug: n for n in found}
    chosen: list[Newsletter] = []
    for slug in slugs:
        if slug not in known:
            names = ", ".join(known) or "none"
            raise NewsletterError(f"no newsletter {slug!r} on this site (it has: {names})")
        if known[slug] not in chosen:
            chosen.append(known[slug])
    return chosen


def choose(conn: Connection, settings: Settings, slugs: Sequence[str] | None) -> list[Newsletter]:
    """Return the newsletters a signup or an add joins: those named, else the default ones."""
    found = site_newsletters(conn, settings)
    if slugs:
        return by_slugs(found, slugs)
    return [n for n in found if n.subscribe_on_signup]


def member_counts(engine: Engine) -> dict[int, dict[str, int]]:
    """Return, per newsletter id, how many memberships are in each state."""
    query = sa.select(memberships.c.newsletter_id, memberships.c.state, sa.func.count()).group_by(
        memberships.c.newsletter_id, memberships.c.state
    )
    counts: dict[int, dict[str, int]] = {}
    with engine.connect() as conn:
        for newsletter_id, state, number in conn.execute(query):
            counts.setdefault(newsletter_id, {})[state] = int(number)
    return counts

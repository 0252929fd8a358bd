"""Helpers for the issue, send and run tests: a site with subscribers and an article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from site_helpers import store

from syndicate.config import Settings, load_settings
from syndicate.newsletter.catalog import load_newsletters
from syndicate.store import UTCDateTime, deliveries, memberships, subscribers, utcnow
from syndicate.subscribers import import_csv

# The project's own example text (never copied from the seed article).
ARTICLE = """\
---
id: {key}
title: {title}
dek: The ferry between the two halves of town runs every quarter hour from Saturday.
author: [Mara Ellison]
date: 2025-06-14
url: https://news.example.com/2025/06/14/{key}
tags: [Transport]
---

The town council voted on Thursday to run the harbour ferry every fifteen minutes.

"We heard the queues were too long," said the council's transport lead.

## What changes

Morning boats leave from the north pier at six; the last boat leaves at midnight.

{extra}
"""


def write_article(
    site: Path,
    name: str = "ferry.md",
    *,
    title: str = "Harbour ferry doubles its crossings",
    extra: str = "Tickets keep their price.",
    key: str = "ferry-timetable-2025",
) -> Path:
    """Write a small Markdown article into the site's content folder and return its path."""
    path = site / "content" / name
    path.write_text(ARTICLE.format(title=title, extra=extra, key=key), encoding="utf-8")
    return path


def settings_for(site: Path, env: Mapping[str, str] | None = None) -> Settings:
    return load_settings(site, environ=dict(env or {}))


def add_active(site: Path, count: int, prefix: str = "reader") -> list[str]:
    """Import `count` confirmed subscribers through the library and return their addresses."""
    addresses = [f"{prefix}{n:04d}@example.net" for n in range(count)]
    csv = site / f"{prefix}.csv"
    # Names are letters only (the name rule refuses digits): "Reader Bcad" for number 1203.
    names = [
        "Reader " + "".join(chr(ord("a") + int(d)) for d in f"{n:04d}").title()
        for n in range(count)
    ]
    csv.write_text(
        "email,name\n" + "".join(f"{a},{b}\n" for a, b in zip(addresses, names, strict=True))
    )
    with store(site) as engine:
        report = import_csv(engine, settings_for(site), csv, confirmed=True)
    assert report.added == count
    return addresses


def bulk_active(site: Path, count: int, prefix: str = "reader") -> list[str]:
    """Insert `count` active subscribers in one statement (setup for the big sends only)."""
    addresses = [f"{prefix}{n:04d}@example.net" for n in range(count)]
    now = utcnow()
    rows = [
        {
            "email": a,
            "email_key": a,
            "state": "active",
            "created_at": now,
            "confirmed_at": now,
            "signup_method": "import",
            "soft_bounces": 0,
        }
        for a in addresses
    ]
    with store(site) as engine:
        [newsletter] = load_newsletters(engine, settings_for(site))
        with engine.begin() as conn:
            conn.execute(subscribers.insert(), rows)
            members = sa.select(
                sa.literal(newsletter.id),
                subscribers.c.id,
                sa.literal("active"),
                sa.literal(now, UTCDateTime()),
                sa.literal("import"),
            ).where(subscribers.c.email.in_(addresses))
            columns = ["newsletter_id", "subscriber_id", "state", "created_at", "signup_method"]
            conn.execute(memberships.insert().from_select(columns, members))
    return addresses


def set_state(site: Path, addresses: Sequence[str], state: str) -> None:
    """Put subscribers in `state` directly (test setup for pending/unsubscribed/bounced)."""
    with store(site) as engine, engine.begin() as conn:
        conn.execute(
            subscribers.update().where(subscribers.c.email.in_(list(addresses))).values(state=state)
        )


def delivery_states(site: Path) -> Counter[str]:
    """Count the site's deliveries by state."""
    with store(site) as engine, engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.state, sa.func.count()).group_by(deliveries.c.state)
        )
        return Counter({state: int(n) for state, n in rows})


def subscriber_state(site: Path, address: str) -> str:
    with store(site) as engine, engine.connect() as conn:
        query = sa.select(subscribers.c.state).where(subscribers.c.email == address)
        return str(conn.execute(query).scalar_one())

"""The newsletters schema (version 4) from a version-2 database, as main made them before
the guardrails (version 3) and newsletters; both steps run.

tests/data/v2-*.sql are dumps of one such site (made by tests/data/make_v2_dump.py with
the version-2 code): five subscribers (two active, one unsubscribed, one bounced, one
pending), a confirmation sent, one issue with one copy sent, one due and two cancelled.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from delivery_helpers import settings_for
from requirements import BACKENDS
from site_helpers import cli

from syndicate.migrations import CURRENT_VERSION
from syndicate.store import (
    article_tags,
    articles,
    create_db_engine,
    deliveries,
    issue_articles,
    issues,
    memberships,
    newsletters,
    open_store,
    schema_version,
    subscribers,
)

DATA = Path(__file__).resolve().parent / "data"


def _load_dump(backend: str, url: str) -> None:
    dump = (DATA / f"v2-{backend}.sql").read_text(encoding="utf-8")
    if backend == "sqlite":  # the dump lists tables by name, so without foreign-key checks
        with closing(sqlite3.connect(sa.make_url(url).database or "")) as db:
            db.executescript(dump)
        return
    engine = create_db_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(dump)
        conn.commit()
    engine.dispose()


def _snapshot(engine: sa.Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        people = conn.execute(
            sa.select(
                subscribers.c.email, subscribers.c.state, subscribers.c.confirmed_at
            ).order_by(subscribers.c.id)
        ).all()
        sent = conn.execute(
            sa.select(
                deliveries.c.issue_id, deliveries.c.subscriber_id, deliveries.c.state
            ).order_by(deliveries.c.id)
        ).all()
    return [tuple(r) for r in people], [tuple(r) for r in sent]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_a_version_2_site_moves_to_one_newsletter_keeping_everything(
    backend: str, site: Path
) -> None:
    settings = settings_for(site)
    _load_dump(backend, settings.db_url)
    old = create_db_engine(settings.db_url)
    before_people, before_deliveries = _snapshot(old)
    old.dispose()
    assert [state for _, state, _ in before_people] == [
        "active",
        "active",
        "unsubscribed",
        "bounced",
        "pending",
    ]

    engine = open_store(settings)
    try:
        after_people, after_deliveries = _snapshot(engine)
        assert after_people == before_people and after_deliveries == before_deliveries
        with engine.connect() as conn:
            assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == CURRENT_VERSION
            [letter] = conn.execute(sa.select(newsletters)).all()
            members = conn.execute(
                sa.select(
                    subscribers.c.email,
                    memberships.c.state,
                    memberships.c.confirmed_at,
                    memberships.c.signup_method,
                    memberships.c.unsubscribe_method,
                )
                .join(subscribers, subscribers.c.id == memberships.c.subscriber_id)
                .where(memberships.c.newsletter_id == letter.id)
                .order_by(subscribers.c.id)
            ).all()
            linked = conn.execute(
                sa.select(issue_articles.c.issue_id, issues.c.newsletter_id).join(
                    issues, issues.c.id == issue_articles.c.issue_id
                )
            ).all()
        assert (letter.slug, letter.name, letter.is_default) == (
            "the-example-desk",
            "The Example Desk",
            True,
        )
        assert [m.state for m in members] == [
            "active",
            "active",
            "unsubscribed",
            "unsubscribed",
            "pending",
        ]
        assert [m.confirmed_at for m in members] == [p[2] for p in before_people]
        assert [m.signup_method for m in members] == ["cli"] * 4 + ["import"]
        assert [m.unsubscribe_method for m in members][2:4] == ["cli", "bounce"]
        assert linked == [(1, letter.id)]
        # The indexes the steps add to old tables are there, as a new database has them.
        found = sa.inspect(engine)
        for table in (articles, article_tags, issues):
            names = {index["name"] for index in found.get_indexes(table.name)}
            assert {index.name for index in table.indexes} <= names, table.name
    finally:
        engine.dispose()
    if backend == "sqlite":
        assert (site / "syndicate.db.bak-2").is_file()

    # Nothing goes out again: the send resumes with the one copy still due (reader1's).
    sent = cli(site, "send")
    assert sent.output.startswith("sent 1,"), sent.output
    [mail] = (site / "outbox").glob("*.eml")
    assert "reader1@example.net" in mail.name
    engine = open_store(settings)
    try:
        states = [state for _, _, state in _snapshot(engine)[1]]
    finally:
        engine.dispose()
    assert [state for _, _, state in before_deliveries] == [
        "sent",
        "sent",
        "due",
        "cancelled",
        "cancelled",
    ]
    assert states == ["sent", "sent", "written", "cancelled", "cancelled"]  # the outbox
    listed = " ".join(cli(site, "subscribers", "list").output.split())
    assert "bounced reader3@example.net" in listed and "active reader0@example.net" in listed

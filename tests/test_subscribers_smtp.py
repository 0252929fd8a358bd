"""Confirmation emails over real SMTP (aiosmtpd on 127.0.0.1), and what the sender calls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from site_helpers import cli
from smtp_server import SMTPServer
from sqlalchemy.engine import Engine

from syndicate import subscribers as subs
from syndicate.config import load_settings
from syndicate.errors import TokenError
from syndicate.store import deliveries, subscribers, utcnow, write_transaction


def test_a_signup_delivers_its_confirmation_over_smtp(site: Path, smtp_server: SMTPServer) -> None:
    result = cli(site, "signup", "reader@example.net", "--name", "Rae", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages
    assert received.recipients == ("reader@example.net",)
    message = received.message
    assert message["To"].addresses[0].display_name == ""  # a signup's name is never repeated
    plain = message.get_body(("plain",))
    assert plain is not None
    match = re.search(r"https://news\.example\.com/confirm/(\S+)", plain.get_content())
    assert match, plain.get_content()
    assert not (site / "outbox").exists()

    result = cli(site, "confirm", match.group(1))
    assert result.exit_code == 0
    assert result.output == "Confirmed reader@example.net: it will receive the next issue.\n"


def test_a_refused_address_is_an_address_error(site: Path, smtp_server: SMTPServer) -> None:
    smtp_server.reject("nobody@example.net")
    result = cli(site, "signup", "nobody@example.net", env=smtp_server.env())
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the mail server refused nobody@example.net: 550 5.1.1 no such mailbox here\n"
    )


def test_an_unreachable_server_queues_the_confirmation_and_says_so(
    site: Path, engine: Engine, smtp_server: SMTPServer
) -> None:
    env = smtp_server.env()
    smtp_server.stop()
    result = cli(site, "signup", "patient@example.net", env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert result.stderr.endswith(
        "; the confirmation email for patient@example.net is queued for the next `syndicate send`\n"
    )
    with engine.connect() as conn:
        queued = conn.execute(sa.select(deliveries.c.kind, deliveries.c.state)).all()
        state = conn.execute(sa.select(subscribers.c.state)).scalar_one()
    assert (queued, state) == ([("confirm", "due")], "pending")


def _active(site: Path, engine: Engine, *addresses: str) -> list[int]:
    settings = load_settings(site)
    for address in addresses:
        assert subs.add_confirmed(engine, settings, address) == "added"
    return [s.id for s in subs.list_subscribers(engine)]


def test_a_hard_bounce_ends_the_subscription_and_cancels_what_is_due(
    site: Path, engine: Engine
) -> None:
    (first, second) = _active(site, engine, "full@example.net", "fine@example.net")
    with write_transaction(engine) as conn:
        conn.execute(
            deliveries.insert(),
            [
                {"kind": "confirm", "subscriber_id": i, "state": "due", "due_at": utcnow()}
                for i in (first, second)
            ],
        )
        subs.mark_bounced(conn, first, "550 5.1.1 no such mailbox here")
    bounced = subs.find_subscriber(engine, "full@example.net")
    assert bounced is not None and bounced.state == "bounced" and bounced.bounced_at
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.subscriber_id, deliveries.c.state).order_by(deliveries.c.id)
        ).all()
        reply = conn.execute(
            sa.select(subscribers.c.bounce_reply).where(subscribers.c.id == first)
        ).scalar_one()
    assert rows == [(first, "cancelled"), (second, "due")]
    assert reply == "550 5.1.1 no such mailbox here"
    assert cli(site, "subscribers", "list", "--state", "bounced").output == (
        "bounced      full@example.net\n"
    )


def test_soft_bounces_count_toward_the_threshold(site: Path, engine: Engine) -> None:
    (subscriber_id,) = _active(site, engine, "flaky@example.net")
    results = []
    for _ in range(3):
        with write_transaction(engine) as conn:
            results.append(subs.record_soft_bounce(conn, subscriber_id, threshold=3))
    assert results == [False, False, True]
    found = subs.find_subscriber(engine, "flaky@example.net")
    assert found is not None and found.state == "bounced"


def test_links_for_the_web_pages_are_read_without_changing_anything(
    site: Path, engine: Engine
) -> None:
    settings = load_settings(site, environ={"SYNDICATE_WEB_URL": "https://join.example.com/nl"})
    (subscriber_id,) = _active(site, engine, "web@example.net")
    link = subs.unsubscribe_url(settings, subscriber_id)
    assert link.startswith("https://join.example.com/nl/unsubscribe/")
    token = link.rsplit("/", 1)[1]
    shown = subs.subscriber_for_token(engine, settings, token, "unsubscribe")
    assert (shown.email, shown.state) == ("web@example.net", "active")
    with pytest.raises(TokenError, match="not a confirmation link"):
        subs.subscriber_for_token(engine, settings, token, "confirm")

    left = subs.unsubscribe(engine, settings, token, method="web")
    assert (left.state, left.unsubscribed_at is not None) == ("unsubscribed", True)
    confirm_token = subs.confirm_url(settings, subscriber_id).rsplit("/", 1)[1]
    with pytest.raises(TokenError, match="has left the list"):
        subs.subscriber_for_token(engine, settings, confirm_token, "confirm")
    subs.remove(engine, settings, "web@example.net")
    with pytest.raises(TokenError, match="no longer on the list"):
        subs.subscriber_for_token(engine, settings, token, "unsubscribe")

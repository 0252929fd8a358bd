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
from syndicate.store import deliveries, subscribers, suppressions, utcnow, write_transaction
from syndicate.subscribers.feedback import Feedback, apply_feedback, soft_bounce


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


def _sent(engine: Engine, subscriber_id: int, count: int) -> list[int]:
    """Record `count` issue deliveries as sent to a subscriber; return their ids, oldest first."""
    with write_transaction(engine) as conn:
        conn.execute(
            deliveries.insert(),
            [
                {
                    "kind": "issue",
                    "subscriber_id": subscriber_id,
                    "state": "sent",
                    "due_at": utcnow(),
                }
                for _ in range(count)
            ],
        )
        query = sa.select(deliveries.c.id).where(deliveries.c.subscriber_id == subscriber_id)
        return list(conn.execute(query.order_by(deliveries.c.id)).scalars())


def _soft(engine: Engine, subscriber_id: int, delivery_id: int) -> bool:
    with write_transaction(engine) as conn:
        return soft_bounce(conn, subscriber_id, delivery_id, "452 4.2.2 full", limit=3, window=5)


def test_soft_bounces_stop_a_subscriber_at_3_of_the_last_5(site: Path, engine: Engine) -> None:
    (subscriber_id,) = _active(site, engine, "flaky@example.net")
    ids = _sent(engine, subscriber_id, 5)
    # The same delivery bouncing twice counts once; a good delivery in between does not reset.
    assert [_soft(engine, subscriber_id, i) for i in (ids[0], ids[0], ids[1], ids[3])] == [
        False,
        False,
        False,
        True,
    ]
    found = subs.find_subscriber(engine, "flaky@example.net")
    assert found is not None and found.state == "bounced"


def test_old_soft_bounces_fall_out_of_the_window(site: Path, engine: Engine) -> None:
    (subscriber_id,) = _active(site, engine, "recovered@example.net")
    old = _sent(engine, subscriber_id, 2)
    assert [_soft(engine, subscriber_id, i) for i in old] == [False, False]
    new = _sent(engine, subscriber_id, 5)[2:]  # five more, all delivered
    assert _soft(engine, subscriber_id, new[-1]) is False  # 1 of the last 5, not 3
    found = subs.find_subscriber(engine, "recovered@example.net")
    assert found is not None and found.state == "active"


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


def test_reports_naming_no_delivery_mark_the_latest_one(site: Path, engine: Engine) -> None:
    settings = load_settings(site)
    (subscriber_id,) = _active(site, engine, "webhook@example.net")
    states = []
    for _ in range(3):
        _sent(engine, subscriber_id, 1)
        with write_transaction(engine) as conn:
            states.append(apply_feedback(conn, settings, subscriber_id, Feedback.SOFT, "full"))
    assert states == ["active", "active", "bounced"]
    with write_transaction(engine) as conn:
        # A complaint afterwards keeps the bounce, and suppresses the address.
        assert apply_feedback(conn, settings, subscriber_id, Feedback.COMPLAINT, "") == "bounced"
        assert conn.execute(sa.select(sa.func.count()).select_from(suppressions)).scalar() == 1

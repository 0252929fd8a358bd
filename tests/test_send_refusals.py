"""Refusals from a real SMTP server: only a refused mailbox bounces a subscriber.

A relay that judges the message (spam, size) or refuses to relay must not empty the list:
those deliveries fail, and several in a row hold the issue with the server's reply.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from delivery_helpers import add_active, delivery_states, settings_for, write_article
from site_helpers import cli, store
from smtp_server import SMTPServer

from syndicate.delivery import SendSummary, send_due
from syndicate.delivery.refusals import Verdict, classify
from syndicate.store import deliveries, issues, subscribers, utcnow
from syndicate.subscribers import import_csv, remove


def _publish(site: Path) -> None:
    result = cli(site, "publish", str(write_article(site)))
    assert result.exit_code == 0, result.output


def _add(site: Path, addresses: Sequence[str]) -> None:
    csv = site / "more.csv"
    csv.write_text("email\n" + "".join(f"{a}\n" for a in addresses))
    with store(site) as engine:
        assert import_csv(engine, settings_for(site), csv, confirmed=True).added == len(addresses)


def _states(site: Path) -> dict[str, str]:
    with store(site) as engine, engine.connect() as conn:
        return {r.email: r.state for r in conn.execute(sa.select(subscribers))}


def _issue_state(site: Path) -> str:
    with store(site) as engine, engine.connect() as conn:
        return str(conn.execute(sa.select(issues.c.state)).scalar_one())


@pytest.mark.parametrize(
    ("code", "reply", "phase", "verdict"),
    [
        (550, "5.1.1 no such mailbox here", "RCPT", Verdict.MAILBOX),
        (550, "no such user", "RCPT", Verdict.MAILBOX),
        (553, "mailbox name not allowed", "RCPT", Verdict.MAILBOX),
        (550, "5.2.1 mailbox disabled", "RCPT", Verdict.MAILBOX),
        (550, "5.7.1 relaying denied", "RCPT", Verdict.MESSAGE),
        (554, "5.7.1 relaying denied", "RCPT", Verdict.MESSAGE),
        (554, "5.7.1 message judged as spam", "DATA", Verdict.MESSAGE),
        (552, "5.3.4 message too big", "DATA", Verdict.MESSAGE),
        (552, "message too big", "DATA", Verdict.MESSAGE),
        (554, "transaction failed", "DATA", Verdict.MESSAGE),
        (550, "5.6.0 bad content", "DATA", Verdict.MESSAGE),
        (552, "5.2.2 mailbox full", "RCPT", Verdict.RECIPIENT),
        (421, "4.7.0 slow down", "RCPT", Verdict.THROTTLE),
        (450, "4.7.1 rate limited", "RCPT", Verdict.THROTTLE),
        (421, "closing channel", "DATA", Verdict.THROTTLE),
        (451, "4.2.0 greylisted", "RCPT", Verdict.TRANSIENT),
    ],
)
def test_refusals_are_classified_by_enhanced_code_then_reply_and_phase(
    code: int, reply: str, phase: str, verdict: Verdict
) -> None:
    assert classify(code, reply, phase) is verdict


@pytest.mark.parametrize(
    ("reply", "at"),
    [
        ("554 5.7.1 message content judged as spam", "DATA"),
        ("552 5.3.4 message size exceeds fixed limit", "DATA"),
        ("552 message too big", "DATA"),
        ("554 5.7.1 relaying denied", "RCPT"),
    ],
)
def test_a_relay_refusing_the_message_bounces_nobody_and_holds_the_issue(
    site: Path, smtp_server: SMTPServer, reply: str, at: str
) -> None:
    addresses = add_active(site, 10)
    _publish(site)
    smtp_server.answer("*", reply, at=at)

    result = cli(site, "send", "--connections", "1", env=smtp_server.env())
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: the relay refuses the message itself: {reply}; nobody was bounced; "
        "issue 1 is held: once that is fixed, `syndicate newsletter release 1` sends it "
        "(sent 0 before stopping; the rest stay due)"
    )
    assert set(_states(site).values()) == {"active"}
    assert delivery_states(site) == {"due": 10}
    assert _issue_state(site) == "held"
    assert cli(site, "send", env=smtp_server.env()).output.startswith("sent 0,")  # held

    smtp_server.accept_all()
    assert cli(site, "newsletter", "release", "1").exit_code == 0
    again = cli(site, "send", env=smtp_server.env())
    assert again.output.strip() == "sent 10, deferred 0, bounced 0, failed 0, skipped 0"
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)


def test_a_few_refused_messages_fail_alone(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 6)
    _publish(site)
    for address in addresses[1::2]:
        smtp_server.answer(address, "554 5.7.1 message judged as spam", at="DATA")

    result = cli(site, "send", "--connections", "1", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "sent 3, deferred 0, bounced 0, failed 3, skipped 0"
    assert f"refused: {addresses[1]}: 554 5.7.1 message judged as spam" in lines
    assert set(_states(site).values()) == {"active"}
    assert delivery_states(site) == {"sent": 3, "failed": 3}


def test_an_unknown_mailbox_still_bounces(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 4)
    _publish(site)
    smtp_server.answer(addresses[0], "550 5.1.1 no such mailbox here")
    smtp_server.answer(addresses[1], "550 no such user")

    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "sent 2, deferred 0, bounced 2, failed 0, skipped 0"
    )
    states = _states(site)
    assert [states[a] for a in addresses] == ["bounced", "bounced", "active", "active"]


def test_everyone_unknown_across_three_domains_bounces_nobody(
    site: Path, smtp_server: SMTPServer
) -> None:
    addresses = [f"reader{n:02d}@example.{('com', 'net', 'org')[n % 3]}" for n in range(24)]
    _add(site, addresses)
    _publish(site)
    smtp_server.answer("*", "550 5.1.1 no such mailbox here")

    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 1
    assert "Error: the relay refused each of the first 20 recipients as unknown, at 3 " in (
        result.output
    )
    assert "nobody was bounced; issue 1 is held" in result.output
    assert set(_states(site).values()) == {"active"}
    assert delivery_states(site) == {"due": 24}
    assert _issue_state(site) == "held"


def test_unknown_addresses_at_one_domain_do_bounce(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 22)
    _publish(site)
    for address in addresses[:21]:
        smtp_server.reject(address)
    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "sent 1, deferred 0, bounced 21, failed 0, skipped 0"
    )


def test_a_throttling_domain_backs_off_alone_with_growing_delays(
    site: Path, smtp_server: SMTPServer
) -> None:
    slow = [f"reader{n}@slow.example.org" for n in range(3)]
    _add(site, slow)
    others = add_active(site, 3)
    _publish(site)
    smtp_server.throttle("slow.example.org", times=2)
    env = {**smtp_server.env(), "SYNDICATE_RETRY_DELAY": "60"}

    before = utcnow()
    first = cli(site, "send", "--connections", "1", env=env)
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "sent 3, deferred 3, bounced 0, failed 0, skipped 0"
    assert smtp_server.recipients() == dict.fromkeys(others, 1)
    with store(site) as engine:
        with engine.begin() as conn:
            rows = conn.execute(sa.select(deliveries).where(deliveries.c.state == "due")).all()
            # Only the first was tried; the others waited, untried, with it.
            assert sorted(r.attempts for r in rows) == [0, 0, 1]
            assert all(r.due_at >= before + timedelta(seconds=60) for r in rows)
            conn.execute(deliveries.update().values(due_at=before))  # let time pass
        settings = settings_for(site, env)
        second_try = utcnow()
        assert send_due(engine, settings, connections=1).deferred == 3  # throttled again
        with engine.connect() as conn:
            rows = conn.execute(sa.select(deliveries).where(deliveries.c.state == "due")).all()
        assert all(r.due_at >= second_try + timedelta(seconds=60) for r in rows)
        with engine.begin() as conn:
            conn.execute(deliveries.update().values(due_at=before))
        assert send_due(engine, settings, connections=1).sent == 3
    assert smtp_server.recipients() == dict.fromkeys([*others, *slow], 1)


def test_a_subscriber_removed_during_send_is_skipped(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 5)
    _publish(site)
    reached, go = smtp_server.hold_next()
    settings = settings_for(site, smtp_server.env())
    outcome: list[SendSummary] = []
    with store(site) as engine:
        sender = threading.Thread(
            target=lambda: outcome.append(send_due(engine, settings, connections=1))
        )
        sender.start()
        assert reached.wait(10)  # the batch is claimed, the first message on the wire
        remove(engine, settings, addresses[2])
        go.set()
        sender.join(30)
    (summary,) = outcome
    assert summary.describe() == "sent 4, deferred 0, bounced 0, failed 0, skipped 1"
    assert smtp_server.recipients() == {a: 1 for a in addresses if a != addresses[2]}

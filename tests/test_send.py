"""The sender against a real SMTP server: what arrives, retries, bounces, rate, errors."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

import pytest
import sqlalchemy as sa
from delivery_helpers import (
    add_active,
    bulk_active,
    delivery_states,
    set_state,
    settings_for,
    subscriber_state,
    write_article,
)
from requirements import BACKENDS
from site_helpers import cli, store
from smtp_server import SMTPServer

from syndicate.delivery import LEASE, processes, release_dead_claims, send_due
from syndicate.inbound.addresses import read_verp_token
from syndicate.newsletter.issues import hold, release
from syndicate.store import deliveries, subscribers, utcnow
from syndicate.subscribers import import_csv, unsubscribe


def _publish(site: Path) -> None:
    result = cli(site, "publish", str(write_article(site)))
    assert result.exit_code == 0, result.output


def test_500_subscribers_get_exactly_one_personal_message_each(
    site: Path, smtp_server: SMTPServer
) -> None:
    addresses = bulk_active(site, 500)
    others = add_active(site, 3, prefix="other")
    set_state(site, [others[0]], "pending")
    set_state(site, [others[1]], "unsubscribed")
    set_state(site, [others[2]], "bounced")
    _publish(site)

    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 500, deferred 0, bounced 0, failed 0, skipped 0"
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)

    unsubscribe_urls, message_ids, senders = set(), set(), set()
    settings = settings_for(site)
    with store(site) as engine, engine.connect() as conn:
        delivery_of = dict(
            conn.execute(
                sa.select(subscribers.c.email, deliveries.c.id).join(
                    deliveries, deliveries.c.subscriber_id == subscribers.c.id
                )
            ).all()
        )
    for index, received in enumerate(smtp_server.messages):
        # Headers alone for most (the full modern parse is slow); whole messages for some.
        headers = BytesHeaderParser(policy=compat32).parsebytes(received.data)
        (to,) = received.recipients
        assert headers["To"].endswith(f"<{to}>") or headers["To"] == to
        # VERP: each message's envelope sender names its own delivery, signed.
        local, _, token = received.sender.partition("@")[0].partition("+")
        assert (local, received.sender.partition("@")[2]) == ("newsletter", "news.example.com")
        assert read_verp_token(settings, token) == delivery_of[to]
        senders.add(received.sender)
        unfolded = str(make_header(decode_header(headers["List-Unsubscribe"])))
        url, mailto = (part.strip(" <>\r\n") for part in unfolded.split(","))
        assert mailto.startswith("mailto:unsubscribe+") and mailto.endswith(
            "@news.example.com?subject=unsubscribe"
        )
        assert url.startswith("https://news.example.com/unsubscribe/")
        unsubscribe_urls.add(url)
        message_ids.add(headers["Message-ID"])
        if index % 50 == 0:
            html = received.message.get_body(("html",))
            assert html is not None and url in html.get_content()
    assert len(unsubscribe_urls) == 500 and len(message_ids) == 500 and len(senders) == 500

    again = cli(site, "send", env=smtp_server.env())
    assert again.output.strip() == "sent 0, deferred 0, bounced 0, failed 0, skipped 0"
    assert len(smtp_server.messages) == 500


def test_starttls_and_auth_server(site: Path, tls_smtp_server: SMTPServer) -> None:
    add_active(site, 3)
    _publish(site)
    result = cli(site, "send", "--connections", "2", env=tls_smtp_server.env())
    assert result.exit_code == 0, result.output
    assert len(tls_smtp_server.messages) == 3
    assert all(m.tls and m.login == "sender" for m in tls_smtp_server.messages)


def test_deferred_recipients_get_exactly_one_after_retries(
    site: Path, smtp_server: SMTPServer
) -> None:
    addresses = add_active(site, 6)
    _publish(site)
    for address in addresses[:3]:
        smtp_server.defer(address, times=2)
    env = {**smtp_server.env(), "SYNDICATE_RETRY_DELAY": "0"}

    first = cli(site, "send", env=env)
    assert first.exit_code == 0
    assert first.output.strip() == "sent 3, deferred 3, bounced 0, failed 0, skipped 0"
    second = cli(site, "send", env=env)
    assert second.output.strip() == "sent 0, deferred 3, bounced 0, failed 0, skipped 0"
    third = cli(site, "send", env=env)
    assert third.output.strip() == "sent 3, deferred 0, bounced 0, failed 0, skipped 0"
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)
    assert delivery_states(site) == {"sent": 6}


def test_deferral_waits_with_exponential_backoff(site: Path, smtp_server: SMTPServer) -> None:
    (address,) = add_active(site, 1)
    _publish(site)
    smtp_server.defer(address, times=5)
    env = {**smtp_server.env(), "SYNDICATE_RETRY_DELAY": "60"}
    before = utcnow()
    assert "deferred 1" in cli(site, "send", env=env).output
    assert "sent 0, deferred 0" in cli(site, "send", env=env).output  # not due yet

    with store(site) as engine:
        with engine.begin() as conn:
            row = conn.execute(sa.select(deliveries)).one()
            assert row.attempts == 1 and row.reply.startswith("451")
            assert row.due_at >= before + timedelta(seconds=60)
            conn.execute(deliveries.update().values(due_at=before))  # let time pass
        assert send_due(engine, settings_for(site, env)).deferred == 1
        with engine.connect() as conn:
            row = conn.execute(sa.select(deliveries)).one()
        assert row.attempts == 2 and row.due_at >= utcnow() + timedelta(seconds=110)


def test_exhausted_retries_fail_and_count_toward_a_bounce(
    site: Path, smtp_server: SMTPServer
) -> None:
    (address,) = add_active(site, 1)
    _publish(site)
    smtp_server.defer(address, times=10)
    env = {
        **smtp_server.env(),
        "SYNDICATE_RETRY_DELAY": "0",
        "SYNDICATE_MAX_ATTEMPTS": "2",
        "SYNDICATE_BOUNCE_THRESHOLD": "1",
    }
    cli(site, "send", env=env)
    last = cli(site, "send", env=env)
    assert last.exit_code == 0
    assert "failed after 2 attempts: reader0000@example.net: 451" in last.output
    assert delivery_states(site) == {"failed": 1}
    assert subscriber_state(site, address) == "bounced"


def test_hard_bounce_marks_the_subscriber_and_the_rest_go(
    site: Path, smtp_server: SMTPServer
) -> None:
    addresses = add_active(site, 5)
    _publish(site)
    smtp_server.reject(addresses[2])
    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[-1] == "sent 4, deferred 0, bounced 1, failed 0, skipped 0"
    assert f"bounced: {addresses[2]}: 550 5.1.1 no such mailbox here" in lines
    assert subscriber_state(site, addresses[2]) == "bounced"
    assert smtp_server.recipients() == {a: 1 for a in addresses if a != addresses[2]}
    assert delivery_states(site) == {"sent": 4, "failed": 1}


def test_quiet_prints_only_problems(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 3)
    _publish(site)
    clean = cli(site, "send", "--quiet", "--limit", "1", env=smtp_server.env())
    assert clean.exit_code == 0 and clean.output == ""
    smtp_server.reject(addresses[2])
    noisy = cli(site, "send", "--quiet", env=smtp_server.env())
    assert noisy.output.startswith(f"bounced: {addresses[2]}")


def test_server_down_is_a_clear_error_and_leaves_everything_due(
    site: Path, smtp_server: SMTPServer
) -> None:
    add_active(site, 4)
    _publish(site)
    smtp_server.stop()
    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: cannot reach the SMTP server 127.0.0.1:{smtp_server.port}: Connection refused"
    )
    assert delivery_states(site) == {"due": 4}


def test_lost_connection_gives_rows_back_and_reconnects(
    site: Path, smtp_server: SMTPServer
) -> None:
    addresses = add_active(site, 8)
    _publish(site)
    smtp_server.drop_after(3)
    result = cli(site, "send", "--connections", "1", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert "sent 8" in result.output
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)


def test_unsubscribe_mid_send_holds(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 6)
    _publish(site)
    settings = settings_for(site, smtp_server.env())
    done = []

    def progress(step: int) -> None:
        done.append(step)
        if len(done) == 1:  # the rest of the batch is claimed (`sending`) by now
            unsubscribe(engine, settings, addresses[4], method="cli")

    with store(settings) as engine:
        summary = send_due(engine, settings, connections=1, progress=progress)
    assert (summary.sent, summary.skipped) == (5, 1)
    assert addresses[4] not in smtp_server.recipients()
    assert delivery_states(site) == {"sent": 5, "cancelled": 1}


def test_rate_limit(site: Path, smtp_server: SMTPServer) -> None:
    bulk_active(site, 200)
    _publish(site)
    start = time.monotonic()
    result = cli(site, "send", "--rate", "50", env=smtp_server.env())
    elapsed = time.monotonic() - start
    assert result.exit_code == 0 and "sent 200" in result.output
    assert elapsed >= 3.9


def test_limit_and_dry_run(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 5)
    _publish(site)
    dry = cli(site, "send", "--dry-run", env=smtp_server.env())
    assert dry.output.strip() == "dry run: 5 deliveries due, nothing sent"
    assert smtp_server.messages == []
    limited = cli(site, "send", "--limit", "2", env=smtp_server.env())
    assert "sent 2," in limited.output and len(smtp_server.messages) == 2
    assert delivery_states(site) == {"sent": 2, "due": 3}


def test_import_confirmations_are_sent_by_send(site: Path, smtp_server: SMTPServer) -> None:
    csv = site / "new.csv"
    csv.write_text("email,name\nnew.one@example.net,New One\nnew.two@example.net,\n")
    settings = settings_for(site)
    with store(settings) as engine:
        assert import_csv(engine, settings, csv).queued == 2
    result = cli(site, "send", env=smtp_server.env())
    assert "sent 2" in result.output
    assert smtp_server.recipients() == {"new.one@example.net": 1, "new.two@example.net": 1}
    body = smtp_server.messages[0].message.get_body(("plain",))
    assert body is not None and "https://news.example.com/confirm/" in body.get_content()


def test_outbox_without_smtp(site: Path) -> None:
    add_active(site, 3)
    _publish(site)
    result = cli(site, "send")
    assert "sent 3" in result.output
    files = sorted((site / "outbox").glob("*.eml"))
    assert len(files) == 3
    assert {f.name.split("-", 1)[1].rsplit("-", 1)[0] for f in files} == {
        f"reader000{n}@example.net" for n in range(3)
    }


@pytest.mark.parametrize("env", [{}, {"SYNDICATE_SMTP_URL": "outbox"}])
def test_a_send_to_the_outbox_sweeps_what_a_killed_run_left_there(
    site: Path, env: dict[str, str]
) -> None:
    add_active(site, 1)
    _publish(site)
    outbox = site / "outbox"
    outbox.mkdir(mode=0o700)
    left = outbox / ".20250614T101500-reader0000@example.net-0a1b2c3d.eml.1.x7y8z9w0.tmp"
    left.write_bytes(b"From: half a message")
    two_hours_ago = time.time() - 7200
    os.utime(left, (two_hours_ago, two_hours_ago))
    result = cli(site, "send", env=env)
    assert result.exit_code == 0, result.output
    assert not left.exists()  # smtp.url = "outbox" writes there too
    assert len(list(outbox.glob("*.eml"))) == 1


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_rows_of_a_dead_sender_come_back_after_the_lease(
    backend: str, site: Path, smtp_server: SMTPServer
) -> None:
    addresses = add_active(site, 3)
    _publish(site)
    now = utcnow()
    with store(site) as engine, engine.begin() as conn:
        ids = [row.id for row in conn.execute(sa.select(deliveries.c.id).order_by("id"))]
        # Claimed by senders on another machine: one long silent, one still in its lease.
        stale = {"state": "sending", "claimed_by": "elsewhere:41:aa"}
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == ids[0])
            .values({**stale, "claimed_at": now - LEASE - timedelta(seconds=1)})
        )
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == ids[1])
            .values({**stale, "claimed_at": now - timedelta(minutes=1)})
        )
    result = cli(site, "send", env=smtp_server.env())
    assert "sent 2," in result.output
    assert smtp_server.recipients() == {addresses[0]: 1, addresses[2]: 1}
    assert delivery_states(site) == {"sent": 2, "sending": 1}


def test_claims_of_this_machine_come_back_at_once_when_their_process_is_gone(
    site: Path,
) -> None:
    add_active(site, 3)
    _publish(site)
    host = socket.gethostname()[:60]
    owners = [f"{host}:{os.getpid()}:aa", f"{host}:{10**20}:bb", f"{host}:{gone_pid()}:cc"]
    with store(site) as engine:
        with engine.begin() as conn:
            ids = conn.execute(sa.select(deliveries.c.id).order_by("id")).scalars().all()
            for row_id, owner in zip(ids, owners, strict=True):
                claim = {"state": "sending", "claimed_by": owner, "claimed_at": utcnow()}
                conn.execute(deliveries.update().where(deliveries.c.id == row_id).values(claim))
        assert release_dead_claims(engine) == 2  # the live one (this test) keeps its row
    assert delivery_states(site) == {"sending": 1, "due": 2}


def gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_hold_mid_send_gives_the_rest_back_until_release(
    site: Path, smtp_server: SMTPServer
) -> None:
    addresses = add_active(site, 5)
    _publish(site)
    settings = settings_for(site, smtp_server.env())
    done = []

    def progress(step: int) -> None:
        done.append(step)
        if len(done) == 2:
            hold(engine, 1)

    with store(settings) as engine:
        summary = send_due(engine, settings, connections=1, progress=progress)
        assert summary.sent == 2
        assert delivery_states(site) == {"sent": 2, "due": 3}
        assert send_due(engine, settings).sent == 0  # held: nothing goes
        assert release(engine, 1)[1] == 0  # the rows are there already
        assert send_due(engine, settings).sent == 3
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)


def test_processes_share_the_send_and_print_one_summary(
    site: Path, smtp_server: SMTPServer
) -> None:
    readers = bulk_active(site, 1000)
    _publish(site)
    result = cli(site, "send", "--processes", "2", "--connections", "2", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert result.output == "sent 1000, deferred 0, bounced 0, failed 0, skipped 0\n"
    assert smtp_server.recipients() == dict.fromkeys(readers, 1)
    with store(site) as engine, engine.connect() as conn:
        owners = conn.execute(sa.select(deliveries.c.claimed_by).distinct()).scalars().all()
    pids = {owner.split(":")[1] for owner in owners}
    assert len(pids) == 2  # two sender processes claimed rows


def test_processes_writing_to_the_outbox_say_nothing_was_sent(site: Path) -> None:
    bulk_active(site, 1000)
    _publish(site)
    result = cli(site, "send", "--processes", "2", "--connections", "2")
    assert result.exit_code == 0, result.output
    assert f"mail: 1000 messages written to {site / 'outbox'}/, not sent" in result.output
    assert len(list((site / "outbox").glob("*.eml"))) == 1000
    with store(site) as engine, engine.connect() as conn:
        owners = conn.execute(sa.select(deliveries.c.claimed_by).distinct()).scalars().all()
    assert len({owner.split(":")[1] for owner in owners}) == 2  # two processes did write


class _Ended:
    """A sender process that had already ended when the watcher first looked."""

    sentinel = -1

    def is_alive(self) -> bool:
        return False


def test_the_progress_bar_hears_of_what_a_process_sent_before_it_ended() -> None:
    # The race made certain: the child sent its last messages and ended between two looks.
    counter = multiprocessing.get_context("fork").Value("q", 0)
    counter.value = 7
    steps: list[int] = []
    processes._watch([_Ended()], counter, steps.append)
    assert steps == [7]


def test_a_small_send_stays_in_one_process(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 3)
    _publish(site)
    result = cli(site, "send", "--processes", "4", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    with store(site) as engine, engine.connect() as conn:
        owners = conn.execute(sa.select(deliveries.c.claimed_by).distinct()).scalars().all()
    assert len({owner.split(":")[1] for owner in owners}) == 1

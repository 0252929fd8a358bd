"""Crash safety with real processes: SIGKILL mid-send, and two senders at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from delivery_helpers import bulk_active, delivery_states, write_article
from requirements import BACKENDS
from site_helpers import cli
from smtp_server import SMTPServer

COUNT = 2000
CONNECTIONS = 4


def _sender(site: Path, server: SMTPServer, processes: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, **server.env()}
    command = [sys.executable, "-m", "syndicate", "--site", str(site), "send"]
    command += ["--quiet", "--connections", str(CONNECTIONS), "--processes", str(processes)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _children(pid: int) -> list[int]:
    """Return the pids of a process's children (Linux's /proc)."""
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _prepare(site: Path) -> list[str]:
    addresses = bulk_active(site, COUNT)
    result = cli(site, "publish", str(write_article(site)))
    assert result.exit_code == 0, result.output
    return addresses


@pytest.mark.parametrize("processes", [1, 2])
def test_sigkill_mid_send_then_rerun_reaches_everyone(
    site: Path, smtp_server: SMTPServer, processes: int
) -> None:
    addresses = _prepare(site)
    # The server holds every message after the first quarter, so the kill lands mid-send
    # however fast the sender is: each connection waits for the reply to a message.
    smtp_server.hold_after(COUNT // 4)
    sender = _sender(site, smtp_server, processes)
    assert smtp_server.holding.wait(timeout=120), sender.poll()
    if processes == 1:
        sender.send_signal(signal.SIGKILL)
        sender.communicate()  # reap it: a zombie's pid still looks alive
    else:  # the sender processes die; the command that started them says so and reaps them
        children = _children(sender.pid)
        assert len(children) == processes
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        out, err = sender.communicate(timeout=60)
        assert sender.returncode == 1
        assert err.decode().startswith("Error: a sender process ended without a word")
    smtp_server.release()  # the held messages are accepted for a client that is gone
    killed_at = len(smtp_server.messages)
    assert COUNT // 4 <= killed_at <= COUNT // 4 + CONNECTIONS
    assert delivery_states(site)["sending"] > 0  # the kill stranded claimed rows

    rerun = _sender(site, smtp_server)  # a process of its own, as cron would start it
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    received = smtp_server.recipients()
    assert set(received) == set(addresses)
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= CONNECTIONS
    assert delivery_states(site) == {"sent": COUNT}


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_two_senders_at_once_send_nothing_twice(
    backend: str, site: Path, smtp_server: SMTPServer, processes: int
) -> None:
    addresses = _prepare(site)
    senders = [_sender(site, smtp_server, processes) for _ in range(2)]
    for sender in senders:
        out, err = sender.communicate(timeout=120)
        assert sender.returncode == 0, err.decode()
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)
    assert delivery_states(site) == {"sent": COUNT}


def test_a_message_is_accepted_only_once_the_one_before_it_is_recorded(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Message N is recorded while N+1's envelope is on the wire; the transport's `ready`
    # (at the latest, the last moment before the end of DATA) must have committed it.
    import sqlalchemy as sa
    from delivery_helpers import settings_for
    from site_helpers import store

    from syndicate.delivery import send as sending
    from syndicate.mailer import Ready
    from syndicate.store import deliveries

    bulk_active(site, 200)
    assert cli(site, "publish", str(write_article(site))).exit_code == 0
    settings = settings_for(site, {"SYNDICATE_SMTP_URL": "smtp://127.0.0.1:9"})  # never dialled
    unrecorded_at_accept: list[int] = []

    class Checking:
        """A transport that, at each acceptance, counts accepted messages not yet recorded."""

        def __init__(self) -> None:
            self.accepted = 0

        def send(
            self, sender: str, recipient: str, message: bytes, ready: Ready | None = None
        ) -> str:
            if ready is not None:
                ready()
            with store(site) as engine, engine.connect() as conn:
                recorded = conn.execute(
                    sa.select(sa.func.count()).where(deliveries.c.state == "sent")
                ).scalar_one()
            unrecorded_at_accept.append(self.accepted - recorded)
            self.accepted += 1
            return "250 ok"

        def close(self) -> None:
            pass

    monkeypatch.setattr(sending, "open_transport", lambda settings: Checking())
    with store(site) as engine:
        summary = sending.send_due(engine, settings, connections=1, processes=1)
    assert summary.sent == 200
    assert max(unrecorded_at_accept) == 0  # the one before is always committed first
    assert delivery_states(site) == {"sent": 200}

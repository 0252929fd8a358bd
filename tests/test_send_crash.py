"""Crash safety with real processes: SIGKILL mid-send, and two senders at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from delivery_helpers import bulk_active, delivery_states, write_article
from site_helpers import cli
from smtp_server import SMTPServer

COUNT = 2000
CONNECTIONS = 4


def _sender(site: Path, server: SMTPServer) -> subprocess.Popen[bytes]:
    env = {**os.environ, **server.env()}
    command = [sys.executable, "-m", "syndicate", "--site", str(site), "send"]
    command += ["--quiet", "--connections", str(CONNECTIONS)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _prepare(site: Path) -> list[str]:
    addresses = bulk_active(site, COUNT)
    result = cli(site, "publish", str(write_article(site)))
    assert result.exit_code == 0, result.output
    return addresses


def test_sigkill_mid_send_then_rerun_reaches_everyone(site: Path, smtp_server: SMTPServer) -> None:
    addresses = _prepare(site)
    sender = _sender(site, smtp_server)
    deadline = time.monotonic() + 60
    while len(smtp_server.messages) < COUNT // 4 and time.monotonic() < deadline:
        assert sender.poll() is None, sender.communicate()
        time.sleep(0.01)
    sender.send_signal(signal.SIGKILL)
    sender.communicate()  # reap it: a zombie's pid still looks alive
    killed_at = len(smtp_server.messages)
    assert COUNT // 4 <= killed_at < COUNT
    assert delivery_states(site)["sending"] > 0  # the kill stranded claimed rows

    rerun = _sender(site, smtp_server)  # a process of its own, as cron would start it
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    received = smtp_server.recipients()
    assert set(received) == set(addresses)
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= CONNECTIONS
    assert delivery_states(site) == {"sent": COUNT}


def test_two_senders_at_once_send_nothing_twice(site: Path, smtp_server: SMTPServer) -> None:
    addresses = _prepare(site)
    senders = [_sender(site, smtp_server) for _ in range(2)]
    for sender in senders:
        out, err = sender.communicate(timeout=120)
        assert sender.returncode == 0, err.decode()
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)
    assert delivery_states(site) == {"sent": COUNT}

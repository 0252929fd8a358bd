"""Several `syndicate send` processes share one issue: every delivery goes out exactly once.

On PostgreSQL four senders work through the deliveries, their claims kept apart by SELECT
... FOR UPDATE SKIP LOCKED: 2,000 on the suite's own pgserver, 20,000 (the size issue 7
names, about two minutes on the 2-core CI machine) in CI's PostgreSQL pass. On SQLite, where
one writer at a time is the rule anyway, two senders share 2,000.
bench/send.py --workers 1,2,4 --db URL measures throughput."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import Envelope, Session
from delivery_helpers import bulk_active, delivery_states, settings_for, write_article
from requirements import BACKENDS
from smtp_server import free_port

from syndicate.publishing import publish_files
from syndicate.store import deliveries, open_store

# backend -> (senders, deliveries)
SIZES = {
    "sqlite": (2, 2_000),
    "postgresql": (4, 20_000 if os.environ.get("SYNDICATE_TEST_DB") else 2_000),
}
CONNECTIONS = 1


class _Tally:
    """An aiosmtpd handler that keeps only who got a message and its Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recipients: Counter[str] = Counter()
        self.message_ids: Counter[bytes] = Counter()
        self.clients: set[int] = set()

    async def handle_DATA(self, smtp: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        start = data.find(b"\r\nMessage-ID:")
        message_id = data[start + 2 : data.find(b"\r\n", start + 2)] if start >= 0 else b""
        with self.lock:
            self.recipients.update(str(r) for r in envelope.rcpt_tos)
            self.message_ids[message_id] += 1
            self.clients.add(id(session))
        return "250 2.0.0 accepted"


class _WholeData(SMTPProtocol):
    """aiosmtpd, reading DATA in large pieces instead of a line at a time.

    aiosmtpd's own DATA loop runs Python code per line: at a few hundred messages a
    second it, not the senders under test, would set the pace of 20,000 deliveries.
    smtplib waits for each reply, so nothing follows the terminator in the stream.
    """

    async def smtp_DATA(self, arg: str) -> None:
        assert self.envelope is not None
        if not self.envelope.rcpt_tos or arg:
            await super().smtp_DATA(arg)
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        data = bytearray()
        while not data.endswith(b"\r\n.\r\n"):
            chunk = await self._reader.read(1 << 16)
            if not chunk:
                return  # the client went away mid-message
            data += chunk
        self.envelope.original_content = self.envelope.content = bytes(data[:-3])
        status = await self._call_handler_hook("DATA")
        await self.push(status)
        # aiosmtpd leaves this (private) method unannotated; it takes nothing, returns None.
        self._set_post_data_state()  # type: ignore[no-untyped-call]


class _Server(Controller):
    def factory(self) -> SMTPProtocol:
        return _WholeData(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def tally() -> Iterator[tuple[_Tally, str]]:
    handler = _Tally()
    port = free_port()
    controller = _Server(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def _sender(site: Path, smtp_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SYNDICATE_SMTP_URL": smtp_url}
    command = [sys.executable, "-m", "syndicate", "--site", str(site), "send", "--quiet"]
    command += ["--connections", str(CONNECTIONS)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _claimers(site: Path) -> Counter[str]:
    """Count the sent deliveries by the process that claimed them (host:pid of the worker)."""
    engine = open_store(settings_for(site))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(deliveries.c.claimed_by).where(deliveries.c.state == "sent")
            )
            return Counter(str(owner).rsplit(":", 1)[0] for (owner,) in rows)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_senders_at_once_deliver_every_message_exactly_once(
    backend: str, site: Path, tally: tuple[_Tally, str]
) -> None:
    server, smtp_url = tally
    senders_count, count = SIZES[backend]
    addresses = bulk_active(site, count)
    [published] = publish_files(settings_for(site), [write_article(site)])
    assert published.issue is not None and published.issue.deliveries == count
    if backend == "postgresql":
        assert settings_for(site).db_url.startswith("postgresql")

    senders = [_sender(site, smtp_url) for _ in range(senders_count)]
    try:
        for sender in senders:
            _, err = sender.communicate(timeout=600)
            assert sender.returncode == 0, err.decode()
    finally:
        for sender in senders:
            if sender.poll() is None:
                sender.kill()
            sender.communicate()

    assert server.recipients == dict.fromkeys(addresses, 1)  # nobody twice, nobody left out
    assert len(server.message_ids) == count and max(server.message_ids.values()) == 1
    assert delivery_states(site) == {"sent": count}
    # Every sender did a share of the work: they ran side by side, not one after another.
    claimers = _claimers(site)
    assert len(claimers) == senders_count, claimers

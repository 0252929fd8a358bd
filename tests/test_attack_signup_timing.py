"""Issue 17: a signup's answer takes as long for a subscribed address as for a new one.

Against an SMTP server that takes its time over each message, the answer for a new address
(which gets a confirmation email) must not wait for that server: it is sent in the
background after the answer. Timed as a ratio over repeated requests, not in seconds.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import Envelope, Session
from flask.testing import FlaskClient
from site_helpers import cli
from smtp_server import SMTPServer, _Handler, free_port

from syndicate.config import load_settings
from syndicate.web import create_app

SMTP_DELAY = 1.0  # seconds the server spends on each message
ROUNDS = 6


class SlowHandler(_Handler):
    async def handle_DATA(self, smtp: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(SMTP_DELAY)
        return await super().handle_DATA(smtp, session, envelope)


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[SMTPServer]:
    server = SMTPServer(tmp_path)
    server.controller.loop.close()  # the plain handler's, never started
    server.controller = Controller(SlowHandler(server), hostname="127.0.0.1", port=server.port)
    server.start()
    yield server
    server.stop()


def sign_up(client: FlaskClient, address: str) -> float:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "email": address, "name": "", "website": ""}
    start = time.perf_counter()
    response = client.post("/subscribe", data=form)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200 and "Check your inbox" in response.get_data(as_text=True)
    return elapsed


def test_known_and_new_addresses_are_answered_alike(site: Path, slow_server: SMTPServer) -> None:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[smtp]\nurl = "{slow_server.url}"\n\n[web]\nsignup_limit = 1000\n')
    assert cli(site, "subscribers", "add", "known@example.net", "--confirmed").exit_code == 0
    app = create_app(load_settings(site))
    client = app.test_client()
    try:
        sign_up(client, "warm-up@example.net")  # first-request costs out of the way
        known, new = [], []
        for round_ in range(ROUNDS):
            known.append(sign_up(client, "known@example.net"))
            new.append(sign_up(client, f"new{round_}@example.net"))
        sender = app.extensions["syndicate.confirmations"]
        sender.wait(60)
    finally:
        app.extensions["syndicate.confirmations"].close()
        app.extensions["syndicate.engine"].dispose()
    ratio = statistics.median(new) / statistics.median(known)
    # Waiting for the server makes the ratio SMTP_DELAY / (a few ms): in the hundreds.
    assert ratio < 10, (ratio, new, known)
    # And every new address did get its confirmation, in the background.
    received = slow_server.recipients()
    assert all(received[f"new{n}@example.net"] == 1 for n in range(ROUNDS))
    assert "known@example.net" not in received


def test_an_unreachable_server_queues_the_confirmation_for_send(
    site: Path, smtp_server: SMTPServer
) -> None:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[smtp]\nurl = "smtp://127.0.0.1:{free_port()}"\ntimeout = 2\n')
    app = create_app(load_settings(site))
    client = app.test_client()
    try:
        sign_up(client, "reader@example.net")
        app.extensions["syndicate.confirmations"].wait(60)
    finally:
        app.extensions["syndicate.confirmations"].close()
        app.extensions["syndicate.engine"].dispose()
    sent = cli(site, "send", env=smtp_server.env())
    assert sent.exit_code == 0, sent.output
    assert smtp_server.recipients() == {"reader@example.net": 1}

"""The whole subscriber loop in a real browser against `syndicate serve` and a real SMTP server.

Signup page -> confirmation email -> confirm page -> publish and send an issue -> the
issue's unsubscribe link -> unsubscribe page. Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, sync_playwright
from site_helpers import add_settings, cli, store
from smtp_server import SMTPServer, free_port

from syndicate.config import Settings, load_settings
from syndicate.newsletter.preview import CHROMIUM, CHROMIUM_ARGS
from syndicate.store import subscribers as subscribers_table

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"

# Our own example article; nothing here comes from the sample in ../shared.
ARTICLE = """\
---
title: Night ferry returns to the harbour timetable
dek: The 23:40 crossing runs again from Monday after a winter of repairs.
published: 2026-11-20
tags: [harbour]
---

The late crossing between the two quays is back on the board from Monday, the harbour
office said, after the older of its two ferries came out of dry dock.

Passengers asked for the service at every public meeting this autumn. "It is the only way
home for the kitchen staff," one café owner said.

## What changes

Tickets bought for the daytime boats are valid on the night run as well.
"""


def state_of(settings: Settings, address: str) -> str | None:
    query = sa.select(subscribers_table.c.state).where(
        subscribers_table.c.email_key == address.lower()
    )
    with store(settings.site) as engine, engine.connect() as conn:
        return conn.execute(query).scalar_one_or_none()


def wait_for_port(port: int, server: subprocess.Popen[str], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            pytest.fail(f"syndicate serve exited early: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("syndicate serve did not start listening")


def link_in(text: str, web_url: str, page: str) -> str:
    found = re.search(re.escape(f"{web_url}/{page}/") + r"[A-Za-z0-9_.\-/]+", text)
    assert found, text
    return found.group(0)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_signup_confirm_issue_and_unsubscribe_in_a_browser(
    site: Path, smtp_server: SMTPServer, browser: Browser
) -> None:
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    add_settings(site, "newsletter", 'name = "The Harbour Letter"')
    env = {**os.environ, **smtp_server.env(), "SYNDICATE_WEB_URL": web_url}
    settings = load_settings(site, environ=env)
    address = "reader@example.net"

    server = subprocess.Popen(
        [sys.executable, "-m", "syndicate", "--site", str(site), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, server)
        page = browser.new_page()
        console: list[str] = []  # a CSP violation or script error would show up here
        page.on("console", lambda message: console.append(message.text))

        # The signup form, styled by its nonce'd <style> block under the CSP.
        page.goto(f"{web_url}/")
        assert page.locator("h1").inner_text() == "Subscribe to The Harbour Letter"
        button = page.locator("button[type=submit]")
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(26, 95, 180)"
        shoot(page, "01-signup")
        page.fill("#email", address)
        page.fill("#name", "Ada Reader")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Check your inbox"
        shoot(page, "02-check-inbox")
        assert state_of(settings, address) == "pending"

        # The confirmation email (sent in the background, after the answer) and its link.
        deadline = time.monotonic() + 10
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m.recipients for m in smtp_server.messages] == [(address,)]
        confirmation = smtp_server.messages[0].message
        confirm_link = link_in(confirmation.get_body(("plain",)).get_content(), web_url, "confirm")
        page.goto(confirm_link)
        assert page.locator("h1").inner_text() == "Confirm your subscription"
        assert address in page.locator("main").inner_text()
        shoot(page, "03-confirm")
        assert state_of(settings, address) == "pending"  # opening the link changes nothing
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "You're subscribed"
        shoot(page, "04-confirmed")
        assert state_of(settings, address) == "active"

        # Publish an article and send the issue it makes.
        article = site / "content" / "night-ferry.md"
        article.write_text(ARTICLE, encoding="utf-8")
        published = cli(site, "publish", str(article), env=env)
        assert published.exit_code == 0, published.output
        sent = cli(site, "send", env=env)
        assert sent.exit_code == 0, sent.output
        # The welcome email (no List-Unsubscribe) came after the confirmation; then the issue.
        issues = [m for m in smtp_server.messages[1:] if m.message["List-Unsubscribe"]]
        assert len(issues) == 1
        issue = issues[0].message
        assert "Night ferry returns" in str(issue["Subject"])
        unsubscribe_link = link_in(str(issue["List-Unsubscribe"]), web_url, "unsubscribe")
        assert unsubscribe_link in issue.get_body(("plain",)).get_content()

        # The unsubscribe page and its button.
        page.goto(unsubscribe_link)
        assert page.locator("h1").inner_text() == "Unsubscribe"
        assert address in page.locator("main").inner_text()
        shoot(page, "05-unsubscribe")
        assert state_of(settings, address) == "active"
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "You're unsubscribed"
        shoot(page, "06-unsubscribed")
        assert state_of(settings, address) == "unsubscribed"
        assert console == []
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()

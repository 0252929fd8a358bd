"""A reader's whole road in a real browser: the embedded form on the publisher's own page
(served from a second local port), the confirmation, the welcome emails, the preferences
page opened from an issue, and the next issues following the choice made there. Then the
same form posted cross-origin without cookies, up to the daily cap.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright
from serve_helpers import served
from site_helpers import cli
from smtp_server import SMTPServer, free_port

from syndicate.newsletter.preview import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
NEWSLETTERS = """
[[newsletters]]
slug = "harbour"
name = "The Harbour Letter"
tags = ["harbour"]

[[newsletters]]
slug = "markets"
name = "Market Day"
tags = ["markets"]
"""
# Our own example articles; dated in the past so they go out at once.
ARTICLE = """\
---
title: {title}
dek: A short piece for the browser test.
published: 2026-11-{day}
tags: [{tag}]
---

The {what} is back on the quay from Monday, the harbour office said, after a winter away.

Stallholders asked for it at every public meeting this autumn.
"""


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def publisher_page(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A second local web server: the publisher's own site, where the snippet is pasted."""
    folder = tmp_path / "blog"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def wait_for(smtp_server: SMTPServer, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while len(smtp_server.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp_server.messages) >= count, [m.message["Subject"] for m in smtp_server.messages]


def text_of(smtp_server: SMTPServer, index: int) -> str:
    return str(smtp_server.messages[index].message.get_body(("plain",)).get_content())


def list_of(received: object) -> str:
    """Return the newsletter slug a received issue's List-Id names."""
    list_id = str(received.message["List-Id"])  # type: ignore[attr-defined]
    return list_id.split("<")[1].split(".")[0]


def publish_and_send(site: Path, env: dict[str, str], day: int) -> None:
    """Publish one article for each newsletter (by its tag), then send what is due."""
    for tag, what in (("harbour", "night ferry"), ("markets", "fish auction")):
        article = site / "content" / f"{tag}-{day}.md"
        title = f"{what.capitalize()} on the {day}th"
        text = ARTICLE.format(title=title, day=day, what=what, tag=tag)
        article.write_text(text, encoding="utf-8")
        published = cli(site, "publish", str(article), env=env)
        assert published.exit_code == 0, published.output
    sent = cli(site, "send", env=env)
    assert sent.exit_code == 0, sent.output


@pytest.mark.browser
def test_browser_embed_signup_welcome_and_manage_from_an_issue(
    site: Path, smtp_server: SMTPServer, browser: Browser, publisher_page: tuple[Path, str]
) -> None:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(NEWSLETTERS)
    blog, blog_url = publisher_page
    address = "reader@example.net"
    with served(site, smtp_server.env(), web_path="") as app:
        env = {**smtp_server.env(), "SYNDICATE_WEB_URL": app.root}
        snippet = cli(site, "embed", env=env)
        assert snippet.exit_code == 0, snippet.output
        (blog / "article.html").write_text(
            "<!DOCTYPE html><html lang='en'><head><title>A story</title></head>"
            f"<body><h1>A story</h1><p>Words.</p>{snippet.output}</body></html>",
            encoding="utf-8",
        )
        page = browser.new_page()
        page.goto(f"{blog_url}/article.html")
        page.fill("input[name=email]", address)
        page.click("form.syndicate-signup button[type=submit]")
        page.wait_for_url(f"{app.root}/check-inbox")
        assert page.locator("h1").inner_text() == "Check your inbox"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "11-embed-check-inbox.png"))

        wait_for(smtp_server, 1)
        confirm = re.search(rf"{re.escape(app.root)}/confirm/\S+", text_of(smtp_server, 0))
        assert confirm
        page.goto(confirm.group(0))
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "You're subscribed"

        wait_for(smtp_server, 3)  # one welcome per newsletter joined
        subjects = sorted(str(m.message["Subject"]) for m in smtp_server.messages[1:])
        assert subjects == ["Welcome to Market Day", "Welcome to The Harbour Letter"]

        publish_and_send(site, env, 20)
        wait_for(smtp_server, 5)
        assert sorted(list_of(m) for m in smtp_server.messages[3:5]) == ["harbour", "markets"]
        manage = re.search(rf"{re.escape(app.root)}/manage/\S+", text_of(smtp_server, 3))
        assert manage
        page.goto(manage.group(0))
        page.uncheck("input[value=markets]")
        assert page.is_checked("input[value=harbour]")
        page.click("button[value=save]")
        assert page.locator("[role=status]").inner_text() == "Your choices are saved."
        page.screenshot(path=str(ARTIFACTS / "12-manage-saved.png"), full_page=True)
        assert not page.is_checked("input[value=markets]")

        publish_and_send(site, env, 21)  # `send` returns when all is sent
        assert [list_of(m) for m in smtp_server.messages[5:]] == ["harbour"]
        page.close()


@pytest.mark.browser
def test_browser_form_posted_cross_origin_without_cookies_is_capped(
    site: Path, smtp_server: SMTPServer
) -> None:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[web]\nconfirmation_cap = 1\n")
    with served(site, smtp_server.env(), web_path="") as app:
        action = f"{app.root}/embed/subscribe"
        headers = {"Origin": "http://127.0.0.1:9", "Referer": "http://127.0.0.1:9/story.html"}
        answers = []
        for _ in range(2):
            with httpx.Client() as client:  # a new client each time: no cookie at all
                response = client.post(action, data={"email": "ada@example.net"}, headers=headers)
            answers.append((response.status_code, response.headers.get("location")))
            time.sleep(1.0)  # the background sender's second
        assert answers == [(303, "/check-inbox"), (303, "/check-inbox")]
        assert [m.recipients for m in smtp_server.messages] == [("ada@example.net",)]

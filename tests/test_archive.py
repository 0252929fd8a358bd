"""The web archive: each sent issue as a de-personalised page, opened from the email's link."""

from __future__ import annotations

import email
import email.policy
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pytest
from articles_factory import make_article
from delivery_helpers import add_active
from site_helpers import add_settings, store
from test_email_checks import validate_html
from werkzeug.serving import make_server

from syndicate.config import Settings, load_settings
from syndicate.delivery import send_due
from syndicate.publishing import publish_articles, unpublish
from syndicate.web import create_app
from syndicate.web.pages import ENGINE


@pytest.fixture
def served(site: Path) -> Iterator[tuple[Settings, str]]:
    """The site served by its web app on a real port, its base_url and web.url on that port."""
    holder: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start))
    url = f"http://127.0.0.1:{server.server_port}"
    text = (site / "syndicate.toml").read_text(encoding="utf-8")
    (site / "syndicate.toml").write_text(
        text.replace('base_url = "https://news.example.com"', f'base_url = "{url}"'),
        encoding="utf-8",
    )
    add_settings(site, "web", f'url = "{url}"')
    settings = load_settings(site)
    holder["app"] = create_app(settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield settings, url
    finally:
        server.shutdown()
        holder["app"].extensions[ENGINE].dispose()


def sent_messages(settings: Settings) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(settings.outbox_path.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        found.append(message)
    return found


def html_of(message: email.message.EmailMessage) -> str:
    body = message.get_body(("html",))
    assert isinstance(body, email.message.EmailMessage)
    return str(body.get_content())


def test_an_issue_sent_to_two_readers_has_one_public_page_without_them(
    served: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, url = served
    readers = add_active(settings.site, 2)
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(1)])
        assert send_due(engine, settings).sent == 2
    messages = sent_messages(settings)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted(readers)
    page_path = (
        settings.site / "archive" / "the-example-desk" / "2025-03-02-cycle-lanes-plan-part-1"
    )
    page = (page_path / "index.html").read_text(encoding="utf-8")
    # Neither address, nor any token or link of theirs.
    tokens: set[str] = set()
    for message in messages:
        links = re.findall(r'href="([^"]*/unsubscribe/[^"]*)"', html_of(message))
        tokens.update(link.rstrip("/").rsplit("/", 1)[1] for link in links)
    assert len(tokens) == 2
    for secret in (*readers, *tokens, "unsubscribe", "Reader A", "syndicate-placeholder"):
        assert secret not in page, secret
    tree = lxml.html.fromstring(page)
    (form,) = tree.xpath("//form")
    assert form.get("action") == f"{url}/subscribe" and form.get("method") == "get"
    assert tree.xpath("//head/link[@rel='alternate']/@href")[0] == f"{url}/feeds/atom.xml"
    assert "Cycle lanes plan, part 1" in page
    # Public, like the feeds: world-readable files and folders.
    assert stat.S_IMODE((page_path / "index.html").stat().st_mode) == 0o644
    assert stat.S_IMODE(page_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((settings.site / "archive").stat().st_mode) == 0o755

    # "View in browser" in each email opens that page, served on a real port.
    for message in messages:
        (link,) = lxml.html.fromstring(html_of(message)).xpath(
            "//a[normalize-space()='View in browser']/@href"
        )
        assert link == f"{url}/archive/the-example-desk/2025-03-02-cycle-lanes-plan-part-1/"
        response = httpx.get(link)
        assert response.status_code == 200 and response.text == page
        policy = response.headers["Content-Security-Policy"]
        assert "style-src 'unsafe-inline'" in policy and "form-action 'self'" in policy

    # html-validate, with the email's rules (the page is the email's HTML).
    validate_html(page_path / "index.html")

    # Published again unchanged: the page is not rewritten. Unpublished: the page goes.
    before = (page_path / "index.html").stat().st_mtime_ns
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(1)])
    assert (page_path / "index.html").stat().st_mtime_ns == before
    unpublish(settings, "cycle-lanes-plan-part-1")
    assert not page_path.exists()
    assert (
        httpx.get(f"{url}/archive/the-example-desk/2025-03-02-cycle-lanes-plan-part-1/").status_code
        == 404
    )


def test_archive_false_writes_no_page_and_no_link(site: Path) -> None:
    add_settings(site, "newsletter", "archive = false")
    settings = load_settings(site)
    add_active(site, 1)
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(2)])
        assert send_due(engine, settings).sent == 1
    (message,) = sent_messages(settings)
    assert "View in browser" not in html_of(message)
    assert not (site / "archive").exists()

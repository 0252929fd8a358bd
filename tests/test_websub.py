"""WebSub: a real hub on 127.0.0.1 receives one publish ping per changed feed, after the files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
from articles_factory import make_article
from click.testing import CliRunner
from feed_server import serving
from site_helpers import store

from syndicate.cli import main
from syndicate.config import Settings, load_settings
from syndicate.publishing import publish_articles

BASE = "https://news.example.com"
ARTICLE = """\
---
title: Harbour ferry adds an evening crossing
date: 2025-04-07
tags: [Harbour]
---

From May the ferry will make one more crossing each evening, leaving the north pier at
eight and returning from the island at half past nine, the harbour board said on Monday.
"""


@dataclass
class Hub:
    """What the test hub saw: each ping's form, and the main feed's titles at that moment."""

    url: str
    feeds: Path
    status: int = 204
    pings: list[dict[str, list[str]]] = field(default_factory=list)
    seen: list[list[str]] = field(default_factory=list)


@pytest.fixture
def hub(site: Path) -> Iterator[Hub]:
    recorded = Hub("", site / "feeds")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            recorded.pings.append(parse_qs(self.rfile.read(length).decode("ascii")))
            atom = feedparser.parse((recorded.feeds / "atom.xml").read_bytes())
            recorded.seen.append([entry.title for entry in atom.entries])
            self.send_response(recorded.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as port:
        recorded.url = f"http://127.0.0.1:{port}/hub"
        yield recorded


def hub_settings(site: Path, hub: Hub) -> Settings:
    return load_settings(site, websub_hub=hub.url)


def test_each_changed_feed_is_pinged_once_after_it_is_written(site: Path, hub: Hub) -> None:
    settings = hub_settings(site, hub)
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(1, tags=("Schools",))], send_email=False)
    topics = sorted(ping["hub.url"][0] for ping in hub.pings)
    feeds = ("atom.xml", "rss.xml", "feed.json")
    assert topics == sorted(
        [f"{BASE}/feeds/{name}" for name in feeds]
        + [f"{BASE}/feeds/tags/schools/{name}" for name in feeds]
    )
    assert all(ping["hub.mode"] == ["publish"] and len(ping["hub.url"]) == 1 for ping in hub.pings)
    # Every ping came when the new article was already in the written feed.
    assert all(titles == ["Cycle lanes plan, part 1"] for titles in hub.seen)
    atom = feedparser.parse((settings.feeds_path / "atom.xml").read_bytes())
    links = {link.rel: link.href for link in atom.feed.links}
    assert links["hub"] == hub.url and links["self"] == f"{BASE}/feeds/atom.xml"

    # A second article in another tag: the main feeds and that tag's feeds alone.
    hub.pings.clear()
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(2, tags=("Parks",))], send_email=False)
    assert {ping["hub.url"][0].rsplit("/feeds/", 1)[1] for ping in hub.pings} == {
        *feeds,
        *(f"tags/parks/{name}" for name in feeds),
    }
    assert len(hub.pings) == 6

    # Nothing changed: no ping at all.
    hub.pings.clear()
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(2, tags=("Parks",))], send_email=False)
    assert hub.pings == []


def test_a_hub_answering_500_is_one_warning_and_the_publish_stands(site: Path, hub: Hub) -> None:
    hub.status = 500
    path = site / "content" / "ferry.md"
    path.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["--site", str(site), "publish", str(path), "--no-email"],
        env={"SYNDICATE_WEBSUB_HUB": hub.url},
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: the WebSub hub {hub.url} took 0 of 6 update pings (HTTP 500): feed readers "
        "see the change at their next poll"
    ]
    assert len(hub.pings) == 6
    atom = feedparser.parse((site / "feeds" / "atom.xml").read_bytes())
    assert [entry.title for entry in atom.entries] == ["Harbour ferry adds an evening crossing"]


def test_a_hub_that_is_down_is_one_warning(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(site, websub_hub="http://127.0.0.1:9/hub")  # discard port: closed
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(3)], send_email=False)
    messages = [r.getMessage() for r in caplog.records if r.name == "syndicate.websub"]
    assert len(messages) == 1 and "took 0 of 6 update pings" in messages[0]
    assert (settings.feeds_path / "atom.xml").is_file()

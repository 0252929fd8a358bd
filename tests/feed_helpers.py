"""What the feed tests share: publish without mail, and parse a written feed strictly."""

from __future__ import annotations

from pathlib import Path

import feedparser
from site_helpers import store

from syndicate.config import Settings
from syndicate.model import Article
from syndicate.publishing import publish_articles


def publish(settings: Settings, *articles: Article) -> None:
    with store(settings) as engine:
        publish_articles(engine, settings, list(articles), send_email=False)


def parsed(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed

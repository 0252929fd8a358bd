"""A newsletter's archive: its index page and Atom feed, and the archive served under web.url."""

from __future__ import annotations

from pathlib import Path

import feedparser
import httpx
import lxml.html
from articles_factory import make_article
from delivery_helpers import add_active
from serve_helpers import served
from site_helpers import store
from test_email_checks import validate_html

from syndicate.config import Settings, load_settings
from syndicate.newsletter.archive_index import render_index
from syndicate.newsletter.definitions import Newsletter
from syndicate.publishing import publish_articles, unpublish

ARCHIVE = "https://news.example.com/archive/the-example-desk/"


def publish(settings: Settings, *numbers: int) -> None:
    with store(settings) as engine:
        for number in numbers:  # one publish each: each issue is queued after the one before
            publish_articles(engine, settings, [make_article(number)])


def test_the_index_and_feed_list_the_issues_newest_first_and_follow_their_pages(
    site: Path,
) -> None:
    settings = load_settings(site)
    add_active(site, 1)
    publish(settings, 1, 2)
    folder = site / "archive" / "the-example-desk"
    index, feed_file = folder / "index.html", folder / "atom.xml"

    tree = lxml.html.fromstring(index.read_text(encoding="utf-8"))
    pages = [
        ARCHIVE + "2025-03-03-cycle-lanes-plan-part-2/",
        ARCHIVE + "2025-03-02-cycle-lanes-plan-part-1/",
    ]
    assert tree.xpath("//ol[@class='issues']//a/@href") == pages
    assert tree.xpath("//ol[@class='issues']//a/text()") == [
        "Cycle lanes plan, part 2",
        "Cycle lanes plan, part 1",
    ]
    alternates = tree.xpath("//head/link[@rel='alternate']/@href")
    assert alternates[0] == ARCHIVE + "atom.xml"
    assert "https://news.example.com/feeds/atom.xml" in alternates
    (form,) = tree.xpath("//form")
    assert form.get("action").endswith("/subscribe") and tree.xpath("//input[@name='email']")
    validate_html(index)

    feed = feedparser.parse(feed_file.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [entry.link for entry in feed.entries] == pages
    assert [entry.id for entry in feed.entries] == pages
    assert feed.feed.updated_parsed == feed.entries[0].updated_parsed
    assert feed.feed.link == ARCHIVE

    # Published again, nothing changed: both files byte-identical, not even rewritten.
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in (index, feed_file)}
    publish(settings, 1, 2)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before

    # An unpublished article's page goes, and with it its line and entry.
    unpublish(settings, "cycle-lanes-plan-part-2")
    tree = lxml.html.fromstring(index.read_text(encoding="utf-8"))
    assert tree.xpath("//ol[@class='issues']//a/@href") == pages[1:]
    assert [entry.link for entry in feedparser.parse(feed_file.read_bytes()).entries] == pages[1:]
    # The last page gone: no archive left to show.
    unpublish(settings, "cycle-lanes-plan-part-1")
    assert not index.exists() and not feed_file.exists()


def test_serve_answers_the_archive_under_the_web_url_path(site: Path) -> None:
    settings = load_settings(site)
    add_active(site, 1)
    publish(settings, 1)
    page = site / "archive" / "the-example-desk" / "2025-03-02-cycle-lanes-plan-part-1"
    with served(site, web_path="/newsletter") as server:
        archive = f"{server.origin}/newsletter/archive/the-example-desk/"
        response = httpx.get(archive + "2025-03-02-cycle-lanes-plan-part-1/")
        assert response.status_code == 200
        assert response.content == (page / "index.html").read_bytes()
        assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
        index = httpx.get(archive)
        assert index.status_code == 200 and "Cycle lanes plan, part 1" in index.text
        feed = httpx.get(archive + "atom.xml")
        assert feed.headers["Content-Type"].startswith("application/atom+xml")
        assert feedparser.parse(feed.content).entries[0].title == "Cycle lanes plan, part 1"
        # Outside the prefix the app answers nothing.
        assert httpx.get(f"{server.origin}/archive/the-example-desk/").status_code == 404


def test_the_index_page_speaks_its_newsletters_language(site: Path) -> None:
    settings = load_settings(site)
    for language, opening in (
        ("pt_BR", '<html lang="pt-BR" dir="ltr">'),
        ("he", '<html lang="he" dir="rtl">'),
        (None, f'<html lang="{settings.language}" dir="ltr">'),
    ):
        desk = Newsletter(slug="desk", name="The Desk", language=language)
        assert opening in render_index(settings, desk, []).decode("utf-8")

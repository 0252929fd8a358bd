"""The feeds: parsed back by feedparser (Atom, RSS) and json (JSON Feed), stable, sanitized."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import feedgen.entry
import feedgen.feed
import pytest
from articles_factory import make_article
from feed_helpers import parsed, publish
from lxml import etree

from syndicate import feed_model
from syndicate.config import Settings, load_settings
from syndicate.model import Paragraph
from syndicate.publishing import rebuild_feeds, unpublish

BASE = "https://news.example.com"
# Running text enough for an article (the guardrails refuse fewer than 20 words).
FILLER = (
    "The harbour board met on Monday and agreed to repaint the old lighthouse before the summer."
)
ATOM = "{http://www.w3.org/2005/Atom}"


def json_feed(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and isinstance(document["items"], list)
    for item in document["items"]:
        assert item["id"] and (item.get("content_html") or item.get("content_text"))
    return document


def test_all_three_formats_read_back(settings: Settings) -> None:
    url = f"{BASE}/2025/03/lanes"
    publish(settings, make_article(1), make_article(2, url=url, authors=()))
    feeds = settings.feeds_path

    atom, rss = parsed(feeds / "atom.xml"), parsed(feeds / "rss.xml")
    document = json_feed(feeds / "feed.json")
    for feed in (atom, rss):
        first, second = feed.entries
        assert first.id.startswith("tag:news.example.com,2025-03-03:")
        assert first.title == "Cycle lanes plan, part 2"
        assert first.link == url
        assert second.link == BASE + "/"  # no canonical URL: the site's home page
        assert first.published_parsed[:6] == (2025, 3, 3, 9, 30, 0)
        assert "until the end of the month" in first.content[0].value
        assert f'href="{BASE}/consultation"' in first.content[0].value
        assert second.author == "Dana Reyes"
        assert first.author == "The Example Desk"  # no byline: the site's author
        assert [t.term for t in first.tags] == ["Transport"]
    assert atom.entries[0].summary == "A short summary of the plan."
    assert rss.entries[0].description == "A short summary of the plan."
    assert atom.entries[0].updated_parsed[:6] == (2025, 3, 3, 9, 30, 0)
    assert atom.feed.updated == "2025-03-03T09:30:00+00:00"  # the newest entry's, not "now"

    first = document["items"][0]
    assert document["feed_url"] == f"{BASE}/feeds/feed.json"
    assert first["id"] == atom.entries[0].id and first["url"] == url
    assert first["summary"] == "A short summary of the plan."
    assert first["date_published"] == "2025-03-03T09:30:00+00:00"
    assert first["image"] == f"{BASE}/img/lane.jpg"
    assert first["authors"] == [{"name": "The Example Desk"}]


def test_self_links_enclosure_and_feedgen_faults(settings: Settings) -> None:
    publish(settings, make_article(1))
    feeds = settings.feeds_path
    atom = etree.parse(str(feeds / "atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in atom.findall(f"{ATOM}link")}
    assert links == {"self": f"{BASE}/feeds/atom.xml", "alternate": BASE + "/"}
    (entry,) = atom.findall(f"{ATOM}entry")
    entry_links = [
        (link.get("rel") or "alternate", link.get("type") or "")
        for link in entry.findall(f"{ATOM}link")
    ]
    # One alternate link only: the image is an enclosure, with its rel and type kept.
    assert sorted(entry_links) == [("alternate", ""), ("enclosure", "image/jpeg")]
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "<h2>What happens next</h2>" in content.text
    assert entry.find(f"{ATOM}summary").text == "A short summary of the plan."

    rss = etree.parse(str(feeds / "rss.xml")).getroot()
    channel = rss.find("channel")
    assert channel.findtext("link") == BASE + "/"
    self_link = channel.find(f"{ATOM}link")
    assert (self_link.get("rel"), self_link.get("href")) == ("self", f"{BASE}/feeds/rss.xml")
    assert channel.findtext("lastBuildDate") == "Sun, 02 Mar 2025 09:30:00 +0000"
    item = channel.find("item")
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Dana Reyes"
    media = item.find("{http://search.yahoo.com/mrss/}content")
    assert media.get("url") == f"{BASE}/img/lane.jpg" and media.get("medium") == "image"
    assert item.find("enclosure") is None  # RSS needs a byte length we cannot know
    assert "<h2>" in item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")


ADVERSARIAL = [
    ("Tom & Jerry <b>not bold</b>", "Tom & Jerry <b>not bold</b>"),
    ("Ends the CDATA ]]> here", "Ends the CDATA ]]> here"),
    ("Bell\x07 and escape\x1b and nul\x00 gone", "Bell and escape and nul gone"),
    ("Party 🎉 time 👩‍👩‍👧", "Party 🎉 time 👩‍👩‍👧"),
    ("שלום עולם and مرحبا", "שלום עולם and مرحبا"),
    ("First line\r\nsecond line\rthird", "First line second line third"),
]


@pytest.mark.parametrize(("title", "expected"), ADVERSARIAL)
def test_adversarial_titles_stay_well_formed(settings: Settings, title: str, expected: str) -> None:
    dek = f"Dek: {title}"
    publish(settings, make_article(1, title=title, dek=dek, tags=(title,)))
    for name in ("atom.xml", "rss.xml"):
        etree.parse(str(settings.feeds_path / name))  # strict XML parse
        entry = parsed(settings.feeds_path / name).entries[0]
        assert entry.title == expected
        # RSS <description> is HTML: the plain-text dek arrives escaped, reads as text.
        summary = html.unescape(entry.summary) if name == "rss.xml" else entry.summary
        assert summary == f"Dek: {expected}"
        assert entry.tags[0].term == expected
    item = json_feed(settings.feeds_path / "feed.json")["items"][0]
    assert item["title"] == expected and item["tags"] == [expected]
    (tag_folder,) = (settings.feeds_path / "tags").iterdir()
    assert parsed(tag_folder / "atom.xml").entries[0].title == expected


def test_limit_keeps_the_newest(site: Path) -> None:
    # JSON Feed keeps the plain cap; Atom and RSS keep history (RFC 5005): until 2N articles
    # there is no archive page, so the current feed holds them all (see test_feed_history.py).
    settings = load_settings(site, feed_entries=20)
    publish(settings, *(make_article(n) for n in range(1, 26)))
    newest = [f"Cycle lanes plan, part {n}" for n in range(25, 5, -1)]
    items = json_feed(settings.feeds_path / "feed.json")["items"]
    assert [item["title"] for item in items] == newest
    every = [f"Cycle lanes plan, part {n}" for n in range(25, 0, -1)]
    for name in ("atom.xml", "rss.xml"):
        assert [e.title for e in parsed(settings.feeds_path / name).entries] == every
    assert not (settings.feeds_path / "archive").exists()


def test_tag_feeds_hold_only_their_tag(settings: Settings) -> None:
    publish(
        settings,
        make_article(1, tags=("Transport", "City Hall")),
        make_article(2, tags=("Schools",)),
        make_article(3, tags=("city hall",)),
    )
    tags = settings.feeds_path / "tags"
    assert sorted(p.name for p in tags.iterdir()) == ["city-hall", "schools", "transport"]
    city = parsed(tags / "city-hall" / "atom.xml")
    assert [e.title for e in city.entries] == [
        "Cycle lanes plan, part 3",
        "Cycle lanes plan, part 1",
    ]
    links = {link.rel: link.href for link in city.feed.links}
    assert links["self"] == f"{BASE}/feeds/tags/city-hall/atom.xml"
    assert [e.title for e in parsed(tags / "schools" / "rss.xml").entries] == [
        "Cycle lanes plan, part 2"
    ]
    schools = json_feed(tags / "schools" / "feed.json")
    assert schools["feed_url"] == f"{BASE}/feeds/tags/schools/feed.json"
    assert [item["title"] for item in schools["items"]] == ["Cycle lanes plan, part 2"]

    unpublish(settings, "2")  # the only "Schools" article: its tag feeds go away
    assert sorted(p.name for p in tags.iterdir()) == ["city-hall", "transport"]
    assert [e.title for e in parsed(settings.feeds_path / "atom.xml").entries] == [
        "Cycle lanes plan, part 3",
        "Cycle lanes plan, part 1",
    ]


def test_a_tag_an_edit_drops_leaves_that_tag_feed(settings: Settings) -> None:
    publish(
        settings,
        make_article(1, tags=("Transport", "Schools")),
        make_article(2, tags=("Schools",)),
    )
    publish(settings, make_article(1, tags=("Transport",)))  # the same file, one tag fewer
    tags = settings.feeds_path / "tags"
    for name in ("atom.xml", "rss.xml"):
        assert [e.title for e in parsed(tags / "schools" / name).entries] == [
            "Cycle lanes plan, part 2"
        ]
    assert [e.title for e in parsed(tags / "transport" / "atom.xml").entries] == [
        "Cycle lanes plan, part 1"
    ]


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class _AnyDatetime(type):
    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, datetime)


class _Later(datetime, metaclass=_AnyDatetime):
    """A clock read as `datetime.now()` from here on gives a moment decades later."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Later:
        return cls(2099, 1, 1, tzinfo=tz or UTC)


def test_rebuilding_later_gives_the_same_bytes_and_rewrites_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(settings, make_article(1), make_article(2, tags=("Schools",)))
    before = _snapshot(settings.feeds_path)
    # Any clock that reached the output (ours or feedgen's "now" defaults) would now show.
    for module in (feedgen.feed, feedgen.entry, feed_model):
        monkeypatch.setattr(module, "datetime", _Later)
    change = rebuild_feeds(settings)
    assert change.written == () and change.removed == ()
    assert _snapshot(settings.feeds_path) == before
    (settings.feeds_path / "atom.xml").unlink()
    assert rebuild_feeds(settings).written == (settings.feeds_path / "atom.xml",)
    assert _snapshot(settings.feeds_path)["atom.xml"][0] == before["atom.xml"][0]


def test_empty_archive_gives_valid_empty_feeds(settings: Settings) -> None:
    rebuild_feeds(settings)
    for name in ("atom.xml", "rss.xml"):
        assert parsed(settings.feeds_path / name).entries == []
    assert json_feed(settings.feeds_path / "feed.json")["items"] == []
    assert "1970-01-01T00:00:00+00:00" in (settings.feeds_path / "atom.xml").read_text()


def test_article_html_is_sanitized_with_absolute_urls(settings: Settings) -> None:
    hostile = (
        'Read <a href="javascript:alert(1)">this</a> and <a href="notes/1" onclick="x()">that</a>'
        '<script>steal()</script><img src="pic.png" onerror="x()">'
        '<iframe src="https://evil.example"></iframe>'
    )
    article = make_article(
        1,
        url=f"{BASE}/2025/story",
        blocks=(Paragraph("Read this and that", hostile), Paragraph(FILLER, FILLER)),
    )
    publish(settings, article)
    bodies = [
        parsed(settings.feeds_path / "atom.xml").entries[0].content[0].value,
        parsed(settings.feeds_path / "rss.xml").entries[0].content[0].value,
        json_feed(settings.feeds_path / "feed.json")["items"][0]["content_html"],
    ]
    for body in bodies:
        for bad in ("javascript:", "onclick", "onerror", "<script", "steal()", "<iframe"):
            assert bad not in body
        assert f'href="{BASE}/2025/notes/1"' in body
        assert f'src="{BASE}/2025/pic.png"' in body
        assert f'src="{BASE}/img/lane.jpg"' in body  # the lead image, made absolute


def test_dates_keep_the_article_zone(settings: Settings) -> None:
    from zoneinfo import ZoneInfo

    moment = datetime(2025, 2, 18, 0, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))
    publish(settings, make_article(1, published=moment))
    text = (settings.feeds_path / "atom.xml").read_text(encoding="utf-8")
    assert "<published>2025-02-18T00:00:00+02:00</published>" in text
    entry = parsed(settings.feeds_path / "rss.xml").entries[0]
    assert entry.published == "Tue, 18 Feb 2025 00:00:00 +0200"
    year, month, day, hour, minute, second = entry.published_parsed[:6]
    assert datetime(year, month, day, hour, minute, second, tzinfo=UTC) == moment

"""Feed history (RFC 5005): archive pages that never change once full, read back by feedparser."""

from __future__ import annotations

from pathlib import Path

from articles_factory import make_article
from feed_helpers import parsed, publish
from lxml import etree

from syndicate.config import load_settings
from syndicate.publishing import rebuild_feeds, unpublish

BASE = "https://news.example.com"
FH = "{http://purl.org/syndication/history/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY_RELS = {"current", "first", "last", "next", "next-archive", "prev-archive", "previous"}
# (current feed, archive page n) for each format
DOCUMENTS = {"atom.xml": "archive/{}.xml", "rss.xml": "archive/rss/{}.xml"}


def history_links(path: Path) -> tuple[set[str], dict[str, str]]:
    """Return the fh: marks of a document and its feed-level links {rel: href}."""
    root = etree.parse(str(path)).getroot()
    parent = root if root.tag == f"{ATOM}feed" else root.find("channel")
    assert parent is not None
    marks = {child.tag.removeprefix(FH) for child in parent if child.tag.startswith(FH)}
    links = {
        link.get("rel", "alternate"): link.get("href", "")
        for link in parent
        if link.tag == f"{ATOM}link"
    }
    return marks, links


def check_validator_rules(path: Path) -> None:
    """Apply the W3C Feed Validation Service's feed-history rules (feedvalidator's feed.py).

    A complete feed carries no history link but a current one to itself; an archive page
    carries prev/next-archive links (else ArchiveIncomplete) and a current link (else
    MissingCurrentInArchive).
    """
    marks, links = history_links(path)
    if "complete" in marks:
        assert not (HISTORY_RELS - {"current"}) & set(links), links
        assert links.get("current", links["self"]) == links["self"]
    if "archive" in marks:
        assert {"prev-archive", "next-archive"} & set(links), "ArchiveIncomplete"
        assert "current" in links, "MissingCurrentInArchive"
    assert links["self"].startswith(BASE + "/feeds/")


def titles(path: Path) -> list[str]:
    return [entry.title for entry in parsed(path).entries]


def ids(path: Path) -> list[str]:
    return [entry.id for entry in parsed(path).entries]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*.xml"))
    }


def test_45_articles_are_each_in_one_document_and_a_46th_changes_only_the_current_feed(
    site: Path,
) -> None:
    settings = load_settings(site, feed_entries=20)
    publish(settings, *(make_article(n) for n in range(1, 46)))
    feeds = settings.feeds_path
    for current, page in DOCUMENTS.items():
        every = ids(feeds / page.format(1)) + ids(feeds / current)
        assert len(every) == len(set(every)) == 45
        assert sorted(titles(feeds / page.format(1))) == sorted(
            f"Cycle lanes plan, part {n}" for n in range(1, 21)
        )
        assert len(titles(feeds / current)) == 25  # between N and 2N-1
        assert not (feeds / page.format(2)).exists()
        for path in (feeds / current, feeds / page.format(1)):
            check_validator_rules(path)
        marks, links = history_links(feeds / current)
        assert marks == set() and links["prev-archive"] == f"{BASE}/feeds/{page.format(1)}"
        marks, links = history_links(feeds / page.format(1))
        assert marks == {"archive"}
        assert links["current"] == f"{BASE}/feeds/{current}"
        assert links["self"] == f"{BASE}/feeds/{page.format(1)}"
        # The next page's address is fixed now, so this page never changes when it comes.
        assert links["next-archive"] == f"{BASE}/feeds/{page.format(2)}"
        assert "prev-archive" not in links

    before = snapshot(feeds)
    # Back-dated before every other article: it still takes the next place, in the current feed.
    oldest = make_article(1).published
    assert oldest is not None
    publish(settings, make_article(46, published=oldest.replace(year=2020)))
    after = snapshot(feeds)
    assert {name for name in after if after[name] != before.get(name)} == {"atom.xml", "rss.xml"}
    assert all(after[name] == before[name] for name in before if name.startswith("archive/"))
    assert "Cycle lanes plan, part 46" in titles(feeds / "atom.xml")
    assert len(titles(feeds / "rss.xml")) == 26


def test_a_new_page_links_back_and_leaves_the_page_before_as_it_was(site: Path) -> None:
    settings = load_settings(site, feed_entries=5)
    publish(settings, *(make_article(n) for n in range(1, 11)))  # one page, 5 current
    before = snapshot(settings.feeds_path)
    publish(settings, *(make_article(n) for n in range(11, 16)))  # two pages, 5 current
    feeds = settings.feeds_path
    after = snapshot(feeds)
    assert after["archive/1.xml"] == before["archive/1.xml"]
    assert after["archive/rss/1.xml"] == before["archive/rss/1.xml"]
    assert len(titles(feeds / "archive" / "2.xml")) == len(titles(feeds / "atom.xml")) == 5
    for current, page in DOCUMENTS.items():
        _, first = history_links(feeds / page.format(1))
        _, second = history_links(feeds / page.format(2))
        _, now = history_links(feeds / current)
        assert first["next-archive"] == second["self"]
        assert second["prev-archive"] == first["self"]
        assert now["prev-archive"] == second["self"]
        for path in (feeds / current, feeds / page.format(1), feeds / page.format(2)):
            check_validator_rules(path)


def test_unpublishing_an_archived_article_rewrites_its_page_only(site: Path) -> None:
    settings = load_settings(site, feed_entries=3)
    publish(settings, *(make_article(n) for n in range(1, 13)))  # pages 1-3, current 10-12
    before = snapshot(settings.feeds_path)
    unpublish(settings, "cycle-lanes-plan-part-5")
    after = snapshot(settings.feeds_path)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"archive/2.xml", "archive/rss/2.xml"}
    assert "Cycle lanes plan, part 5" not in titles(settings.feeds_path / "archive" / "2.xml")
    assert len(titles(settings.feeds_path / "archive" / "2.xml")) == 2


def test_a_small_feed_is_complete_and_a_rebuild_cuts_pages_anew(site: Path) -> None:
    settings = load_settings(site, feed_entries=20)
    publish(settings, *(make_article(n) for n in range(1, 8)))
    marks, links = history_links(settings.feeds_path / "atom.xml")
    assert marks == {"complete"} and "prev-archive" not in links
    check_validator_rules(settings.feeds_path / "rss.xml")
    # Fewer entries per page: `syndicate feeds` cuts the pages again and nothing is lost.
    smaller = load_settings(site, feed_entries=2)
    rebuild_feeds(smaller)
    pages = sorted(p.name for p in (smaller.feeds_path / "archive").glob("*.xml"))
    assert pages == ["1.xml", "2.xml"]
    every = [*ids(smaller.feeds_path / "atom.xml")]
    for name in pages:
        every += ids(smaller.feeds_path / "archive" / name)
    assert len(every) == len(set(every)) == 7
    rebuild_feeds(settings)  # back to 20: the pages go away again
    assert list((settings.feeds_path / "archive").glob("*.xml")) == []
    assert len(ids(settings.feeds_path / "atom.xml")) == 7


def test_editing_an_archived_article_rewrites_its_page_only(site: Path) -> None:
    settings = load_settings(site, feed_entries=3)
    publish(settings, *(make_article(n) for n in range(1, 13)))  # pages 1-3, current 10-12
    before = snapshot(settings.feeds_path)
    publish(
        settings,
        make_article(
            8, body="The council met on Tuesday to discuss the new cycle lanes, with a new map."
        ),
    )
    after = snapshot(settings.feeds_path)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"archive/3.xml", "archive/rss/3.xml"}
    page = (settings.feeds_path / "archive" / "3.xml").read_text(encoding="utf-8")
    assert "with a new map" in page


def test_a_publish_after_the_page_size_changed_cuts_every_page_anew(site: Path) -> None:
    publish(load_settings(site, feed_entries=3), *(make_article(n) for n in range(1, 13)))
    smaller = load_settings(site, feed_entries=2)
    publish(smaller, make_article(13))  # a plain publish, not `syndicate feeds`
    feeds = smaller.feeds_path
    pages = sorted(int(p.stem) for p in (feeds / "archive").glob("*.xml"))
    assert pages == [1, 2, 3, 4, 5]  # 13 places: five pages of 2, and 3 in the current feed
    every = ids(feeds / "atom.xml")
    for number in pages:
        every += ids(feeds / "archive" / f"{number}.xml")
    assert len(every) == len(set(every)) == 13

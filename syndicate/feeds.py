"""The feeds: Atom 1.0 and RSS 2.0 through feedgen, JSON Feed 1.1 written directly.

Every format is one row of `FORMATS`; each renders the same `Feed` value. The output is a
function of the stored articles alone: no clock, no random order, so an unchanged archive
gives byte-identical files.

feedgen 1.0.0 faults worked around here (see DESIGN.md):
- the feed's and each entry's `updated`, and RSS `lastBuildDate`, default to "now": every
  one is set explicitly from the articles;
- `description()` after `content()` replaces Atom's content with the summary: only
  `content()` and `summary()` are used;
- entry links lose `rel`/`type`, so an enclosure would become a second alternate link: the
  entry gets only its one alternate link from feedgen, and the image travels through our
  own extension (Atom `link rel="enclosure"`, `media:content` in both XML formats);
- entry authors without an email never reach RSS: the extension adds `dc:creator`;
- the RSS channel `<link>` is the last feed link given, whatever its rel: the home page
  link is added last.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree
from sqlalchemy.engine import Connection

from syndicate.articles import StoredArticle, list_articles, published_tags
from syndicate.config import Settings
from syndicate.html_body import article_html, image_url
from syndicate.safetext import one_line, xml_text

MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# The self links name their own feed's media type, so the table's two XML types are named once.
ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
# An empty feed still needs an `updated`; the clock would make it differ on every rebuild.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def _xml_line(text: str) -> str:
    """Return `text` as one line of XML-safe text: CR, LF and tabs become single spaces."""
    return one_line(xml_text(text))


@dataclass(frozen=True)
class Image:
    url: str
    media_type: str | None


@dataclass(frozen=True)
class Entry:
    """One article as every feed format shows it."""

    id: str
    title: str
    link: str
    content_html: str
    summary: str | None
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    image: Image | None
    language: str | None


@dataclass(frozen=True)
class Feed:
    """One feed (the site's, or one tag's) before it takes a format."""

    id: str
    title: str
    description: str
    home_url: str
    folder: str  # under feeds/: "" or "tags/<slug>/"
    folder_url: str  # where this feed's files are served, ending in "/"
    language: str
    author: str
    updated: datetime
    entries: tuple[Entry, ...]


def _image(src: str | None, base: str) -> Image | None:
    url = image_url(src, base)
    if url is None:
        return None
    media_type, _ = mimetypes.guess_type(urlsplit(url).path)
    return Image(url, media_type if media_type and media_type.startswith("image/") else None)


def make_entry(stored: StoredArticle, settings: Settings) -> Entry:
    """Turn a stored article into a feed entry with absolute links and sanitized HTML.

    An article without a canonical URL links to the site's home page (base_url + "/"):
    the feed entry itself is then the article's only home, and a home page is the one
    address on the site that is sure to exist.
    """
    article = stored.article
    home = settings.base_url + "/"
    link = urljoin(home, article.url) if article.url else home
    assert article.published is not None and article.updated is not None
    return Entry(
        id=stored.feed_id,
        title=_xml_line(article.title) or "(untitled)",
        link=link,
        content_html=xml_text(article_html(article, home)),
        summary=_xml_line(article.dek) if article.dek and _xml_line(article.dek) else None,
        published=article.published,
        updated=max(article.updated, article.published),
        authors=tuple(_xml_line(a) for a in article.authors if _xml_line(a))
        or (_xml_line(settings.site_author),),
        tags=tuple(_xml_line(t) for t in article.tags if _xml_line(t)),
        image=_image(article.lead.src if article.lead else None, link),
        language=article.language,
    )


def make_feed(settings: Settings, stored: list[StoredArticle], *, folder: str, title: str) -> Feed:
    """Build the feed served from feeds/`folder` (e.g. "" or "tags/politics/")."""
    entries = tuple(make_entry(item, settings) for item in stored)
    folder_url = f"{settings.base_url}/feeds/{folder}"
    return Feed(
        id=folder_url + "atom.xml",
        title=_xml_line(title),
        description=_xml_line(f"The latest articles from {title}"),
        home_url=settings.base_url + "/",
        folder=folder,
        folder_url=folder_url,
        language=settings.language,
        author=_xml_line(settings.site_author),
        updated=max((entry.updated for entry in entries), default=EMPTY_FEED_UPDATED),
        entries=entries,
    )


# feedgen ships no type information, so its extension bases are Any to mypy.
class _FeedMedia(BaseExtension):  # type: ignore[misc]
    """Declare the namespaces the entry extension writes."""

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS, "dc": DC_NS}


class _EntryMedia(BaseEntryExtension):  # type: ignore[misc]  # untyped base, as above
    """Add what feedgen's own entry API gets wrong: the lead image and RSS authors."""

    def __init__(self) -> None:
        self.image: Image | None = None
        self.creators: tuple[str, ...] = ()

    def _media_content(self, entry: Any) -> None:
        if self.image is None:
            return
        content = etree.SubElement(entry, f"{{{MEDIA_NS}}}content", url=self.image.url)
        content.set("medium", "image")
        if self.image.media_type:
            content.set("type", self.image.media_type)

    def extend_atom(self, entry: Any) -> Any:
        if self.image is not None:
            # feedgen writes Atom elements in no namespace under a literal xmlns attribute.
            link = etree.SubElement(entry, "link", rel="enclosure")
            link.set("href", self.image.url)
            if self.image.media_type:
                link.set("type", self.image.media_type)
        self._media_content(entry)
        return entry

    def extend_rss(self, item: Any) -> Any:
        # No <enclosure>: RSS requires its length in bytes, which syndicate cannot know
        # without fetching the image, and the W3C validator rejects length="0".
        for name in self.creators:
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = name
        self._media_content(item)
        return item


def _feedgen(feed: Feed, self_url: str, media_type: str, *, html_summary: bool) -> FeedGenerator:
    """Build the feedgen document; `html_summary` for RSS, whose description is HTML.

    The summary is the plain-text standfirst: RSS readers render <description> as HTML, so
    there it is HTML-escaped first ("3 < 5" stays text, an <iframe> stays visible words).
    """
    generator = FeedGenerator()
    generator.register_extension("syndicate", _FeedMedia, _EntryMedia)
    generator.id(feed.id)
    generator.title(feed.title)
    generator.description(feed.description)
    # RSS's channel <link> is whichever link came last: the home page must be last.
    generator.link(href=self_url, rel="self", type=media_type)
    generator.link(href=feed.home_url, rel="alternate", type="text/html")
    generator.language(feed.language)
    generator.author({"name": feed.author})
    generator.generator("syndicate")
    generator.updated(feed.updated)
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.title(entry.title)
        item.link(href=entry.link)
        item.content(entry.content_html, type="html")
        if entry.summary:
            item.summary(html.escape(entry.summary, quote=False) if html_summary else entry.summary)
        item.published(entry.published)
        item.updated(entry.updated)
        for name in entry.authors:
            item.author({"name": name})
        for tag in entry.tags:
            item.category(term=tag)
        item.syndicate.image = entry.image
        item.syndicate.creators = entry.authors
    return generator


def render_atom(feed: Feed, self_url: str) -> bytes:
    """Render the feed as Atom 1.0."""
    data: bytes = _feedgen(feed, self_url, ATOM_TYPE, html_summary=False).atom_str(pretty=True)
    return data


def render_rss(feed: Feed, self_url: str) -> bytes:
    """Render the feed as RSS 2.0 with content:encoded."""
    data: bytes = _feedgen(feed, self_url, RSS_TYPE, html_summary=True).rss_str(pretty=True)
    return data


def _json_entry(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.link,
        "title": entry.title,
        "content_html": entry.content_html,
    }
    if entry.summary:
        item["summary"] = entry.summary
    if entry.image:
        item["image"] = entry.image.url
    item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    item["authors"] = [{"name": name} for name in entry.authors]
    if entry.tags:
        item["tags"] = list(entry.tags)
    if entry.language:
        item["language"] = entry.language
    return item


def render_json(feed: Feed, self_url: str) -> bytes:
    """Render the feed as JSON Feed 1.1 (no library does it, and it is plain JSON)."""
    document = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": self_url,
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author}],
        "items": [_json_entry(entry) for entry in feed.entries],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class FeedFormat:
    """One output format: its file name, media type and renderer."""

    filename: str
    media_type: str
    render: Callable[[Feed, str], bytes]


FORMATS: tuple[FeedFormat, ...] = (
    FeedFormat("atom.xml", ATOM_TYPE, render_atom),
    FeedFormat("rss.xml", RSS_TYPE, render_rss),
    FeedFormat("feed.json", "application/feed+json", render_json),
)
FEED_FILES = tuple(fmt.filename for fmt in FORMATS)
TAGS_FOLDER = "tags"


def render_feed_files(
    conn: Connection, settings: Settings, tag_slugs: Collection[str] | None = None
) -> dict[Path, bytes]:
    """Render the main feed and the tag feeds (all, or those in `tag_slugs`) as {path: bytes}.

    A publish passes the slugs of the tags it changed: the other tag feeds cannot have
    changed, and an archive of years has thousands of them.
    """
    limit = settings.feed_entries
    feeds = [make_feed(settings, list_articles(conn, limit=limit), folder="", title=settings.title)]
    for slug, tag in published_tags(conn, tag_slugs).items():
        stored = list_articles(conn, tag_slug=slug, limit=limit)
        folder = f"{TAGS_FOLDER}/{slug}/"
        feeds.append(make_feed(settings, stored, folder=folder, title=f"{settings.title}: {tag}"))
    files: dict[Path, bytes] = {}
    for feed in feeds:
        folder_path = settings.feeds_path / feed.folder
        for fmt in FORMATS:
            files[folder_path / fmt.filename] = fmt.render(feed, feed.folder_url + fmt.filename)
    return files


def prune_tag_feeds(
    settings: Settings, keep: set[Path], tag_slugs: Collection[str] | None = None
) -> list[Path]:
    """Delete tag feeds no published article carries any more; return what was removed.

    With `tag_slugs`, only those tags' folders are looked at instead of every folder.
    """
    removed: list[Path] = []
    tags_path = settings.feeds_path / TAGS_FOLDER
    if not tags_path.is_dir():
        return removed
    if tag_slugs is None:
        folders = sorted(tags_path.iterdir())
    else:
        folders = [tags_path / slug for slug in sorted(tag_slugs)]
    for folder in folders:
        if not folder.is_dir():
            continue
        for name in FEED_FILES:
            path = folder / name
            if path not in keep and path.is_file():
                path.unlink()
                removed.append(path)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when nothing else is in it
    return removed

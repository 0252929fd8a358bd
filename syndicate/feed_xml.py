"""Atom 1.0 and RSS 2.0 through feedgen, with its faults in 1.0.0 worked around.

- the feed's and each entry's `updated`, and RSS `lastBuildDate`, default to "now": every
  one is set explicitly from the articles;
- `description()` after `content()` replaces Atom's content with the summary: only
  `content()` and `summary()` are used;
- entry links lose `rel`/`type`, so an enclosure would become a second alternate link: the
  entry gets only its one alternate link from feedgen, and the image travels through our
  own extension (Atom `link rel="enclosure"`, `media:content` in both XML formats);
- entry authors without an email never reach RSS: the extension adds `dc:creator`;
- the RSS channel `<link>` is the last feed link given, whatever its rel: the home page
  link is added last;
- RSS keeps only the `self` feed link: the history (RFC 5005) and hub (WebSub) links, and
  `<fh:archive/>` / `<fh:complete/>`, are written by our own feed extension.
"""

from __future__ import annotations

import html
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.feed_model import ATOM_TYPE, RSS_TYPE, Feed, Image, archive_name

MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"


def feed_links(feed: Feed, filename: str, media_type: str) -> list[tuple[str, str, str]]:
    """Return the (rel, href, type) links a document carries beyond self and alternate.

    The hub first (WebSub), then the history links (RFC 5005): an archive page names the
    current feed and its neighbouring pages; the current feed names its newest page.
    """
    links = [("hub", feed.hub, "")] if feed.hub else []
    history = feed.history
    if history is None:
        return links
    if history.page is not None:
        links.append(("current", feed.folder_url + filename, media_type))
    for rel, page in (("prev-archive", history.prev), ("next-archive", history.next)):
        if page is not None:
            links.append((rel, feed.folder_url + archive_name(filename, page), media_type))
    return links


def self_url(feed: Feed, filename: str) -> str:
    """Return the URL of the document `feed` becomes as `filename` (its page's, if archived)."""
    history = feed.history
    if history is not None and history.page is not None:
        return feed.folder_url + archive_name(filename, history.page)
    return feed.folder_url + filename


class _FeedMedia(BaseExtension):
    """Declare the namespaces the extensions write; add the links feedgen drops from RSS."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str, str]] = []
        self.mark: str | None = None  # "archive" | "complete" | None

    def extend_ns(self) -> dict[str, str]:
        spaces = {"media": MEDIA_NS, "dc": DC_NS}
        if self.mark:
            spaces["fh"] = HISTORY_NS
        return spaces

    def _extend(self, parent: Any, link_tag: str) -> None:
        if self.mark:
            etree.SubElement(parent, f"{{{HISTORY_NS}}}{self.mark}")
        for rel, href, media_type in self.links:
            link = etree.SubElement(parent, link_tag, rel=rel, href=href)
            if media_type:
                link.set("type", media_type)

    def extend_atom(self, feed: Any) -> Any:
        # feedgen writes Atom elements in no namespace under a literal xmlns attribute.
        self._extend(feed, "link")
        return feed

    def extend_rss(self, rss: Any) -> Any:
        self._extend(rss[0], f"{{{ATOM_NS}}}link")
        return rss


class _EntryMedia(BaseEntryExtension):
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


def _feedgen(feed: Feed, filename: str, media_type: str, *, html_summary: bool) -> FeedGenerator:
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
    generator.link(href=self_url(feed, filename), rel="self", type=media_type)
    generator.link(href=feed.home_url, rel="alternate", type="text/html")
    generator.language(feed.language)
    generator.author({"name": feed.author})
    generator.generator("syndicate")
    generator.updated(feed.updated)
    generator.syndicate.links = feed_links(feed, filename, media_type)
    generator.syndicate.mark = feed.history.mark if feed.history else None
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


def render_atom(feed: Feed, filename: str) -> bytes:
    """Render the feed as Atom 1.0, served as `filename` in its folder."""
    data: bytes = _feedgen(feed, filename, ATOM_TYPE, html_summary=False).atom_str(pretty=True)
    return data


def render_rss(feed: Feed, filename: str) -> bytes:
    """Render the feed as RSS 2.0 with content:encoded, served as `filename` in its folder."""
    data: bytes = _feedgen(feed, filename, RSS_TYPE, html_summary=True).rss_str(pretty=True)
    return data

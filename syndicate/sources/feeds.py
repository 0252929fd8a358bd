"""A followed feed's response read as entries: Atom and RSS through feedparser, JSON Feed by hand.

feedparser gets the bytes and the response headers, with its own sanitising and link
resolution off: `entries` sanitises with nh3 and resolves against each entry's link once.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from syndicate.errors import DateProblem, FetchError
from syndicate.readers.dates import checked

# The closing tag of an RSS, Atom or RDF document at its very end: without it, the
# document was cut short (and its last entry may be half of one).
_CLOSED = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One entry, whatever the feed's format: text as served, HTML not yet sanitised."""

    key: str  # the id or guid, else the link, else a digest of the title and text
    title: str  # HTML when `title_html`, else plain text
    title_html: bool
    link: str | None  # absolute http(s)
    html: str  # the content, else the summary (HTML)
    summary: str | None  # the summary (HTML), when the entry has content besides
    has_content: bool  # more than a summary
    base: str  # what its relative URLs resolve against
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None

    @property
    def digest(self) -> str:
        """Hash what the entry says, so a later poll tells an edit."""
        text = json.dumps(
            [
                self.title,
                self.link,
                self.html,
                self.summary,
                self.image,
                self.authors,
                self.tags,
                _iso(self.published),
                _iso(self.updated),
            ]
        )
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()  # fmt: skip


@dataclass(frozen=True)
class Feed:
    """What one poll of a source found."""

    title: str | None
    language: str | None
    entries: tuple[Entry, ...]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def http_link(value: Any, base: str) -> str | None:
    """Return `value` made absolute against `base` when it is an http(s) URL, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in {"http", "https"} and parts.hostname else None


def fallback_key(title: str, html: str) -> str:
    """The identity of an entry with neither id nor link: what it says."""
    return "text:" + hashlib.sha256(f"{title}\n{html}".encode("utf-8", "replace")).hexdigest()


def read_feed(url: str, content: bytes, headers: Mapping[str, str]) -> Feed:
    """Read a response as a feed; raise FetchError when it is none (or one cut short)."""
    kind = headers.get("content-type", "").lower()
    if "json" in kind or content.lstrip()[:1] == b"{":
        from syndicate.sources.jsonfeed import read_json_feed

        return read_json_feed(url, content)
    given = {key.lower(): value for key, value in headers.items()}
    given["content-location"] = url  # the base of whatever has no xml:base
    parsed = feedparser.parse(
        content, response_headers=given, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.get("version") and not parsed.entries:
        shown = kind.split(";")[0].strip() or "no content type"
        raise FetchError(f"{url}: is not a feed ({shown})")
    if parsed.get("bozo") and not _CLOSED.search(content[-512:]):
        raise FetchError(f"{url}: the feed is cut short ({parsed.get('bozo_exception')})")
    meta = parsed.get("feed", {})
    entries = tuple(_entry(item, url) for item in parsed.entries)
    return Feed(_text(meta.get("title")), _text(meta.get("language")), entries)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _raw(item: Mapping[str, Any], key: str) -> Any:
    """Read a key as stored: feedparser's own get() maps one date onto the other, warning."""
    return dict.get(item, key) if isinstance(item, dict) else item.get(key)


def _moment(value: Any) -> datetime | None:
    """Turn feedparser's UTC struct_time into a datetime, or None when it makes no sense."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return checked(datetime(*value[:6], tzinfo=UTC))
    except (ValueError, OverflowError, DateProblem):
        return None


def _image(item: Mapping[str, Any], base: str) -> str | None:
    """The entry's image: an image enclosure, else media:content, else media:thumbnail."""
    candidates = [
        *(e.get("href") for e in item.get("enclosures") or [] if _is_image(e)),
        *(m.get("url") for m in item.get("media_content") or [] if _is_image(m)),
        *(t.get("url") for t in item.get("media_thumbnail") or []),
    ]
    return next((found for c in candidates if (found := http_link(c, base))), None)


def _is_image(media: Mapping[str, Any]) -> bool:
    return media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")


def _body(item: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """Return the entry's HTML body, its summary when it has content besides, and its base."""
    summary = item.get("summary_detail") or {}
    for content in item.get("content") or []:
        value = content.get("value") or ""
        if value.strip():
            html = value if "html" in str(content.get("type", "")) else text_paragraphs(value)
            rest = summary.get("value") if summary.get("value") != value else None
            return html, rest, content.get("base")
    value = summary.get("value") or ""
    html = value if "html" in str(summary.get("type", "text/html")) else text_paragraphs(value)
    return html, None, summary.get("base")


def text_paragraphs(text: str) -> str:
    """Plain text as HTML: each blank-line-separated part one escaped paragraph."""
    return "".join(f"<p>{escape(part.strip())}</p>" for part in text.split("\n\n") if part.strip())


def _entry(item: Mapping[str, Any], feed_url: str) -> Entry:
    html, summary, xml_base = _body(item)
    link = http_link(item.get("link"), feed_url)
    # An xml:base of its own wins; else the entry's link; else the feed's address.
    own_base = http_link(xml_base, feed_url) if xml_base and xml_base != feed_url else None
    base = own_base or link or feed_url
    title = item.get("title") or ""
    title_type = str((item.get("title_detail") or {}).get("type", "text/plain"))
    authors = tuple(
        name for a in item.get("authors") or [] if (name := _text(a.get("name")))
    ) or tuple(n for n in [_text(item.get("author"))] if n)
    tags = tuple(t for tag in item.get("tags") or [] if (t := _text(tag.get("term"))))
    key = _text(item.get("id")) or link or fallback_key(title, html)
    return Entry(
        key=key,
        title=title,
        title_html="html" in title_type,
        link=link,
        html=html,
        summary=summary,
        has_content=summary is not None or bool(item.get("content")),
        base=base,
        authors=authors,
        published=_moment(_raw(item, "published_parsed")),
        updated=_moment(_raw(item, "updated_parsed")),
        tags=tags,
        image=_image(item, base),
    )

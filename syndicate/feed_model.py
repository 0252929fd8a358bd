"""What every feed format shows: the feed and its entries, built from the stored articles.

The output is a function of the stored articles alone: no clock, no random order, so an
unchanged store gives byte-identical files. Where a document sits in the feed's history
(RFC 5005) and which WebSub hub it names are part of the value too (`History`, `hub`).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from syndicate.articles import StoredArticle
from syndicate.config import Settings
from syndicate.html_body import article_html, image_url
from syndicate.safetext import one_line, xml_text

# The self links name their own feed's media type, so the table's two XML types are named once.
ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
ARCHIVE_FOLDER = "archive"
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
class History:
    """Where one document sits in its feed's history (RFC 5005).

    `page` is None for the current feed; an archive page is numbered from 1, the oldest.
    `prev` and `next` are the neighbouring archive pages (None where there is none). A
    current feed with no archive page yet is complete (`<fh:complete/>`).
    """

    page: int | None
    prev: int | None
    next: int | None

    @property
    def mark(self) -> str | None:
        """Return the fh: element the document carries: "archive", "complete" or none."""
        if self.page is not None:
            return "archive"
        return "complete" if self.prev is None else None


def archive_name(filename: str, page: int | str) -> str:
    """Return where archive page `page` of the feed file `filename` sits, under its folder.

    Atom's pages are archive/<n>.xml; RSS's, archive/rss/<n>.xml.
    """
    if filename == "atom.xml":
        return f"{ARCHIVE_FOLDER}/{page}.xml"
    return f"{ARCHIVE_FOLDER}/{filename.removesuffix('.xml')}/{page}.xml"


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
    history: History | None = None  # RFC 5005: main Atom and RSS feeds only
    hub: str | None = None  # the WebSub hub the feed names, if any


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
        hub=settings.websub_hub,
    )

"""A followed feed's entry as an Article: sanitised, links absolute, from the same fields
every reader fills."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from slugify import slugify

from syndicate.articles import SOURCE_KEY_PREFIX
from syndicate.config import Settings
from syndicate.errors import SyndicateError
from syndicate.html_body import image_url, sanitize_html
from syndicate.model import Article, Figure, Paragraph
from syndicate.readers.assemble import tidy_tags
from syndicate.readers.normalize import clean_line, inline, markup_to_text, sanitize_inline
from syndicate.sources.content import html_blocks
from syndicate.sources.feeds import Entry, Feed
from syndicate.sources.records import Source

DEK_LENGTH = 400  # a longer summary is a body, not a standfirst


def entry_key(entry: Entry) -> str:
    """The entry's identity within its source, fit for an index: a hash of its id or link."""
    return hashlib.sha256(entry.key.encode("utf-8", "replace")).hexdigest()


def article_key(source: Source, entry: Entry) -> str:
    return f"{SOURCE_KEY_PREFIX}{source.id}:{entry_key(entry)}"


def _title(entry: Entry) -> str:
    raw = entry.title
    text = markup_to_text(sanitize_inline(raw)) if entry.title_html else clean_line(raw)
    if text:
        return text[:300]
    body = markup_to_text(sanitize_inline(entry.html))
    return " ".join(body.split()[:12]) or entry.link or "Untitled entry"


def _dek(entry: Entry, body: str) -> str | None:
    if not entry.summary:
        return None
    text = inline(sanitize_html(entry.summary, entry.base))[0]
    if not text or len(text) > DEK_LENGTH or body.startswith(text.rstrip(".… ")):
        return None
    return text


def entry_article(
    entry: Entry, source: Source, feed: Feed, settings: Settings, page: Article | None = None
) -> Article:
    """Build the article of `entry`; `page` is its linked page as read (--full-page)."""
    safe = sanitize_html(entry.html, entry.base)
    blocks = tuple(html_blocks(safe))
    title = _title(entry)
    image = image_url(entry.image, entry.base)
    lead = Figure("", None, image, title) if image else None
    if page is not None and page.blocks:
        blocks, lead = page.blocks, lead or page.lead
    body = "\n".join(b.text for b in blocks if isinstance(b, Paragraph))
    return Article(
        title=title,
        slug=slugify(title, max_length=80, word_boundary=True) or "entry",
        blocks=blocks,
        lead=lead,
        dek=_dek(entry, body),
        authors=tuple(clean_line(a) for a in entry.authors if clean_line(a)),
        published=entry.published,
        updated=entry.updated,
        url=entry.link,
        source=source.name,
        language=clean_line(feed.language or "")[:20] or settings.language,
        tags=tidy_tags([*source.tags, *entry.tags]),
        key=article_key(source, entry),
    )


def full_page(entry: Entry, settings: Settings) -> Article | None:
    """Read the page an entry links to with the HTML reader; None when it cannot be had."""
    from syndicate.readers.fetch import read_url

    if entry.has_content or entry.link is None:
        return None
    try:
        return read_url(entry.link, settings)
    except SyndicateError:
        return None


def newest_first(entries: tuple[Entry, ...]) -> list[Entry]:
    """The entries by date, newest first; undated ones keep the feed's order after them."""
    floor = datetime.min.replace(tzinfo=UTC)

    def when(entry: Entry) -> datetime:
        moment = entry.published or entry.updated
        return moment.astimezone(UTC) if moment else floor

    return sorted(entries, key=when, reverse=True)

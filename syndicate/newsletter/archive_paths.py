"""Where an issue's archive page lives: archive/<newsletter slug>/<issue>/index.html.

An issue of one article is named after it (`2025-03-02-cycle-lanes`); a digest after its
slot's date in the site's timezone (`2025-03-03-digest`): a cadence has at most one slot a
day, so the name is the digest's own, whatever articles it holds.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from syndicate.config import Settings
from syndicate.model import Article
from syndicate.newsletter.definitions import Newsletter

ARCHIVE_FOLDER = "archive"
INDEX_PAGE = "index.html"
ARCHIVE_FEED = "atom.xml"


def issue_slug(article: Article) -> str:
    """Return an article issue's folder: the article's publication date and slug."""
    assert article.published is not None
    return f"{article.published:%Y-%m-%d}-{article.slug}"


def digest_slug(settings: Settings, slot: datetime) -> str:
    """Return a digest's folder: the date of its slot, in the site's timezone."""
    return f"{slot.astimezone(settings.tz):%Y-%m-%d}-digest"


def archived(settings: Settings, newsletter: Newsletter) -> bool:
    """Tell whether `newsletter`'s issues get archive pages (and a "View in browser" link)."""
    return settings.archive and newsletter.archive


def issue_url(settings: Settings, newsletter: Newsletter, article: Article) -> str | None:
    """Return the address of the issue's page ("View in browser"), or None with no archive."""
    if not archived(settings, newsletter) or article.published is None:
        return None
    return page_url(settings, newsletter.slug, issue_slug(article))


def digest_url(settings: Settings, newsletter: Newsletter, slot: datetime) -> str | None:
    """Return the address of the digest's page, or None with no archive."""
    if not archived(settings, newsletter):
        return None
    return page_url(settings, newsletter.slug, digest_slug(settings, slot))


def newsletter_url(settings: Settings, newsletter_slug: str) -> str:
    """Return where a newsletter's archive (its index page) is published."""
    return f"{settings.base_url}/{ARCHIVE_FOLDER}/{newsletter_slug}/"


def page_url(settings: Settings, newsletter_slug: str, slug: str) -> str:
    """Return where the page of `newsletter_slug`'s issue `slug` is published."""
    return f"{newsletter_url(settings, newsletter_slug)}{slug}/"


def newsletter_folder(settings: Settings, newsletter_slug: str) -> Path:
    """Return a newsletter's archive folder under the site."""
    return settings.site / ARCHIVE_FOLDER / newsletter_slug


def issue_path(settings: Settings, newsletter_slug: str, slug: str) -> Path:
    """Return the file of the page of `newsletter_slug`'s issue `slug` under the site."""
    return newsletter_folder(settings, newsletter_slug) / slug / INDEX_PAGE

"""Where an issue's archive page lives: archive/<newsletter slug>/<issue>/index.html."""

from __future__ import annotations

from pathlib import Path

from syndicate.config import Settings
from syndicate.model import Article
from syndicate.newsletter.definitions import Newsletter

ARCHIVE_FOLDER = "archive"


def issue_slug(article: Article) -> str:
    """Return an issue's folder: its (first) article's publication date and slug."""
    assert article.published is not None
    return f"{article.published:%Y-%m-%d}-{article.slug}"


def issue_url(settings: Settings, newsletter: Newsletter, article: Article) -> str | None:
    """Return the address of the issue's page ("View in browser"), or None with no archive."""
    if not (settings.archive and newsletter.archive) or article.published is None:
        return None
    return page_url(settings, newsletter.slug, article)


def page_url(settings: Settings, newsletter_slug: str, article: Article) -> str:
    """Return where the page of `newsletter_slug`'s issue of `article` is published."""
    return f"{settings.base_url}/{ARCHIVE_FOLDER}/{newsletter_slug}/{issue_slug(article)}/"


def issue_path(settings: Settings, newsletter_slug: str, article: Article) -> Path:
    """Return the file of the issue's page under the site."""
    return settings.site / ARCHIVE_FOLDER / newsletter_slug / issue_slug(article) / "index.html"

"""Where an issue's archive page lives: archive/<newsletter>/<issue>/index.html.

`newsletter_slug` is the one place that names the newsletter of an issue: with one
newsletter per site, the slug of its name.
"""

from __future__ import annotations

from pathlib import Path

from slugify import slugify

from syndicate.config import Settings
from syndicate.model import Article

ARCHIVE_FOLDER = "archive"


def newsletter_slug(settings: Settings) -> str:
    """Return the folder of the site's newsletter under archive/ (its slugified name)."""
    return slugify(settings.newsletter_name or settings.title) or "newsletter"


def issue_slug(article: Article) -> str:
    """Return an issue's folder: its article's publication date and slug."""
    assert article.published is not None
    return f"{article.published:%Y-%m-%d}-{article.slug}"


def issue_url(settings: Settings, article: Article) -> str | None:
    """Return the address of the issue's page ("View in browser"), or None with no archive."""
    if not settings.archive or article.published is None:
        return None
    return (
        f"{settings.base_url}/{ARCHIVE_FOLDER}/{newsletter_slug(settings)}/{issue_slug(article)}/"
    )


def issue_path(settings: Settings, article: Article) -> Path:
    """Return the file of the issue's page under the site."""
    folder = settings.site / ARCHIVE_FOLDER / newsletter_slug(settings) / issue_slug(article)
    return folder / "index.html"

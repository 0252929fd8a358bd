"""What the command line says about an article, over what its file says.

`publish --url/--published/--image/--author/--tag` for one file: each value checked, then
put in place of the file's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import SplitResult, urlsplit

from syndicate.config import Settings
from syndicate.errors import InputError
from syndicate.model import Article, Figure


@dataclass(frozen=True)
class Overrides:
    """What the command line says about an article, over what its file says."""

    url: str | None = None
    published: datetime | None = None
    image: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def per_file(self) -> bool:
        """Say whether these overrides only make sense for one file."""
        return any(v is not None for v in (self.url, self.published, self.image, self.author))


def parse_published(text: str, settings: Settings) -> datetime:
    """Read a --published value: an ISO 8601 date or time; without a zone, the site's."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), settings.tz)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--published: {text!r} is not a date such as 2025-02-18 or 2025-02-18T09:30+02:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)


def _split(value: str) -> SplitResult | None:
    """Split a URL; None when it cannot be (an unclosed [IPv6] host, say)."""
    try:
        return urlsplit(value.strip())
    except ValueError:
        return None


def check_url(option: str, value: str) -> str:
    """Accept an absolute http(s) URL; anything else is a user mistake."""
    parts = _split(value)
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InputError(f"{option}: expected an absolute http(s) URL, got {value!r}")
    return value.strip()


def check_image(value: str) -> str:
    """Accept an absolute http(s) image URL, or a path the site's URL makes absolute."""
    parts = _split(value)
    if parts is None or (
        (parts.scheme or value.strip().startswith("//"))
        and not (parts.scheme in {"http", "https"} and parts.hostname)
    ):
        raise InputError(f"--image: expected an http(s) URL or a path on the site, got {value!r}")
    if not value.strip():
        raise InputError("--image: expected an http(s) URL or a path on the site, got nothing")
    return value.strip()


def apply_overrides(article: Article, overrides: Overrides) -> Article:
    """Return `article` with the command line's values in place of the file's."""
    changes: dict[str, object] = {}
    if overrides.url:
        changes["url"] = check_url("--url", overrides.url)
    if overrides.published:
        changes["published"] = overrides.published
    if overrides.image:
        lead = article.lead or Figure(caption="")
        changes["lead"] = Figure(lead.caption, lead.credit, check_image(overrides.image), lead.alt)
    if overrides.author and overrides.author.strip():
        changes["authors"] = (overrides.author.strip(),)
    if overrides.tags:
        known = {tag.casefold() for tag in article.tags}
        extra = []
        for tag in (t.strip() for t in overrides.tags):
            if tag and tag.casefold() not in known:
                known.add(tag.casefold())
                extra.append(tag)
        changes["tags"] = (*article.tags, *extra)
    return article.with_changes(**changes) if changes else article

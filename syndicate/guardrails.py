"""Guardrails between the content folder and the subscribers: what is not published, and why.

An email cannot be recalled, so when it is unclear whether the publisher meant an article
to go out, it does not go out, and the reason is said once. A draft, a file with no
running text, a copy of a stored article and an unpublished article's file are refused
here; a future date (scheduled) and an old date (feeds only) are decided where the
article is stored and its issue made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Connection, Row

from syndicate.articles import UNPUBLISHED, from_source, same_text
from syndicate.config import Settings
from syndicate.model import Article

MIN_WORDS = 20  # fewer words of running text: a stray note, not an article

# What file managers and editors add to a copy's name: "story (1)", "story copy 2",
# "story - Copy", "story_copy".
_COPY_SUFFIX = re.compile(r"(?:\s*\(\d+\)|[\s_-]+(?:-\s+)?copy(?:\s*\(?\d+\)?)?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Refusal:
    """A file that was not published, and why (one line for the user)."""

    path: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Allow:
    """The publisher's deliberate exceptions (`publish --allow-duplicate`, `--republish`)."""

    duplicate: bool = False
    republish: bool = False


def is_copy_name(path: Path) -> bool:
    """Tell a name a copy was saved under: `story (1).txt`, `story copy.txt`."""
    return bool(_COPY_SUFFIX.search(path.stem))


def originals_first(paths: Iterable[Path]) -> list[Path]:
    """Order files so the original of two copies comes first.

    The earlier modification time first, then the name without a copy suffix; then the
    name, so the order is stable.
    """

    def key(path: Path) -> tuple[float, bool, str]:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = float("inf")
        return (mtime, is_copy_name(path), str(path))

    return sorted(paths, key=key)


def body_words(article: Article) -> int:
    """Count the words of running text (no headline, headings, captions or boilerplate)."""
    return len(article.body_text.split())


def shown_path(article: Article, settings: Settings) -> str:
    """The file's name as the user knows it: relative to the content folder when inside."""
    if not article.path:
        return article.title
    path = Path(article.path)
    absolute = path if path.is_absolute() else settings.site / path
    try:
        return absolute.relative_to(settings.content_path).as_posix()
    except ValueError:
        return article.path


def refusal(
    conn: Connection, settings: Settings, article: Article, row: Row | None, allow: Allow
) -> Refusal | None:
    """Return why `article` (stored as `row`, if at all) must not be published, or None."""
    name = shown_path(article, settings)
    if article.draft:
        return Refusal(name, "a draft (draft: true), not published")
    words = body_words(article)
    # A followed feed's entry is meant to be an article (real summaries run from 0 to 40
    # words): the rule that catches a stray note in content/ does not apply to it.
    if words < MIN_WORDS and not from_source(article.key):
        if words == 0:
            return Refusal(name, "no body text")
        return Refusal(
            name, f"too little body text ({words} words; an article has at least {MIN_WORDS})"
        )
    if row is not None and row.state == UNPUBLISHED and not allow.republish:
        return Refusal(
            name,
            f"article {row.pk} was unpublished; it stays out until "
            f"`syndicate publish {article.path or name} --republish`",
        )
    if row is None and not allow.duplicate:
        twin = same_text(conn, article)
        if twin is not None:
            where = twin.path or twin.feed_id
            return Refusal(name, f"same text as article {twin.pk} ({where})")
    return None


def too_old(settings: Settings, published: datetime, now: datetime) -> bool:
    """Tell an article dated more than newsletter.max_age before it is first stored."""
    if not settings.max_age:
        return False
    return published < now - timedelta(seconds=settings.max_age)

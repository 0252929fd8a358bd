"""The feeds: the table of formats, and the files of the main feed and the tag feeds.

Every format is one row of `FORMATS`; each renders the same `Feed` value (`feed_model`).
Atom and RSS go through feedgen (`feed_xml`); JSON Feed 1.1 is written here directly. The
main Atom and RSS feeds keep their history in RFC 5005 archive pages (`feed_history`); the
tag feeds and JSON Feed hold the newest feeds.entries articles.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import Connection

from syndicate.articles import list_articles, published_tags
from syndicate.config import Settings
from syndicate.feed_history import history_feeds, stale_pages
from syndicate.feed_model import (
    ATOM_TYPE,
    RSS_TYPE,
    Entry,
    Feed,
    archive_name,
    make_entry,
    make_feed,
)
from syndicate.feed_xml import render_atom, render_rss

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

__all__ = ["FEED_FILES", "FORMATS", "Feed", "make_entry", "make_feed", "render_feed_files"]


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


def render_json(feed: Feed, filename: str) -> bytes:
    """Render the feed as JSON Feed 1.1 (no library does it, and it is plain JSON)."""
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.folder_url + filename,
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author}],
    }
    if feed.hub:
        document["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    document["items"] = [_json_entry(entry) for entry in feed.entries]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class FeedFormat:
    """One output format: its file name, media type, renderer, and whether it keeps history."""

    filename: str
    media_type: str
    render: Callable[[Feed, str], bytes]  # (feed, the file name it is served as)
    history: bool  # the main feed in this format has RFC 5005 archive pages
    label: str  # the format's name for people


FORMATS: tuple[FeedFormat, ...] = (
    FeedFormat("atom.xml", ATOM_TYPE, render_atom, history=True, label="Atom"),
    FeedFormat("rss.xml", RSS_TYPE, render_rss, history=True, label="RSS"),
    FeedFormat("feed.json", "application/feed+json", render_json, history=False, label="JSON Feed"),
)
FEED_FILES = tuple(fmt.filename for fmt in FORMATS)
HISTORY_FILES = tuple(fmt.filename for fmt in FORMATS if fmt.history)
TAGS_FOLDER = "tags"


@dataclass(frozen=True)
class Discovery:
    """One `<link rel="alternate">` a web page carries to a feed (feed autodiscovery)."""

    media_type: str
    title: str
    href: str


def discovery_links(settings: Settings) -> list[Discovery]:
    """Return the autodiscovery links to the site's main feeds, at their published URLs."""
    return [
        Discovery(
            fmt.media_type,
            f"{settings.title} ({fmt.label})",
            f"{settings.base_url}/feeds/{fmt.filename}",
        )
        for fmt in FORMATS
    ]


def media_type(name: str) -> str | None:
    """Return the media type of the feed file at `name` under feeds/, archive pages too."""
    path = PurePosixPath(name)
    for fmt in FORMATS:
        if path.name == fmt.filename:
            return fmt.media_type
        if fmt.history and path.parent == PurePosixPath(archive_name(fmt.filename, 0)).parent:
            return fmt.media_type if path.suffix == ".xml" else None
    return None


def render_feed_files(
    conn: Connection,
    settings: Settings,
    tag_slugs: Collection[str] | None = None,
    changed: Collection[int] | None = None,
) -> dict[Path, bytes]:
    """Render the main feed and the tag feeds (all, or those in `tag_slugs`) as {path: bytes}.

    A publish passes the slugs of the tags it changed and the articles it `changed`: the
    other tag feeds and archive pages cannot have changed, and an archive of years has
    thousands of them. Without both, every archive page is written again.
    """
    limit = settings.feed_entries
    main = make_feed(settings, list_articles(conn, limit=limit), folder="", title=settings.title)
    current, pages = history_feeds(conn, settings, None if tag_slugs is None else changed)
    files: dict[Path, bytes] = {}
    for fmt in FORMATS:
        feed = current if fmt.history else main
        files[settings.feeds_path / fmt.filename] = fmt.render(feed, fmt.filename)
        for page in pages if fmt.history else ():
            assert page.history is not None and page.history.page is not None
            path = settings.feeds_path / archive_name(fmt.filename, page.history.page)
            files[path] = fmt.render(page, fmt.filename)
    for slug, tag in published_tags(conn, tag_slugs).items():
        stored = list_articles(conn, tag_slug=slug, limit=limit)
        folder = f"{TAGS_FOLDER}/{slug}/"
        feed = make_feed(settings, stored, folder=folder, title=f"{settings.title}: {tag}")
        for fmt in FORMATS:
            files[settings.feeds_path / folder / fmt.filename] = fmt.render(feed, fmt.filename)
    return files


def prune_tag_feeds(
    settings: Settings, keep: set[Path], tag_slugs: Collection[str] | None = None
) -> list[Path]:
    """Delete tag feeds no published article carries any more; return what was removed.

    With `tag_slugs`, only those tags' folders are looked at instead of every folder. A
    full rebuild (no `tag_slugs`) also deletes archive pages it did not write (after
    feeds.entries changed, the pages are cut anew).
    """
    removed: list[Path] = []
    if tag_slugs is None:
        for path in stale_pages(settings, keep, HISTORY_FILES):
            path.unlink(missing_ok=True)
            removed.append(path)
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

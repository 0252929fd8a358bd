"""JSON Feed 1.0 and 1.1 mapped onto the same entries as Atom and RSS (feedparser reads neither).

Every field is checked for its type: a feed is a stranger's JSON, and a number where a
string belongs must cost that field, never the poll.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from syndicate.errors import DateProblem, FetchError
from syndicate.readers.dates import checked
from syndicate.sources.feeds import Entry, Feed, fallback_key, http_link, text_paragraphs


def _str(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # JSON Feed 1.0 let ids be numbers
    return value.strip() if isinstance(value, str) and value.strip() else None


def _moment(value: Any) -> datetime | None:
    text = _str(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        return checked(moment) if moment.tzinfo else None
    except (ValueError, DateProblem):
        return None


def _authors(item: dict[str, Any], feed: dict[str, Any]) -> tuple[str, ...]:
    for holder in (item, feed):
        people = holder.get("authors")
        if not isinstance(people, list):
            people = [holder.get("author")]  # JSON Feed 1.0
        names = tuple(n for p in people if isinstance(p, dict) and (n := _str(p.get("name"))))
        if names:
            return names
    return ()


def _image(item: dict[str, Any], base: str) -> str | None:
    for value in (item.get("image"), item.get("banner_image")):
        if found := http_link(value, base):
            return found
    attachments = item.get("attachments")
    images = [
        a.get("url")
        for a in (attachments if isinstance(attachments, list) else [])
        if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")
    ]
    return next((found for url in images if (found := http_link(url, base))), None)


def _item(item: dict[str, Any], feed: dict[str, Any], feed_url: str) -> Entry:
    link = http_link(item.get("url"), feed_url) or http_link(item.get("external_url"), feed_url)
    content_html, content_text = _str(item.get("content_html")), _str(item.get("content_text"))
    summary = _str(item.get("summary"))
    if content_html or content_text:
        html = content_html or text_paragraphs(content_text or "")
        shown_summary = escape(summary) if summary else None
    else:
        html, shown_summary = escape(summary or ""), None
    title = _str(item.get("title")) or ""
    tags = item.get("tags")
    return Entry(
        key=_str(item.get("id")) or link or fallback_key(title, html),
        title=title,
        title_html=False,
        link=link,
        html=html,
        summary=shown_summary,
        has_content=bool(content_html or content_text),
        base=link or feed_url,
        authors=_authors(item, feed),
        published=_moment(item.get("date_published")),
        updated=_moment(item.get("date_modified")),
        tags=tuple(t for tag in (tags if isinstance(tags, list) else []) if (t := _str(tag))),
        image=_image(item, link or feed_url),
    )


def read_json_feed(url: str, content: bytes) -> Feed:
    """Read a JSON Feed document; raise FetchError when it is not one."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as e:
        raise FetchError(f"{url}: is not a feed (JSON that does not parse: {e})") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not (isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")):
        raise FetchError(f"{url}: is not a feed (JSON without a JSON Feed version)")
    items = data.get("items")
    entries = tuple(
        _item(item, data, url) for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    )  # fmt: skip
    return Feed(_str(data.get("title")), _str(data.get("language")), entries)

"""What an HTML page says about itself: `<meta>` tags, JSON-LD and the canonical link."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from syndicate.model import Block, Figure, Paragraph
from syndicate.readers.normalize import clean_line


def meta_values(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Collect `<meta property|name|itemprop=... content=...>` values by lower-cased key."""
    values: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content and content.strip():
            values.setdefault(key.strip().lower(), []).append(clean_line(content))
    return values


def linked_data(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """Return the page's schema.org Article object from JSON-LD, or nothing."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        candidates = data if isinstance(data, list) else [data]
        if isinstance(data, dict) and isinstance(data.get("@graph"), list):
            candidates = data["@graph"]
        for item in candidates:
            kind = item.get("@type") if isinstance(item, dict) else None
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                return item
    return {}


def linked_authors(data: dict[str, Any]) -> tuple[str, ...]:
    authors = data.get("author")
    items = authors if isinstance(authors, list) else [authors]
    names = (item.get("name") if isinstance(item, dict) else item for item in items)
    return tuple(dict.fromkeys(clean_line(n) for n in names if isinstance(n, str) and n.strip()))


def linked_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return clean_line(value) or None if isinstance(value, str) else None


def first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return None


def canonical_url(tree: lxml.html.HtmlElement, meta: dict[str, list[str]]) -> str | None:
    """Return the page's canonical http(s) URL (link rel=canonical, else og:url)."""
    links = (link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical")
    url = clean_line(next((href for href in links if href), None) or first(meta, "og:url") or "")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host
        return None
    return url if parts.scheme in {"http", "https"} and parts.netloc else None


def og_lead(meta: dict[str, list[str]], blocks: list[Block]) -> Figure | None:
    """Return the og:image as the lead when no figure comes before the first paragraph."""
    at = next((i for i, b in enumerate(blocks) if isinstance(b, Paragraph)), len(blocks))
    if any(isinstance(b, Figure) for b in blocks[:at]):
        return None
    src = first(meta, "og:image", "og:image:url", "twitter:image")
    if not src or not src.startswith(("http://", "https://")):
        return None
    alt = first(meta, "og:image:alt", "twitter:image:alt")
    return Figure(caption=alt or "", src=src, alt=alt)


def split_list(value: str | None) -> tuple[str, ...]:
    """Split trafilatura's `a; b` metadata lists."""
    return tuple(dict.fromkeys(part.strip() for part in (value or "").split(";") if part.strip()))

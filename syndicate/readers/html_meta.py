"""What an HTML page says about itself: `<meta>` tags, JSON-LD and the canonical link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from syndicate.readers.normalize import clean_line

_ITEMPROPS = {"headline", "description", "datepublished", "datemodified", "image", "keywords"}
_ARTICLE_TYPE = re.compile(r"(?:Article|Posting|Report)$")


def meta_tags(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Collect what `<meta>` tags say, by lower-cased key: `content`, or `value` on some pages."""
    values: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content") or element.get("value")
        if key and content and content.strip():
            values.setdefault(key.strip().lower(), []).append(clean_line(content))
    return values


def meta_values(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Collect what `<meta>` tags and `itemprop` elements say, by lower-cased key.

    A `<meta>` gives its `content` (some pages write `value`); an `itemprop` element its
    `content`, `datetime` or `src` attribute, else its short text.
    """
    values = meta_tags(tree)
    for element in tree.xpath("//*[@itemprop][not(self::meta)]"):
        key = (element.get("itemprop") or "").strip().lower()
        if key not in _ITEMPROPS:
            continue
        value = element.get("content") or element.get("datetime") or element.get("src") or ""
        if not value and len(element.text_content()) <= 300:
            value = element.text_content()
        if clean_line(value):
            values.setdefault(key, []).append(clean_line(value))
    return values


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """Walk JSON-LD: lists, `@graph` and `mainEntity` nest the objects a page describes."""
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if isinstance(data.get(key), list | dict):
                yield from _objects(data[key])


def _is_article(item: dict[str, Any]) -> bool:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and _ARTICLE_TYPE.search(k) for k in kinds)


def linked_data(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """Return the page's schema.org Article object from JSON-LD (in `@graph` too), or nothing."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _objects(data):
            if _is_article(item):
                return item
    return {}


def linked_names(value: Any, *, people: bool) -> tuple[str, ...]:
    """Return the names of JSON-LD authors (people only) or publishers (anyone)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            kind = str(item.get("@type") or "")
            if people and kind and kind != "Person":
                continue
            item = item.get("name")
        if isinstance(item, list):
            names.extend(n for n in item if isinstance(n, str))
        elif isinstance(item, str):
            names.append(item)
    return tuple(dict.fromkeys(clean_line(n) for n in names if clean_line(n)))


def linked_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return clean_line(value) or None if isinstance(value, str) else None


def linked_images(data: dict[str, Any]) -> list[str]:
    """Return the addresses of a JSON-LD `image`: a URL, an ImageObject or a list of them."""
    value = data.get("image")
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("url") or item.get("contentUrl")
        if isinstance(item, str) and item.strip():
            found.append(item.strip())
    return found


def linked_keywords(data: dict[str, Any]) -> list[str]:
    value = data.get("keywords")
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return None


def canonical_url(
    tree: lxml.html.HtmlElement, meta: dict[str, list[str]], base: str | None = None
) -> str | None:
    """Return the page's canonical http(s) URL (link rel=canonical, else og:url, else `base`).

    `base` is the address the page was fetched from; a relative canonical link is read
    against it.
    """
    links = (link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical")
    url = clean_line(next((href for href in links if href), None) or first(meta, "og:url") or "")
    try:
        url = urljoin(base, url) if base and url else url or base or ""
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host
        return None
    return url if parts.scheme in {"http", "https"} and parts.netloc else None

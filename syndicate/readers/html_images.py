"""Images as a browser would load them: past lazy-loading placeholders, made absolute."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import lxml.html

# Attributes lazy-loading scripts keep the real address in, most specific first.
_LAZY_ATTRIBUTES = (
    "data-src",
    "data-lazy-src",
    "data-original",
    "data-lazy",
    "data-url",
    "data-hi-res-src",
    "data-full-src",
)
_SRCSET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
# A spacer's file name, or any file in a folder of placeholders ("/placeholder/800x600.png").
_SPACER = re.compile(
    r"(?:^|/)(?:(?:blank|spacer|pixel|transparent|placeholder|lazy|grey|gray|empty|1x1|clear)"
    r"[\w-]*|(?:placeholders?|spacers?)/[\w.-]+)\.(?:gif|png|svg|jpe?g|webp)(?:$|\?)",
    re.IGNORECASE,
)
# Not the article's own picture: site furniture, a journalist's portrait.
_FURNITURE = re.compile(
    r"logo|avatar|icon|favicon|sprite|badge|placeholder|default[-_]?image|profile[-_]?(?:image|photo|pic)",
    re.I,
)
# The words of an image address that name the picture itself (file names, ids, hashes),
# as opposed to its rendition (sizes, crops, formats) or its host.
_PICTURE_WORD = re.compile(r"[a-z0-9]*\d[a-z0-9]*")
_RENDITION = re.compile(
    r"\d+x\d+|(?:width|height|square|original|quality|size|w|h|q)[_=-]?\d+|(?<![a-z0-9])\d{1,4}(?![a-z0-9])"
)
# Query parameters that draw text or a logo over a social card (imgix, the Guardian, ...).
_OVERLAY = re.compile(r"overlay|watermark|^mark|^blend|^txt|^text", re.IGNORECASE)


def is_placeholder(src: str | None) -> bool:
    """Tell whether an image address is a stand-in (data: URI, spacer GIF) or empty."""
    if not src or not src.strip():
        return True
    value = src.strip()
    return value.lower().startswith(("data:", "about:", "javascript:")) or bool(
        _SPACER.search(value)
    )


def largest_candidate(srcset: str | None) -> str | None:
    """Return the widest (or densest) candidate of a `srcset` value."""
    best: tuple[float, str] | None = None
    for candidate in (srcset or "").split(","):
        parts = candidate.split()
        if not parts or is_placeholder(parts[0]):
            continue
        size = 1.0
        if len(parts) > 1 and re.fullmatch(r"\d+(?:\.\d+)?[wx]", parts[1]):
            size = float(parts[1][:-1])
        if best is None or size > best[0]:
            best = (size, parts[0])
    return best[1] if best else None


def absolute(src: str | None, base: str | None) -> str | None:
    """Make `src` absolute against the page's address; None when it cannot be loaded."""
    if is_placeholder(src):
        return None
    assert src is not None
    value = src.strip()
    if value.startswith("//"):
        value = "https:" + value
    try:
        joined = urljoin(base, value) if base else value
        parts = urlsplit(joined)
    except ValueError:
        return None
    return joined if parts.scheme in {"http", "https"} and parts.netloc else None


def _from_img(img: lxml.html.HtmlElement) -> str | None:
    src: str | None = img.get("src")
    if not is_placeholder(src):
        return src
    for name in _LAZY_ATTRIBUTES:
        lazy: str | None = img.get(name)
        if not is_placeholder(lazy):
            return lazy
    for name in _SRCSET_ATTRIBUTES:
        found = largest_candidate(img.get(name))
        if found:
            return found
    return None


def _from_sources(picture: lxml.html.HtmlElement) -> str | None:
    """Return the largest candidate of a `<picture>`'s `<source>` elements."""
    for source in picture.iter("source"):
        for name in _SRCSET_ATTRIBUTES:
            if found := largest_candidate(source.get(name)):
                return found
    return None


def _from_noscript(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """Return the `<img>` of a `<noscript>` fallback, parsed or kept as text."""
    img = next(element.iter("img"), None)
    if img is not None or not (element.text or "").strip():
        return img
    try:
        fragment = lxml.html.fragment_fromstring(element.text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None
    return next(fragment.iter("img"), None)


def image_of(container: lxml.html.HtmlElement, base: str | None) -> tuple[str | None, str | None]:
    """Return the address and alt text of the image a container shows, as a browser loads it."""
    alt: str | None = None
    for img in container.iter("img"):
        alt = alt or img.get("alt")
        found = _from_img(img)
        picture = next(img.iterancestors("picture"), None)
        if found is None and picture is not None:
            found = _from_sources(picture)
        if found is not None and (url := absolute(found, base)):
            return url, alt
    for noscript in container.iter("noscript"):
        img = _from_noscript(noscript)
        if img is not None and (url := absolute(_from_img(img), base)):
            return url, alt or img.get("alt")
    return None, alt


def is_furniture(url: str) -> bool:
    """Tell whether an image address names a logo, avatar, icon or portrait."""
    parts = urlsplit(url)
    return bool(_FURNITURE.search(f"{parts.netloc}{parts.path}"))


def picture_ids(url: str) -> set[str]:
    """The identifiers in an image address that stay the same across its renditions."""
    parts = urlsplit(unquote(url).casefold())
    address = _RENDITION.sub(" ", f"{parts.path} {parts.query}")
    return {w for w in _PICTURE_WORD.findall(address) if len(w) >= 6}


def same_picture(one: str | None, other: str | None) -> bool:
    """Tell whether two addresses show the same picture, at whatever size or crop."""
    if not one or not other:
        return False
    if one == other or picture_ids(one) & picture_ids(other):
        return True
    # Renditions in folders of their own, under the picture's own name ("16x9/Harbour at dawn").
    names = [
        unquote(urlsplit(url).path).rsplit("/", 1)[-1].rsplit(".", 1)[0] for url in (one, other)
    ]
    return len(names[0]) >= 8 and names[0].casefold() == names[1].casefold()


def has_overlay(url: str) -> bool:
    """Tell whether an image address asks the image server to draw over the picture."""
    return any(_OVERLAY.search(key) for key, _ in parse_qsl(urlsplit(url).query))


def pick_lead(candidates: list[str]) -> str | None:
    """Choose the article's own image: no furniture, and a plain image over a social card."""
    usable = [url for url in dict.fromkeys(candidates) if not is_furniture(url)]
    plain = [url for url in usable if not has_overlay(url)]
    return next(iter(plain or usable), None)

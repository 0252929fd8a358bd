"""Each field of an HTML page's article, chosen from the page's own data first.

Structured data (JSON-LD, Open Graph, `article:*`, Twitter cards, `itemprop`, `<meta>`)
comes first, then the visible page near the headline, then trafilatura's guess. What
sidebars and teasers say is never taken: their boxes are gone before this runs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from syndicate.readers.html_images import absolute, pick_lead
from syndicate.readers.html_meta import first, linked_images, linked_keywords, linked_names
from syndicate.readers.normalize import clean_line

_DEK_CLASS = re.compile(
    r"(?:^|[\s_-])(?:dec?k|standfirst|sub-?tit(?:le)?|sub-?head(?:line|er)?|summary|lede|excerpt"
    r"|strapline|intro|teaser-?text|article-?description|chapo|chapeau|vorspann|entradilla"
    r"|lead(?![-_]*(?:image|img|media|photo|picture|figure|video|art)))(?:$|[\s_-])",
    re.IGNORECASE,
)
# Where a standfirst never is: another story's teaser link, a list, the page's furniture.
_NOT_DEK_ANCESTORS = {"a", "li", "footer", "aside", "nav", "figure"}
_DESCRIPTIONS = ("og:description", "description", "twitter:description")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)
_BYLINE_CLASS = re.compile(r"byline|author|autor|auteur|firma", re.IGNORECASE)
# Full-width forms too, as Japanese and Chinese titles write them ("見出し：新聞社").
_TITLE_SEPARATORS = " |-–—:·•»/：｜\u3000"
_SEPARATOR_AFTER = re.compile(r"\s*[|\-–—:·•»/：｜]")
_SEPARATOR_BEFORE = re.compile(r"[|\-–—:·•»/：｜]\s*$")
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_BYLINE_LABEL = re.compile(
    r"^(?:by|par|von|por|de|text|words|written by|reporting by|story by|texte|texto|текст"
    r"|autor(?:in)?|author|auteur)\b\s*:?\s*",
    re.IGNORECASE,
)
# Where a byline's names end: a date, a time, "Updated", a month glued on in capitals.
_BYLINE_END = re.compile(
    rf"\s*(?:[|•·,]\s*)?(?:\b(?:{_MONTHS})\b\.?\s*\d|\b(?:{_MONTHS})$|\d|updated|published|posted|publié|publiziert|veröffentlicht|publicado"
    r"|aktualisiert|mis à jour|actualizado)",
    re.IGNORECASE,
)
# An author's initials after the name, as some papers sign: "Anna Muster (amu)".
_INITIALS = re.compile(r"\s*\((?:[^\W\d_]{2,5})\.?\)$")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\b(?:and|und|et|y|og|och|en|и)\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """What the field choosers read: the page, its story, its data and trafilatura's guess."""

    tree: lxml.html.HtmlElement
    root: lxml.html.HtmlElement
    meta: dict[str, list[str]]
    linked: dict[str, Any]
    base: str | None
    h1: str | None
    dek_element: str | None
    byline: str | None
    times: tuple[str, ...]


def visible_parts(root: lxml.html.HtmlElement) -> tuple[str | None, str | None, str | None]:
    """Return the story's headline, standfirst and byline as the page shows them.

    A standfirst comes after the headline (a sidebar's summary before it is another
    story's); a byline is the first author element of the story itself.
    """
    h1 = next(root.iter("h1"), None)
    headline = clean_line(h1.text_content()) if h1 is not None else None
    after_h1 = h1 is None
    dek = byline = None
    for element in root.iter():
        if element is h1:
            after_h1 = True
            continue
        if not isinstance(element.tag, str) or element.tag in {"a", "li", "figcaption"}:
            continue
        marks = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('rel') or ''}"
        wants_dek = dek is None and after_h1 and element.tag in {"p", "div", "h2", "span"}
        if wants_dek and _DEK_CLASS.search(marks):
            dek = _standfirst(element, root)
        if byline is None and _BYLINE_CLASS.search(marks):
            text = clean_line(element.text_content())
            byline = text if 1 <= len(text.split()) <= 16 else None
    following = h1.getnext() if h1 is not None else None
    if dek is None and following is not None and following.tag == "h2":
        dek = _standfirst(following, root)  # a second headline right under the first
    return headline or None, dek, byline


def _standfirst(element: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> str | None:
    """The text of an element marked as a standfirst, unless it is a label or another story's."""
    parts = [element.text_content()]
    for sibling in element.itersiblings():
        # A standfirst of several sentences may be several paragraphs of the same kind.
        if sibling.tag != element.tag or sibling.get("class") != element.get("class"):
            break
        parts.append(sibling.text_content())
    text = clean_line(" ".join(parts))
    if not 4 <= len(text.split()) <= 60 or text.endswith(":"):
        return None  # "The essentials:" introduces a list; it says nothing of the story
    if next(element.iter("img"), None) is not None:
        return None
    for ancestor in element.iterancestors():
        if ancestor is root:
            break
        if ancestor.tag in _NOT_DEK_ANCESTORS:
            return None
    return text


def _strip_tail(raw: str, clean: str) -> str | None:
    """Return `clean` when `raw` is it plus a site name, author or kicker across a separator."""
    lower, part = raw.casefold(), clean.casefold()
    if lower == part:
        return clean
    if lower.startswith(part) and _SEPARATOR_AFTER.match(raw[len(clean) :]):
        return clean
    if lower.endswith(part) and _SEPARATOR_BEFORE.search(raw[: len(raw) - len(clean)]):
        return clean
    return None


def title(page: Page, document: lxml.etree._Element) -> str:
    """The headline: the page's own title, without a site name, author or SEO tail."""
    clean = [t for t in (page.linked.get("headline"), page.h1) if isinstance(t, str) and t.strip()]
    clean = [clean_line(t) for t in clean]
    raw = clean_line(
        first(page.meta, "og:title", "twitter:title", "headline")
        or (clean[0] if clean else "")
        or document.get("title")
        or ""
    )
    for candidate in clean:
        if found := _strip_tail(raw, candidate):
            return found
    sites = site_names(page)
    if clean and (not raw or raw.casefold() in {s.casefold() for s in sites}):
        return clean[0]
    for site in sites:
        if len(raw) > len(site) and raw.casefold().endswith(site.casefold()):
            rest = raw[: len(raw) - len(site)]
            if rest[-3:].strip(_TITLE_SEPARATORS) == "" and rest.strip(_TITLE_SEPARATORS):
                return rest.rstrip(_TITLE_SEPARATORS)
    return raw


def site_names(page: Page) -> tuple[str, ...]:
    """The names of the site and its publisher: never a byline, never a title."""
    names = [
        *page.meta.get("og:site_name", []),
        *page.meta.get("application-name", []),
        *linked_names(page.linked.get("publisher"), people=False),
    ]
    return tuple(dict.fromkeys(n for n in names if n))


def _description(value: str, sites: tuple[str, ...]) -> str:
    """A description as the page meant it: entities decoded once more, no site-name tail."""
    if _ENTITY.search(value):
        value = html.unescape(value)  # escaped twice by the page's template ("CD&amp;amp;V")
    value = clean_line(value)
    for site in sites:
        if value.casefold().endswith(site.casefold()):
            rest = value[: len(value) - len(site)]
            if _SEPARATOR_BEFORE.search(rest):
                value = rest
    return value.rstrip(_TITLE_SEPARATORS)


def _complete(text: str, others: list[str], root: lxml.html.HtmlElement) -> str:
    """A description cut short ("...") completed from a longer one that begins the same way.

    The longer one is another description of the page, else the story's element that
    shows it whole.
    """
    if not text.endswith(("...", "…")):
        return text
    start = text.rstrip(".…").rstrip()
    longer = [o for o in others if len(o) > len(text) and o.startswith(start)]
    if not longer:
        shown = (clean_line(e.text_content()) for e in root.iter("p", "h2", "h3", "div"))
        longer = [t for t in shown if len(t) > len(text) and t.startswith(start)]
        return min(longer, key=len, default=text)
    return max(longer, key=len)


def dek(page: Page, document: lxml.etree._Element) -> str | None:
    """The standfirst: the element after the headline, else the page's description."""
    sites = site_names(page)
    linked = page.linked.get("description")
    found = [
        *(page.meta.get(key, [""])[0] for key in _DESCRIPTIONS),
        linked if isinstance(linked, str) else "",
        document.get("description") or "",
    ]
    described = [d for value in found if (d := _description(value, sites))]
    if page.dek_element:
        return _complete(page.dek_element, described, page.root)
    return _complete(described[0], described, page.root) if described else None


def byline_names(text: str, organisations: tuple[str, ...]) -> tuple[str, ...]:
    """Split a byline into names: no "By", no dateline, no label, no organisation."""
    text = _BYLINE_LABEL.sub("", clean_line(text))
    if end := _BYLINE_END.search(text):
        text = text[: end.start()]
    names = []
    orgs = {_name_key(o) for o in organisations}
    for part in _NAME_SPLIT.split(text):
        name = _BYLINE_LABEL.sub("", part.strip(" .|-–—:")).strip()
        name = _INITIALS.sub("", name)
        if name and len(name.split()) <= 5 and _name_key(name) not in orgs and "/" not in name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _name_key(name: str) -> str:
    """A name as organisations are compared: "nieuwsblad.be" is "Nieuwsblad Be"."""
    return re.sub(r"\W", "", name.casefold())


def _host_names(base: str | None) -> tuple[str, ...]:
    """The site's names its address gives: its host, and the host's name without the TLD."""
    host = (urlsplit(base).hostname or "") if base else ""
    labels = host.removeprefix("www.").split(".")
    return (host.removeprefix("www."), labels[-2]) if len(labels) >= 2 else ()


def authors(page: Page, document: lxml.etree._Element) -> tuple[str, ...]:
    """The journalists: JSON-LD people, the visible byline, `<meta name=author>`, trafilatura."""
    orgs = site_names(page) + _host_names(page.base)
    people = linked_names(page.linked.get("author"), people=True)
    sources = [
        ", ".join(people),
        page.byline or "",
        ", ".join(a for a in page.meta.get("author", []) if "://" not in a),
        ", ".join(page.meta.get("article:author", [])) if not first(page.meta, "author") else "",
        (document.get("author") or "").replace(";", ","),
    ]
    for source in sources:
        if "://" in source:
            continue
        names = byline_names(source, orgs)
        if names:
            return names
    return ()


def date_candidates(page: Page, document: lxml.etree._Element) -> list[str]:
    """Publication dates the page gives, the most reliable first."""
    found = [
        first(page.meta, "article:published_time", "og:article:published_time"),
        page.linked.get("datePublished"),
        first(page.meta, "datepublished", "date", "dc.date", "dc.date.issued", "pubdate"),
        first(page.meta, "publishdate", "publish-date", "sailthru.date", "parsely-pub-date"),
        *page.times,
        document.get("date"),
    ]
    return [value for value in found if isinstance(value, str) and value.strip()]


def lead_image(page: Page) -> tuple[str | None, str | None]:
    """The article's own picture from the page's data: address and alt text."""
    candidates = [
        *linked_images(page.linked),
        *page.meta.get("og:image", []),
        *page.meta.get("og:image:url", []),
        *page.meta.get("og:image:secure_url", []),
        *page.meta.get("twitter:image", []),
        *page.meta.get("twitter:image:src", []),
        *page.meta.get("image", []),
    ]
    urls = [url for c in candidates if (url := absolute(c, page.base))]
    alt = first(page.meta, "og:image:alt", "twitter:image:alt")
    return pick_lead(urls), alt


def tags(page: Page, document: lxml.etree._Element) -> list[str]:
    """The page's keywords, from the first source that gives any (split by the caller)."""
    for values in (
        page.meta.get("article:tag", []),
        linked_keywords(page.linked),
        page.meta.get("news_keywords", []),
        page.meta.get("keywords", []),
        [(document.get("tags") or "").replace(";", ",")],
    ):
        if any(v.strip() for v in values):
            return values
    return []

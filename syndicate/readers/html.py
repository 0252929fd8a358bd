"""The HTML reader: trafilatura for the main text, plus a DOM pass for what it drops.

trafilatura finds the article body and the page's metadata well, but it drops
`<figcaption>` text and credits, keeps only a date without its time, and may keep a
newsletter signup box as text. The DOM pass (lxml) recovers those before and after it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from syndicate.errors import DateProblem, DecodeProblem
from syndicate.model import Article, Block, Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.readers.assemble import Source, finish
from syndicate.readers.captions import split_credit
from syndicate.readers.dates import to_datetime
from syndicate.readers.frontmatter import Metadata
from syndicate.readers.normalize import (
    clean_line,
    clean_text,
    decode,
    inline,
)
from syndicate.readers.signup import newsletter_name

EXTENSIONS = (".html", ".htm", ".xhtml")

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_SIGNUP_BOX = re.compile(r"newsletter|sign-?up|subscri", re.IGNORECASE)
_CREDIT_CLASS = re.compile(r"credit|copyright|photographer|byline|source|attribution", re.I)
_DEK_CLASS = re.compile(
    r"(?:^|[\s_-])(?:dek|standfirst|sub-?title|subhead(?:line)?|summary|lede|excerpt|strapline)(?:$|[\s_-])",
    re.IGNORECASE,
)
_OUTSIDE_STORY = {"aside", "nav", "footer"}
# trafilatura's XML names for inline formatting, as the HTML tags the model allows.
_RENDITIONS = {"#i": "em", "#b": "strong", "#t": "code", "#sub": "sub", "#sup": "sup"}


@dataclass(frozen=True)
class PageFigure:
    """A `<figure>` found in the DOM and the paragraph text it follows (None: before any).

    `texts` holds every piece of its caption's text, so that copies trafilatura keeps
    as paragraphs can be recognised and dropped.
    """

    figure: Figure
    after: str | None
    texts: frozenset[str]


def _decode(source: Source, data: bytes) -> str:
    match = _CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii", "replace") if match else None
    try:
        text = clean_text(decode(data, declared))
    except DecodeProblem as e:
        raise source.problem(str(e)) from None
    if not text.strip():
        raise source.problem("is empty")
    return _XML_DECLARATION.sub("", text)


def _meta(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Collect `<meta property|name|itemprop=... content=...>` values by lower-cased key."""
    values: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content and content.strip():
            values.setdefault(key.strip().lower(), []).append(clean_line(content))
    return values


def _linked_data(tree: lxml.html.HtmlElement) -> dict[str, Any]:
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


def _linked_authors(data: dict[str, Any]) -> tuple[str, ...]:
    authors = data.get("author")
    items = authors if isinstance(authors, list) else [authors]
    names = (item.get("name") if isinstance(item, dict) else item for item in items)
    return tuple(dict.fromkeys(clean_line(n) for n in names if isinstance(n, str) and n.strip()))


def _linked_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return clean_line(value) or None if isinstance(value, str) else None


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return None


def _classes(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _drop_signup_boxes(tree: lxml.html.HtmlElement) -> str | None:
    """Remove newsletter signup boxes from the page; return the newsletter they name."""
    name: str | None = None
    boxes = [
        el
        for el in tree.iter("aside", "div", "section", "form")
        if _SIGNUP_BOX.search(_classes(el)) and len(el.text_content().split()) <= 60
    ]
    for box in boxes:
        if box.getparent() is None:
            continue
        for element in box.iter():
            text = clean_line(element.text_content()) if isinstance(element.tag, str) else ""
            found = newsletter_name(text) if text else None
            if found:
                name = name or found
                break
        box.drop_tree()
    return name


def _image_src(figure: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    for img in figure.iter("img"):
        src = img.get("src") or (img.get("srcset") or "").split(" ")[0] or img.get("data-src")
        return (src.strip() or None) if src else None, clean_line(img.get("alt") or "") or None
    return None, None


def _caption(figcaption: lxml.html.HtmlElement | None) -> tuple[str, str | None]:
    """Return a figcaption's caption and credit (a credit element, else a written credit)."""
    if figcaption is None:
        return "", None
    copy = lxml.html.fragment_fromstring(lxml.html.tostring(figcaption, encoding="unicode"))
    credit = None
    for element in list(copy.iter()):
        if element is copy or not isinstance(element.tag, str):
            continue
        if _CREDIT_CLASS.search(_classes(element)) or element.tag in {"small", "cite"}:
            credit = clean_line(element.text_content()) or credit
            element.drop_tree()
    caption = clean_line(copy.text_content())
    if credit:
        credit = re.sub(
            r"^(?:photo(?:graph)?|image|picture)?\s*(?:credits?|by)?\s*:\s*",
            "",
            credit.strip("()[] "),
            flags=re.IGNORECASE,
        )
        credit = credit.strip() or None
        return caption, credit
    return split_credit(caption, loose=True)


def _article_root(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Return the element that holds the story: the wordiest `<article>`, `<main>`, or the page."""
    articles = list(tree.iter("article"))
    if articles:
        return max(articles, key=lambda el: len(el.text_content().split()))
    return next(tree.iter("main"), tree)


def _page_figures(root: lxml.html.HtmlElement) -> list[PageFigure]:
    """Find the story's `<figure>`s with the text of the paragraph each follows."""
    found: list[PageFigure] = []
    last_paragraph: str | None = None
    for element in root.iter("p", "figure"):
        ancestors = set()
        for ancestor in element.iterancestors():
            if ancestor is root:
                break
            ancestors.add(ancestor.tag)
        if ancestors & _OUTSIDE_STORY:
            continue  # related stories, promotions and page furniture
        if element.tag == "p":
            if "figure" not in ancestors:
                last_paragraph = clean_line(element.text_content()) or last_paragraph
            continue
        src, alt = _image_src(element)
        figcaption = next(iter(element.iter("figcaption")), None)
        caption, credit = _caption(figcaption)
        if src is None and not caption:
            continue
        figure = Figure(caption=caption or alt or "", credit=credit, src=src, alt=alt)
        pieces = [] if figcaption is None else list(figcaption.iter())
        texts = {clean_line(p.text_content()) for p in pieces if isinstance(p.tag, str)}
        texts |= {caption, f"{caption} {credit}" if credit else caption}
        found.append(PageFigure(figure, last_paragraph, frozenset(t for t in texts if t)))
    return found


def _inline_markup(element: lxml.etree._Element) -> str:
    """Turn trafilatura's inline XML (hi, ref, lb) into the HTML the model allows."""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        inner = _inline_markup(child)
        tag = child.tag
        if tag == "hi" and child.get("rend") in _RENDITIONS:
            name = _RENDITIONS[child.get("rend", "")]
            parts.append(f"<{name}>{inner}</{name}>")
        elif tag == "ref" and child.get("target"):
            parts.append(f'<a href="{html.escape(child.get("target", ""))}">{inner}</a>')
        elif tag == "lb":
            parts.append("<br>")
        else:
            parts.append(inner)
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _body_blocks(main: lxml.etree._Element, figures: list[PageFigure]) -> list[Block]:
    """Turn trafilatura's `<main>` into blocks, placing the page's figures where they stood."""
    by_src = {f.figure.src: f for f in figures if f.figure.src}
    placed: set[int] = set()
    blocks: list[Block] = []

    def walk(parent: lxml.etree._Element) -> None:
        for element in parent:
            tag = element.tag
            if tag == "p":
                text, markup = inline(_inline_markup(element))
                if text:
                    blocks.append(Paragraph(text, markup))
            elif tag == "head":
                text, markup = inline(_inline_markup(element))
                level = (
                    int(m.group(1)) if (m := re.search(r"(\d)", element.get("rend") or "")) else 2
                )
                if text:
                    blocks.append(Heading(text, markup, min(max(level, 1), 6)))
            elif tag == "quote":
                parts = [inline(_inline_markup(p)) for p in element.iter("p")]
                if not parts:
                    parts = [inline(_inline_markup(element))]
                text = " ".join(t for t, _ in parts if t)
                if text:
                    blocks.append(Quote(text, "<br>".join(m for t, m in parts if t)))
            elif tag == "list":
                items = [inline(_inline_markup(item)) for item in element.iter("item")]
                items = [item for item in items if item[0]]
                if items:
                    ordered = (element.get("rend") or "").lower() == "ol"
                    blocks.append(
                        ListBlock(tuple(t for t, _ in items), tuple(m for _, m in items), ordered)
                    )
            elif tag == "graphic":
                page = by_src.get(element.get("src"))
                if page is not None and id(page) not in placed:
                    placed.add(id(page))
                    blocks.append(page.figure)
            elif tag == "code":
                text = clean_text(element.xpath("string()")).strip()
                if text:
                    blocks.append(Paragraph(text, f"<code>{html.escape(text, quote=False)}</code>"))
            elif tag in {"div", "section", "main"}:
                walk(element)

    walk(main)
    captions = frozenset().union(*(f.texts for f in figures))
    blocks = [b for b in blocks if not (isinstance(b, Paragraph) and b.text in captions)]
    for page in figures:
        if id(page) in placed:
            continue
        at = 0
        if page.after is not None:
            for index, block in enumerate(blocks):
                if isinstance(block, Paragraph) and _same_text(block.text, page.after):
                    at = index + 1
        blocks.insert(at, page.figure)
    return blocks


def _same_text(ours: str, page: str) -> bool:
    """Compare trafilatura's text of a paragraph with the DOM's, which may differ at the end."""
    return ours == page or (min(len(ours), len(page)) >= 40 and ours[:60] == page[:60])


def _date(value: str | None, source: Source) -> datetime | None:
    if not value:
        return None
    try:
        return to_datetime(value, source.settings.tz)
    except DateProblem:
        return None


def _canonical_url(tree: lxml.html.HtmlElement, meta: dict[str, list[str]]) -> str | None:
    """Return the page's canonical http(s) URL (link rel=canonical, else og:url)."""
    links = (link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical")
    url = clean_line(next((href for href in links if href), None) or _first(meta, "og:url") or "")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host
        return None
    return url if parts.scheme in {"http", "https"} and parts.netloc else None


def _extract(source: Source, tree: lxml.html.HtmlElement, url: str | None) -> lxml.etree._Element:
    """Run trafilatura over the page; return its XML document."""
    # Imported here: trafilatura takes most of a second to import, and every other
    # command of the CLI would pay for it.
    import trafilatura

    extracted = trafilatura.extract(
        tree,
        url=url,
        output_format="xml",
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_tables=False,
        include_comments=False,
        with_metadata=True,
    )
    if not extracted:
        raise source.problem("no article text found in this HTML page")
    return lxml.etree.fromstring(extracted.encode("utf-8"))


def _is_byline(block: Block, authors: tuple[str, ...]) -> bool:
    return (
        isinstance(block, Paragraph)
        and block.text.lower().startswith("by ")
        and len(block.text.split()) <= 16
        and any(author in block.text for author in authors)
    )


def _og_lead(meta: dict[str, list[str]], blocks: list[Block]) -> Figure | None:
    """Return the og:image as the lead when no figure comes before the first paragraph."""
    first = next((i for i, b in enumerate(blocks) if isinstance(b, Paragraph)), len(blocks))
    if any(isinstance(b, Figure) for b in blocks[:first]):
        return None
    src = _first(meta, "og:image", "og:image:url", "twitter:image")
    if not src or not src.startswith(("http://", "https://")):
        return None
    alt = _first(meta, "og:image:alt", "twitter:image:alt")
    return Figure(caption=alt or "", src=src, alt=alt)


def read(source: Source, data: bytes) -> Article:
    """Read an HTML page into an Article."""
    try:
        tree = lxml.html.document_fromstring(_decode(source, data))
    except (lxml.etree.ParserError, ValueError) as e:
        raise source.problem(f"cannot be parsed as HTML ({e})") from None
    meta = _meta(tree)
    url = _canonical_url(tree, meta)
    if url:
        tree.make_links_absolute(url, resolve_base_href=True, handle_failures="ignore")
    # The DOM pass runs first: signup boxes go before trafilatura can keep their text.
    newsletter = _drop_signup_boxes(tree)
    root = _article_root(tree)
    figures = _page_figures(root)
    times = [t.get("datetime") for t in root.iter("time") if t.get("datetime")]
    linked = _linked_data(tree)
    published = _date(
        _first(meta, "article:published_time", "og:article:published_time")
        or _linked_text(linked, "datePublished")
        or _first(meta, "datepublished", "date", "dc.date")
        or (times[0] if times else None),
        source,
    )
    dek_element = next(
        (el for el in tree.iter("p", "div", "h2") if _DEK_CLASS.search(el.get("class") or "")), None
    )
    h1 = next(tree.iter("h1"), None)

    document = _extract(source, tree, url)
    main = document.find("main")
    blocks = _body_blocks(main if main is not None else document, figures)

    title = clean_line(
        _first(meta, "og:title", "twitter:title")
        or document.get("title")
        or (h1.text_content() if h1 is not None else "")
    )
    dek = (
        (clean_line(dek_element.text_content()) if dek_element is not None else None)
        or _first(meta, "og:description", "description")
        or clean_line(document.get("description") or "")
        or None
    )
    authors = (
        tuple(meta.get("author", [])) or _linked_authors(linked) or _split(document.get("author"))
    )
    blocks = [
        b
        for b in blocks
        if not (isinstance(b, Heading) and b.text.casefold() == title.casefold())
        and not (isinstance(b, Paragraph | Heading) and b.text == dek)
        and not _is_byline(b, authors)
    ]
    info = Metadata(
        title=title or None,
        dek=dek,
        authors=authors,
        published=published or _date(document.get("date"), source),
        updated=_date(
            _first(meta, "article:modified_time", "og:article:modified_time")
            or _linked_text(linked, "dateModified")
            or _first(meta, "datemodified"),
            source,
        ),
        url=url,
        source=_first(meta, "og:site_name", "application-name"),
        language=clean_line(tree.get("lang") or tree.get("xml:lang") or "") or None,
        tags=tuple(dict.fromkeys(meta.get("article:tag", []))) or _split(document.get("tags")),
        image=_og_lead(meta, blocks),
    )
    return finish(source, info, blocks, newsletter=newsletter)


def _split(value: str | None) -> tuple[str, ...]:
    """Split trafilatura's `a; b` metadata lists."""
    return tuple(dict.fromkeys(part.strip() for part in (value or "").split(";") if part.strip()))

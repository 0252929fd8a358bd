"""The HTML reader: trafilatura for the main text, plus a DOM pass for what it drops.

trafilatura finds the article body and the page's metadata well, but it drops
`<figcaption>` text and credits, keeps only a date without its time, and may keep a
newsletter signup box as text. The DOM pass (lxml) recovers those before and after it:
`html_meta` reads what the page says about itself, `html_figures` its figures, and
`html_body` turns trafilatura's text into blocks.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import lxml.etree
import lxml.html

from syndicate.model import Article, Heading, Paragraph
from syndicate.readers.assemble import Source, finish
from syndicate.readers.dates import DateProblem, to_datetime
from syndicate.readers.frontmatter import Metadata
from syndicate.readers.html_body import body_blocks, is_byline
from syndicate.readers.html_figures import article_root, classes, page_figures
from syndicate.readers.html_meta import (
    canonical_url,
    first,
    linked_authors,
    linked_data,
    linked_text,
    meta_values,
    og_lead,
    split_list,
)
from syndicate.readers.normalize import DecodeProblem, clean_line, clean_text, decode
from syndicate.readers.signup import newsletter_name

EXTENSIONS = (".html", ".htm", ".xhtml")

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_SIGNUP_BOX = re.compile(r"newsletter|sign-?up|subscri", re.IGNORECASE)
_DEK_CLASS = re.compile(
    r"(?:^|[\s_-])(?:dek|standfirst|sub-?title|subhead(?:line)?|summary|lede|excerpt|strapline)(?:$|[\s_-])",
    re.IGNORECASE,
)


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


def _drop_signup_boxes(tree: lxml.html.HtmlElement) -> str | None:
    """Remove newsletter signup boxes from the page; return the newsletter they name."""
    name: str | None = None
    boxes = [
        el
        for el in tree.iter("aside", "div", "section", "form")
        if _SIGNUP_BOX.search(classes(el)) and len(el.text_content().split()) <= 60
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


def _date(value: str | None, source: Source) -> datetime | None:
    if not value:
        return None
    try:
        return to_datetime(value, source.settings.tz)
    except DateProblem:
        return None


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


def _parse(source: Source, data: bytes) -> lxml.html.HtmlElement:
    try:
        return lxml.html.document_fromstring(_decode(source, data))
    except (lxml.etree.ParserError, ValueError) as e:
        raise source.problem(f"cannot be parsed as HTML ({e})") from None


def _published(
    source: Source, root: lxml.html.HtmlElement, meta: dict[str, list[str]], linked: dict[str, Any]
) -> datetime | None:
    times = [t.get("datetime") for t in root.iter("time") if t.get("datetime")]
    return _date(
        first(meta, "article:published_time", "og:article:published_time")
        or linked_text(linked, "datePublished")
        or first(meta, "datepublished", "date", "dc.date")
        or (times[0] if times else None),
        source,
    )


def _dek_element(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    return next(
        (el for el in tree.iter("p", "div", "h2") if _DEK_CLASS.search(el.get("class") or "")), None
    )


def _dek(
    dek_element: lxml.html.HtmlElement | None, meta: dict[str, list[str]], document: Any
) -> str | None:
    return (
        (clean_line(dek_element.text_content()) if dek_element is not None else None)
        or first(meta, "og:description", "description")
        or clean_line(document.get("description") or "")
        or None
    )


def read(source: Source, data: bytes) -> Article:
    """Read an HTML page into an Article."""
    tree = _parse(source, data)
    meta = meta_values(tree)
    url = canonical_url(tree, meta)
    if url:
        tree.make_links_absolute(url, resolve_base_href=True, handle_failures="ignore")
    # The DOM pass runs first: signup boxes go before trafilatura can keep their text.
    newsletter = _drop_signup_boxes(tree)
    root = article_root(tree)
    figures = page_figures(root)
    linked = linked_data(tree)
    published = _published(source, root, meta, linked)
    dek_element = _dek_element(tree)
    h1 = next(tree.iter("h1"), None)

    document = _extract(source, tree, url)
    main = document.find("main")
    blocks = body_blocks(main if main is not None else document, figures)

    title = clean_line(
        first(meta, "og:title", "twitter:title")
        or document.get("title")
        or (h1.text_content() if h1 is not None else "")
    )
    dek = _dek(dek_element, meta, document)
    authors = (
        tuple(meta.get("author", []))
        or linked_authors(linked)
        or split_list(document.get("author"))
    )
    blocks = [
        b
        for b in blocks
        if not (isinstance(b, Heading) and b.text.casefold() == title.casefold())
        and not (isinstance(b, Paragraph | Heading) and b.text == dek)
        and not is_byline(b, authors)
    ]
    info = Metadata(
        title=title or None,
        dek=dek,
        authors=authors,
        published=published or _date(document.get("date"), source),
        updated=_date(
            first(meta, "article:modified_time", "og:article:modified_time")
            or linked_text(linked, "dateModified")
            or first(meta, "datemodified"),
            source,
        ),
        url=url,
        source=first(meta, "og:site_name", "application-name"),
        language=clean_line(tree.get("lang") or tree.get("xml:lang") or "") or None,
        tags=tuple(dict.fromkeys(meta.get("article:tag", []))) or split_list(document.get("tags")),
        image=og_lead(meta, blocks),
    )
    return finish(source, info, blocks, newsletter=newsletter)

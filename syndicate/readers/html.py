"""The HTML reader: trafilatura for the main text, plus a DOM pass for what it drops.

trafilatura finds the article body and the page's metadata well, but it drops
`<figcaption>` text and credits, keeps only a date without its time, and may keep a
newsletter signup box as text. The DOM pass (lxml) recovers those before and after it:
`html_meta` reads what the page says about itself, `html_figures` its figures, and
`html_body` turns trafilatura's text into blocks.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from syndicate.errors import DateProblem, DecodeProblem
from syndicate.model import Article, Block, Figure, Heading, Paragraph
from syndicate.readers import html_fields as fields
from syndicate.readers.assemble import Source, finish, split_tags
from syndicate.readers.boilerplate import drop_boxes, drop_furniture
from syndicate.readers.dates import to_datetime
from syndicate.readers.frontmatter import Metadata
from syndicate.readers.html_body import body_blocks, is_byline
from syndicate.readers.html_fields import Page, lead_image, visible_parts
from syndicate.readers.html_figures import article_root, classes, page_figures
from syndicate.readers.html_images import absolute, same_picture
from syndicate.readers.html_meta import (
    canonical_url,
    first,
    linked_data,
    linked_text,
    meta_tags,
    meta_values,
)
from syndicate.readers.normalize import clean_line, clean_text, decode
from syndicate.readers.signup import newsletter_name

EXTENSIONS = (".html", ".htm", ".xhtml")

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_SIGNUP_BOX = re.compile(r"newsletter|sign-?up|subscri", re.IGNORECASE)
_BLOCK_TAGS = (
    "p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "figure", "header", "footer", "ul", "ol", "table", "tr", "td", "dd", "dt", "br",
)  # fmt: skip


def _decode(source: Source, data: bytes, charset: str | None) -> str:
    """Decode with the charset the server gave, else the page's own, else UTF-8 and fallbacks."""
    match = _CHARSET.search(data[:4096])
    declared = charset or (match.group(1).decode("ascii", "replace") if match else None)
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


def _choose_date(values: list[str], source: Source) -> datetime | None:
    """The first date the page gives, with its time of day from another source if it lacks one."""
    read = [(value, moment) for value in values if (moment := _date(value, source))]
    if not read:
        return None
    day = read[0][1].date()
    timed = (m for v, m in read if m.date() == day and re.search(r"\d:\d", v))
    return next(timed, read[0][1])


def _space_blocks(tree: lxml.html.HtmlElement) -> None:
    """Put a line break after every block element, so no two paragraphs' text runs together."""
    for element in tree.iter(*_BLOCK_TAGS):
        if element.tail is None or not element.tail[:1].isspace():
            element.tail = "\n" + (element.tail or "")
        previous = element.getprevious()
        if previous is None:
            parent = element.getparent()
            if parent is not None and parent.text and not parent.text[-1:].isspace():
                parent.text += "\n"
        elif previous.tail and not previous.tail[-1:].isspace():
            previous.tail += "\n"


def _times(root: lxml.html.HtmlElement) -> tuple[str, ...]:
    """The `<time>` elements of the story outside its figures: machine form, else the text."""
    found: list[str] = []
    for element in root.iter("time"):
        if any(a.tag in {"figure", "figcaption", "p"} for a in element.iterancestors()):
            continue
        found += [element.get("datetime") or "", clean_line(element.text_content())]
    return tuple(value for value in found if value)


def _extract(source: Source, tree: lxml.html.HtmlElement, url: str | None) -> lxml.etree._Element:
    """Run trafilatura over the page; return its XML document.

    This is `trafilatura.extract(output_format="xml")` without the content fingerprint
    (a simhash of the whole text) it computes for duplicate detection, which the reader
    never uses and which took a twentieth of the reading time.
    """
    # Imported here: trafilatura takes most of a second to import, and every other
    # command of the CLI would pay for it.
    from trafilatura import bare_extraction
    from trafilatura.core import determine_returnstring
    from trafilatura.settings import Extractor

    options = Extractor(
        output_format="xml",
        formatting=True,
        links=True,
        images=True,
        tables=False,
        comments=False,
        with_metadata=True,
        url=url,
    )
    document = bare_extraction(tree, options=options)
    if document is None or isinstance(document, dict):
        raise source.problem("no article text found in this HTML page")
    extracted = determine_returnstring(document, options)
    if not extracted:
        raise source.problem("no article text found in this HTML page")
    return lxml.etree.fromstring(extracted.encode("utf-8"))


# lxml.html's own parser looks each element's class up in Python, once per element
# visited; trafilatura visits every element many times. This lookup, done in C, gives
# the same HtmlElement (the per-tag form classes are not used here).
_LOOKUP = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _parse(source: Source, data: bytes, charset: str | None) -> lxml.html.HtmlElement:
    """Parse the page, or refuse it when the parser cannot read all of it."""
    parser = lxml.etree.HTMLParser()
    parser.set_element_class_lookup(_LOOKUP)
    try:
        tree = lxml.html.document_fromstring(_decode(source, data, charset), parser=parser)
    except (lxml.etree.ParserError, ValueError) as e:
        raise source.problem(f"cannot be parsed as HTML ({e})") from None
    # Past libxml2's depth limit the parser drops the rest of the page without a word:
    # refuse it rather than publish an article without its body.
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise source.problem("its elements are nested too deeply to read (over 256 levels)")
    return tree


def _page(tree: lxml.html.HtmlElement, base: str | None) -> Page:
    """Collect what the field choosers read, before trafilatura changes the tree."""
    root = article_root(tree)
    scope = root if next(root.iter("h1"), None) is not None else tree
    h1, dek, byline = visible_parts(scope)
    return Page(
        tree=tree,
        root=root,
        meta=meta_values(tree),
        linked=linked_data(tree),
        base=base,
        h1=h1,
        dek_element=dek,
        byline=byline,
        times=_times(root),
    )


# The links the reader keeps: lxml's make_links_absolute also rewrites every style sheet
# and attribute it knows, which took a seventh of the reading time on real pages.
_LINKS = {"a": ("href",), "img": ("src",), "source": ("src",), "video": ("src", "poster")}


def _absolute_links(tree: lxml.html.HtmlElement, base: str) -> None:
    """Make the kept links absolute against the page's address."""
    for element in tree.iter(*_LINKS):
        for attr in _LINKS[element.tag]:
            value = element.get(attr)
            if value and not value.startswith(("https://", "http://", "data:")):
                joined = _join(base, value.strip())
                if joined is not None:
                    element.set(attr, joined)


@functools.lru_cache(maxsize=4096)
def _join(base: str, value: str) -> str | None:
    """`urljoin`, remembered: a page links to its sections and the same few pages many times."""
    try:
        return urljoin(base, value)
    except ValueError:
        return None


def _prepare(tree: lxml.html.HtmlElement, url: str | None) -> tuple[str | None, str | None]:
    """Make links absolute, space the blocks, drop signup boxes and furniture.

    Returns the page's canonical URL and the newsletter its signup box names.
    """
    url = canonical_url(tree, meta_tags(tree), url)
    base_href = next((b.get("href") for b in tree.iter("base") if b.get("href")), None)
    base = absolute(base_href, url) or url  # <base href> wins, as in a browser
    if base:
        _absolute_links(tree, base)
    _space_blocks(tree)
    # Signup boxes go first, for the newsletter they name, then the rest of the furniture,
    # all before trafilatura can keep their text.
    newsletter = _drop_signup_boxes(tree)
    root = article_root(tree)
    keep = [root, *root.iter("h1")] if root is not tree else list(tree.iter("h1"))[:1]
    drop_boxes(tree, keep)
    return url, newsletter


def _keep(block: Block, title: str, dek: str | None, authors: tuple[str, ...]) -> bool:
    """Leave out the headline, standfirst and byline that trafilatura kept as body text."""
    if isinstance(block, Heading) and block.text.casefold() == title.casefold():
        return False
    if isinstance(block, Paragraph | Heading) and block.text == dek:
        return False
    return not is_byline(block, authors)


def _lead(page: Page, blocks: list[Block]) -> Figure | None:
    """The picture the page declares as its own (JSON-LD, `og:image`), as the figure showing it.

    A figure before the first paragraph that shows the declared picture leads, with its
    caption (it leaves `blocks`); when none does, the declared picture leads and the
    figures stay where they stand (an author's portrait or a teaser's thumbnail may come
    first on the page). A page that declares nothing is led by its first figure.
    """
    src, alt = lead_image(page)
    if not src:
        return None
    at = next((i for i, b in enumerate(blocks) if isinstance(b, Paragraph)), len(blocks))
    for index, block in enumerate(blocks[:at]):
        if isinstance(block, Figure) and same_picture(block.src, src):
            del blocks[index]
            return block
    shown = any(isinstance(b, Figure) and same_picture(b.src, src) for b in blocks)
    if not shown and any(isinstance(b, Figure) for b in blocks[:at]):
        return None  # a social card the story never shows: its opening figure leads
    return Figure(caption=alt or "", src=src, alt=alt)


def read(source: Source, data: bytes, *, charset: str | None = None) -> Article:
    """Read an HTML page into an Article.

    A fetched page's `source.url` is its final address and `charset` what the server said.
    """
    tree = _parse(source, data, charset)
    url, newsletter = _prepare(tree, source.url)
    page = _page(tree, url)
    figures, captions = page_figures(page.root, page.base)
    document = _extract(source, tree, url)
    main = document.find("main")
    blocks = drop_furniture(body_blocks(main if main is not None else document, figures, captions))
    title = fields.title(page, document)
    dek = fields.dek(page, document)
    authors = fields.authors(page, document)
    blocks = [b for b in blocks if _keep(b, title, dek, authors)]
    info = Metadata(
        title=title or None,
        dek=dek,
        authors=authors,
        published=_choose_date(fields.date_candidates(page, document), source),
        updated=_date(
            first(page.meta, "article:modified_time", "og:article:modified_time")
            or linked_text(page.linked, "dateModified")
            or first(page.meta, "datemodified"),
            source,
        ),
        url=url,
        source=(fields.site_names(page) or (None,))[0],
        language=clean_line(tree.get("lang") or tree.get("xml:lang") or "") or None,
        tags=split_tags(fields.tags(page, document)),
        image=_lead(page, blocks),
    )
    return finish(source, info, blocks, newsletter=newsletter)

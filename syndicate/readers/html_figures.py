"""The figures of an HTML page: where the story is, its images, captions and credits."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from syndicate.model import Figure
from syndicate.readers.captions import split_credit
from syndicate.readers.normalize import clean_line

_CREDIT_CLASS = re.compile(r"credit|copyright|photographer|byline|source|attribution", re.I)
_OUTSIDE_STORY = {"aside", "nav", "footer"}


@dataclass(frozen=True)
class PageFigure:
    """A `<figure>` found in the DOM and the paragraph text it follows (None: before any).

    `texts` holds every piece of its caption's text, so that copies trafilatura keeps
    as paragraphs can be recognised and dropped.
    """

    figure: Figure
    after: str | None
    texts: frozenset[str]


def classes(element: lxml.html.HtmlElement) -> str:
    """Return an element's class and id, the words pages name their parts with."""
    return f"{element.get('class') or ''} {element.get('id') or ''}"


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
        if _CREDIT_CLASS.search(classes(element)) or element.tag in {"small", "cite"}:
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


def article_root(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Return the element that holds the story: the wordiest `<article>`, `<main>`, or the page."""
    articles = list(tree.iter("article"))
    if articles:
        return max(articles, key=lambda el: len(el.text_content().split()))
    return next(tree.iter("main"), tree)


def page_figures(root: lxml.html.HtmlElement) -> list[PageFigure]:
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

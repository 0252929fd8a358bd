"""The figures of an HTML page: where the story is, its images, captions and credits."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from syndicate.model import Figure
from syndicate.readers.captions import clean_credit, split_credit
from syndicate.readers.html_images import image_of
from syndicate.readers.normalize import clean_line

_CREDIT_CLASS = re.compile(r"credit|copyright|photographer|byline|source|attribution", re.I)
_OUTSIDE_STORY = {"aside", "nav", "footer", "byline"}
_BYLINE_BOX = re.compile(r"byline|author", re.IGNORECASE)
_HIDDEN_CLASS = re.compile(
    r"visually-?hidden|sr-only|screen-?reader|a11y|offscreen|toggle|expand|enlarge", re.I
)
_WIDGET = (
    r"(?:media|image|photo|video) caption|(?:hide|show|toggle|close) caption|caption"
    r"|expand|enlarge this image|enlarge|toggle|close|legende|légende|bildunterschrift"
)
_WIDGET_START = re.compile(rf"^(?:{_WIDGET})\s*[:,]?\s*", re.IGNORECASE)
_WIDGET_END = re.compile(rf"\s*\b(?:{_WIDGET})$", re.IGNORECASE)


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


def _drop_widget_text(copy: lxml.html.HtmlElement) -> None:
    """Remove screen-reader labels and buttons ("Media caption", "hide caption") from a caption."""
    for element in list(copy.iter()):
        if element is copy or not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if element.tag in {"button", "svg", "script", "style"} or _HIDDEN_CLASS.search(
            classes(element)
        ):
            element.drop_tree()


def clean_caption(text: str) -> str:
    """Remove widget words a caption's text carries at its ends."""
    previous = None
    while previous != text:
        previous = text
        text = _WIDGET_START.sub("", text)
        text = _WIDGET_END.sub("", text).strip()
    return text


def _caption(figcaption: lxml.html.HtmlElement | None) -> tuple[str, str | None]:
    """Return a figcaption's caption and credit (a credit element, else a written credit)."""
    if figcaption is None:
        return "", None
    copy = lxml.html.fragment_fromstring(lxml.html.tostring(figcaption, encoding="unicode"))
    _drop_widget_text(copy)
    credit = None
    for element in list(copy.iter()):
        if element is copy or not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if _CREDIT_CLASS.search(classes(element)) or element.tag in {"small", "cite"}:
            credit = clean_credit(clean_line(element.text_content())) or credit
            element.drop_tree()
    caption = clean_caption(clean_line(copy.text_content()))
    if credit:
        return caption, credit
    return split_credit(caption, loose=True)


def article_root(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Return the element that holds the story: the wordiest `<article>`, `<main>`, or the page."""
    articles = list(tree.iter("article"))
    if articles:
        return max(articles, key=lambda el: len(el.text_content().split()))
    return next(tree.iter("main"), tree)


def _texts(figcaption: lxml.html.HtmlElement | None, caption: str, credit: str | None) -> set[str]:
    """Every form of a caption's text that trafilatura may keep as a paragraph or list item."""
    pieces = [] if figcaption is None else list(figcaption.iter())
    texts = {clean_line(p.text_content()) for p in pieces if isinstance(p.tag, str)}
    texts |= {clean_caption(text) for text in texts}
    texts |= {caption, f"{caption} {credit}" if credit else caption}
    return {text for text in texts if text}


def _inside_story(element: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> set[str]:
    """Return the tags between an element and the story's root ("byline" for an author box)."""
    ancestors = set()
    marks = [classes(element)] if element.tag == "figure" else []
    for ancestor in element.iterancestors():
        if ancestor is root:
            break
        ancestors.add(ancestor.tag)
        if marks:
            marks.append(classes(ancestor))
    if any(_BYLINE_BOX.search(mark) for mark in marks):
        ancestors.add("byline")  # a journalist's portrait
    return ancestors


def page_figures(
    root: lxml.html.HtmlElement, base: str | None
) -> tuple[list[PageFigure], frozenset[str]]:
    """Find the story's `<figure>`s with the text of the paragraph each follows.

    A figure with no image a browser could load is left out; the second value holds the
    text of every caption, kept or left out, which must never become body text.
    """
    found: list[PageFigure] = []
    captions: set[str] = set()
    last_paragraph: str | None = None
    for element in root.iter("p", "figure"):
        ancestors = _inside_story(element, root)
        if ancestors & _OUTSIDE_STORY:
            continue  # related stories, promotions and page furniture
        if element.tag == "p":
            if "figure" not in ancestors:
                last_paragraph = clean_line(element.text_content()) or last_paragraph
            continue
        src, alt = image_of(element, base)
        alt = clean_line(alt or "") or None
        figcaption = next(iter(element.iter("figcaption")), None)
        caption, credit = _caption(figcaption)
        texts = _texts(figcaption, caption, credit)
        captions |= texts
        if src is None:
            continue
        figure = Figure(caption=caption or alt or "", credit=credit, src=src, alt=alt)
        found.append(PageFigure(figure, last_paragraph, frozenset(texts)))
    return found, frozenset(captions)

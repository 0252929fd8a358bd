"""An entry's sanitised HTML turned into the model's blocks: paragraphs, headings, quotes,
lists and figures, the inline markup of each kept."""

from __future__ import annotations

import re
from html import escape

import lxml.etree
import lxml.html

from syndicate.model import Block, Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.readers.normalize import clean_line, inline

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CONTAINERS = {"div", "section", "article", "main", "header", "footer", "span"}
_BREAKS = re.compile(r"(?:<br\s*/?>\s*){2,}")


def _markup(element: lxml.html.HtmlElement) -> str:
    """The inside of `element` as HTML, without its own tag or tail."""
    parts = [escape(element.text or "", quote=False)]
    for child in element:
        parts.append(lxml.html.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def _paragraphs(markup: str) -> list[Block]:
    """Paragraphs from an inline run; a blank line made of two <br> parts two of them."""
    blocks: list[Block] = []
    for piece in _BREAKS.split(markup):
        text, html = inline(piece)
        if text:
            blocks.append(Paragraph(text, html))
    return blocks


def _figure(element: lxml.html.HtmlElement) -> Figure | None:
    image = element if element.tag == "img" else next(element.iter("img"), None)
    src = image.get("src") if image is not None else None
    caption = next(element.iter("figcaption"), None) if element.tag == "figure" else None
    text = clean_line(caption.text_content()) if caption is not None else ""
    if not src and not text:
        return None
    alt = image.get("alt") if image is not None else None
    return Figure(text, None, src, clean_line(alt) if alt else None)


def _list(element: lxml.html.HtmlElement) -> Block | None:
    items = [inline(_markup(li)) for li in element if li.tag == "li"]
    items = [item for item in items if item[0]]
    if not items:
        return None
    return ListBlock(tuple(t for t, _ in items), tuple(m for _, m in items), element.tag == "ol")


class _Walk:
    """One pass over the fragment: block elements become blocks, inline runs paragraphs."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.run: list[str] = []

    def flush(self) -> None:
        self.blocks.extend(_paragraphs("".join(self.run)))
        self.run = []

    def walk(self, parent: lxml.html.HtmlElement) -> None:
        self.run.append(escape(parent.text or "", quote=False))
        for child in parent:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in {"p", "pre"} | _HEADINGS | {"blockquote", "ul", "ol", "figure", "img"}:
                self.flush()
                self.block(child, tag)
            elif tag in _CONTAINERS and tag != "span":
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.run.append(lxml.html.tostring(child, encoding="unicode", with_tail=False))
            self.run.append(escape(child.tail or "", quote=False))

    def block(self, element: lxml.html.HtmlElement, tag: str) -> None:
        if tag in _HEADINGS:
            text, html = inline(_markup(element))
            if text:
                self.blocks.append(Heading(text, html, max(2, int(tag[1]))))
        elif tag == "blockquote":
            text, html = inline(" ".join(_markup(p) for p in element.iter("p")) or _markup(element))
            if text:
                self.blocks.append(Quote(text, html))
        elif tag in {"ul", "ol"}:
            if (listed := _list(element)) is not None:
                self.blocks.append(listed)
        elif tag in {"figure", "img"}:
            if (figure := _figure(element)) is not None:
                self.blocks.append(figure)
            if tag == "figure":  # text beside the image, outside its caption
                for child in element:
                    if child.tag == "p":
                        self.blocks.extend(_paragraphs(_markup(child)))
        else:
            self.walk(element)
            self.flush()


def html_blocks(safe: str) -> list[Block]:
    """Return the blocks of a sanitised HTML fragment, in order."""
    if not safe.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(safe, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _paragraphs(escape(safe))
    walk = _Walk()
    walk.walk(root)
    walk.flush()
    return walk.blocks

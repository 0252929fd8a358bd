"""An HTML page's body: trafilatura's XML turned into blocks, the page's figures put back."""

from __future__ import annotations

import html
import re

import lxml.etree

from syndicate.model import Block, Heading, ListBlock, Paragraph, Quote
from syndicate.readers.html_figures import PageFigure, clean_caption
from syndicate.readers.normalize import clean_text, inline

# trafilatura's XML names for inline formatting, as the HTML tags the model allows.
_RENDITIONS = {"#i": "em", "#b": "strong", "#t": "code", "#sub": "sub", "#sup": "sup"}


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


def _paragraph(element: lxml.etree._Element) -> Block | None:
    text, markup = inline(_inline_markup(element))
    return Paragraph(text, markup) if text else None


def _heading(element: lxml.etree._Element) -> Block | None:
    text, markup = inline(_inline_markup(element))
    level = int(m.group(1)) if (m := re.search(r"(\d)", element.get("rend") or "")) else 2
    return Heading(text, markup, min(max(level, 1), 6)) if text else None


def _quote(element: lxml.etree._Element) -> Block | None:
    parts = [inline(_inline_markup(p)) for p in element.iter("p")]
    if not parts:
        parts = [inline(_inline_markup(element))]
    text = " ".join(t for t, _ in parts if t)
    return Quote(text, "<br>".join(m for t, m in parts if t)) if text else None


def _list(element: lxml.etree._Element) -> Block | None:
    items = [inline(_inline_markup(item)) for item in element.iter("item")]
    items = [item for item in items if item[0]]
    if not items:
        return None
    ordered = (element.get("rend") or "").lower() == "ol"
    return ListBlock(tuple(t for t, _ in items), tuple(m for _, m in items), ordered)


def _code(element: lxml.etree._Element) -> Block | None:
    text = clean_text(element.xpath("string()")).strip()
    return Paragraph(text, f"<code>{html.escape(text, quote=False)}</code>") if text else None


_CONVERTERS = {"p": _paragraph, "head": _heading, "quote": _quote, "list": _list, "code": _code}
_CONTAINERS = {"div", "section", "main"}


class _Walk:
    """One pass over trafilatura's document, collecting blocks in order."""

    def __init__(self, figures: list[PageFigure]) -> None:
        self.by_src = {f.figure.src: f for f in figures if f.figure.src}
        self.placed: set[int] = set()
        self.blocks: list[Block] = []

    def walk(self, parent: lxml.etree._Element) -> None:
        for element in parent:
            tag = element.tag
            if tag in _CONVERTERS:
                block = _CONVERTERS[tag](element)
                if block is not None:
                    self.blocks.append(block)
            elif tag == "graphic":
                page = self.by_src.get(element.get("src"))
                if page is not None and id(page) not in self.placed:
                    self.placed.add(id(page))
                    self.blocks.append(page.figure)
            elif tag in _CONTAINERS:
                self.walk(element)


def _is_caption(block: Block, captions: frozenset[str]) -> bool:
    """Tell whether trafilatura kept a caption (or a page's caption list) as body text."""
    if isinstance(block, Paragraph):
        return block.text in captions or clean_caption(block.text) in captions
    if isinstance(block, ListBlock):
        return all(item in captions or clean_caption(item) in captions for item in block.items)
    return False


def body_blocks(
    main: lxml.etree._Element, figures: list[PageFigure], captions: frozenset[str]
) -> list[Block]:
    """Turn trafilatura's `<main>` into blocks, placing the page's figures where they stood.

    `captions` are the texts of every caption on the page: never body text.
    """
    walk = _Walk(figures)
    walk.walk(main)
    blocks = [b for b in walk.blocks if not _is_caption(b, captions)]
    for page in figures:
        if id(page) in walk.placed:
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


def is_byline(block: Block, authors: tuple[str, ...]) -> bool:
    """Tell whether a block is the byline line ("By Ann Lee") of one of the authors."""
    return (
        isinstance(block, Paragraph)
        and block.text.lower().startswith("by ")
        and len(block.text.split()) <= 16
        and any(author in block.text for author in authors)
    )

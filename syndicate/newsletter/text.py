"""The plain-text part of the newsletter email, derived from the same blocks as the HTML.

Written by hand on top of the standard library's `textwrap` and lxml: html2text, the
usual library for this, is GPL-licensed and writes Markdown (escaped `*`, `_`, `**bold**`),
which reads badly in a mail client. Lines are wrapped at 78 columns; a URL is never broken
(a long one gets a line of its own), and links become numbered footnotes.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

import jinja2
import lxml.html
from lxml import etree

from syndicate.config import Settings
from syndicate.model import Block, Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.safetext import one_line
from syndicate.templating import template_environment

WIDTH = 78
# Glues a footnote mark to the word before it while wrapping, so "[2]." never starts a
# line; readers strip control characters, so it cannot come from an article.
GLUE = "\x00"


@dataclass
class Footnotes:
    """The links of one email, numbered in order of first appearance."""

    urls: list[str] = field(default_factory=list)

    def number(self, url: str) -> int:
        """Return the footnote number of `url`, adding it when new."""
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1

    def lines(self) -> str:
        """Return one `[n] URL` line per link."""
        return "\n".join(f"[{n}] {url}" for n, url in enumerate(self.urls, start=1))


@dataclass(frozen=True)
class TextBody:
    """An article body as wrapped text, and the footnotes its links point to."""

    text: str
    notes: str


def wrap(value: str, width: int = WIDTH, indent: str = "", hanging: str | None = None) -> str:
    """Wrap `value` at `width` columns, never breaking a word, so never a URL."""
    wrapper = textwrap.TextWrapper(
        width=width,
        initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(wrapper.fill(line) for line in value.split("\n")).replace(GLUE, " ")


def plain_environment(settings: Settings, language: str | None = None) -> jinja2.Environment:
    """Return the Jinja environment for plain-text email: no HTML escaping, a `wrap` filter."""
    environment = template_environment(settings, autoescape=False, language=language)
    environment.filters["wrap"] = wrap
    return environment


def inline_text(html: str, notes: Footnotes) -> str:
    """Return the plain text of inline `html`, each link followed by its footnote mark."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    pieces: list[str] = []

    def walk(element: etree._Element) -> None:
        if element.tag == "br":
            pieces.append("\n")
        if element.text:
            pieces.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                pieces.append(child.tail)
        href = element.get("href") if element.tag == "a" else None
        if href and not href.startswith("#"):
            label = "".join(element.itertext()).strip()
            if label != href:
                pieces.append(f"{GLUE}[{notes.number(href)}]")

    walk(root)
    return "\n".join(one_line(line) for line in "".join(pieces).split("\n"))


def figure_text(figure: Figure) -> str:
    """Return a figure as its caption and credit, the way the HTML shows them."""
    caption = one_line(figure.caption)
    if figure.credit:
        caption = f"{caption} ({one_line(figure.credit)})".strip()
    return wrap(caption)


def block_text(block: Block, notes: Footnotes) -> str:
    """Return one block as wrapped plain text."""
    if isinstance(block, Paragraph):
        return wrap(inline_text(block.html, notes))
    if isinstance(block, Heading):
        title = wrap(inline_text(block.html, notes))
        rule = ("=" if block.level <= 2 else "-") * max(len(line) for line in title.split("\n"))
        return f"{title}\n{rule}"
    if isinstance(block, Quote):
        quoted = wrap(inline_text(block.html, notes), WIDTH - 2, indent="> ")
        if block.cite:
            quoted += "\n" + wrap("-- " + one_line(block.cite), indent="> ")
        return quoted
    if isinstance(block, ListBlock):
        items = []
        for n, item in enumerate(block.items_html, start=1):
            bullet = f"{n}. " if block.ordered else "- "
            items.append(wrap(inline_text(item, notes), indent=bullet, hanging=" " * len(bullet)))
        return "\n".join(items)
    return figure_text(block)


def article_body(blocks: list[Block]) -> TextBody:
    """Return the body blocks as wrapped text with their links as footnotes."""
    notes = Footnotes()
    text = "\n\n".join(part for part in (block_text(block, notes) for block in blocks) if part)
    return TextBody(text=text, notes=notes.lines())


def tidy(value: str) -> str:
    """Drop trailing spaces and runs of blank lines; end with exactly one newline."""
    lines = [line.rstrip() for line in value.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"

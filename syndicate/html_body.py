"""An article's body as one sanitized HTML fragment with absolute URLs, for feeds and email."""

from __future__ import annotations

from html import escape
from urllib.parse import urljoin, urlsplit

import nh3

from syndicate.model import Article, Figure, Heading, ListBlock, Paragraph, Quote

# What an article body may contain once it leaves syndicate: text markup, links, images.
ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption", "img",
    "ul", "ol", "li", "a", "em", "strong", "i", "b", "u", "s", "sub", "sup", "code",
    "br", "small", "cite", "abbr", "q", "mark", "span", "footer",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "img": {"src", "alt"}, "abbr": {"title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(fragment: str, base_url: str) -> str:
    """Strip anything unsafe from `fragment` and resolve its relative links against `base_url`."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        url_relative=("rewrite_with_base", base_url),
    )


def image_url(src: str | None, base: str) -> str | None:
    """Return `src` made absolute against `base` when it is http(s); None for anything else.

    Only such images reach a feed or an email: a `javascript:` or `data:` source never does.
    """
    if not src or not src.strip():
        return None
    try:
        url = urljoin(base, src.strip())
        parts = urlsplit(url)
        return url if parts.scheme in {"http", "https"} and parts.hostname else None
    except ValueError:  # a broken IPv6 host, say
        return None


def absolute_figure(figure: Figure, base: str) -> Figure:
    """Return `figure` with its image as `image_url` gives it."""
    return Figure(figure.caption, figure.credit, image_url(figure.src, base), figure.alt)


def figure_html(figure: Figure) -> str:
    """Render one figure: the image when it has one, and its caption with the credit apart."""
    parts = ["<figure>"]
    if figure.src:
        alt = figure.alt if figure.alt is not None else figure.caption
        parts.append(f'<img src="{escape(figure.src)}" alt="{escape(alt)}">')
    if figure.caption or figure.credit:
        caption = escape(figure.caption)
        if figure.credit:
            caption += f" <small>({escape(figure.credit)})</small>"
        parts.append(f"<figcaption>{caption.strip()}</figcaption>")
    parts.append("</figure>")
    return "".join(parts)


def _block_html(block: Paragraph | Heading | Quote | Figure | ListBlock) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{block.html}</p>"
    if isinstance(block, Heading):
        level = min(max(block.level, 2), 6)
        return f"<h{level}>{block.html}</h{level}>"
    if isinstance(block, Quote):
        cite = f"<footer>{escape(block.cite)}</footer>" if block.cite else ""
        return f"<blockquote><p>{block.html}</p>{cite}</blockquote>"
    if isinstance(block, Figure):
        return figure_html(block)
    tag = "ol" if block.ordered else "ul"
    items = "".join(f"<li>{item}</li>" for item in block.items_html)
    return f"<{tag}>{items}</{tag}>"


def article_html(article: Article, base_url: str, *, include_lead: bool = True) -> str:
    """Render the article's blocks (and lead figure) as sanitized HTML with absolute URLs.

    `base_url` is what relative links resolve against: the article's own URL when it has
    one, else the site's.
    """
    lead = article.lead
    if lead is not None and lead.src and not (lead.alt or lead.caption):
        lead = Figure(lead.caption, lead.credit, lead.src, article.title)  # alt text for all
    base = _link_base(article.url, base_url)
    blocks = [*([lead] if include_lead and lead else []), *article.blocks]
    fragment = "\n".join(
        _block_html(absolute_figure(block, base) if isinstance(block, Figure) else block)
        for block in blocks
    )
    return sanitize_html(fragment, base)


def _link_base(url: str | None, fallback: str) -> str:
    parts = urlsplit(url or "")
    return url if url and parts.scheme in {"http", "https"} and parts.hostname else fallback

"""Render an article into the newsletter email's HTML and text, once per issue.

Jinja2 lays the article out (templates/email/article.*.j2), premailer inlines the CSS
exactly once, and the personal parts (the reader's address, unsubscribe and manage links) stay
ASCII placeholders that `syndicate.newsletter.message` splices per recipient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email import quoprimime
from typing import Any

import lxml.html
from lxml import etree

from syndicate.config import Settings
from syndicate.html_body import absolute_figure, sanitize_html
from syndicate.i18n import direction, html_lang
from syndicate.model import Article, Block, Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.newsletter import text
from syndicate.newsletter.archive_paths import issue_url
from syndicate.newsletter.definitions import Newsletter, default_newsletter
from syndicate.safetext import one_line
from syndicate.templating import email_template, template_environment

# Made only of letters and hyphens: characters that Jinja, lxml, URL escaping and
# quoted-printable all leave alone, so each survives every stage byte for byte.
PLACEHOLDER_UNSUBSCRIBE_URL = "syndicate-placeholder-unsubscribe-url"
PLACEHOLDER_ADDRESS = "syndicate-placeholder-address"
PLACEHOLDER_MANAGE_URL = "syndicate-placeholder-manage-url"

# Gmail clips a message whose HTML passes 102 KB and hides the unsubscribe link with it.
# Keep the encoded HTML part this far under the limit, leaving room for the spliced values.
HTML_LIMIT = 102 * 1024
SPLICE_ROOM = 2 * 1024

# RFC 2045's limit for a quoted-printable line; message.py encodes both parts with it.
QP_LINE_LENGTH = 76

# premailer rewrites these attributes from CSS unless told not to: `width="600"` must stay.
BASIC_ATTRIBUTES = ["width", "height", "align", "bgcolor"]


@dataclass(frozen=True)
class RenderedIssue:
    """One article's email, the same for every reader but for the placeholders."""

    subject: str
    html: str
    text: str
    truncated: bool
    newsletter_name: str
    # The newsletter's identity in the headers: List-Id label, From and Reply-To overrides.
    newsletter_slug: str = "newsletter"
    sender: str | None = None
    reply_to: str | None = None


def absolute_block(block: Block, base: str) -> Block:
    """Return the block with sanitized inline HTML whose links are absolute."""
    if isinstance(block, Paragraph):
        return Paragraph(block.text, sanitize_html(block.html, base))
    if isinstance(block, Heading):
        return Heading(block.text, sanitize_html(block.html, base), block.level)
    if isinstance(block, Quote):
        return Quote(block.text, sanitize_html(block.html, base), block.cite)
    if isinstance(block, ListBlock):
        items = tuple(sanitize_html(item, base) for item in block.items_html)
        return ListBlock(block.items, items, block.ordered)
    if isinstance(block, Figure):
        return absolute_figure(block, base)
    return block


def _context(settings: Settings, article: Article, newsletter: Newsletter) -> dict[str, Any]:
    base = article.url or settings.base_url + "/"
    language = article.language or settings.language
    lead = absolute_figure(article.lead, base) if article.lead else None
    return {
        "article": article.with_changes(lead=lead),
        "blocks": [absolute_block(block, base) for block in article.blocks],
        "newsletter_name": newsletter.name,
        "title": one_line(article.title),
        "preheader": one_line(article.dek or ""),
        "language": html_lang(language),
        "direction": direction(language),
        "site_title": settings.title,
        "site_url": settings.base_url,
        "unsubscribe_url": PLACEHOLDER_UNSUBSCRIBE_URL,
        "archive_url": issue_url(settings, newsletter, article),
        "manage_url": PLACEHOLDER_MANAGE_URL,
        "address": PLACEHOLDER_ADDRESS,
        "figure_alt": figure_alt,
        "figure_text": text.figure_text,
    }


def inline_tree(html: str) -> etree._Element:
    """Run premailer over the whole page once and return the inlined tree."""
    # Imported here: premailer (and cssutils) take about a third of a second to import, and
    # every `syndicate` command reaches this module for its placeholders.
    import premailer

    root = lxml.html.document_fromstring(html)
    inliner = premailer.Premailer(
        strip_important=False,
        disable_basic_attributes=BASIC_ATTRIBUTES,
        allow_network=False,
        disable_link_rewrites=True,
        cssutils_logging_handler=logging.NullHandler(),
        cssutils_logging_level=logging.CRITICAL,
    )
    result: etree._Element = inliner.transform(root)
    return result


def serialize(root: etree._Element) -> str:
    html: str = lxml.html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode")
    return html + "\n"


def encoded_length(content: str) -> int:
    """Return the size in bytes of `content` as message.py's quoted-printable UTF-8 part."""
    lines = content.encode("utf-8").splitlines()
    body = (b"\n".join(lines) + b"\n").decode("latin-1")
    return len(quoprimime.body_encode(body, QP_LINE_LENGTH, "\r\n"))


def inline_css(html: str) -> str:
    """Return `html` with its CSS inlined by premailer."""
    return serialize(inline_tree(html))


def cut_point(root: etree._Element, limit: int, marker: str = "data-block") -> int | None:
    """Say how many `marker` elements (body blocks, digest items) fit `limit` from the start.

    Returns None when everything fits. Each element is measured once, so the cut costs one
    encoding of the page plus one of each element, never another premailer run.
    """
    blocks = root.xpath(f"//*[@{marker}]")
    size = encoded_length(serialize(root))
    if size <= limit:
        return None
    kept = len(blocks)
    while kept > 0 and size > limit:
        kept -= 1
        size -= encoded_length(lxml.html.tostring(blocks[kept], encoding="unicode"))
    return kept


def keep_first(root: etree._Element, kept: int | None, marker: str, note: str) -> None:
    """Cut the page after its first `kept` `marker` elements (None: keep them all).

    The `note` elements say the email was cut: they stay only when it was. Both marker
    attributes, there only for the cut, are taken off what remains.
    """
    for index, element in enumerate(root.xpath(f"//*[@{marker}]")):
        if kept is not None and index >= kept:
            element.getparent().remove(element)
        else:
            del element.attrib[marker]
    for element in root.xpath(f"//*[@{note}]"):
        if kept is None:
            element.getparent().remove(element)
        else:
            del element.attrib[note]


def render_issue(
    settings: Settings, article: Article, newsletter: Newsletter | None = None
) -> RenderedIssue:
    """Render `article` as `newsletter`'s email (default: the site's one newsletter), HTML and
    text with placeholders. The article's own signup line never renames the newsletter."""
    newsletter = newsletter or default_newsletter(settings)
    name = newsletter.name
    # The email's own words speak the newsletter's language; the article keeps its own.
    speaks = newsletter.language or settings.language
    environment = template_environment(settings, language=speaks)
    context = _context(settings, article, newsletter)
    page = email_template(environment, newsletter.slug, "article.html.j2").render(context)
    root = inline_tree(page)

    kept = cut_point(root, HTML_LIMIT - SPLICE_ROOM)
    keep_first(root, kept, "data-block", "data-continue")
    html = serialize(root)

    blocks = context["blocks"] if kept is None else context["blocks"][:kept]
    plain = email_template(
        text.plain_environment(settings, speaks), newsletter.slug, "article.txt.j2"
    ).render(context, body=text.article_body(blocks), truncated=kept is not None)
    return RenderedIssue(
        subject=one_line(article.title),
        html=html,
        text=text.tidy(plain),
        truncated=kept is not None,
        newsletter_name=name,
        newsletter_slug=newsletter.slug,
        sender=newsletter.sender,
        reply_to=newsletter.reply_to,
    )


def figure_alt(figure: Figure) -> str:
    """Return the alt text of a figure's image: its own, else its caption."""
    return one_line(figure.alt or figure.caption or "")

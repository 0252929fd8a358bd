"""Render a digest (several articles in one email) into HTML and text, once per issue.

The same machinery as one article's email (`render`): Jinja2 lays the items out
(templates/email/digest.*.j2), premailer inlines the CSS once, the personal parts stay
placeholders for the splice. Each item is its headline (linked), dek and lead image, and
the whole text when the newsletter has `full_text = true`. A digest too big for Gmail's
102 KB loses its full texts first, then its last items (the email says how many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from syndicate.config import Settings
from syndicate.html_body import absolute_figure
from syndicate.i18n import direction, html_lang
from syndicate.model import Article, Block
from syndicate.newsletter import text
from syndicate.newsletter.definitions import Newsletter
from syndicate.newsletter.render import (
    HTML_LIMIT,
    PLACEHOLDER_ADDRESS,
    PLACEHOLDER_UNSUBSCRIBE_URL,
    SPLICE_ROOM,
    RenderedIssue,
    absolute_block,
    cut_point,
    figure_alt,
    inline_tree,
    keep_first,
    serialize,
)
from syndicate.safetext import one_line
from syndicate.templating import email_template, template_environment

ITEM = "data-item"  # marks each article of the digest, so a cut drops whole ones


@dataclass(frozen=True)
class DigestItem:
    """One article as a digest shows it: its absolute links, lead and (maybe) blocks."""

    article: Article
    title: str
    blocks: tuple[Block, ...]


def digest_subject(newsletter: Newsletter, articles: Sequence[Article]) -> str:
    """Return the subject: the newsletter's template with the first headline and the count."""
    more = len(articles) - 1
    return one_line(
        newsletter.subject.format(
            newsletter=newsletter.name,
            headline=one_line(articles[0].title),
            more=f" and {more} more" if more else "",
            count=len(articles),
        )
    )


def _item(settings: Settings, article: Article, full_text: bool) -> DigestItem:
    base = article.url or settings.base_url + "/"
    lead = absolute_figure(article.lead, base) if article.lead else None
    blocks = tuple(absolute_block(b, base) for b in article.blocks) if full_text else ()
    return DigestItem(article.with_changes(lead=lead), one_line(article.title), blocks)


def _context(
    settings: Settings,
    newsletter: Newsletter,
    items: Sequence[DigestItem],
    archive_url: str | None,
) -> dict[str, Any]:
    language = newsletter.language or settings.language
    first = items[0].article
    return {
        "items": items,
        "newsletter_name": newsletter.name,
        "preheader": one_line(first.dek or items[0].title),
        "language": html_lang(language),
        "direction": direction(language),
        "site_title": settings.title,
        "site_url": settings.base_url,
        "unsubscribe_url": PLACEHOLDER_UNSUBSCRIBE_URL,
        "archive_url": archive_url,
        "address": PLACEHOLDER_ADDRESS,
        "figure_alt": figure_alt,
        "figure_text": text.figure_text,
    }


def _html(
    settings: Settings, newsletter: Newsletter, context: dict[str, Any]
) -> tuple[etree._Element, int | None]:
    """Lay out and inline the page; return it and how many items fit (None: all)."""
    environment = template_environment(settings)
    page = email_template(environment, newsletter.slug, "digest.html.j2").render(context)
    root = inline_tree(page)
    return root, cut_point(root, HTML_LIMIT - SPLICE_ROOM, ITEM)


def _drop_after(root: etree._Element, kept: int | None) -> None:
    """Remove the items past `kept` and every marker attribute the cut needed."""
    keep_first(root, kept, ITEM, "data-rest")
    for element in root.xpath("//*[@data-block]"):  # the full texts' blocks: never cut alone
        del element.attrib["data-block"]


def item_text(item: DigestItem) -> str:
    """Return one item's text: its body wrapped, with its links as its own footnotes."""
    notes = text.Footnotes()
    parts = [text.block_text(block, notes) for block in item.blocks]
    body = "\n\n".join(part for part in parts if part)
    if notes.urls:
        body += "\n\nLinks:\n" + notes.lines()
    return body


def render_digest(
    settings: Settings,
    newsletter: Newsletter,
    articles: Sequence[Article],
    archive_url: str | None = None,
) -> RenderedIssue:
    """Render `articles` as one digest of `newsletter`, HTML and text with placeholders.

    `archive_url` is the digest's archive page, linked as "View in browser" (None: no link).
    """
    items = [_item(settings, article, newsletter.full_text) for article in articles]
    context = _context(settings, newsletter, items, archive_url)
    root, kept = _html(settings, newsletter, context)
    shortened = kept is not None and newsletter.full_text
    if shortened:  # the headlines and deks of them all, rather than the full text of a few
        items = [_item(settings, article, False) for article in articles]
        context = _context(settings, newsletter, items, archive_url)
        root, kept = _html(settings, newsletter, context)
    _drop_after(root, kept)
    shown = items if kept is None else items[:kept]
    left_out = len(items) - len(shown)
    plain = email_template(
        text.plain_environment(settings), newsletter.slug, "digest.txt.j2"
    ).render(context, items=shown, item_text=item_text, left_out=left_out)
    return RenderedIssue(
        subject=digest_subject(newsletter, articles),
        html=serialize(root),
        text=text.tidy(plain),
        truncated=shortened or left_out > 0,
        newsletter_name=newsletter.name,
        newsletter_slug=newsletter.slug,
        sender=newsletter.sender,
        reply_to=newsletter.reply_to,
    )

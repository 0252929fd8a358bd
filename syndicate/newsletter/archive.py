"""The web archive of sent issues: one static, de-personalised page per issue.

An issue's page is its email's HTML (the stored message, rendered once with placeholders)
with every personal part taken out: the line naming the subscriber's address, the
unsubscribe link (which carries their token) and the "View in browser" link to the page
itself; a subscribe form takes the footer's place, and the head links the feeds
(autodiscovery). A page that still holds a placeholder is not written: when in doubt, the
archive shows nothing.

Pages live at archive/<newsletter>/<issue>/index.html under the site (archive_paths; the
newsletter's index page and feed beside them: archive_index), served from
{site.base_url}/archive/... (or by `syndicate serve`). They are public like feeds/ (0755
folders, 0644 files), unlike outbox/.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import lxml.html
import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection, Engine

from syndicate.atomic import write_atomic
from syndicate.config import Settings
from syndicate.feeds import discovery_links
from syndicate.model import Article, IssueState
from syndicate.newsletter.archive_index import page_slug, write_newsletter_archive
from syndicate.newsletter.archive_paths import ARCHIVE_FOLDER, issue_path, issue_slug, page_url
from syndicate.newsletter.render import PLACEHOLDER_ADDRESS, PLACEHOLDER_UNSUBSCRIBE_URL
from syndicate.store import TableRow, digests, issues, newsletters, write_transaction

PLACEHOLDER_MARK = "syndicate-placeholder"


def _html_part(message: bytes) -> str:
    parsed = email.message_from_bytes(message, policy=email.policy.SMTP)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(("html",))
    assert body is not None and isinstance(body, EmailMessage)
    return str(body.get_content())


def _remove_paragraph(element: etree._Element) -> None:
    """Remove the paragraph holding `element` (or the element itself, outside one)."""
    paragraph = next(iter(element.iterancestors("p")), element) if element.tag != "p" else element
    parent = paragraph.getparent()
    if parent is not None:
        parent.remove(paragraph)


def _subscribe_form(settings: Settings) -> etree._Element:
    action = f"{settings.public_web_url}/subscribe"
    form = lxml.html.fragment_fromstring(
        '<form method="get" class="subscribe"><p class="small">'
        '<label>Your email address <input type="email" name="email" required '
        'autocomplete="email"></label> <button type="submit">Subscribe</button></p></form>'
    )
    form.set("action", action)
    return form


def _head_links(root: etree._Element, settings: Settings) -> None:
    head = root.find("head")
    assert head is not None
    for feed in discovery_links(settings):
        link = etree.SubElement(head, "link", rel="alternate", type=feed.media_type)
        link.set("title", feed.title)
        link.set("href", feed.href)


def archive_page(settings: Settings, html: str, own_url: str) -> bytes | None:
    """Return the de-personalised page of an issue's email HTML, or None if unsafe."""
    root = lxml.html.document_fromstring(html)
    for element in root.xpath("//a[@href]"):
        if PLACEHOLDER_UNSUBSCRIBE_URL in element.get("href") or element.get("href") == own_url:
            _remove_paragraph(element)
    for element in root.xpath("//p"):
        if PLACEHOLDER_ADDRESS in element.text_content():
            _remove_paragraph(element)
    footer = root.find_class("footer")
    (footer[0] if footer else root.body).append(_subscribe_form(settings))
    _head_links(root, settings)
    page: str = lxml.html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode") + "\n"
    if PLACEHOLDER_MARK in page:
        return None  # a personal part this code does not know: publish nothing
    return page.encode("utf-8")


def _issue_rows(conn: Connection, issue_ids: list[int]) -> list[TableRow]:
    """Return each issue's state, message, first article, digest slot and newsletter slug."""
    query = (
        sa.select(
            issues.c.state,
            issues.c.message,
            issues.c.article_pk,
            digests.c.slot,
            newsletters.c.slug,
        )
        .join(newsletters, newsletters.c.id == issues.c.newsletter_id)
        .outerjoin(digests, digests.c.issue_id == issues.c.id)
        .where(issues.c.id.in_(issue_ids))
    )
    return list(conn.execute(query).all())


def _row_slug(conn: Connection, settings: Settings, row: TableRow) -> str:
    return page_slug(conn, row.article_pk, row.slot, settings)


def write_issue_pages(conn: Connection, settings: Settings, issue_ids: list[int]) -> list[Path]:
    """Write the archive page of each issue in `issue_ids`; return the files that changed.

    Only an issue whose email links to its page gets one: the newsletter's `archive`
    setting decided that when the email was rendered. The archives (index page and feed)
    of the newsletters concerned follow.
    """
    written = []
    touched = set()
    for row in _issue_rows(conn, issue_ids) if issue_ids else []:
        slug = _row_slug(conn, settings, row)
        own_url = page_url(settings, row.slug, slug)
        html = _html_part(bytes(row.message))
        if f'href="{own_url}"' not in html:
            continue
        page = archive_page(settings, html, own_url)
        path = issue_path(settings, row.slug, slug)
        if page is not None and _write_public(settings, path, page):
            written.append(path)
        touched.add(row.slug)
    for newsletter_slug in sorted(touched):
        write_newsletter_archive(conn, settings, newsletter_slug)
    return written


def _write_public(settings: Settings, path: Path, data: bytes) -> bool:
    """Write a world-readable file, its folders world-readable too (0755) up to archive/."""
    top = settings.site / ARCHIVE_FOLDER
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.parent
    while folder.is_relative_to(top):
        folder.chmod(0o755)
        folder = folder.parent
    return write_atomic(path, data, mode=0o644)


def remove_issue_pages(engine: Engine, settings: Settings, article: Article) -> int:
    """Remove the pages of an article's issues in every newsletter (unpublished); return how many.

    A digest that held the article keeps its page: it was sent as it stands.
    """
    removed = 0
    with write_transaction(engine) as conn:
        for folder in sorted((settings.site / ARCHIVE_FOLDER).glob("*/")):
            if _remove_page(issue_path(settings, folder.name, issue_slug(article))):
                removed += 1
                write_newsletter_archive(conn, settings, folder.name)
    return removed


def _remove_page(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    with contextlib.suppress(OSError):
        path.parent.rmdir()
    return True


def sync_issue_page(engine: Engine, settings: Settings, issue_id: int) -> None:
    """Bring one issue's page in line with its state: written once queued, gone if cancelled."""
    with write_transaction(engine) as conn:
        for row in _issue_rows(conn, [issue_id]):
            if row.state == IssueState.QUEUED:
                write_issue_pages(conn, settings, [issue_id])
            elif row.state == IssueState.CANCELLED:
                _remove_page(issue_path(settings, row.slug, _row_slug(conn, settings, row)))
                write_newsletter_archive(conn, settings, row.slug)

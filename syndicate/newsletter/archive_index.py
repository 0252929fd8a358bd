"""A newsletter's archive: its index page and Atom feed of the issues it has published.

archive/<newsletter>/index.html lists the newsletter's issue pages, newest first, with the
feeds (autodiscovery) and a subscribe form; archive/<newsletter>/atom.xml carries the newest
`feeds.entries` of them. Both are made from the store and the pages on disk, so they are
byte-identical when nothing changed (the feed's `updated` is its newest entry's), and are
rewritten whenever a page is written or removed. A newsletter with no page left has neither.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import lxml.html
import sqlalchemy as sa
from feedgen.feed import FeedGenerator
from sqlalchemy.engine import Connection

from syndicate.atomic import write_atomic
from syndicate.config import Settings
from syndicate.feed_model import ATOM_TYPE
from syndicate.feeds import Discovery, discovery_links
from syndicate.model import IssueState, article_from_dict
from syndicate.newsletter.archive_paths import (
    ARCHIVE_FEED,
    INDEX_PAGE,
    digest_slug,
    issue_path,
    issue_slug,
    newsletter_folder,
    newsletter_url,
    page_url,
)
from syndicate.newsletter.definitions import Newsletter, site_definitions
from syndicate.store import articles, digests, issues, newsletters
from syndicate.templating import template_environment


@dataclass(frozen=True)
class ArchivedIssue:
    """One issue page of a newsletter's archive."""

    slug: str
    url: str
    subject: str
    sent: datetime
    path: Path


def page_slug(conn: Connection, article_pk: int, slot: datetime | None, settings: Settings) -> str:
    """Return the folder of an issue's page: its digest slot's date, else its article's."""
    if slot is not None:
        return digest_slug(settings, slot)
    data = conn.execute(sa.select(articles.c.data).where(articles.c.pk == article_pk)).scalar_one()
    return issue_slug(article_from_dict(json.loads(data)))


def archived_issues(conn: Connection, settings: Settings, slug: str) -> list[ArchivedIssue]:
    """Return the queued issues of newsletter `slug` whose page is written, newest first."""
    sent = sa.func.coalesce(issues.c.queued_at, issues.c.created_at)
    query = (
        sa.select(issues.c.article_pk, issues.c.subject, sent.label("sent"), digests.c.slot)
        .join(newsletters, newsletters.c.id == issues.c.newsletter_id)
        .outerjoin(digests, digests.c.issue_id == issues.c.id)
        .where(newsletters.c.slug == slug, issues.c.state == IssueState.QUEUED)
        .order_by(sent.desc(), issues.c.id.desc())
    )
    found: list[ArchivedIssue] = []
    seen: set[str] = set()
    for row in conn.execute(query):
        name = page_slug(conn, row.article_pk, row.slot, settings)
        path = issue_path(settings, slug, name)
        if path.is_file() and name not in seen:
            seen.add(name)
            found.append(
                ArchivedIssue(name, page_url(settings, slug, name), row.subject, row.sent, path)
            )
    return found


def _newsletter(settings: Settings, slug: str) -> Newsletter:
    known = {newsletter.slug: newsletter for newsletter in site_definitions(settings)}
    return known.get(slug) or Newsletter(slug=slug, name=slug)


def feed_link(settings: Settings, newsletter: Newsletter) -> Discovery:
    """Return the autodiscovery link to a newsletter's archive feed."""
    href = newsletter_url(settings, newsletter.slug) + ARCHIVE_FEED
    return Discovery(ATOM_TYPE, f"{newsletter.name} (archive, Atom)", href)


def render_index(settings: Settings, newsletter: Newsletter, found: list[ArchivedIssue]) -> bytes:
    """Render the index page of a newsletter's archive."""
    page = (
        template_environment(settings, language=newsletter.language)  # its lang and dir
        .get_template("web/archive_index.html.j2")
        .render(
            newsletter=newsletter,
            issues=[(issue, issue.sent.astimezone(settings.tz)) for issue in found],
            feeds=[feed_link(settings, newsletter), *discovery_links(settings)],
            subscribe_url=f"{settings.public_web_url}/subscribe",
            site_title=settings.title,
            site_url=settings.base_url,
        )
    )
    return page.encode("utf-8")


def _preheader(path: Path) -> str | None:
    """Return the page's preview line (the email's preheader), the entry's summary."""
    found = lxml.html.parse(str(path)).getroot().find_class("preheader")
    return found[0].text_content().strip() or None if found else None


def render_feed(settings: Settings, newsletter: Newsletter, found: list[ArchivedIssue]) -> bytes:
    """Render the Atom feed of a newsletter's newest issue pages; `found` is not empty."""
    home = newsletter_url(settings, newsletter.slug)
    generator = FeedGenerator()
    generator.id(home)
    generator.title(f"{newsletter.name}: archive")
    generator.subtitle(newsletter.description or f"Past issues of {newsletter.name}")
    generator.link(href=home + ARCHIVE_FEED, rel="self", type=ATOM_TYPE)
    generator.link(href=home, rel="alternate", type="text/html")
    generator.language(newsletter.language or settings.language)
    generator.author({"name": settings.site_author})
    generator.generator("syndicate")
    generator.updated(found[0].sent)
    for issue in found[: settings.feed_entries]:
        entry = generator.add_entry(order="append")
        entry.id(issue.url)
        entry.title(issue.subject)
        entry.link(href=issue.url, rel="alternate", type="text/html")
        summary = _preheader(issue.path)
        if summary:
            entry.summary(summary)
        entry.published(issue.sent)
        entry.updated(issue.sent)
    data: bytes = generator.atom_str(pretty=True)
    return data


def write_newsletter_archive(conn: Connection, settings: Settings, slug: str) -> list[Path]:
    """Bring newsletter `slug`'s index page and feed in line with its pages; return changes."""
    folder = newsletter_folder(settings, slug)
    found = archived_issues(conn, settings, slug) if folder.is_dir() else []
    if not found:
        return [path for path in (folder / INDEX_PAGE, folder / ARCHIVE_FEED) if _remove(path)]
    newsletter = _newsletter(settings, slug)
    files = {
        folder / INDEX_PAGE: render_index(settings, newsletter, found),
        folder / ARCHIVE_FEED: render_feed(settings, newsletter, found),
    }
    return [path for path, data in files.items() if write_atomic(path, data, mode=0o644)]


def _remove(path: Path) -> bool:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        return True
    return False

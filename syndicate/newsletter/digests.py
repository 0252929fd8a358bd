"""Digests: a newsletter with a daily, weekly or monthly cadence bundles its articles.

An article published to a digest newsletter is collected (`collect`), not sent. The first
`run` after a slot makes one issue of everything collected up to that slot, and records the
slot (the cut-off) whether or not there was anything: two runs at one slot make one digest,
and a cron that was down for days makes one digest of the whole gap, at the newest slot.
The slots are computed from the clock the caller passes (`now`); the issue's deliveries are
due on the real clock, like any issue's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import NewsletterError
from syndicate.model import Article, ArticleState, IssueState, article_from_dict
from syndicate.newsletter.archive_paths import digest_url
from syndicate.newsletter.cadence import next_slot, previous_slot, slot_text
from syndicate.newsletter.catalog import by_slugs, site_newsletters
from syndicate.newsletter.definitions import Newsletter, site_definitions
from syndicate.newsletter.issues import IssueOutcome
from syndicate.newsletter.queueing import queue_issue
from syndicate.status import add_section
from syndicate.store import (
    articles,
    digest_entries,
    digests,
    insert_ignoring_duplicates,
    issue_articles,
    issues,
    newsletters,
    utcnow,
    write_transaction,
)
from syndicate.wording import count


@dataclass(frozen=True)
class Upcoming:
    """What a digest newsletter's next slot would send, as it stands now."""

    newsletter: Newsletter
    slot: datetime
    articles: tuple[Article, ...]


def collect(
    conn: Connection, newsletter: Newsletter, article_pk: int, added_at: datetime, *, resend: bool
) -> None:
    """Keep a just-published article for `newsletter`'s next digest.

    Kept once: publishing it again changes nothing, unless `resend` puts an article a
    digest already took back in line for the next one.
    """
    insert = insert_ignoring_duplicates(conn, digest_entries)
    conn.execute(
        insert.values(newsletter_id=newsletter.id, article_pk=article_pk, added_at=added_at)
    )
    if resend:
        conn.execute(
            digest_entries.update()
            .where(
                digest_entries.c.newsletter_id == newsletter.id,
                digest_entries.c.article_pk == article_pk,
            )
            .values(issue_id=None, added_at=added_at)
        )


def waiting(
    conn: Connection, newsletter_id: int, until: datetime | None
) -> list[tuple[int, Article]]:
    """Return the published articles collected and not yet in a digest, up to `until`."""
    query = (
        sa.select(articles.c.pk, articles.c.data)
        .join(digest_entries, digest_entries.c.article_pk == articles.c.pk)
        .where(
            digest_entries.c.newsletter_id == newsletter_id,
            digest_entries.c.issue_id.is_(None),
            articles.c.state == ArticleState.PUBLISHED,
        )
        .order_by(digest_entries.c.added_at, articles.c.published, articles.c.pk)
    )
    if until is not None:
        query = query.where(digest_entries.c.added_at <= until)
    return [(pk, article_from_dict(json.loads(data))) for pk, data in conn.execute(query)]


def _content_hash(found: Sequence[Article]) -> str:
    joined = "\n".join(article.content_hash for article in found)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _insert_issue(
    conn: Connection,
    settings: Settings,
    newsletter: Newsletter,
    found: Sequence[tuple[int, Article]],
    created: datetime,
    slot: datetime,
) -> IssueOutcome:
    """Render the digest once and store it as a held issue with its articles."""
    # Imported here: the renderer pulls in premailer and lxml, which `send` never needs.
    from syndicate.newsletter.digest_email import render_digest
    from syndicate.newsletter.message import build_template

    page = digest_url(settings, newsletter, slot)
    rendered = render_digest(settings, newsletter, [article for _, article in found], page)
    inserted = conn.execute(
        issues.insert().values(
            article_pk=found[0][0],
            newsletter_id=newsletter.id,
            state=IssueState.HELD,
            subject=rendered.subject,
            content_hash=_content_hash([article for _, article in found]),
            message=build_template(settings, rendered, date=created),
            created_at=created,
        )
    ).inserted_primary_key
    assert inserted is not None
    issue_id = int(inserted[0])
    conn.execute(
        issue_articles.insert(),
        [
            {"issue_id": issue_id, "article_pk": pk, "position": n}
            for n, (pk, _) in enumerate(found)
        ],
    )
    return IssueOutcome(
        issue_id,
        IssueState.HELD,
        0,
        rendered.subject,
        rendered.truncated,
        newsletter.name,
        slug=newsletter.slug,
    )


def _slot_taken(conn: Connection, newsletter_id: int, slot: datetime) -> bool:
    query = sa.select(digests.c.slot).where(
        digests.c.newsletter_id == newsletter_id, digests.c.slot >= slot
    )
    return conn.execute(query.limit(1)).first() is not None


def make_digest(
    conn: Connection, settings: Settings, newsletter: Newsletter, slot: datetime
) -> IssueOutcome | None:
    """Make `newsletter`'s digest for `slot`, once; None when it had one or nothing is new."""
    if _slot_taken(conn, newsletter.id, slot):
        return None
    found = waiting(conn, newsletter.id, slot)
    created = utcnow()
    outcome = _insert_issue(conn, settings, newsletter, found, created, slot) if found else None
    conn.execute(
        digests.insert().values(
            newsletter_id=newsletter.id,
            slot=slot,
            issue_id=outcome.issue_id if outcome else None,
            created_at=created,
        )
    )
    if outcome is None:
        return None
    conn.execute(
        digest_entries.update()
        .where(
            digest_entries.c.newsletter_id == newsletter.id,
            digest_entries.c.article_pk.in_([pk for pk, _ in found]),
        )
        .values(issue_id=outcome.issue_id)
    )
    if settings.hold:
        return outcome
    # newsletter.delay holds the deliveries back for a while, as for any issue.
    waits = created + timedelta(seconds=settings.delay) if settings.delay else None
    added = queue_issue(conn, outcome.issue_id, now=created, due=waits or created)
    return IssueOutcome(
        outcome.issue_id,
        IssueState.QUEUED,
        added,
        outcome.subject,
        outcome.truncated,
        newsletter.name,
        waits,
        newsletter.slug,
    )


def make_digests(engine: Engine, settings: Settings, now: datetime) -> list[IssueOutcome]:
    """Make the digest of every digest newsletter whose slot has come since its last one."""
    made = []
    with write_transaction(engine) as conn:
        found = site_newsletters(conn, settings)
    for newsletter in found:
        slot = previous_slot(newsletter.schedule, now, settings.tz)
        if slot is None:
            continue
        # One transaction per newsletter: one whose digest fails to render leaves the
        # others made, and its own slot open for the next run.
        with write_transaction(engine) as conn:
            outcome = make_digest(conn, settings, newsletter, slot)
        if outcome is not None and outcome.action == IssueState.QUEUED:
            # Imported here: the archive pulls in lxml, which `send` never needs.
            from syndicate.newsletter.archive import write_issue_pages

            with write_transaction(engine) as conn:
                write_issue_pages(conn, settings, [outcome.issue_id])
        if outcome is not None:
            made.append(outcome)
    return made


def upcoming(engine: Engine, settings: Settings, slug: str, now: datetime) -> Upcoming:
    """Return what `slug`'s next digest would hold if its slot came now."""
    with write_transaction(engine) as conn:
        (newsletter,) = by_slugs(site_newsletters(conn, settings), [slug])
        slot = next_slot(newsletter.schedule, now, settings.tz)
        if slot is None:
            raise NewsletterError(
                f"the newsletter {slug} is immediate: it sends one issue per article "
                "(`syndicate render ARTICLE` shows one)"
            )
        found = waiting(conn, newsletter.id, None)
    return Upcoming(newsletter, slot, tuple(article for _, article in found))


def next_digests(conn: Connection, settings: Settings, now: datetime) -> str | None:
    """`syndicate status`: each digest newsletter's next slot (site time) and what waits."""
    ids = dict(conn.execute(sa.select(newsletters.c.slug, newsletters.c.id)).all())
    shown = []
    for newsletter in site_definitions(settings):
        slot = next_slot(newsletter.schedule, now, settings.tz)
        if slot is None:
            continue
        found = waiting(conn, ids[newsletter.slug], None) if newsletter.slug in ids else []
        waits = count(len(found), "article")
        shown.append(f"{newsletter.slug} at {slot_text(settings, slot)} ({waits} waiting)")
    return "; ".join(shown) or None


add_section("next_digest", next_digests)

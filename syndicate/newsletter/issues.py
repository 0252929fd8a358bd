"""Newsletter issues: one per published article and newsletter it goes to, held for review
or queued for that newsletter's members.

An issue stores its message rendered once (MIME bytes with placeholders); queueing it makes
one delivery row per member active at that moment, in a single INSERT ... SELECT so a
list of a million costs one statement, not a million. An article that goes to several
newsletters reaches a member of more than one of them once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import IssueError
from syndicate.model import Article, DeliveryKind, DeliveryState, IssueState
from syndicate.newsletter.definitions import Newsletter, Routing, route
from syndicate.newsletter.queueing import queue_issue

# Callers import these from here too: `X as X` marks them re-exported (mypy --strict).
from syndicate.newsletter.summaries import IssueSummary as IssueSummary
from syndicate.newsletter.summaries import issue_row as issue_row
from syndicate.newsletter.summaries import list_issues as list_issues
from syndicate.newsletter.summaries import summary as summary
from syndicate.store import (
    TableRow,
    deliveries,
    issue_articles,
    issues,
    utcnow,
    write_transaction,
)

HELD, QUEUED, CANCELLED = IssueState.HELD, IssueState.QUEUED, IssueState.CANCELLED
# Made with its article, queued only once the feed files showing that article are in place:
# a publish whose feeds failed (or that was killed) must not mail what the feeds lack.
AWAITING_FEEDS = IssueState.AWAITING_FEEDS


@dataclass(frozen=True)
class IssueOutcome:
    """What publishing an article did to its newsletter issue."""

    issue_id: int
    action: str  # held | queued | updated
    deliveries: int
    subject: str
    truncated: bool
    newsletter: str = ""  # its name
    waits_until: datetime | None = None  # newsletter.delay: not sent before this
    slug: str = ""  # the newsletter's

    def describe(self) -> str:
        """Return the one line `publish` prints about the issue."""
        cut = " (cut to fit the 102 KB limit, with a link to the rest)" if self.truncated else ""
        if self.waits_until is not None:
            when = self.waits_until.strftime("%Y-%m-%d %H:%M:%S UTC")
            cut += (
                f"; it waits until {when} (`syndicate newsletter cancel {self.issue_id}` stops it)"
            )
        cut += f" [{self.slug}]" if self.slug else ""
        if self.action == HELD:
            return f"issue {self.issue_id} held for review: syndicate newsletter release {self.issue_id}{cut}"
        if self.action == QUEUED:
            who = "subscriber" if self.deliveries == 1 else "subscribers"
            return f"issue {self.issue_id} queued for {self.deliveries} {who}{cut}"
        return f"issue {self.issue_id} re-rendered with the edited article{cut}"


@dataclass(frozen=True)
class _Rendered:
    subject: str
    message: bytes
    truncated: bool


def _render(
    settings: Settings, article: Article, newsletter: Newsletter, now: datetime
) -> _Rendered:
    # Imported here: the renderer pulls in premailer and lxml, which `send` never needs.
    from syndicate.newsletter.message import build_template
    from syndicate.newsletter.render import render_issue

    rendered = render_issue(settings, article, newsletter)
    message = build_template(settings, rendered, date=now)
    return _Rendered(rendered.subject, message, rendered.truncated)


def _latest_issue(conn: Connection, article_pk: int, newsletter_id: int) -> TableRow | None:
    query = (
        sa.select(issues)
        .join(issue_articles, issue_articles.c.issue_id == issues.c.id)
        .where(issue_articles.c.article_pk == article_pk, issues.c.newsletter_id == newsletter_id)
        .order_by(issues.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).first()


def _has_gone_out(conn: Connection, issue_id: int) -> bool:
    query = sa.select(deliveries.c.id).where(
        deliveries.c.issue_id == issue_id,
        deliveries.c.state.in_(
            (
                DeliveryState.SENDING,
                DeliveryState.SENT,
                DeliveryState.WRITTEN,
                DeliveryState.FAILED,
            )
        ),
    )
    return conn.execute(query.limit(1)).first() is not None


def issues_for_article(
    conn: Connection,
    settings: Settings,
    newsletters: list[Newsletter],
    article_pk: int,
    article: Article,
    *,
    resend: bool = False,
    first: bool = True,
    published_at: datetime | None = None,
) -> tuple[list[IssueOutcome], Routing]:
    """Make (or refresh) the issues of a just-published article, one per immediate newsletter
    it goes to; a digest newsletter it goes to collects it for its next slot instead.

    The issues made together share their creation moment: queueing one skips whoever
    already has a delivery of another (`queue_issue`). Runs inside the caller's transaction.
    `published_at` is the moment of the publish (default: now), the one digests go by.
    """
    from syndicate.newsletter.digests import collect  # digests build on this module

    routing = route(newsletters, article)
    now = utcnow()
    made = []
    for newsletter in (n for n in newsletters if n.slug in routing.slugs):
        if not newsletter.schedule.is_digest:
            made.append(
                create_issue(
                    conn,
                    settings,
                    article_pk,
                    article,
                    newsletter,
                    resend=resend,
                    first=first,
                    now=now,
                )
            )
        elif first or resend:
            collect(conn, newsletter, article_pk, published_at or now, resend=resend)
    return [outcome for outcome in made if outcome is not None], routing


def create_issue(
    conn: Connection,
    settings: Settings,
    article_pk: int,
    article: Article,
    newsletter: Newsletter,
    *,
    resend: bool = False,
    now: datetime | None = None,
    first: bool = True,
) -> IssueOutcome | None:
    """Make (or refresh) `newsletter`'s issue of a just-published article.

    Returns None when nothing changed: the article's issue exists with the same content,
    some of it already went out, or it was cancelled (then only `resend=True` makes a new
    one: nobody gets an article twice by accident); or, for an edit (`first=False`), when
    the article has no issue to refresh. Runs inside the caller's transaction.
    """
    now = now or utcnow()
    existing = None if resend else _latest_issue(conn, article_pk, newsletter.id)
    if existing is None and not first and not resend:
        return None
    if existing is not None:
        return _refresh(conn, settings, existing, article, newsletter, now)
    made = _render(settings, article, newsletter, now)
    inserted = conn.execute(
        issues.insert().values(
            article_pk=article_pk,
            newsletter_id=newsletter.id,
            state=HELD,
            subject=made.subject,
            content_hash=article.content_hash,
            message=made.message,
            created_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    issue_id = int(inserted[0])
    conn.execute(issue_articles.insert().values(issue_id=issue_id, article_pk=article_pk))
    outcome = IssueOutcome(
        issue_id, HELD, 0, made.subject, made.truncated, newsletter.name, slug=newsletter.slug
    )
    if settings.hold:
        return outcome
    conn.execute(issues.update().where(issues.c.id == issue_id).values(state=AWAITING_FEEDS))
    # newsletter.delay holds the deliveries back for a while: a cancel then is an undo.
    waits = now + timedelta(seconds=settings.delay) if settings.delay else None
    return replace(outcome, action=QUEUED, waits_until=waits)  # counted by queue_awaiting


def queue_awaiting(conn: Connection, settings: Settings) -> dict[int, int]:
    """Queue every issue that waited for its feeds; return {issue id: deliveries added}.

    Called once the feed files are in place, by the publish that wrote them or by the
    next one that repaired them. newsletter.delay holds the deliveries back from now.
    Issues made together for one article are queued in order, so a member of several of
    their newsletters gets the article once.
    """
    now = utcnow()
    due = now + timedelta(seconds=settings.delay)
    query = sa.select(issues.c.id).where(issues.c.state == AWAITING_FEEDS).order_by(issues.c.id)
    waiting = list(conn.execute(query).scalars())
    return {issue_id: queue_issue(conn, issue_id, now=now, due=due) for issue_id in waiting}


def _refresh(
    conn: Connection,
    settings: Settings,
    existing: TableRow,
    article: Article,
    newsletter: Newsletter,
    now: datetime,
) -> IssueOutcome | None:
    """Render an edited article into its unsent issue; None when that is not wanted."""
    if (
        existing.state == CANCELLED
        or existing.content_hash == article.content_hash
        or _has_gone_out(conn, existing.id)
    ):
        return None
    made = _render(settings, article, newsletter, now)
    conn.execute(
        issues.update()
        .where(issues.c.id == existing.id)
        .values(subject=made.subject, message=made.message, content_hash=article.content_hash)
    )
    return IssueOutcome(
        existing.id,
        "updated",
        0,
        made.subject,
        made.truncated,
        newsletter.name,
        slug=newsletter.slug,
    )


def hold(engine: Engine, issue_id: int) -> IssueSummary:
    """Hold a queued issue for review: its unsent deliveries wait until it is released."""
    with write_transaction(engine) as conn:
        row = issue_row(conn, issue_id)
        if row.state == CANCELLED:
            raise IssueError(f"issue {issue_id} is cancelled; it cannot be held")
        conn.execute(issues.update().where(issues.c.id == issue_id).values(state=HELD))
    return summary(engine, issue_id)


def release(engine: Engine, issue_id: int) -> tuple[IssueSummary, int]:
    """Release a held issue: queue it for everyone active now; return it and the rows added."""
    with write_transaction(engine) as conn:
        row = issue_row(conn, issue_id)
        if row.state == CANCELLED:
            raise IssueError(f"issue {issue_id} is cancelled; it cannot be released")
        if row.state == QUEUED:
            raise IssueError(f"issue {issue_id} is already queued")
        added = queue_issue(conn, issue_id)
    return summary(engine, issue_id), added


def _cancel_rows(conn: Connection, issue_ids: sa.ColumnElement[bool]) -> int:
    result = conn.execute(
        deliveries.update()
        .where(deliveries.c.issue_id.in_(sa.select(issues.c.id).where(issue_ids)))
        .where(deliveries.c.state == DeliveryState.DUE)
        .values(state=DeliveryState.CANCELLED)
    )
    dropped = result.rowcount or 0  # read it now: psycopg reuses the cursor
    conn.execute(issues.update().where(issue_ids).values(state=CANCELLED, cancelled_at=utcnow()))
    return dropped


def cancel(engine: Engine, issue_id: int) -> tuple[IssueSummary, int]:
    """Cancel an issue: every delivery not yet sent is dropped; return it and how many."""
    with write_transaction(engine) as conn:
        row = issue_row(conn, issue_id)
        if row.state == CANCELLED:
            raise IssueError(f"issue {issue_id} is already cancelled")
        dropped = _cancel_rows(conn, issues.c.id == issue_id)
    return summary(engine, issue_id), dropped


def cancel_for_article(conn: Connection, article_pk: int) -> int:
    """Cancel the live issues of an unpublished article; return the deliveries dropped."""
    of_article = sa.select(issue_articles.c.issue_id).where(
        issue_articles.c.article_pk == article_pk
    )
    live = sa.and_(issues.c.id.in_(of_article), issues.c.state.in_((HELD, QUEUED)))
    return _cancel_rows(conn, live)


def requeue_written(engine: Engine, settings: Settings) -> int:
    """Make the deliveries written to outbox/ due again, for an SMTP server now set.

    Those of cancelled issues stay written. Returns how many are due again.
    """
    if settings.uses_outbox:
        raise IssueError(
            "send --from-outbox sends what was written to outbox/ over SMTP: set smtp.url "
            "(or SYNDICATE_SMTP_URL) to your mail server first"
        )
    live = sa.select(issues.c.id).where(issues.c.state != CANCELLED)
    with write_transaction(engine) as conn:
        result = conn.execute(
            deliveries.update()
            .where(
                deliveries.c.state == DeliveryState.WRITTEN,
                sa.or_(deliveries.c.kind == DeliveryKind.CONFIRM, deliveries.c.issue_id.in_(live)),
            )
            .values(
                state=DeliveryState.DUE,
                due_at=utcnow(),
                sent_at=None,
                claimed_by=None,
                claimed_at=None,
            )
        )
        return result.rowcount or 0

"""What a site run from cron is doing: the last run, issues under way, what comes next.

`record_run` keeps one row per `syndicate run`; `site_status` reads it back with the issues,
the next scheduled article and the last 30 days of bounces and complaints. A feature with
something to add (followed feeds that fail, the next digest slot) registers a section
with `add_section`: `status` shows it without knowing the feature.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import StoreError
from syndicate.newsletter.issues import list_issues
from syndicate.states import ArticleState, IssueStatus
from syndicate.store import articles, runs, subscribers, utcnow, write_transaction

WINDOW = timedelta(days=30)  # bounces and complaints are counted over this long
KEEP_RUNS = 500
UNDER_WAY = (IssueStatus.HELD, IssueStatus.WAITING, IssueStatus.SENDING)

# A section: given the connection, the settings and now, a JSON-able value or None (absent).
Section = Callable[[Connection, Settings, datetime], Any]
SECTIONS: dict[str, Section] = {}


def add_section(name: str, section: Section) -> None:
    """Let a feature add what `status` shows about it (e.g. "failing_feeds", "next_digest")."""
    SECTIONS[name] = section


@dataclass(frozen=True)
class LastRun:
    """How the newest `syndicate run` ended."""

    started_at: datetime
    finished_at: datetime
    outcome: str  # ok | failed | interrupted
    error: str | None
    published: int
    sent: int


@dataclass(frozen=True)
class IssueLine:
    id: int
    state: str
    subject: str
    gone_out: int
    total: int


@dataclass(frozen=True)
class ScheduledArticle:
    title: str
    published: datetime


@dataclass(frozen=True)
class SiteStatus:
    """Everything `syndicate status` shows."""

    last_run: LastRun | None
    issues: tuple[IssueLine, ...]  # the held, waiting and sending ones, newest first
    next_scheduled: ScheduledArticle | None
    bounces: int  # over the last 30 days
    complaints: int
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """Return whether the last run failed (then `status` exits 1)."""
        return self.last_run is not None and self.last_run.outcome != "ok"

    def issue_counts(self) -> dict[str, int]:
        counted = Counter(issue.state for issue in self.issues)
        return {state: counted[state] for state in UNDER_WAY}

    def as_json(self) -> dict[str, Any]:
        """Return the status as plain JSON values (times as ISO 8601 strings)."""
        data = asdict(self)
        data["issue_counts"] = self.issue_counts()
        data["failed"] = self.failed
        return {key: _iso(value) for key, value in data.items()}


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_iso(item) for item in value]
    return value


def record_run(
    engine: Engine,
    started: datetime,
    outcome: str,
    error: str | None = None,
    *,
    published: int = 0,
    sent: int = 0,
) -> None:
    """Keep how a run ended; a database that cannot take it does not fail the run twice."""
    try:
        with write_transaction(engine) as conn:
            conn.execute(
                runs.insert().values(
                    started_at=started,
                    finished_at=utcnow(),
                    outcome=outcome,
                    error=error,
                    published=published,
                    sent=sent,
                )
            )
            newest = conn.execute(sa.select(sa.func.max(runs.c.id))).scalar_one()
            conn.execute(runs.delete().where(runs.c.id <= newest - KEEP_RUNS))
    except StoreError:
        pass  # the run's own error (most likely this same database) is what gets reported


def _last_run(conn: Connection) -> LastRun | None:
    row = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return LastRun(row.started_at, row.finished_at, row.outcome, row.error, row.published, row.sent)


def _next_scheduled(conn: Connection) -> ScheduledArticle | None:
    query = (
        sa.select(articles.c.title, articles.c.published)
        .where(articles.c.state == ArticleState.SCHEDULED)
        .order_by(articles.c.published)
        .limit(1)
    )
    row = conn.execute(query).first()
    return ScheduledArticle(row.title, row.published) if row else None


def _recent(conn: Connection, condition: sa.ColumnElement[bool]) -> int:
    query = sa.select(sa.func.count()).select_from(subscribers).where(condition)
    return int(conn.execute(query).scalar_one())


def site_status(engine: Engine, settings: Settings) -> SiteStatus:
    """Read the site's status from its database."""
    now = utcnow()
    since = now - WINDOW
    found = [
        IssueLine(issue.id, issue.status(now), issue.subject, issue.gone_out, issue.total)
        for issue in list_issues(engine, unfinished=True)
    ]
    with engine.connect() as conn:
        return SiteStatus(
            last_run=_last_run(conn),
            issues=tuple(issue for issue in found if issue.state in UNDER_WAY),
            next_scheduled=_next_scheduled(conn),
            bounces=_recent(conn, subscribers.c.bounced_at >= since),
            complaints=_recent(
                conn,
                sa.and_(
                    subscribers.c.unsubscribe_method == "complaint",
                    subscribers.c.unsubscribed_at >= since,
                ),
            ),
            sections={
                name: value
                for name, section in SECTIONS.items()
                if (value := section(conn, settings, now)) is not None
            },
        )

"""What the workers of one send share, and the summary a send returns."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum, auto
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from syndicate.config import Settings, site_secret
from syndicate.delivery.claims import claim_statements
from syndicate.delivery.direct import Direct
from syndicate.delivery.guards import DomainBackoff, FirstRecipients, RefusalStreak
from syndicate.delivery.pacing import Budget, RateLimit
from syndicate.delivery.turns import SharedConnection, WriteTurns
from syndicate.store import issues, newsletters, utcnow

Progress = Callable[[int], None]


class Template(NamedTuple):
    """One issue's message with placeholders, and the newsletter it goes out for."""

    message: bytes
    slug: str | None  # for the unsubscribe link
    newsletter_id: int  # for the unsubscribe mailto; 0 for an issue made before newsletters


class Outcome(StrEnum):
    """What became of one delivery in a run: a field of SendSummary each."""

    SENT = auto()
    DEFERRED = auto()
    BOUNCED = auto()
    FAILED = auto()
    SKIPPED = auto()


@dataclass(frozen=True)
class SendSummary:
    """What one `send` did (or, in a dry run, would do)."""

    sent: int = 0
    deferred: int = 0
    bounced: int = 0
    failed: int = 0
    skipped: int = 0
    due: int = 0
    dry_run: bool = False
    problems: tuple[str, ...] = ()
    to_outbox: bool = False  # "sent" means written to outbox/

    def describe(self) -> str:
        """Return the summary line printed at the end of a run."""
        if self.dry_run:
            return f"dry run: {self.due} deliveries due, nothing sent"
        return (
            f"sent {self.sent}, deferred {self.deferred}, bounced {self.bounced}, "
            f"failed {self.failed}, skipped {self.skipped}"
        )


class Run:
    """State shared by the worker threads of one send."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        rate: float,
        limit: int | None,
        progress: Progress | None,
    ) -> None:
        self.engine = engine
        # The secret is read once per run, not once per unsubscribe link signed.
        self.settings = replace(settings, secret=site_secret(settings))
        self.envelope_sender = settings.envelope_sender  # parsed once, not per message
        self.started = utcnow()
        self.rate = RateLimit(rate)
        self.budget = Budget(limit)
        self.progress = progress
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts: Counter[Outcome] = Counter()
        self.problems: list[str] = []
        self.error: BaseException | None = None
        self.templates: dict[int, Template] = {}
        # SQLite has one writer at a time and its busy handler sleeps in whole milliseconds:
        # the threads and processes of a send take turns here instead (see turns.py).
        sqlite = engine.dialect.name == "sqlite"
        self.sqlite_writes = WriteTurns(engine.url.database) if sqlite else None
        self.shared = SharedConnection(engine) if sqlite else None  # per-message statements
        self.direct = Direct(engine)
        self.claims = claim_statements(engine.dialect.name == "postgresql")
        self.streak = RefusalStreak(settings.refusal_limit)
        self.first = FirstRecipients()
        self.domains = DomainBackoff(settings.retry_delay)

    def tally(self, outcome: Outcome, problem: str | None = None) -> None:
        """Count one delivery's outcome (and note its problem, if any)."""
        with self.lock:
            self.counts[outcome] += 1
            if problem:
                self.problems.append(problem)
            if self.progress is not None:
                self.progress(1)

    def fail(self, error: BaseException) -> None:
        """Stop every worker; the first error is the one `send_due` raises."""
        with self.lock:
            if self.error is None:
                self.error = error
        self.stop.set()

    def template(self, issue_id: int) -> Template:
        """Return an issue's message with placeholders and its newsletter, read once per run."""
        with self.lock:
            cached = self.templates.get(issue_id)
        if cached is None:
            with self.engine.connect() as conn:
                query = (
                    sa.select(issues.c.message, newsletters.c.slug, issues.c.newsletter_id)
                    .outerjoin(newsletters, newsletters.c.id == issues.c.newsletter_id)
                    .where(issues.c.id == issue_id)
                )
                message, slug, newsletter_id = conn.execute(query).one()
            cached = Template(bytes(message), slug, newsletter_id or 0)
            with self.lock:
                self.templates[issue_id] = cached
        return cached

    def close(self) -> None:
        """Let go of what the run holds beyond its workers (the lock file, the shared connection)."""
        if self.sqlite_writes is not None:
            self.sqlite_writes.close()
        if self.shared is not None:
            self.shared.close()

    def summary(self, due: int) -> SendSummary:
        """Return what the run did."""
        counts = self.counts
        return SendSummary(
            sent=counts[Outcome.SENT],
            deferred=counts[Outcome.DEFERRED],
            bounced=counts[Outcome.BOUNCED],
            failed=counts[Outcome.FAILED],
            skipped=counts[Outcome.SKIPPED],
            due=due,
            problems=tuple(self.problems),
            to_outbox=self.settings.uses_outbox,
        )

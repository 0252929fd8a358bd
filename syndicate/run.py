"""The cron job: publish what is new or changed in the content folder, read the bounce
mailbox when one is set (so unsubscribes and bounces count before this run's send), then
send what is due.

One run at a time per site: a second run started while one is going stops at once and
quietly (the site's "run" lock, an flock the kernel drops when a run dies, so a crash
leaves no stale lock behind). What a run says about a file (skipped, and why; a warning)
it says once: cron mails every run's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.delivery import SendSummary, count_due, send_due
from syndicate.errors import DeliveryError, LockedError, RunLockedError, SyndicateError
from syndicate.guardrails import originals_first
from syndicate.inbound.process import InboundReport, read_inbound
from syndicate.locks import site_lock
from syndicate.model import Article
from syndicate.notices import Notice, first_told
from syndicate.publishing import (
    Overrides,
    PublishOptions,
    PublishResult,
    publish_batch,
    read_articles,
)
from syndicate.readers import READERS
from syndicate.sources.checking import check_sources
from syndicate.sources.following import publish_backfill, record_check
from syndicate.status import record_run
from syndicate.store import open_store, utcnow
from syndicate.subscribers import expire_pending
from syndicate.wording import count


@dataclass(frozen=True)
class RunReport:
    """What one `syndicate run` did (or, dry, would do): published, skipped, sent."""

    published: tuple[PublishResult, ...] = ()
    skipped: tuple[str, ...] = ()  # files not published, and why (a guardrail: exit 0)
    errors: tuple[str, ...] = ()  # files that cannot be read (exit 1 the first time)
    warnings: tuple[str, ...] = ()
    send_summary: SendSummary | None = None  # None when the sender could not run
    send_error: str | None = None
    busy: str | None = None  # another run holds the site: this one did nothing
    due: int = 0  # a dry run: deliveries a send would work through now
    expired: int = 0  # pending signups never confirmed, deleted
    inbound: InboundReport | None = None  # the bounce mailbox, when inbound.url is set
    inbound_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.send_error is None and self.inbound_error is None

    @property
    def failure(self) -> str | None:
        """Return the one line that says why the run failed, or None."""
        if self.send_error is not None:
            return self.send_error
        if self.errors:
            return f"{count(len(self.errors), 'file')} could not be published"
        return self.inbound_error


def content_files(settings: Settings) -> list[Path]:
    """Return the article files of the content folder, originals before their copies."""
    folder = settings.content_path
    if not folder.is_dir():
        return []
    known = {ext for reader in READERS for ext in reader.extensions}
    return originals_first(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in known
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


@contextmanager
def run_lock(settings: Settings) -> Iterator[None]:
    """Hold the site's run lock, or raise RunLockedError at once when another run has it."""
    with ExitStack() as held:
        # Only taking the lock is guarded: a LockedError from the run itself (the publish
        # lock) passes through unchanged.
        try:
            held.enter_context(site_lock(settings, "run", timeout=0))
        except LockedError:
            raise RunLockedError(
                f"another `syndicate run` is already running on {settings.site}; this one stops"
            ) from None
        yield


def _read(settings: Settings) -> tuple[list[Article], list[Notice], list[Notice]]:
    """Read every content file: the articles, the files that failed, the warnings."""
    articles: list[Article] = []
    errors: list[Notice] = []
    warnings: list[Notice] = []
    for path in content_files(settings):
        try:
            (article,) = read_articles([path], settings, Overrides())
        except SyndicateError as e:  # one bad file must not stop the others
            errors.append((str(path), str(e)))
            continue
        articles.append(article)
        warnings.extend((str(path), message) for message in article.warnings)
    return articles, errors, warnings


def run(settings: Settings, *, send_email: bool = True, dry_run: bool = False) -> RunReport:
    """Publish the content folder's new and changed files, then send every due delivery.

    A dry run does the publishing in a transaction it rolls back and sends nothing. How a
    real run ended is kept for `syndicate status`.
    """
    try:
        with run_lock(settings):
            started = utcnow()
            try:
                report = _run(settings, send_email=send_email, dry_run=dry_run)
            except BaseException as e:
                outcome = "interrupted" if isinstance(e, KeyboardInterrupt) else "failed"
                if not dry_run:
                    _record(settings, started, outcome, str(e) or type(e).__name__)
                raise
            if not dry_run:
                sent = report.send_summary.sent if report.send_summary else 0
                outcome = "ok" if report.ok else "failed"
                counts = {"published": len(report.published), "sent": sent}
                _record(settings, started, outcome, report.failure, **counts)
            return report
    except RunLockedError as e:
        return RunReport(busy=str(e))


def _record(
    settings: Settings, started: datetime, outcome: str, error: str | None, **counts: int
) -> None:
    try:
        engine = open_store(settings)
    except SyndicateError:
        return  # the database is what failed: the run's own error says so
    try:
        record_run(engine, started, outcome, error, **counts)
    finally:
        engine.dispose()


def _run(settings: Settings, *, send_email: bool, dry_run: bool) -> RunReport:
    articles, errors, warnings = _read(settings)
    engine = open_store(settings)
    try:
        # Followed feeds: their new entries join the content folder's batch; what a
        # source's failure says is said by the check itself, once (never exit 1).
        check = check_sources(engine, settings)
        options = PublishOptions(send_email=send_email, strict=False, dry_run=dry_run)
        batch, _ = publish_batch(engine, settings, [*articles, *check.articles], options)
        publish_backfill(engine, settings, check, dry_run=dry_run)
        published = tuple(r for r in batch.results if r.status != "unchanged")
        refused = [(refusal.path, refusal.line()) for refusal in batch.refused]
        if dry_run:
            due = count_due(engine)
            return RunReport(published, _lines(refused), _lines(errors), _lines(warnings), due=due)
        record_check(engine, check)
        told = set(first_told(engine, [*errors, *warnings, *refused]))
        report = RunReport(
            published,
            _lines(refused, told),
            _lines(errors, told),
            _lines(warnings, told) + check.warnings,
            expired=expire_pending(engine),
        )
        report = _read_mailbox(engine, settings, report)
        try:
            summary = send_due(engine, settings)
        except DeliveryError as e:
            return replace(report, send_error=str(e))
    finally:
        engine.dispose()
    return replace(report, send_summary=summary)


def _read_mailbox(engine: Engine, settings: Settings, report: RunReport) -> RunReport:
    """Read the bounce mailbox when one is set; a mailbox that cannot be read stops no send."""
    if not settings.inbound_url:
        return report
    try:
        return replace(report, inbound=read_inbound(engine, settings))
    except SyndicateError as e:
        return replace(report, inbound_error=str(e))


def _lines(notices: list[Notice], told: set[Notice] | None = None) -> tuple[str, ...]:
    """Return the lines of `notices` (only those in `told`, when given)."""
    return tuple(
        line for notice in notices if told is None or notice in told for line in [notice[1]]
    )

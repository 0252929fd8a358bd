"""The cron job: publish what is new or changed in the content folder, then send what is due.

One run at a time per site: a second run started while one is going exits at once (the
site's "run" lock, an flock the kernel drops when a run dies, so a crash leaves no stale
lock behind).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from syndicate.config import Settings
from syndicate.delivery import SendSummary, send_due
from syndicate.errors import DeliveryError, LockedError, RunLockedError, SyndicateError
from syndicate.locks import site_lock
from syndicate.publishing import Overrides, PublishResult, publish_articles, read_articles
from syndicate.readers import READERS
from syndicate.store import open_store


@dataclass(frozen=True)
class RunReport:
    """What one `syndicate run` did: articles published, files skipped, mail sent."""

    published: tuple[PublishResult, ...] = ()
    skipped_files: tuple[str, ...] = ()
    send_summary: SendSummary | None = None  # None when the sender could not run
    send_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.skipped_files and self.send_error is None


def content_files(settings: Settings) -> list[Path]:
    """Return the article files of the content folder, in a stable order."""
    folder = settings.content_path
    if not folder.is_dir():
        return []
    known = {ext for reader in READERS for ext in reader.extensions}
    return sorted(
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


def run(settings: Settings) -> RunReport:
    """Publish the content folder's new and changed files, then send every due delivery."""
    with run_lock(settings):
        articles, skipped = [], []
        for path in content_files(settings):
            try:
                articles.extend(read_articles([path], settings, Overrides()))
            except SyndicateError as e:  # one bad file must not stop the others
                skipped.append(str(e))
        engine = open_store(settings)
        try:
            published: list[PublishResult] = []
            if articles:
                results, _ = publish_articles(engine, settings, articles)
                published = [r for r in results if r.status != "unchanged"]
            try:
                summary = send_due(engine, settings)
            except DeliveryError as e:
                return RunReport(tuple(published), tuple(skipped), None, str(e))
        finally:
            engine.dispose()
    return RunReport(tuple(published), tuple(skipped), summary)

"""The publish job: read articles, store them all or none, rebuild the feeds.

Every job that changes what the feeds show runs the same way (`_change_feeds`): under the
site's publish lock, the store change and the feed rendering happen in one transaction,
the new feed files are staged beside the old ones, and only after the commit are they
renamed into place. A failure anywhere before that leaves the store and the feeds as they
were. A failure (or a kill) during the renames leaves the mark of `feed_state`: the next
publish or run rebuilds every feed file. New issues are queued only once the feed files
are in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine

from syndicate.articles import (
    StoredArticle,
    find_row,
    publish_due,
    unpublish_article,
    upsert_article,
    xml_safe,
)
from syndicate.atomic import atomic_files, remove_stale_temporaries
from syndicate.config import Settings
from syndicate.errors import FeedWriteError, InputError
from syndicate.feed_state import feeds_unfinished, mark_finished, mark_unfinished
from syndicate.feeds import prune_tag_feeds, render_feed_files
from syndicate.guardrails import Allow, Refusal, refusal, too_old
from syndicate.locks import site_lock
from syndicate.model import Article
from syndicate.newsletter.archive import remove_issue_pages, write_issue_pages
from syndicate.newsletter.catalog import site_newsletters
from syndicate.newsletter.issues import (
    IssueOutcome,
    cancel_for_article,
    issues_for_article,
    queue_awaiting,
)

# Callers import these from here too: `X as X` marks them re-exported (mypy --strict).
from syndicate.overrides import Overrides as Overrides
from syndicate.overrides import apply_overrides as apply_overrides
from syndicate.overrides import check_image as check_image
from syndicate.overrides import check_url as check_url
from syndicate.overrides import parse_published as parse_published
from syndicate.readers import read_source
from syndicate.store import open_store, utcnow, write_transaction
from syndicate.tag_slugs import slug_for
from syndicate.websub import ping_hub

T = TypeVar("T")


@dataclass(frozen=True)
class PublishResult:
    """One published article: its row, the article as stored, and new/updated/unchanged."""

    article_pk: int
    article: Article
    status: str  # new | updated | unchanged | scheduled
    issues: tuple[IssueOutcome, ...] = ()  # the newsletter issues made or refreshed
    too_old: bool = False  # dated more than newsletter.max_age back: feeds only, no email
    routing_note: str | None = None  # the line that says a signup name was not ours

    @property
    def issue(self) -> IssueOutcome | None:
        """The first issue made or refreshed, if any."""
        return self.issues[0] if self.issues else None


@dataclass(frozen=True)
class PublishOptions:
    """How a batch is published: the command line's choices."""

    send_email: bool = True
    resend: bool = False
    allow: Allow = Allow()
    # True (`publish`): a refused file stops the batch with an error, nothing stored.
    # False (`run`): it is skipped and reported, and the others go on.
    strict: bool = True
    dry_run: bool = False  # do it all in a transaction that is rolled back; write no file


@dataclass(frozen=True)
class Published:
    """What a batch did: one result per article stored, and the files refused."""

    results: tuple[PublishResult, ...]
    refused: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class FeedChange:
    """What a feed rebuild did to the files in feeds/, and the issues it let go."""

    written: tuple[Path, ...]
    removed: tuple[Path, ...]
    queued: dict[int, int] = field(default_factory=dict)  # issue id: deliveries added


@dataclass(frozen=True)
class Touched:
    """What a store change touched: the slugs of the tags whose feeds it changed, and the
    articles (by number) it stored or took out, whose archive pages may have changed."""

    tag_slugs: set[str]
    articles: set[int]


# What a store change returns: its outcome, and what it touched (None: every feed file,
# as `syndicate feeds` rebuilds them).
Change = Callable[[Connection], tuple[T, Touched | None]]


def _change_feeds(
    engine: Engine, settings: Settings, change: Change[T], *, dry_run: bool = False
) -> tuple[T, FeedChange]:
    """Run `change` on the store and rebuild the feeds it touched, all or nothing.

    Only the main feed and the tag feeds of the changed articles are rendered: the cost of
    a publish follows the feed size, not the size of the archive. A dry run makes the
    change in a transaction it rolls back, and writes no file.
    """
    if dry_run:
        with write_transaction(engine, roll_back=True) as conn:
            outcome = change(conn)[0]
            return outcome, FeedChange((), (), queue_awaiting(conn, settings))
    with site_lock(settings, "publish"):
        repair = feeds_unfinished(settings)
        if repair:
            remove_stale_temporaries(settings.feeds_path)
        committed = False
        try:
            mark_unfinished(settings)
            with atomic_files() as batch:
                with write_transaction(engine) as conn:
                    outcome, touched = change(conn)
                    if repair:
                        touched = None  # every feed file, from the store
                    tag_slugs = None if touched is None else touched.tag_slugs
                    changed = None if touched is None else touched.articles
                    files = render_feed_files(conn, settings, tag_slugs, changed)
                    written = tuple(p for p, data in files.items() if batch.stage(p, data))
                # The store has committed: the staged files now go into place together.
                committed = True
            removed = tuple(prune_tag_feeds(settings, set(files), tag_slugs))
        except OSError as e:
            raise _feed_write_error(settings, e, committed) from e
        mark_finished(settings)
        ping_hub(settings, written)  # the files are in place: a failure is only a warning
        with write_transaction(engine) as conn:
            queued = queue_awaiting(conn, settings)
            write_issue_pages(conn, settings, list(queued))
    return outcome, FeedChange(written, removed, queued)


def _feed_write_error(settings: Settings, error: OSError, committed: bool) -> FeedWriteError:
    # A failed rename names the temporary first and the feed file second: show the feed's.
    where = error.filename2 or error.filename or settings.feeds_path
    if not committed:
        return FeedWriteError(f"cannot write the feeds in {where}: {error.strerror}")
    return FeedWriteError(
        f"cannot write the feeds in {where}: {error.strerror} (the articles are stored; "
        "their newsletter waits until the next `syndicate run` or `syndicate feeds` has "
        "written every feed file)"
    )


def create_issues(
    conn: Connection,
    settings: Settings,
    results: Sequence[PublishResult],
    *,
    send_email: bool,
    resend: bool = False,
    now: datetime | None = None,
) -> list[PublishResult]:
    """Create the newsletter issue of each newly published article (the newsletter's hook).

    Called inside the publish transaction, so an issue exists exactly when its article
    does. Only an article's first publication makes an issue (an edit refreshes an unsent
    one); not one dated more than newsletter.max_age back. `send_email` is False for
    `--no-email`; `resend` makes a new issue even for an article whose issue went out.
    """
    if not send_email:
        return list(results)
    newsletters = site_newsletters(conn, settings)
    made = []
    for result in results:
        wanted = (
            resend or result.status == "updated" or (result.status == "new" and not result.too_old)
        )
        if not wanted:
            made.append(result)
            continue
        outcomes, routing = issues_for_article(
            conn,
            settings,
            newsletters,
            result.article_pk,
            result.article,
            resend=resend,
            first=result.status == "new",
            published_at=now,
        )
        note = routing.describe(result.article.title) if result.status == "new" else None
        made.append(replace(result, issues=tuple(outcomes), routing_note=note))
    return made


def _store_batch(
    conn: Connection,
    settings: Settings,
    articles: Sequence[Article],
    options: PublishOptions,
    touched: set[str],
    now: datetime | None = None,
) -> Published:
    """Publish what is due and store `articles`, minding the guardrails; make the issues."""
    now = now or seconds_now()
    results = [PublishResult(s.pk, s.article, "new") for s in publish_due(conn, now, touched)]
    refused: list[Refusal] = []
    for article in articles:
        row = find_row(conn, xml_safe(article))
        stop = refusal(conn, settings, article, row, options.allow)
        if stop is not None:
            if options.strict:
                raise InputError(stop.line())
            refused.append(stop)
            continue
        stored, status = upsert_article(conn, settings, article, now=now, touched=touched)
        published = stored.article.published
        old = row is None and published is not None and too_old(settings, published, now)
        results.append(PublishResult(stored.pk, stored.article, status, too_old=old))
    made = create_issues(
        conn, settings, results, send_email=options.send_email, resend=options.resend, now=now
    )
    return Published(tuple(made), tuple(refused))


def seconds_now() -> datetime:
    return utcnow().replace(microsecond=0)


def publish_batch(
    engine: Engine,
    settings: Settings,
    articles: Sequence[Article],
    options: PublishOptions = PublishOptions(),
    *,
    now: datetime | None = None,
) -> tuple[Published, FeedChange]:
    """Store `articles` as one batch (scheduled ones due now too) and rebuild the feeds.

    `now` is the moment of the publish (default: the clock), which a test may fix.
    """

    def store(conn: Connection) -> tuple[Published, Touched]:
        tag_slugs: set[str] = set()
        published = _store_batch(conn, settings, articles, options, tag_slugs, now)
        # An unchanged article's archive page is as it was: only the others can have moved.
        stored = {r.article_pk for r in published.results if r.status != "unchanged"}
        return published, Touched(tag_slugs, stored)

    published, change = _change_feeds(engine, settings, store, dry_run=options.dry_run)
    results = tuple(_with_queued(result, change.queued) for result in published.results)
    return replace(published, results=results), change


def publish_articles(
    engine: Engine,
    settings: Settings,
    articles: Sequence[Article],
    *,
    send_email: bool = True,
    resend: bool = False,
) -> tuple[list[PublishResult], FeedChange]:
    """Store `articles` as one batch and rebuild the feeds; return one result per article."""
    options = PublishOptions(send_email=send_email, resend=resend)
    published, change = publish_batch(engine, settings, articles, options)
    return list(published.results), change


def _with_queued(result: PublishResult, queued: dict[int, int]) -> PublishResult:
    """Put the deliveries queued once the feeds were in place into the result's issues."""
    if not any(issue.issue_id in queued for issue in result.issues):
        return result
    issues = tuple(
        replace(issue, deliveries=queued[issue.issue_id]) if issue.issue_id in queued else issue
        for issue in result.issues
    )
    return replace(result, issues=issues)


def read_articles(
    paths: Sequence[Path | str], settings: Settings, overrides: Overrides, fmt: str | None = None
) -> list[Article]:
    """Read every file (or URL) first, so one bad one stops the batch before anything is stored."""
    if overrides.per_file and len(paths) > 1:
        raise InputError("--url, --published, --image and --author take a single file")
    return [apply_overrides(read_source(path, settings, fmt), overrides) for path in paths]


def publish_files(
    settings: Settings,
    paths: Sequence[Path | str],
    overrides: Overrides | None = None,
    *,
    fmt: str | None = None,
    options: PublishOptions = PublishOptions(),
) -> list[PublishResult]:
    """Read, store and publish `paths` as one batch; return one result per article stored.

    A file the guardrails refuse stops the batch (InputError), unless `options` says skip.
    """
    articles = read_articles(paths, settings, overrides or Overrides(), fmt)
    engine = open_store(settings)
    try:
        published, _ = publish_batch(engine, settings, articles, options)
    finally:
        engine.dispose()
    return list(published.results)


def rebuild_feeds(settings: Settings) -> FeedChange:
    """Write the feed files again from the store (after a settings or template change)."""
    return refresh_feeds(settings)[1]


def refresh_feeds(settings: Settings) -> tuple[list[PublishResult], FeedChange]:
    """Publish the scheduled articles whose time has come, then write the feeds again."""

    def due_now(conn: Connection) -> tuple[list[PublishResult], None]:
        published = _store_batch(conn, settings, [], PublishOptions(), set())
        return list(published.results), None

    engine = open_store(settings)
    try:
        return _change_feeds(engine, settings, due_now)
    finally:
        engine.dispose()


def cancel_issues(conn: Connection, article_pk: int) -> None:
    """Cancel the unsent newsletter of an unpublished article (the newsletter's hook)."""
    cancel_for_article(conn, article_pk)


def unpublish(settings: Settings, ref: str) -> StoredArticle:
    """Take the article `ref` (number, feed id or slug) out of the feeds."""

    def take_out(conn: Connection) -> tuple[StoredArticle, Touched]:
        stored = unpublish_article(conn, ref)
        cancel_issues(conn, stored.pk)
        return stored, Touched({slug_for(conn, tag) for tag in stored.article.tags}, {stored.pk})

    engine = open_store(settings)
    try:
        stored, _ = _change_feeds(engine, settings, take_out)
        remove_issue_pages(engine, settings, stored.article)
    finally:
        engine.dispose()
    return stored

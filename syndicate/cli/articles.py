"""Commands: publish, feeds, articles, unpublish."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import click

from syndicate.articles import StoredArticle, from_source, list_articles
from syndicate.cli.base import (
    main,
    pass_settings,
    require_base_url,
    site_store,
    warn_placeholder,
)
from syndicate.config import Settings
from syndicate.errors import DateProblem, InputError
from syndicate.feeds import FEED_FILES
from syndicate.guardrails import Allow
from syndicate.model import article_to_dict
from syndicate.overrides import Overrides, parse_published
from syndicate.publishing import (
    PublishOptions,
    PublishResult,
    publish_files,
    refresh_feeds,
    unpublish,
)
from syndicate.readers.dates import checked


def echo_feed_paths(settings: Settings) -> None:
    """Print where the site's three main feeds are."""
    for name in FEED_FILES:
        click.echo(f"feed: {settings.feeds_path / name}")


def echo_published(settings: Settings, results: Sequence[PublishResult]) -> None:
    """Print one line per published article (and its issue), then where the feeds are."""
    for result in results:
        click.echo(f"{result.status:<9}  {result.article.id}  {result.article.title}")
        if result.status == "scheduled" and result.article.published is not None:
            when = result.article.published.isoformat()
            click.echo(f"           not in the feeds, no email until {when}")
        if result.routing_note:
            click.echo(f"           {result.routing_note}")
        for issue in result.issues:
            click.echo(f"           {issue.describe()}")
    echo_feed_paths(settings)


def echo_too_old(settings: Settings, results: Sequence[PublishResult]) -> None:
    """Say in one line which new articles went to the feeds only, being old."""
    old = [r.article.path or r.article.title for r in results if r.too_old]
    if old:
        days = f"{settings.max_age / 86400:g} days"
        click.echo(
            f"not mailed: {len(old)} dated more than {days} back (newsletter.max_age), "
            f"in the feeds only: {', '.join(old)}",
            err=True,
        )


def _published(text: str, settings: Settings) -> datetime:
    """Read --published, refusing a year that no article has (it overflows in UTC, too)."""
    moment = parse_published(text, settings)
    try:
        return checked(moment)
    except DateProblem as e:
        raise InputError(f"--published: {e}") from None


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--url", help="The article's canonical URL (one file only).")
@click.option("--published", help="Publication date or time, ISO 8601 (one file only).")
@click.option("--image", help="URL of the lead image (one file only).")
@click.option("--author", help="The byline (one file only).")
@click.option("--tag", "tags", multiple=True, help="Add a tag; repeat for several.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html"]),
    help="Read the files as this format instead of guessing from the extension.",
)
@click.option("--no-email", is_flag=True, help="Publish to the feeds only: no newsletter issue.")
@click.option(
    "--resend", is_flag=True, help="Make a new newsletter issue even if this one went out."
)
@click.option(
    "--allow-duplicate",
    is_flag=True,
    help="Publish even when a stored article has the same title and text.",
)
@click.option("--republish", is_flag=True, help="Bring an unpublished article back.")
@pass_settings
def publish(
    settings: Settings,
    files: tuple[str, ...],
    url: str | None,
    published: str | None,
    image: str | None,
    author: str | None,
    tags: tuple[str, ...],
    fmt: str | None,
    no_email: bool,
    resend: bool,
    allow_duplicate: bool,
    republish: bool,
) -> None:
    """Publish articles: store them (all or none) and rebuild the feeds.

    The first publish of an article fixes its feed id and publication time; publishing
    it again changes nothing unless the file changed.

    FILES are article files, or URLs of pages to fetch.

    Example: syndicate publish content/launch.md --tag news
    """
    if len(files) > 1 and any(v is not None for v in (url, published, image, author)):
        raise click.UsageError("--url, --published, --image and --author take a single file")
    require_base_url(settings)
    overrides = Overrides(
        url=url,
        published=_published(published, settings) if published else None,
        image=image,
        author=author,
        tags=tags,
    )
    if resend and no_email:
        raise click.UsageError("--resend and --no-email contradict each other")
    options = PublishOptions(
        send_email=not no_email,
        resend=resend,
        allow=Allow(duplicate=allow_duplicate, republish=republish),
    )
    results = publish_files(settings, files, overrides, fmt=fmt, options=options)
    echo_published(settings, results)
    echo_too_old(settings, results)


@main.command()
@pass_settings
def feeds(settings: Settings) -> None:
    """Write the feed files again from the stored articles.

    Example: syndicate feeds
    """
    warn_placeholder(settings)
    due, change = refresh_feeds(settings)
    for result in due:
        click.echo(f"{result.status:<9}  {result.article.id}  {result.article.title}")
        if result.issue is not None:
            click.echo(f"           {result.issue.describe()}")
    click.echo(f"{len(change.written)} feed files written, {len(change.removed)} removed")
    echo_feed_paths(settings)


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Include unpublished articles.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
@pass_settings
def articles(settings: Settings, show_all: bool, as_json: bool) -> None:
    """List the stored articles, newest first (scheduled ones too; --all: unpublished too).

    Example: syndicate articles --all
    """
    with site_store(settings) as engine, engine.connect() as conn:
        stored = list_articles(conn, include_unpublished=show_all, include_scheduled=True)
    for item in stored:
        article = item.article
        if as_json:
            data = {"number": item.pk, "state": item.state, **article_to_dict(article)}
            click.echo(json.dumps({**data, "from": _origin(item)}, ensure_ascii=False))
            continue
        day = article.published.date().isoformat() if article.published else "?"
        origin = f"  (from {_origin(item)})" if from_source(item.key) else ""
        click.echo(f"{item.pk:>4}  {item.state:<11}  {day}  {article.id}  {article.title}{origin}")
    if not stored and not as_json:
        click.echo("no articles yet: syndicate publish FILE", err=True)


def _origin(item: StoredArticle) -> str | None:
    """Where an article came from: its file, or the followed feed that served it."""
    if from_source(item.key):
        return f"feed {item.article.source}"
    return item.path


@main.command(name="unpublish")
@click.argument("article")
@pass_settings
def unpublish_command(settings: Settings, article: str) -> None:
    """Take an article out of the feeds (by number, feed id or slug); it keeps its id.

    Example: syndicate unpublish 3
    """
    stored = unpublish(settings, article)
    click.echo(f"unpublished  {stored.feed_id}  {stored.article.title}")
    echo_feed_paths(settings)

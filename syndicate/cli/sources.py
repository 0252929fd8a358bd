"""Commands: sources add, list, remove, check (followed feeds)."""

from __future__ import annotations

from datetime import datetime

import click

from syndicate.cli.base import main, pass_settings, require_base_url, site_store
from syndicate.config import Settings
from syndicate.config.checks import as_duration
from syndicate.errors import ConfigError, InputError
from syndicate.sources.following import CheckReport, check_now
from syndicate.sources.records import Source, add_source, list_sources, remove_source
from syndicate.store import utcnow, write_transaction


@main.group()
def sources() -> None:
    """Follow other sites' feeds: each new entry becomes an article (and is mailed)."""


def _every(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        seconds = as_duration("--every", text)
    except ConfigError as e:
        raise InputError(str(e)) from None
    return seconds or None


@sources.command("add")
@click.argument("url")
@click.option("--name", help="A short name for the source (default: the feed's host).")
@click.option("--tag", "tags", multiple=True, help="Tag every article from it; repeat for several.")
@click.option("--full-page", is_flag=True, help="Fetch the linked page when an entry is a summary.")
@click.option("--every", help="Poll at most this often (30m, 2h, 1d); default: at every run.")
@click.option(
    "--backfill",
    type=click.IntRange(0, 1000),
    default=0,
    help="Store the N newest entries of the first poll as articles (never mailed).",
)
@pass_settings
def add(
    settings: Settings,
    url: str,
    name: str | None,
    tags: tuple[str, ...],
    full_page: bool,
    every: str | None,
    backfill: int,
) -> None:
    """Follow a feed (Atom, RSS or JSON Feed).

    Its first poll records what it holds and mails nothing; only entries that appear
    afterwards are new.

    Example: syndicate sources add https://blog.example.com/feed/ --tag blog --every 1h
    """
    seconds = _every(every)
    with site_store(settings) as engine, write_transaction(engine) as conn:
        source = add_source(
            conn,
            url,
            name=name,
            now=utcnow(),
            tags=[t.strip() for t in tags if t.strip()],
            full_page=full_page,
            every=seconds,
            backfill=backfill,
        )
    click.echo(f"following  {source.name}  {source.url}")
    click.echo("its first poll (next `syndicate run`, or `syndicate sources check`) mails nothing")


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "never"


def _line(source: Source) -> str:
    every = f"every {source.every:g}s" if source.every else "every run"
    line = (
        f"{source.name}  {source.state}  {source.url}  ({every}; last check "
        f"{_when(source.last_check)}, last new entry {_when(source.last_new)}, "
        f"{source.failures} failures)"
    )
    if source.last_error:
        line += f"\n    last error: {source.last_error}"
    return line


@sources.command("list")
@pass_settings
def list_command(settings: Settings) -> None:
    """List the followed feeds: state, last check, last new entry, failures.

    Example: syndicate sources list
    """
    with site_store(settings) as engine, engine.connect() as conn:
        found = list_sources(conn)
    for source in found:
        click.echo(_line(source))
    if not found:
        click.echo("no followed feeds: syndicate sources add URL", err=True)


@sources.command("remove")
@click.argument("source")
@pass_settings
def remove(settings: Settings, source: str) -> None:
    """Stop following a feed (by name, URL or number); its articles stay.

    Example: syndicate sources remove blog
    """
    with site_store(settings) as engine, write_transaction(engine) as conn:
        removed = remove_source(conn, source)
    click.echo(f"removed  {removed.name}  {removed.url}")


def _echo_check(report: CheckReport) -> None:
    if report.dry_run:
        click.echo("dry run: nothing is stored")
    for outcome in report.check.outcomes:
        name = outcome.source.name
        if outcome.error:
            click.echo(f"{name}: failed: {outcome.error}", err=True)
        elif outcome.not_modified:
            click.echo(f"{name}: not modified")
        else:
            what = "nothing new"
            if outcome.found:
                what = f"{len(outcome.found)} new or edited"
            elif outcome.seen:
                what = f"{len(outcome.seen)} entries recorded as seen"
            click.echo(f"{name}: {what}")
        for found in (*outcome.found, *outcome.backfill):
            kind = "edited" if found.edit else "new"
            click.echo(f"  {kind:<6}  {found.article.title}  {found.article.url or ''}".rstrip())
    for result in report.published:
        if result.issue is not None:
            click.echo(f"  {result.article.title}: {result.issue.describe()}")


@sources.command("check")
@click.argument("names", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Poll and print what is new; store nothing.")
@pass_settings
def check(settings: Settings, names: tuple[str, ...], dry_run: bool) -> None:
    """Poll followed feeds now (NAMES, else all but failing ones) and print what is new.

    Naming a failing source polls it again; a success re-enables it.

    Example: syndicate sources check blog --dry-run
    """
    if not dry_run:
        require_base_url(settings)
    _echo_check(check_now(settings, names, dry_run=dry_run))

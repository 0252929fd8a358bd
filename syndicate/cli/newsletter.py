"""Commands: newsletter list / hold / release / cancel / test (issues under review)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.engine import Engine

from syndicate.cli.base import main, pass_settings
from syndicate.config import Settings
from syndicate.newsletter import issues
from syndicate.store import open_store


@contextmanager
def _store(settings: Settings) -> Iterator[Engine]:
    engine = open_store(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def _line(issue: issues.IssueSummary) -> str:
    counts = issue.counts
    total = sum(counts.values()) - counts["cancelled"]
    day = issue.created_at.date().isoformat()
    progress = f"{counts['sent']}/{total} sent"
    extra = "".join(
        f", {counts[state]} {state}" for state in ("due", "failed", "cancelled") if counts[state]
    )
    return f"{issue.id:>4}  {issue.state:<9}  {day}  {progress}{extra}  {issue.subject}"


@main.group()
def newsletter() -> None:
    """Review newsletter issues: list, hold, release, cancel, test-send.

    Example: syndicate newsletter list
    """


@newsletter.command("list")
@click.option("--limit", type=click.IntRange(min=1), help="Show only the newest N issues.")
@pass_settings
def list_command(settings: Settings, limit: int | None) -> None:
    """List the issues, newest first, with their deliveries by state.

    Example: syndicate newsletter list --limit 10
    """
    with _store(settings) as engine:
        found = issues.list_issues(engine, limit=limit)
    for issue in found:
        click.echo(_line(issue))
    if not found:
        click.echo("no issues yet: publishing an article makes one", err=True)


@newsletter.command()
@click.argument("issue_id", type=int)
@pass_settings
def hold(settings: Settings, issue_id: int) -> None:
    """Hold an issue for review: nothing more of it is sent until it is released.

    Example: syndicate newsletter hold 3
    """
    with _store(settings) as engine:
        click.echo(_line(issues.hold(engine, issue_id)))


@newsletter.command()
@click.argument("issue_id", type=int)
@pass_settings
def release(settings: Settings, issue_id: int) -> None:
    """Release a held issue: queue it for every subscriber active now.

    Example: syndicate newsletter release 3
    """
    with _store(settings) as engine:
        issue, added = issues.release(engine, issue_id)
    click.echo(f"queued {added} new deliveries; `syndicate send` sends them")
    click.echo(_line(issue))


@newsletter.command()
@click.argument("issue_id", type=int)
@pass_settings
def cancel(settings: Settings, issue_id: int) -> None:
    """Cancel an issue: every delivery of it not yet sent is dropped.

    Example: syndicate newsletter cancel 3
    """
    with _store(settings) as engine:
        issue, dropped = issues.cancel(engine, issue_id)
    click.echo(f"cancelled {dropped} unsent deliveries")
    click.echo(_line(issue))


@newsletter.command()
@click.argument("issue_id", type=int)
@click.option("--to", "address", required=True, help="Where to send the test copy.")
@pass_settings
def test(settings: Settings, issue_id: int, address: str) -> None:
    """Send one copy of an issue to ADDRESS now (not recorded as a delivery).

    Example: syndicate newsletter test 3 --to editor@example.com
    """
    with _store(settings) as engine:
        reply = issues.send_test(engine, settings, issue_id, address)
    click.echo(f"test copy of issue {issue_id} sent to {address}: {reply}")

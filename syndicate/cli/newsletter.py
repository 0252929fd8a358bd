"""Commands: newsletter list / hold / release / cancel / test / preview (issues under review)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy.engine import Engine

from syndicate.cli.base import main, pass_settings, site_store
from syndicate.cli.render import preview_options, show_preview
from syndicate.config import Settings
from syndicate.newsletter import issues, test_copy
from syndicate.newsletter.archive import sync_issue_page
from syndicate.newsletter.cadence import slot_text
from syndicate.newsletter.preview import write_digest_preview
from syndicate.store import MAX_ID


def _progress(issue: issues.IssueSummary, status: str) -> str:
    """Return the counts that go with an issue's state, e.g. `2/3 sent, 1 failed`."""
    counts = issue.counts
    if status == "held" and not issue.total:
        return "not queued"
    verb = "written" if status == "written to outbox" else "sent"
    parts = [f"{issue.gone_out}/{issue.total} {verb}"]
    parts += [f"{counts[state]} {state}" for state in ("failed", "cancelled") if counts[state]]
    if status == "waiting" and issue.next_due is not None:
        parts.append(f"goes at {issue.next_due:%Y-%m-%d %H:%M} UTC")
    return ", ".join(parts)


def _line(issue: issues.IssueSummary) -> str:
    status = issue.status()
    day = issue.created_at.date().isoformat()
    shown = f"{status} ({_progress(issue, status)})"
    return f"{issue.id:>4}  {day}  {shown:<40}  {issue.subject}"


def _change(
    settings: Settings,
    issue_id: int,
    change: Callable[[Engine, int], tuple[issues.IssueSummary, int]],
    done: str,
) -> None:
    """Apply a change to an issue, then say how many deliveries it touched and the issue's line."""
    with site_store(settings) as engine:
        issue, touched = change(engine, issue_id)
        sync_issue_page(engine, settings, issue_id)  # released: its page; cancelled: none
    click.echo(done.format(touched))
    click.echo(_line(issue))


issue_argument = click.argument("issue_id", type=int)


@main.group()
def newsletter() -> None:
    """Review newsletter issues: list, hold, release, cancel, test-send.

    The newsletters themselves (names, tags, who gets what) are managed with
    `syndicate newsletters`.

    Example: syndicate newsletter list
    """


@newsletter.command("list")
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=MAX_ID, clamp=True),
    help="Show only the newest N issues.",
)
@pass_settings
def list_command(settings: Settings, limit: int | None) -> None:
    """List the issues, newest first, with their deliveries by state.

    Example: syndicate newsletter list --limit 10
    """
    with site_store(settings) as engine:
        found = issues.list_issues(engine, limit=limit)
    for issue in found:
        click.echo(_line(issue))
    if not found:
        click.echo("no issues yet: publishing an article makes one", err=True)


@newsletter.command()
@issue_argument
@pass_settings
def hold(settings: Settings, issue_id: int) -> None:
    """Hold an issue for review: nothing more of it is sent until it is released.

    Example: syndicate newsletter hold 3
    """
    with site_store(settings) as engine:
        click.echo(_line(issues.hold(engine, issue_id)))


@newsletter.command()
@issue_argument
@pass_settings
def release(settings: Settings, issue_id: int) -> None:
    """Release a held issue: queue it for every subscriber active now.

    Example: syndicate newsletter release 3
    """
    _change(
        settings, issue_id, issues.release, "queued {} new deliveries; `syndicate send` sends them"
    )


@newsletter.command()
@issue_argument
@pass_settings
def cancel(settings: Settings, issue_id: int) -> None:
    """Cancel an issue: every delivery of it not yet sent is dropped.

    Example: syndicate newsletter cancel 3
    """
    _change(settings, issue_id, issues.cancel, "cancelled {} unsent deliveries")


@newsletter.command()
@issue_argument
@click.option("--to", "address", required=True, help="Where to send the test copy.")
@pass_settings
def test(settings: Settings, issue_id: int, address: str) -> None:
    """Send one copy of an issue to ADDRESS now (not recorded as a delivery).

    Example: syndicate newsletter test 3 --to editor@example.com
    """
    with site_store(settings) as engine:
        reply = test_copy.send_test(engine, settings, issue_id, address)
    click.echo(f"test copy of issue {issue_id} sent to {address}: {reply}")


@newsletter.command()
@click.argument("slug")
@preview_options
@pass_settings
def preview(
    settings: Settings, slug: str, to: str | None, out: Path | None, screenshot: bool
) -> None:
    """Write the digest SLUG's next slot would send (HTML, text, .eml), from what waits now.

    Example: syndicate newsletter preview morning-briefing --screenshot
    """
    shown, coming = write_digest_preview(settings, slug, to=to, out=out, screenshot=screenshot)
    click.echo(f"{slug} at {slot_text(settings, coming.slot)}: {shown.rendered.subject}")
    show_preview(shown)

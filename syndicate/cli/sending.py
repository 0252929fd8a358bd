"""Commands: send (the sender) and run (the cron job)."""

from __future__ import annotations

import functools
import sys

import click

from syndicate.cli.articles import echo_published
from syndicate.cli.base import main, pass_settings, site_store
from syndicate.config import Settings
from syndicate.delivery import SendSummary, count_due, send_due


def _report(settings: Settings, summary: SendSummary, *, quiet: bool) -> None:
    for problem in summary.problems:
        click.echo(problem, err=True)
    if not quiet or summary.bounced or summary.failed:
        click.echo(summary.describe(), err=quiet)
    if summary.sent and not settings.smtp_url and not quiet and not summary.dry_run:
        click.echo(f"mail: written to {settings.outbox_path}/ (no smtp.url is set)")


@main.command()
@click.option("--rate", type=click.FloatRange(min=0), help="Messages per second (0: no limit).")
@click.option(
    "--connections",
    type=click.IntRange(1, 32),
    help="SMTP connections used at once (default: send.connections, 4).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many, then stop.")
@click.option("--dry-run", is_flag=True, help="Count what is due; send and change nothing.")
@click.option("--quiet", is_flag=True, help="Print only problems (for cron).")
@pass_settings
def send(
    settings: Settings,
    rate: float | None,
    connections: int | None,
    limit: int | None,
    dry_run: bool,
    quiet: bool,
) -> None:
    """Send the due newsletter and confirmation emails, then print a summary.

    Deferred (4xx) deliveries are retried by a later send with growing delays; a refused
    mailbox (5.1.x, 5.2.1) is marked bounced at once. A refusal of the message itself
    (5.7.x spam, 552 too big, relaying denied) bounces nobody; several in a row hold the
    issue until `syndicate newsletter release N`.

    Example: syndicate send --rate 10 --connections 4
    """
    with site_store(settings) as engine:
        go = functools.partial(
            send_due,
            engine,
            settings,
            rate=rate,
            connections=connections,
            limit=limit,
            dry_run=dry_run,
        )
        if quiet or dry_run or not sys.stdout.isatty():
            summary = go()
        else:
            due = count_due(engine)
            with click.progressbar(length=min(due, limit or due), label="sending") as bar:
                summary = go(progress=bar.update)
    _report(settings, summary, quiet=quiet)


@main.command("run")
@click.option("--quiet", is_flag=True, help="Print only problems (for cron).")
@pass_settings
def run_command(settings: Settings, quiet: bool) -> None:
    """Publish the new and changed files of the content folder, then send what is due.

    Meant for cron (crontab: `*/10 * * * * syndicate --site /srv/news run --quiet`); a
    second run started while one is going exits at once.

    Example: syndicate --site /srv/news run --quiet
    """
    from syndicate.run import run

    report = run(settings)
    if report.published and not quiet:
        echo_published(settings, report.published)
    for problem in report.skipped_files:
        click.echo(f"skipped: {problem}", err=True)
    if report.send_summary is not None:
        _report(settings, report.send_summary, quiet=quiet)
    if report.send_error is not None:
        raise click.ClickException(report.send_error)
    if report.skipped_files:
        raise click.ClickException(f"{len(report.skipped_files)} files could not be published")

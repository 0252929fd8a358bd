"""Commands: send (the sender) and run (the cron job)."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from syndicate import wording
from syndicate.cli.articles import echo_published, echo_too_old
from syndicate.cli.base import main, pass_settings, require_base_url, site_store, warn
from syndicate.config import Settings
from syndicate.delivery import SendSummary, count_due, send_due
from syndicate.errors import Interrupted
from syndicate.interrupts import deliveries_left, signals_interrupt
from syndicate.newsletter.issues import requeue_written
from syndicate.run import RunReport, run
from syndicate.store import MAX_ID


@contextmanager
def reporting_interrupts(settings: Settings) -> Iterator[None]:
    """On SIGINT or SIGTERM: one line on where the send stopped, exit 130 or 143."""
    with signals_interrupt():
        try:
            yield
        except KeyboardInterrupt as e:
            stop = e if isinstance(e, Interrupted) else Interrupted()
            left = deliveries_left(settings)
            click.echo(
                f"interrupted: {stop.sent} sent, {left} left; the next send continues", err=True
            )
            raise click.exceptions.Exit(stop.exit_code) from None


def _report(settings: Settings, summary: SendSummary, *, quiet: bool) -> None:
    for problem in summary.problems:
        click.echo(problem, err=True)
    if not quiet or summary.bounced or summary.failed:
        click.echo(summary.describe(), err=quiet)
    if not summary.sent or summary.dry_run:
        return
    if summary.to_outbox and not settings.outbox_chosen:
        # Said under --quiet too (on stderr, which cron mails): nobody received these.
        written = wording.count(summary.sent, "message")
        click.echo(
            f"mail: {written} written to {settings.outbox_path}/, not sent: no smtp.url is "
            "set (set it, then `syndicate send --from-outbox`)",
            err=quiet,
        )
    if not summary.to_outbox and settings.public_web_url.startswith("http://"):
        warn(
            f"web.url is {settings.public_web_url}: one-click unsubscribe (RFC 8058) needs "
            "https, so this mail went without List-Unsubscribe-Post; Gmail and Yahoo filter "
            "bulk mail without it"
        )


def _with_progress_bar(go: Callable[..., SendSummary], due: int) -> SendSummary:
    """Run the send under a bar that shows the count done and the messages per second."""
    started = time.monotonic()
    done = 0

    def rate(_: object) -> str:
        elapsed = time.monotonic() - started
        return f"{done / elapsed:.1f}/s" if elapsed > 0 and done else ""

    with click.progressbar(
        length=due, label="sending mail", show_pos=True, show_percent=False, item_show_func=rate
    ) as bar:

        def advance(step: int) -> None:
            nonlocal done
            done += step
            bar.update(step)

        return go(progress=advance)


@main.command()
@click.option("--rate", type=click.FloatRange(min=0), help="Messages per second (0: no limit).")
@click.option(
    "--connections",
    type=click.IntRange(1, 32),
    help="SMTP connections used at once, over all processes (default: send.connections, 4).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 16),
    help="Sender processes sharing the work (default: the cores, at most 4; one for a small send).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=MAX_ID, clamp=True),
    help="Send at most this many, then stop.",
)
@click.option("--dry-run", is_flag=True, help="Count what is due; send and change nothing.")
@click.option(
    "--from-outbox",
    is_flag=True,
    help="First queue again what was written to outbox/ (issues not cancelled) for SMTP.",
)
@click.option("--quiet", is_flag=True, help="Print only problems (for cron).")
@pass_settings
def send(
    settings: Settings,
    rate: float | None,
    connections: int | None,
    processes: int | None,
    limit: int | None,
    dry_run: bool,
    from_outbox: bool,
    quiet: bool,
) -> None:
    """Send the due newsletter and confirmation emails, then print a summary.

    Deferred (4xx) deliveries are retried by a later send with growing delays; a refused
    mailbox (5.1.x, 5.2.1) is marked bounced at once. A refusal of the message itself
    (5.7.x spam, 552 too big, relaying denied) bounces nobody; several in a row hold the
    issue until `syndicate newsletter release N`.

    Example: syndicate send --rate 10 --connections 4 --processes 2
    """
    with reporting_interrupts(settings), site_store(settings) as engine:
        if from_outbox and not dry_run:
            again = requeue_written(engine, settings)
            if not quiet:
                click.echo(f"{wording.count(again, 'message')} from outbox/ queued for SMTP")
        go = functools.partial(
            send_due,
            engine,
            settings,
            rate=rate,
            connections=connections,
            processes=processes,
            limit=limit,
            dry_run=dry_run,
        )
        if quiet or dry_run or not sys.stdout.isatty():
            summary = go()
        else:
            summary = _with_progress_bar(go, min(count_due(engine), limit or 2**62))
    _report(settings, summary, quiet=quiet)


@main.command("run")
@click.option("--quiet", is_flag=True, help="Print only problems (for cron).")
@click.option("--dry-run", is_flag=True, help="Print what the run would do; change nothing.")
@click.option("--no-email", is_flag=True, help="Publish to the feeds only: no newsletter issue.")
@pass_settings
def run_command(settings: Settings, quiet: bool, dry_run: bool, no_email: bool) -> None:
    """Publish the new and changed files of the content folder, then send what is due.

    Meant for cron (crontab: `*/10 * * * * syndicate --site /srv/news run --quiet`); a
    second run started while one is going stops at once (exit 0). A file that is not
    published (a draft, a copy, no body text, unpublished) is said once, not every run.

    Example: syndicate --site /srv/news run --quiet
    """
    require_base_url(settings)
    with reporting_interrupts(settings):
        report = run(settings, send_email=not no_email, dry_run=dry_run)
    if report.busy is not None:
        if not quiet:
            click.echo(report.busy)
        return
    if dry_run:
        _echo_plan(report)
        return
    if report.published and not quiet:
        echo_published(settings, report.published)
    echo_too_old(settings, report.published)
    for digest in report.digests if not quiet else ():
        click.echo(f"digest of {digest.newsletter}: {digest.describe()}")
    for message in report.warnings:
        warn(message)
    for problem in (*report.skipped, *report.errors):
        click.echo(f"skipped: {problem}", err=True)
    if report.inbound is not None:
        for decision in report.inbound.decisions:
            if decision.acted:
                click.echo(decision.line)
    if report.send_summary is not None:
        _report(settings, report.send_summary, quiet=quiet)
    if report.expired and not quiet:
        click.echo(f"deleted {wording.count(report.expired, 'pending signup')} never confirmed")
    if report.failure is not None:
        raise click.ClickException(report.failure)


def _echo_plan(report: RunReport) -> None:
    """Print what a dry run found: each file to publish or skip and why, each issue."""
    click.echo("dry run: nothing is written or sent")
    for result in report.published:
        where = result.article.path or result.article.title
        click.echo(f"publish  {result.status:<9}  {where}  {result.article.title}")
        if result.issue is not None:
            issue = result.issue
            who = "subscriber" if issue.deliveries == 1 else "subscribers"
            click.echo(f"         issue of {issue.newsletter}: {issue.deliveries} {who}")
        elif result.too_old:
            click.echo("         no email: dated more than newsletter.max_age back")
    for message in report.warnings:
        click.echo(f"warning  {message}")
    for problem in (*report.skipped, *report.errors):
        click.echo(f"skip     {problem}")
    click.echo(f"send     {report.due} deliveries due now")

"""Command: inbound (read the bounce mailbox)."""

from __future__ import annotations

import click

from syndicate.cli.base import main, pass_settings, site_store
from syndicate.config import Settings
from syndicate.inbound.process import read_inbound


@main.command()
@click.option("--dry-run", is_flag=True, help="Print the decisions; change and move nothing.")
@click.option("--quiet", is_flag=True, help="Print only what was acted on (for cron).")
@pass_settings
def inbound(settings: Settings, dry_run: bool, quiet: bool) -> None:
    """Read the bounce mailbox (inbound.url): bounces, complaints and mailto unsubscribes.

    A hard bounce stops the subscriber at once; soft bounces count toward
    send.soft_bounce_limit of the last send.soft_bounce_window deliveries; a complaint
    unsubscribes from everything and suppresses the address; mail to the tokened
    unsubscribe address leaves that newsletter. What was understood moves to the
    syndicate-processed folder; everything else stays in place, unread.

    Example: SYNDICATE_INBOUND_PASSWORD=... syndicate inbound --dry-run
    """
    with site_store(settings) as engine:
        report = read_inbound(engine, settings, dry_run=dry_run)
    for decision in report.decisions:
        if decision.acted or not quiet:
            click.echo(decision.line)
    if not quiet or any(d.acted for d in report.decisions):
        click.echo(report.describe())

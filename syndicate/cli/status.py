"""Command: status (what a site run from cron is doing)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from syndicate import wording
from syndicate.cli.base import main, pass_settings, site_store
from syndicate.config import Settings
from syndicate.status import SiteStatus, site_status


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _lines(status: SiteStatus) -> list[str]:
    run = status.last_run
    if run is None:
        lines = ["last run: none yet"]
    else:
        how = "ok" if run.outcome == "ok" else f"{run.outcome}: {run.error or 'no reason kept'}"
        lines = [
            f"last run: {_when(run.finished_at)}, {how} "
            f"({wording.count(run.published, 'article')} published, {run.sent} sent)"
        ]
    counts = status.issue_counts()
    lines.append("issues: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
    lines += [
        f"  {issue.id:>4}  {issue.state:<8} {issue.gone_out}/{issue.total}  {issue.subject}"
        for issue in status.issues
    ]
    scheduled = status.next_scheduled
    lines.append(
        f"next scheduled article: {_when(scheduled.published)}, {scheduled.title}"
        if scheduled
        else "next scheduled article: none"
    )
    lines.append(
        f"last 30 days: {wording.count(status.bounces, 'bounce')}, "
        f"{wording.count(status.complaints, 'complaint')}"
    )
    lines += [f"{name.replace('_', ' ')}: {value}" for name, value in status.sections.items()]
    return lines


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts.")
@pass_settings
def status(settings: Settings, as_json: bool) -> None:
    """Show the last run, the issues under way and what comes next; exit 1 if the last run failed.

    Example: syndicate --site /srv/news status --json
    """
    with site_store(settings) as engine:
        found = site_status(engine, settings)
    if as_json:
        click.echo(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
    else:
        for line in _lines(found):
            click.echo(line)
    if found.failed:
        raise click.exceptions.Exit(1)

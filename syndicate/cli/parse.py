"""Commands: parse."""

from __future__ import annotations

import json
from pathlib import Path

import click

from syndicate.cli.base import main, pass_settings
from syndicate.cli.parse_summary import summarize
from syndicate.config import Settings
from syndicate.model import article_to_dict
from syndicate.newsletter.definitions import is_site, route, site_definitions
from syndicate.readers import FORMATS, read_article


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Read the file as this format instead of guessing from its extension.",
)
@pass_settings
def parse(settings: Settings, file: Path, as_json: bool, fmt: str | None) -> None:
    """Show what syndicate recovers from an article file, without storing anything.

    Example: syndicate parse examples/harbour-festival.txt --json
    """
    article = read_article(file, settings, fmt)
    if as_json:
        data = article_to_dict(article)
        if is_site(settings):
            data["routes_to"] = list(route(site_definitions(settings), article).slugs)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(summarize(article))

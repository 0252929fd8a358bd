"""Commands: parse."""

from __future__ import annotations

import json

import click

from syndicate.cli.base import main, pass_settings_anywhere, warn
from syndicate.cli.parse_summary import summarize
from syndicate.config import Settings
from syndicate.model import ListBlock, Paragraph, Quote, article_to_dict
from syndicate.newsletter.definitions import is_site, route, site_definitions
from syndicate.readers import FORMATS, read_source


@main.command()
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Read the file as this format instead of guessing from its extension.",
)
@pass_settings_anywhere
def parse(settings: Settings, file: str, as_json: bool, fmt: str | None) -> None:
    """Show what syndicate recovers from an article file or a page's URL, storing nothing.

    Example: syndicate parse examples/harbour-festival.txt --json
    """
    article = read_source(file, settings, fmt)
    if not any(isinstance(block, Paragraph | ListBlock | Quote) for block in article.blocks):
        warn(f"{file}: no body text was found")
    for message in article.warnings:
        warn(message)
    if as_json:
        data = {**article_to_dict(article), "draft": article.draft}
        if is_site(settings):
            data["routes_to"] = list(route(site_definitions(settings), article).slugs)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(summarize(article))

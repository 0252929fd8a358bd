"""Commands: init."""

from __future__ import annotations

from pathlib import Path

import click

from syndicate.cli.base import State, main
from syndicate.site import init_site


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def init(state: State, folder: Path | None) -> None:
    """Create a site: a commented syndicate.toml and its folders.

    FOLDER defaults to --site, else the current folder. An existing syndicate.toml is kept.

    Example: syndicate init mysite
    """
    settings, created = init_site(folder or state.site or Path("."))
    verb = "created" if created else "kept the existing"
    config = settings.site / "syndicate.toml"
    click.echo(f"{verb} {config}")
    unset = [
        (key, variable, why)
        for key, variable, why, missing in (
            (
                "site.base_url",
                "SYNDICATE_BASE_URL",
                "the public address; entry ids are built from it and never change",
                settings.is_placeholder_url,
            ),
            (
                "newsletter.from",
                "SYNDICATE_FROM",
                "who the newsletter comes from",
                not settings.newsletter_from,
            ),
        )
        if missing
    ]
    if unset:
        click.echo(f"first set, in {config} (or the environment):")
        for key, variable, why in unset:
            click.echo(f"  {key:<16} ({variable}): {why}")
    click.echo(
        f"put articles in {settings.content_path}/ and run: syndicate --site {settings.site} run"
    )

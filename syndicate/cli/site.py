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
    click.echo(f"{verb} {settings.site / 'syndicate.toml'}")
    click.echo(
        f"put articles in {settings.content_path}/ and run: syndicate --site {settings.site} run"
    )

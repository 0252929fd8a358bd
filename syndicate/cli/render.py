"""Commands: render."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from syndicate.cli.base import State, main, pass_settings_anywhere, require_site, warn
from syndicate.config import Settings
from syndicate.newsletter.preview import Preview, write_preview

F = TypeVar("F", bound=Callable[..., Any])


def preview_options(command: F) -> F:
    """Add the options of a command that writes a preview: --to, --out, --screenshot."""
    for option in (
        click.option(
            "--screenshot",
            is_flag=True,
            help="Also write 600px and 375px wide PNGs (needs chromium).",
        ),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            help="Write the files here (default: the site's outbox/preview/).",
        ),
        click.option("--to", "to", metavar="ADDRESS", help="Address the preview to this reader."),
    ):
        command = option(command)
    return command


def show_preview(preview: Preview) -> None:
    """Print a preview's warnings, then the files it wrote, one a line."""
    for message in preview.warnings:
        warn(message)
    for path in (preview.html, preview.text, preview.eml, *preview.screenshots):
        click.echo(str(path))


@main.command()
@click.argument("file_or_id")
@preview_options
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML in a web browser.")
@pass_settings_anywhere
def render(
    settings: Settings,
    file_or_id: str,
    to: str | None,
    out: Path | None,
    open_browser: bool,
    screenshot: bool,
) -> None:
    """Write an article's newsletter email as HTML, text and .eml files, to look at.

    FILE_OR_ID is an article file or a stored article's number, feed id or slug.

    Example: syndicate render examples/harbour-festival.txt --screenshot
    """
    if not Path(file_or_id).is_file():  # a stored article's number or id: the site's
        state = click.get_current_context().find_object(State)
        require_site(state.site if state else None)
    preview = write_preview(settings, file_or_id, to=to, out=out, screenshot=screenshot)
    show_preview(preview)
    if open_browser:
        webbrowser.open(preview.html.resolve().as_uri())

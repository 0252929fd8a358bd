"""The click group, its shared options, and the one place errors become exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine

from syndicate import __version__
from syndicate.config import Settings, load_settings
from syndicate.errors import SyndicateError
from syndicate.store import open_store

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the group passes to its commands on `ctx.obj`."""

    site: Path | None
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.site, **self.overrides)
        return self._settings


class SyndicateGroup(click.Group):
    """A group that turns the project's own errors into one line and the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SyndicateError as e:
            failure = click.ClickException(str(e))
            # click reads exit_code from the instance; its stubs call it a class variable.
            failure.exit_code = e.exit_code  # type: ignore[misc]
            raise failure from e


@click.group(cls=SyndicateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndicate")
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SYNDICATE_SITE",
    help="The site folder (default: the current folder).",
)
@click.pass_context
def main(ctx: click.Context, site: Path | None) -> None:
    """Turn articles into Atom, RSS and JSON feeds and a newsletter email."""
    ctx.obj = State(site=site)


def pass_settings(command: F) -> F:
    """Give a command the validated Settings of the chosen site as its first argument."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = click.get_current_context().find_object(State)
        assert state is not None, "commands run under the syndicate group"
        return command(state.settings(), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def site_store(settings: Settings) -> Iterator[Engine]:
    """Open the site's database for one command and let go of its connections after."""
    engine = open_store(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def warn(message: str) -> None:
    """Print a warning on stderr."""
    click.echo(f"warning: {message}", err=True)


def warn_placeholder(settings: Settings) -> None:
    if settings.is_placeholder_url:
        warn(
            f"site.base_url is the placeholder {settings.base_url}: set it "
            "(syndicate.toml or SYNDICATE_BASE_URL) before publishing for real; "
            "entry ids are permanent and built from it."
        )

"""The click group, its shared options, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine

from syndicate import __version__
from syndicate.config import CONFIG_FILE, Settings, load_settings
from syndicate.errors import ConfigError, SyndicateError
from syndicate.store import open_store

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the group passes to its commands on `ctx.obj`."""

    site: Path | None
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None

    def settings(self, *, site_required: bool = True) -> Settings:
        """Return the site's settings; refuse a folder that is not a site (nothing created)."""
        if site_required:
            require_site(self.site)
        if self._settings is None:
            self._settings = load_settings(self.site, **self.overrides)
        return self._settings


def require_site(site: Path | None) -> None:
    """Refuse a folder that is not a site: a mistyped --site must not become a new one.

    A site holds syndicate.toml (only `init` writes one), or a syndicate.db made by a
    release from before `init` was required.
    """
    folder = site if site is not None else Path(".")
    if (folder / CONFIG_FILE).exists() or (folder / "syndicate.db").is_file():
        return
    shown = str(folder) if site is not None else str(folder.resolve())
    raise ConfigError(f"{shown} is not a syndicate site (run: syndicate init {shown})")


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
    _print_library_warnings()


class _WarningLines(logging.Handler):
    """Print the warnings the library logs (a WebSub hub that refused) as warning lines."""

    def emit(self, record: logging.LogRecord) -> None:
        warn(record.getMessage())


def _print_library_warnings() -> None:
    logger = logging.getLogger("syndicate.websub")
    if not any(isinstance(handler, _WarningLines) for handler in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))


def _passing_settings(command: F, *, site_required: bool) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = click.get_current_context().find_object(State)
        assert state is not None, "commands run under the syndicate group"
        return command(state.settings(site_required=site_required), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def pass_settings(command: F) -> F:
    """Give a command the validated Settings of the chosen site as its first argument.

    The folder must be a site: every command but `init`, `parse` and `render FILE` reads
    or writes one, and a mistyped --site must end in one Error line, nothing created.
    """
    return _passing_settings(command, site_required=True)


def pass_settings_anywhere(command: F) -> F:
    """Like pass_settings, for the commands that work outside a site (parse, render FILE)."""
    return _passing_settings(command, site_required=False)


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


def require_base_url(settings: Settings) -> None:
    """Refuse to publish under the placeholder address: entry ids built from it are permanent."""
    if settings.is_placeholder_url:
        raise ConfigError(
            "site.base_url is not set: set it in syndicate.toml or SYNDICATE_BASE_URL "
            "first (entry ids are built from it and never change)"
        )

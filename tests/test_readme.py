"""The README stays true: every command and every setting the code has is shown there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from syndicate.cli import main
from syndicate.config import KEYS, Key

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "syndicate") -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from command_paths(command, path)
        else:
            yield path


@pytest.mark.parametrize("path", list(command_paths(main)))
def test_every_command_has_an_example_in_the_readme(path: str) -> None:
    # An example is the command itself, with at most `--site DIR` between.
    words = " ".join(path.split()[1:])
    pattern = rf"syndicate (--site \S+ )?{re.escape(words)}( |`|$)"
    assert re.search(pattern, README, re.M), f"README has no example of `{path}`"


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.env)
def test_every_setting_is_in_the_readme(key: Key) -> None:
    assert key.env in README
    if key.toml:
        assert key.toml.split(".")[1] in README


def test_the_readme_shows_both_commands_and_a_crontab_line() -> None:
    assert "make demo" in README and "make test" in README
    assert "* * * * syndicate --site" in README

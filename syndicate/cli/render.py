"""Commands: render."""

from syndicate.cli.base import main  # noqa: F401

"""Commands: serve."""

from syndicate.cli.base import main  # noqa: F401

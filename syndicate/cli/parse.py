"""Commands: parse."""

from syndicate.cli.base import main  # noqa: F401

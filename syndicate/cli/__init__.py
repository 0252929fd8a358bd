"""The `syndicate` command line: thin commands over the library, one module per area."""

from syndicate.cli import articles, newsletter, sending, site, subscribers, web  # noqa: F401
from syndicate.cli.base import main

__all__ = ["main"]

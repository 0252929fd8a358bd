"""The `syndicate` command line: thin commands over the library, one module per area."""

from syndicate.cli import (  # noqa: F401  (each module registers its commands)
    articles,
    inbound,
    newsletter,
    newsletters,
    parse,
    render,
    sending,
    serve,
    site,
    sources,
    status,
    subscribers,
)
from syndicate.cli.base import main

__all__ = ["main"]

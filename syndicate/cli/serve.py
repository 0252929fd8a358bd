"""Commands: serve."""

from __future__ import annotations

import logging

import click

from syndicate.cli.base import main, pass_settings, site_store, warn
from syndicate.config import Settings
from syndicate.errors import ConfigError


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@pass_settings
def serve(settings: Settings, host: str, port: int, threads: int) -> None:
    """Run the signup, confirm and unsubscribe pages and the feeds on waitress.

    Example: syndicate serve --port 8080
    """
    from syndicate.web.serve import serve as serve_app

    if not settings.web_url and settings.is_placeholder_url:
        raise ConfigError(
            "web.url is not set, nor site.base_url: the links in confirmation emails would "
            "point nowhere (set SYNDICATE_WEB_URL, or web.url in syndicate.toml)"
        )
    if not settings.web_url:
        warn(
            f"web.url is not set: links in emails point at {settings.base_url}; "
            "set it (SYNDICATE_WEB_URL) to where this server is reached."
        )

    # One line per request on stderr (syndicate.web.requests_log says what it holds).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    requests_log = logging.getLogger("syndicate.web.requests")
    if not requests_log.handlers:  # once per process, however often serve is called
        requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)

    def announce(url: str) -> None:
        click.echo(f"Serving the signup page on {url} (Ctrl-C to stop)")

    serve_app(settings, host, port, threads=threads, announce=announce)


@main.command()
@click.option("--newsletter", "slug", metavar="SLUG", help="Sign up for this newsletter only.")
@pass_settings
def embed(settings: Settings, slug: str | None) -> None:
    """Print an HTML signup form to paste into the site's article pages.

    It posts to `serve` under web.url, needs no script and no cookie, and answers with the
    "check your inbox" page. Example: syndicate embed --newsletter morning-briefing
    """
    from syndicate.web.embed import snippet

    with site_store(settings) as engine:
        click.echo(snippet(engine, settings, slug), nl=False)

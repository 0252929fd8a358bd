"""Commands: dkim keygen, check (the sending domain's signature and DNS)."""

from __future__ import annotations

import click

from syndicate.cli.base import main, pass_settings
from syndicate.config import Settings
from syndicate.config.checks import as_domain
from syndicate.domain.keys import DEFAULT_SELECTOR, generate_key
from syndicate.domain.preflight import failed, run_checks


@main.group()
def dkim() -> None:
    """DKIM signing: every message is signed once [dkim] names a key."""


@dkim.command()
@click.option(
    "--selector",
    default=DEFAULT_SELECTOR,
    show_default=True,
    help="The name the key is published under (<selector>._domainkey.<domain>).",
)
@pass_settings
def keygen(settings: Settings, selector: str) -> None:
    """Make a DKIM key for the From domain, sign with it from now on, print its record.

    Writes dkim/SELECTOR.pem (mode 0600) and the [dkim] table of syndicate.toml (its
    comments kept). Publish the printed TXT record before the next send.

    Example: syndicate dkim keygen
    """
    key = generate_key(settings, as_domain("--selector", selector))
    click.echo(f"wrote {key.path} and [dkim] in syndicate.toml: messages are signed from now on")
    click.echo(f"publish this TXT record at {key.record_name}:")
    click.echo(key.record)
    click.echo("in zone-file form:")
    click.echo(key.zone_line())


@main.command()
@pass_settings
def check(settings: Settings) -> None:
    """Check the sending setup before the first send: one line per check, with its fix.

    SPF, the DKIM key, DMARC and alignment, MX for bounces, STARTTLS at the relay, an https
    web.url (one-click unsubscribe), the bounce mailbox, the From domain. Exits 1 when SPF,
    DKIM, DMARC, alignment, one-click or STARTTLS fails. check.nameserver
    (SYNDICATE_NAMESERVER, host:port) picks the DNS server asked.

    Example: syndicate check
    """
    checks = run_checks(settings)
    for result in checks:
        click.echo(result.line())
    if failed(checks):
        raise SystemExit(1)

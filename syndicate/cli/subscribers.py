"""Commands: the subscriber list (`subscribers ...`) and the double opt-in steps."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from syndicate import subscribers as subs
from syndicate import wording
from syndicate.cli.base import main, pass_settings, site_store
from syndicate.config import Settings
from syndicate.errors import InputError, SyndicateError
from syndicate.newsletter.catalog import by_slugs, load_newsletters
from syndicate.subscribers.addresses import normalize_address

newsletter_option = click.option(
    "--newsletter",
    "newsletters",
    multiple=True,
    metavar="SLUG",
    help="Only this newsletter (repeat for several); see `syndicate newsletters list`.",
)


def _ids(engine: Any, settings: Settings, slugs: tuple[str, ...]) -> list[int]:
    """Return the ids of the newsletters named on the command line (refusing unknown ones)."""
    return [n.id for n in by_slugs(load_newsletters(engine, settings), slugs)] if slugs else []


# The same words whether the address was new, pending or already active: a signup must not
# tell whoever typed it whether that address is on the list.
SIGNUP_DONE = (
    "Signed up {email}: unless it is already subscribed, a confirmation email is on its way."
)


@main.command("signup")
@click.argument("address")
@click.option("--name", help="The subscriber's name, for the greeting.")
@newsletter_option
@pass_settings
def signup(
    settings: Settings, address: str, name: str | None, newsletters: tuple[str, ...]
) -> None:
    """Sign an address up (pending) and send its confirmation email now.

    Without --newsletter it joins the newsletters marked subscribe_on_signup.

    Example: syndicate signup reader@example.com --name "Ada Reader"
    """
    with site_store(settings) as engine:
        subs.signup(engine, settings, address, name, method="cli", newsletters=newsletters or None)
    click.echo(SIGNUP_DONE.format(email=normalize_address(address)))


@main.command("confirm")
@click.argument("token")
@pass_settings
def confirm(settings: Settings, token: str) -> None:
    """Confirm a signup with the token from its confirmation link.

    Example: syndicate confirm eyJ...  (the part of the link after /confirm/)
    """
    with site_store(settings) as engine:
        subscriber = subs.confirm(engine, settings, _token(token), method="cli")
    click.echo(f"Confirmed {subscriber.email}: it will receive the next issue.")


@main.command("unsubscribe")
@click.argument("address_or_token")
@click.option("--newsletter", metavar="SLUG", help="Leave only this newsletter.")
@pass_settings
def unsubscribe(settings: Settings, address_or_token: str, newsletter: str | None) -> None:
    """Unsubscribe an address (or the token of an unsubscribe link) at once.

    Example: syndicate unsubscribe reader@example.com --newsletter culture
    """
    with site_store(settings) as engine:
        subscriber = subs.unsubscribe(
            engine, settings, _token(address_or_token), method="cli", newsletter=newsletter
        )
    if newsletter:
        click.echo(f"Unsubscribed {subscriber.email} from {newsletter}.")
    else:
        click.echo(f"Unsubscribed {subscriber.email}: it receives nothing more.")


def _token(text: str) -> str:
    """Accept a whole link as well as the token at its end."""
    text = text.strip()
    return text.rstrip("/").rsplit("/", 1)[-1] if "://" in text else text


@main.group("subscribers")
def subscribers_group() -> None:
    """Manage the subscriber list.

    Example: syndicate subscribers list --state active
    """


@subscribers_group.command("add")
@click.argument("address")
@click.option("--name", help="The subscriber's name, for the greeting.")
@click.option(
    "--confirmed",
    is_flag=True,
    help="You already have this person's consent: add as active, with no confirmation email.",
)
@newsletter_option
@pass_settings
def add(
    settings: Settings,
    address: str,
    name: str | None,
    confirmed: bool,
    newsletters: tuple[str, ...],
) -> None:
    """Add one address; without --confirmed it gets a confirmation email first.

    Without --newsletter it joins the newsletters marked subscribe_on_signup; adding an
    address already on the list with another --newsletter adds that newsletter.

    Example: syndicate subscribers add reader@example.com --name "Ada Reader" --confirmed
    """
    chosen = newsletters or None
    with site_store(settings) as engine:
        if not confirmed:
            subs.signup(engine, settings, address, name, method="cli", newsletters=chosen)
            click.echo(SIGNUP_DONE.format(email=normalize_address(address)))
            return
        outcome = subs.add_confirmed(
            engine, settings, address, name, method="cli", newsletters=chosen
        )
    email = normalize_address(address)
    if outcome == "suppressed":
        raise SyndicateError(
            f"{email} unsubscribed, bounced or was removed earlier: only a new signup "
            "that the person confirms can bring it back"
        )
    click.echo(
        {
            "added": f"Added {email} (active).",
            "joined": f"Added {email} to {', '.join(newsletters)} (active).",
            "activated": f"Confirmed {email} (it was pending).",
            "existing": f"{email} is already on the list.",
        }[outcome]
    )


@subscribers_group.command("import")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--confirmed",
    is_flag=True,
    help="You already have every listed person's consent: add them as active.",
)
@click.option(
    "--suppress",
    is_flag=True,
    help="FILE lists people who left (another service's unsubscribed, cleaned or bounced "
    "export): never mail them.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any line was skipped.")
@newsletter_option
@pass_settings
def import_(
    settings: Settings,
    file: Path,
    confirmed: bool,
    suppress: bool,
    strict: bool,
    newsletters: tuple[str, ...],
) -> None:
    """Import subscribers from a CSV, another service's export, or one address a line.

    Mailchimp, Substack, Buttondown and listmonk exports are read as they come (the README
    lists their columns); the delimiter is detected. Without --confirmed, new addresses
    are pending and their confirmation emails wait for `syndicate send`. Every skipped
    line is listed by number; the rest are still imported.

    Example: syndicate subscribers import members_export.csv --confirmed
    """
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    if suppress and confirmed:
        raise click.UsageError("--suppress and --confirmed do not go together")
    with site_store(settings) as engine:
        if suppress:
            suppressed = subs.import_suppressions(engine, file)
            skipped = suppressed.skipped
        else:
            report = subs.import_csv(
                engine, settings, file, confirmed=confirmed, newsletters=newsletters or None
            )
            skipped = report.skipped
    for line in skipped:
        click.echo(f"{file}, line {line.line}: {line.reason}", err=True)
    if suppress:
        click.echo(
            f"Suppressed {file.name}: {suppressed.added} added to the suppression list, "
            f"{wording.count(suppressed.unsubscribed, 'subscriber')} unsubscribed, "
            f"{suppressed.existing} already there, {suppressed.invalid} invalid."
        )
    else:
        _echo_import(file, report)
    if strict and skipped:
        raise SyndicateError(
            f"{wording.count(len(skipped), 'line')} of {file.name} skipped (--strict)"
        )


def _echo_import(file: Path, report: subs.ImportReport) -> None:
    parts = [f"{report.added} added"]
    if report.activated:
        parts.append(f"{report.activated} confirmed")
    parts += [
        f"{report.existing} already there",
        f"{report.suppressed} suppressed",
        f"{report.invalid} invalid",
    ]
    click.echo(f"Imported {file.name}: {', '.join(parts)}.")
    if report.queued:
        waiting = wording.count(report.queued, "confirmation email")
        click.echo(f"{waiting} {'waits' if report.queued == 1 else 'wait'} for `syndicate send`.")


@subscribers_group.command("export")
@newsletter_option
@pass_settings
def export(settings: Settings, newsletters: tuple[str, ...]) -> None:
    """Write every subscriber as CSV to standard output.

    Example: syndicate subscribers export --newsletter culture > culture.csv
    """
    with site_store(settings) as engine:
        subs.export_csv(engine, sys.stdout, _ids(engine, settings, newsletters))


@subscribers_group.command("list")
@click.option("--state", type=click.Choice(subs.STATES), help="Only subscribers in this state.")
@newsletter_option
@pass_settings
def list_(settings: Settings, state: str | None, newsletters: tuple[str, ...]) -> None:
    """List subscribers: state, address and name, oldest first.

    Without --newsletter the state is the overall one: bounced, unsubscribed (a complaint,
    or no newsletter left), active (on at least one), else pending.

    Example: syndicate subscribers list --state pending --newsletter culture
    """
    with site_store(settings) as engine:
        ids = _ids(engine, settings, newsletters)
        found = subs.list_subscribers(engine, state=state, newsletter_ids=ids)
    for subscriber in found:
        click.echo(f"{subscriber.state:<13}{subscriber.email}  {subscriber.name or ''}".rstrip())
    if not found:
        click.echo("No subscribers." if state is None else f"No {state} subscribers.")


@subscribers_group.command("remove")
@click.argument("address")
@pass_settings
def remove(settings: Settings, address: str) -> None:
    """Delete an address from the list, keeping a hash so no import adds it back.

    Example: syndicate subscribers remove reader@example.com
    """
    with site_store(settings) as engine:
        removed = subs.remove(engine, settings, address)
    click.echo(f"Removed {removed.email}; imports will not add it back.")


@subscribers_group.command("count")
@newsletter_option
@pass_settings
def count(settings: Settings, newsletters: tuple[str, ...]) -> None:
    """Count subscribers in each state (on some newsletters only, with --newsletter).

    Example: syndicate subscribers count --newsletter culture
    """
    with site_store(settings) as engine:
        counts = subs.count_subscribers(engine, newsletter_ids=_ids(engine, settings, newsletters))
    for state, number in counts.items():
        click.echo(f"{state:<13}{number}")
    click.echo(f"{'total':<13}{sum(counts.values())}")

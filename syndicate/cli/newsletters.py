"""Commands: newsletters list / add / edit / remove (the definitions in syndicate.toml)."""

from __future__ import annotations

from typing import Any

import click

from syndicate.cli.base import main, pass_settings, site_store
from syndicate.config import Settings
from syndicate.errors import NewsletterError
from syndicate.newsletter import editing
from syndicate.newsletter.cadence import FORMS
from syndicate.newsletter.catalog import load_newsletters, member_counts
from syndicate.subscribers.memberships import ACTIVE, LEFT, PENDING


@main.group("newsletters")
def newsletters_group() -> None:
    """Manage the site's newsletters: list, add, edit, remove ([[newsletters]] in syndicate.toml).

    The issues each one sends are reviewed with `syndicate newsletter`.

    Example: syndicate newsletters add "The Culture Letter" --tag culture
    """


def _fields(func: Any) -> Any:
    """The options `add` and `edit` share: each sets one field of the newsletter."""
    options = [
        click.option("--description", help="One line for the signup page."),
        click.option("--from", "sender", help="Its own From: 'Name <address>' or an address."),
        click.option("--reply-to", help="Its own Reply-To address."),
        click.option("--cadence", help=f"When it sends: {FORMS}."),
        click.option(
            "--subject", help="A digest's subject: {newsletter} {headline} {more} {count}."
        ),
        click.option(
            "--full-text/--headlines",
            default=None,
            help="A digest carries each article whole, or its headline, dek and image.",
        ),
        click.option("--tag", "tags", multiple=True, help="Take articles with this tag (repeat)."),
        click.option("--alias", "aliases", multiple=True, help="Another name articles use."),
        click.option("--language", help="Its language, such as en or de."),
        click.option("--public/--private", default=None, help="Offer it on the signup page."),
        click.option(
            "--subscribe-on-signup/--no-subscribe-on-signup",
            default=None,
            help="Join it by default when signing up.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _values(**given: Any) -> dict[str, Any]:
    """Turn the options given into the file's keys, leaving out those not given."""
    renamed = {"sender": "from"}
    return {
        renamed.get(key, key): list(value) if isinstance(value, tuple) else value
        for key, value in given.items()
        if value is not None and value != ()
    }


@newsletters_group.command("list")
@pass_settings
def list_(settings: Settings) -> None:
    """List the newsletters with what they take and their members by state.

    Example: syndicate newsletters list
    """
    with site_store(settings) as engine:
        found = load_newsletters(engine, settings)
        counts = member_counts(engine)
    for newsletter in found:
        mine = counts.get(newsletter.id, {})
        takes = ", ".join(newsletter.tags) if newsletter.tags else "every article"
        members = ", ".join(f"{mine.get(s, 0)} {s}" for s in (ACTIVE, PENDING, LEFT))
        flags = "" if newsletter.public else ", private"
        click.echo(
            f"{newsletter.slug:<20}  {newsletter.name}  ({newsletter.cadence}{flags}; "
            f"takes {takes}; {members})"
        )


@newsletters_group.command("add")
@click.argument("name")
@click.option("--slug", help="Its fixed short name (List-Id); default: made from NAME.")
@_fields
@pass_settings
def add(settings: Settings, name: str, slug: str | None, **fields: Any) -> None:
    """Declare a new newsletter in syndicate.toml.

    Example: syndicate newsletters add "The Culture Letter" --tag culture --tag arts
    """
    with site_store(settings) as engine:
        current = load_newsletters(engine, settings)
    values = _values(name=name, slug=slug, **fields)
    added = editing.add_newsletter(settings, values, current)
    click.echo(f"Added the newsletter {added.slug} ({added.name}).")


@newsletters_group.command("edit")
@click.argument("slug")
@click.option("--name", help="Its new name (its slug and List-Id stay).")
@_fields
@pass_settings
def edit(settings: Settings, slug: str, **fields: Any) -> None:
    """Change a newsletter's settings in syndicate.toml; its slug never changes.

    Example: syndicate newsletters edit culture --description "Arts and culture, weekly"
    """
    values = _values(**fields)
    if not values:
        raise NewsletterError("nothing to change: give an option such as --name or --tag")
    edited = editing.edit_newsletter(settings, slug, values)
    click.echo(f"Changed the newsletter {edited.slug} ({edited.name}).")


@newsletters_group.command("remove")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Remove it even though it has members.")
@pass_settings
def remove(settings: Settings, slug: str, yes: bool) -> None:
    """Take a newsletter out of syndicate.toml; one with members needs --yes.

    Its members and issues stay in the database; nothing more is sent to it.

    Example: syndicate newsletters remove culture --yes
    """
    with site_store(settings) as engine:
        found = {n.slug: n for n in load_newsletters(engine, settings)}
        counts = member_counts(engine)
    if slug in found and not yes:
        members = sum(n for s, n in counts.get(found[slug].id, {}).items() if s != LEFT)
        if members:
            raise NewsletterError(
                f"the newsletter {slug} has {members} members: add --yes to remove it anyway"
            )
    editing.remove_newsletter(settings, slug)
    click.echo(f"Removed the newsletter {slug} from syndicate.toml.")

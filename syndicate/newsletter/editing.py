"""`syndicate newsletters add|edit|remove`: change the `[[newsletters]]` of syndicate.toml.

tomlkit edits the file in place, so the publisher's comments and layout survive. Every
change is checked by reading the result back (`declared_newsletters`) before it is
written, so a bad edit never reaches the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from syndicate.atomic import atomic_files
from syndicate.config import CONFIG_FILE, Settings
from syndicate.errors import ConfigError, NewsletterError
from syndicate.newsletter.definitions import Newsletter, check_unique, parse_newsletter


def _document(settings: Settings) -> TOMLDocument:
    path = settings.site / CONFIG_FILE
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tomlkit.document()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as e:
        raise ConfigError(f"{path}: cannot be read: {e}") from None


def _tables(document: TOMLDocument) -> AoT:
    if "newsletters" not in document:
        document.append("newsletters", tomlkit.aot())
    tables = document["newsletters"]
    if not isinstance(tables, AoT):
        raise ConfigError(f"{CONFIG_FILE}: newsletters must be [[newsletters]] tables")
    return tables


def _table(values: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in values.items():
        if value is not None:
            table.add(key, list(value) if isinstance(value, tuple) else value)
    return table


def _checked(document: TOMLDocument) -> None:
    """Refuse the document if its newsletters would not read back."""
    tables = document.get("newsletters", [])
    found = [parse_newsletter(t.unwrap(), f"newsletters[{i}]") for i, t in enumerate(tables)]
    check_unique(found, CONFIG_FILE)


def _values(newsletter: Newsletter) -> dict[str, Any]:
    return {
        "slug": newsletter.slug,
        "name": newsletter.name,
        "description": newsletter.description or None,
        "from": newsletter.sender,
        "reply_to": newsletter.reply_to,
        "cadence": newsletter.cadence,
        "tags": newsletter.tags,
        "aliases": newsletter.aliases,
        "public": newsletter.public,
        "subscribe_on_signup": newsletter.subscribe_on_signup,
    }


def add_newsletter(
    settings: Settings, values: Mapping[str, Any], current: list[Newsletter]
) -> Newsletter:
    """Declare a new newsletter; return it as read back.

    On a site that declared none, its one newsletter (`current`, with its stored slug) is
    written into the file first, so its members keep a newsletter that exists.
    """
    document = _document(settings)
    tables = _tables(document)
    if not tables and current and not current[0].declared:
        tables.append(_table({k: v for k, v in _values(current[0]).items() if k != "from"}))
    new = parse_newsletter(dict(values), "the new newsletter")
    if any(_slug_of(t) == new.slug for t in tables):
        raise NewsletterError(f"there is already a newsletter {new.slug!r}")
    tables.append(_table({"slug": new.slug, **values}))
    _checked(document)
    _save(settings, document)
    return new


def edit_newsletter(settings: Settings, slug: str, values: Mapping[str, Any]) -> Newsletter:
    """Change some fields of a declared newsletter (never its slug); return it as read back."""
    if "slug" in values:
        raise NewsletterError("a newsletter's slug never changes (it is its List-Id)")
    document = _document(settings)
    table = _find(_tables(document), slug)
    for key, value in values.items():
        table[key] = list(value) if isinstance(value, tuple) else value
    _checked(document)
    _save(settings, document)
    return parse_newsletter(table.unwrap(), slug)


def remove_newsletter(settings: Settings, slug: str) -> None:
    """Take a newsletter out of the file (its members and issues stay in the store)."""
    document = _document(settings)
    tables = _tables(document)
    _find(tables, slug)
    kept = [t for t in tables if _slug_of(t) != slug]
    del document["newsletters"]
    if kept:
        fresh = tomlkit.aot()
        for table in kept:
            fresh.append(table)
        document.append("newsletters", fresh)
    _save(settings, document)


def _slug_of(table: Table) -> str:
    return parse_newsletter(table.unwrap(), CONFIG_FILE).slug


def _find(tables: AoT, slug: str) -> Table:
    for table in tables:
        if _slug_of(table) == slug:
            return table
    raise NewsletterError(
        f"no newsletter {slug!r} is declared in {CONFIG_FILE}: see `syndicate newsletters list`"
    )


def _save(settings: Settings, document: TOMLDocument) -> None:
    path = settings.site / CONFIG_FILE
    with atomic_files() as batch:
        batch.stage(path, tomlkit.dumps(document).encode("utf-8"))

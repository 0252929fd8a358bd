"""The site's newsletters as syndicate.toml declares them, and which of them an article goes to.

The file is the truth: `[[newsletters]]` tables, read and checked here. A site that declares
none has exactly one, named by `newsletter.name` (default: the site title), taking every
article at once: today's behaviour. Its slug is fixed when it is first stored
(`newsletter.catalog`), so a later rename never changes its List-Id.
"""

from __future__ import annotations

import string
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from slugify import slugify

from syndicate.config import CONFIG_FILE, Settings
from syndicate.config.checks import as_address as _address
from syndicate.config.checks import as_bool as _bool
from syndicate.config.checks import as_text as _text
from syndicate.errors import ConfigError
from syndicate.migrations import DefaultNewsletter
from syndicate.model import Article
from syndicate.newsletter.cadence import Cadence, parse_cadence

FIELDS = {
    "slug",
    "name",
    "description",
    "from",
    "reply_to",
    "cadence",
    "tags",
    "aliases",
    "language",
    "public",
    "subscribe_on_signup",
    "archive",
    "full_text",
    "subject",
    "welcome",
}
# A digest's subject: the newsletter's name, the first headline, " and N more" when more.
DIGEST_SUBJECT = "{newsletter}: {headline}{more}"
SUBJECT_FIELDS = {"newsletter", "headline", "more", "count"}


@dataclass(frozen=True)
class Newsletter:
    """One newsletter of a site: who it is (slug, name, sender) and what it takes."""

    slug: str
    name: str
    description: str = ""
    sender: str | None = None  # `from`: "Name <address>" or an address
    reply_to: str | None = None
    cadence: str = "immediate"
    tags: tuple[str, ...] = ()  # empty: every article
    aliases: tuple[str, ...] = ()
    language: str | None = None
    public: bool = True
    subscribe_on_signup: bool = True
    archive: bool = True  # each sent issue becomes a public page under archive/
    full_text: bool = False  # a digest carries each article whole, not headline and dek
    subject: str = DIGEST_SUBJECT  # a digest's subject line
    welcome: bool = True  # a welcome email after a confirmation through the web
    declared: bool = True  # False: the one a site without [[newsletters]] has
    id: int = 0  # its row in the store, once `catalog` has seen it

    def with_id(self, newsletter_id: int, slug: str | None = None) -> Newsletter:
        return replace(self, id=newsletter_id, slug=slug or self.slug)

    @property
    def schedule(self) -> Cadence:
        """Return the cadence parsed (checked when the file was read)."""
        return parse_cadence(self.cadence)

    def takes(self, tag_slugs: set[str]) -> bool:
        """Say whether an article with these tags (slugged) is this newsletter's by its tags."""
        return not self.tags or any(slugify(tag) in tag_slugs for tag in self.tags)


def name_key(text: str) -> str:
    """Return a name as matching sees it: case, spaces and punctuation ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _slug(key: str, value: Any) -> str:
    text = _text(key, value)
    if slugify(text) != text:
        raise ConfigError(
            f"{key}: {text!r} is not a slug (lower-case letters, digits and hyphens, "
            f"such as {slugify(text) or 'morning-briefing'!r})"
        )
    return text


def _cadence(key: str, value: Any) -> str:
    text = _text(key, value)
    try:
        parse_cadence(text)
    except ConfigError as e:
        raise ConfigError(f"{key}: {e}") from None
    return " ".join(text.lower().split())


def _subject(key: str, value: Any) -> str:
    text = _text(key, value)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as e:
        raise ConfigError(f"{key}: {text!r} is not a subject template: {e}") from None
    unknown = sorted(names - SUBJECT_FIELDS)
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in sorted(SUBJECT_FIELDS))
        raise ConfigError(f"{key}: unknown placeholder {{{unknown[0]}}} (known: {known})")
    return text


def parse_newsletter(table: Any, where: str) -> Newsletter:
    """Check one `[[newsletters]]` table; `where` prefixes every error."""
    if not isinstance(table, dict):
        raise ConfigError(f'{where}: expected a table such as {{ name = "..." }}')
    unknown = sorted(set(table) - FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]}")
    name = _text(f"{where}.name", table.get("name"))
    checks: dict[str, Any] = {
        "description": lambda k, v: _text(k, v),
        "from": _address,
        "reply_to": _address,
        "cadence": _cadence,
        "tags": _strings,
        "aliases": _strings,
        "language": _text,
        "public": _bool,
        "subscribe_on_signup": _bool,
        "archive": _bool,
        "full_text": _bool,
        "subject": _subject,
        "welcome": _bool,
    }
    values = {k: check(f"{where}.{k}", table[k]) for k, check in checks.items() if k in table}
    if "from" in values:
        values["sender"] = values.pop("from")
    slug = _slug(f"{where}.slug", table["slug"]) if "slug" in table else slugify(name)
    if not slug:
        raise ConfigError(f"{where}: give it a slug (its name {name!r} makes none)")
    return Newsletter(slug=slug, name=name, **values)


def check_unique(found: Sequence[Newsletter], path: str) -> None:
    slugs: set[str] = set()
    names: dict[str, str] = {}
    for newsletter in found:
        if newsletter.slug in slugs:
            raise ConfigError(f"{path}: two newsletters have the slug {newsletter.slug!r}")
        slugs.add(newsletter.slug)
        for name in (newsletter.name, *newsletter.aliases):
            other = names.setdefault(name_key(name), newsletter.slug)
            if other != newsletter.slug:
                raise ConfigError(
                    f"{path}: the name {name!r} is used by both {other!r} and {newsletter.slug!r}"
                )


def declared_newsletters(settings: Settings) -> list[Newsletter]:
    """Return the `[[newsletters]]` of syndicate.toml, checked, in the file's order."""
    path = settings.site / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the newsletters: {e}") from None
    tables = document.get("newsletters", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: newsletters must be [[newsletters]] tables")
    found = [parse_newsletter(t, f"{path}: newsletters[{i}]") for i, t in enumerate(tables)]
    check_unique(found, str(path))
    return found


def default_newsletter(settings: Settings) -> Newsletter:
    """Return the one newsletter of a site that declares none (its slug is provisional)."""
    name = settings.newsletter_name or settings.title
    return Newsletter(
        slug=slugify(name) or "newsletter",
        name=name,
        sender=settings.newsletter_from,
        reply_to=settings.reply_to,
        language=settings.language,
        declared=False,
        archive=settings.archive,
    )


def is_site(settings: Settings) -> bool:
    """Tell whether the settings come from a site folder (one with a syndicate.toml)."""
    return (settings.site / CONFIG_FILE).is_file()


def site_definitions(settings: Settings) -> list[Newsletter]:
    """Return the site's newsletters as the file declares them, without the store.

    The one newsletter of a site that declares none has its provisional slug here (the
    store keeps the slug it was first stored with).
    """
    return declared_newsletters(settings) or [default_newsletter(settings)]


def migration_default(settings: Settings) -> DefaultNewsletter:
    """Name the newsletter an older database's subscribers move to when it is migrated."""
    try:
        declared = declared_newsletters(settings)
    except ConfigError:
        declared = []  # the file will be refused where it is used; the store must still open
    if declared:
        return DefaultNewsletter(declared[0].slug, declared[0].name, is_default=False)
    default = default_newsletter(settings)
    return DefaultNewsletter(default.slug, default.name)


# Routing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """Where an article goes: the newsletters' slugs, and a signup name no newsletter has."""

    slugs: tuple[str, ...]
    unknown_name: str | None = None

    def describe(self, title: str) -> str | None:
        """Return the one line `publish` prints when the article named no newsletter we have."""
        if self.unknown_name is None:
            return None
        where = ", ".join(self.slugs) or "no newsletter"
        return (
            f"{title!r} names the newsletter {self.unknown_name!r}, which this site does not "
            f"have: sent by its tags to {where}"
        )


def find_by_name(newsletters: Sequence[Newsletter], name: str) -> Newsletter | None:
    """Return the newsletter called `name` (or by one of its aliases), ignoring case and punctuation."""
    wanted = name_key(name)
    for newsletter in newsletters:
        if wanted and wanted in {name_key(n) for n in (newsletter.name, *newsletter.aliases)}:
            return newsletter
    return None


def route(newsletters: Sequence[Newsletter], article: Article) -> Routing:
    """Choose the newsletters a new article goes to.

    The one its signup line names, only that one; otherwise every newsletter whose tags
    match the article's (or that takes every article).
    """
    if article.newsletter:
        named = find_by_name(newsletters, article.newsletter)
        if named is not None:
            return Routing((named.slug,))
    tag_slugs = {slugify(tag) for tag in article.tags}
    by_tags = tuple(n.slug for n in newsletters if n.takes(tag_slugs))
    unknown = article.newsletter or None
    return Routing(by_tags, unknown)

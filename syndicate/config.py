"""Settings: defaults < syndicate.toml < SYNDICATE_* environment < command-line flags.

Everything is read and validated once, into one frozen `Settings` that is passed
explicitly to whatever needs it.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from syndicate.errors import ConfigError

CONFIG_FILE = "syndicate.toml"
SECRET_FILE = ".syndicate-secret"
PLACEHOLDER_BASE_URL = "https://example.org"


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {value!r}")
    return value.strip()


def _int(key: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}") from None
    if isinstance(value, bool) or number < 0:
        raise ConfigError(f"{key}: expected a whole number of 0 or more, got {value!r}")
    return number


def _positive_int(key: str, value: Any) -> int:
    number = _int(key, value)
    if number < 1:
        raise ConfigError(f"{key}: expected a whole number of 1 or more, got {value!r}")
    return number


def _float(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or number < 0 or number != number:
        raise ConfigError(f"{key}: expected a number of 0 or more, got {value!r}")
    return number


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def _http_url(key: str, value: Any) -> str:
    text = _text(key, value)
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"{key}: expected an http(s) URL such as https://news.example.com, got {text!r}"
        )
    return text.rstrip("/")


def _timezone(key: str, value: Any) -> str:
    text = _text(key, value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{key}: unknown timezone {text!r} (use a name such as Europe/Berlin)"
        ) from None
    return text


def _address(key: str, value: Any) -> str:
    """Accept `addr@host` or `Display Name <addr@host>`; keep what was written."""
    text = _text(key, value)
    _, address = parseaddr(text)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as e:
        raise ConfigError(f"{key}: {text!r} is not a usable email address: {e}") from None
    return text


def _smtp_url(key: str, value: Any) -> str:
    text = _text(key, value)
    parts = urlsplit(text)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError(f"{key}: expected smtp://[user@]host[:port] or smtps://..., got {text!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigError(f"{key}: bad port in {text!r}") from None
    return text


def _database_url(key: str, value: Any) -> str:
    text = _text(key, value)
    if not (text.startswith("sqlite") or text.startswith("postgresql")):
        raise ConfigError(
            f"{key}: expected a sqlite:/// or postgresql+psycopg:// URL, got {text!r}"
        )
    return text


@dataclass(frozen=True)
class Key:
    """One setting: where it lives in syndicate.toml, its variable, and its check."""

    field: str
    toml: str
    env: str
    check: Callable[[str, Any], Any]


KEYS: tuple[Key, ...] = (
    Key("title", "site.title", "SYNDICATE_TITLE", _text),
    Key("base_url", "site.base_url", "SYNDICATE_BASE_URL", _http_url),
    Key("language", "site.language", "SYNDICATE_LANGUAGE", _text),
    Key("timezone", "site.timezone", "SYNDICATE_TIMEZONE", _timezone),
    Key("author", "site.author", "SYNDICATE_AUTHOR", _text),
    Key("content_dir", "site.content_dir", "SYNDICATE_CONTENT_DIR", _text),
    Key("feed_entries", "feeds.entries", "SYNDICATE_FEED_ENTRIES", _positive_int),
    Key("newsletter_name", "newsletter.name", "SYNDICATE_NEWSLETTER", _text),
    Key("newsletter_from", "newsletter.from", "SYNDICATE_FROM", _address),
    Key("reply_to", "newsletter.reply_to", "SYNDICATE_REPLY_TO", _address),
    Key(
        "unsubscribe_mailto",
        "newsletter.unsubscribe_mailto",
        "SYNDICATE_UNSUBSCRIBE_MAILTO",
        _address,
    ),
    Key("bounce_address", "newsletter.bounce_address", "SYNDICATE_BOUNCE_ADDRESS", _address),
    Key("hold", "newsletter.hold", "SYNDICATE_HOLD", _bool),
    Key("web_url", "web.url", "SYNDICATE_WEB_URL", _http_url),
    Key("trusted_proxies", "web.trusted_proxies", "SYNDICATE_TRUSTED_PROXIES", _int),
    Key("signup_limit", "web.signup_limit", "SYNDICATE_SIGNUP_LIMIT", _positive_int),
    Key("database_url", "database.url", "SYNDICATE_DB", _database_url),
    Key("smtp_url", "smtp.url", "SYNDICATE_SMTP_URL", _smtp_url),
    Key("smtp_password", "smtp.password", "SYNDICATE_SMTP_PASSWORD", _text),
    Key("smtp_timeout", "smtp.timeout", "SYNDICATE_SMTP_TIMEOUT", _float),
    Key("smtp_ca_file", "smtp.ca_file", "SYNDICATE_SMTP_CA_FILE", _text),
    Key("rate", "send.rate", "SYNDICATE_RATE", _float),
    Key("connections", "send.connections", "SYNDICATE_CONNECTIONS", _positive_int),
    Key("max_attempts", "send.max_attempts", "SYNDICATE_MAX_ATTEMPTS", _positive_int),
    Key("retry_delay", "send.retry_delay", "SYNDICATE_RETRY_DELAY", _float),
    Key("bounce_threshold", "send.bounce_threshold", "SYNDICATE_BOUNCE_THRESHOLD", _positive_int),
    Key("secret", "", "SYNDICATE_SECRET", _text),
)


@dataclass(frozen=True)
class Settings:
    """Every setting of one site, validated."""

    site: Path
    title: str
    base_url: str = PLACEHOLDER_BASE_URL
    language: str = "en"
    timezone: str = "UTC"
    author: str | None = None
    content_dir: str = "content"
    feed_entries: int = 20
    newsletter_name: str | None = None
    newsletter_from: str | None = None
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None
    bounce_address: str | None = None
    hold: bool = False
    web_url: str | None = None
    trusted_proxies: int = 0
    signup_limit: int = 5
    database_url: str | None = None
    smtp_url: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 30.0
    smtp_ca_file: str | None = None
    rate: float = 0.0
    connections: int = 4
    max_attempts: int = 5
    retry_delay: float = 300.0
    bounce_threshold: int = 3
    secret: str | None = None

    # Derived values: the defaults that depend on other settings.

    @property
    def site_author(self) -> str:
        return self.author or self.title

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def is_placeholder_url(self) -> bool:
        return self.base_url == PLACEHOLDER_BASE_URL

    @property
    def sender(self) -> str:
        """The From header: `Name <address>`, or the address alone as configured."""
        return self.newsletter_from or f"newsletter@{self.host}"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def unsubscribe_address(self) -> str:
        if self.unsubscribe_mailto:
            return parseaddr(self.unsubscribe_mailto)[1]
        return "unsubscribe@" + self.sender_address.rpartition("@")[2]

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.bounce_address)[1] if self.bounce_address else self.sender_address

    @property
    def public_web_url(self) -> str:
        return self.web_url or self.base_url

    @property
    def db_url(self) -> str:
        """The database URL; a relative SQLite path is taken from the site folder."""
        url = self.database_url or "sqlite:///syndicate.db"
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url[len(prefix) :].startswith(("/", ":memory:")):
            return prefix + str(self.site / url[len(prefix) :])
        return url

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_path(self) -> Path:
        return self.site / self.content_dir

    @property
    def feeds_path(self) -> Path:
        return self.site / "feeds"

    @property
    def outbox_path(self) -> Path:
        return self.site / "outbox"

    @property
    def templates_path(self) -> Path:
        return self.site / "templates"


def _flatten(document: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Turn `{"site": {"title": x}}` into `{"site.title": x}`, refusing unknown keys."""
    known = {key.toml for key in KEYS if key.toml}
    sections = {name.split(".")[0] for name in known}
    flat: dict[str, Any] = {}
    for section, table in document.items():
        if section == "newsletters":  # [[newsletters]]: read by newsletter.definitions
            continue
        if section not in sections or not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown setting [{section}]")
        for name, value in table.items():
            dotted = f"{section}.{name}"
            if dotted not in known:
                raise ConfigError(f"{path}: unknown setting {dotted}")
            flat[dotted] = value
    return flat


def read_config_file(site: Path) -> dict[str, Any]:
    """Return the site's syndicate.toml as dotted keys, or nothing when there is none."""
    path = site / CONFIG_FILE
    if not path.exists():
        return {}
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; the settings must be a file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or e})") from None
    return _flatten(document, path)


def load_settings(
    site: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the site's Settings from its file, the environment and explicit overrides."""
    env = os.environ if environ is None else environ
    site_path = Path(site or env.get("SYNDICATE_SITE") or ".").expanduser().resolve()
    if site_path.exists() and not site_path.is_dir():
        raise ConfigError(f"{site_path}: the site must be a folder")
    from_file = read_config_file(site_path)
    values: dict[str, Any] = {}
    for key in KEYS:
        if key.toml and key.toml in from_file:
            try:
                values[key.field] = key.check(key.toml, from_file[key.toml])
            except ConfigError as e:
                raise ConfigError(f"{site_path / CONFIG_FILE}: {e}") from None
        if env.get(key.env, "") != "":
            values[key.field] = key.check(key.env, env[key.env])
    known = {f.name for f in fields(Settings)}
    for name, value in overrides.items():
        if name not in known:
            raise TypeError(f"unknown setting {name}")
        if value is not None:
            check = next((k.check for k in KEYS if k.field == name), None)
            values[name] = check(f"--{name.replace('_', '-')}", value) if check else value
    values.setdefault("title", site_path.name or "syndicate")
    return Settings(site=site_path, **values)


def _read_secret(path: Path) -> str:
    """Read the generated secret; FileNotFoundError when there is none yet."""
    # Deleting the file makes a new secret, which breaks every link already sent: say so.
    advice = "restore it, or delete it for a new one (links already sent stop working)"
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not a secret"
        raise ConfigError(f"{path}: cannot read the signing secret ({reason}): {advice}") from None
    if not secret:
        # An empty key would sign links anyone can forge.
        raise ConfigError(f"{path}: the signing secret is empty: {advice}")
    return secret


def site_secret(settings: Settings) -> str:
    """Return the signing secret: SYNDICATE_SECRET, else one generated once into the site."""
    if settings.secret:
        return settings.secret
    path = settings.site / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    settings.site.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(48)
    # Written whole under a private name, then linked into place: a process starting at the
    # same moment sees no secret or all of it, never an empty file.
    private = path.with_name(f"{SECRET_FILE}.{os.getpid()}.tmp")
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    try:
        os.link(private, path)
    except FileExistsError:  # another process made it first: use theirs
        return _read_secret(path)
    finally:
        private.unlink()
    return token


CONFIG_TEMPLATE = """\
# syndicate.toml: the settings of this site. Every key is optional; the environment
# (SYNDICATE_*) overrides this file, and command-line flags override both.

[site]
# title = "{title}"                      # SYNDICATE_TITLE
# The public address of the site: feeds, links and entry ids are built from it.
# Entry ids are permanent: set this before the first publish.
# base_url = "https://news.example.com"  # SYNDICATE_BASE_URL
# language = "en"                        # SYNDICATE_LANGUAGE
# timezone = "UTC"                       # SYNDICATE_TIMEZONE (dates without a time are midnight here)
# author = "{title}"                     # SYNDICATE_AUTHOR
# content_dir = "content"                # SYNDICATE_CONTENT_DIR (what `syndicate run` publishes)

[feeds]
# entries = 20                           # SYNDICATE_FEED_ENTRIES

[newsletter]
# name = "The Example Newsletter"        # SYNDICATE_NEWSLETTER (default: the site title)
# from = "The Example Desk <newsletter@news.example.com>"   # SYNDICATE_FROM
# reply_to = "editors@news.example.com"  # SYNDICATE_REPLY_TO
# unsubscribe_mailto = "unsubscribe@news.example.com"       # SYNDICATE_UNSUBSCRIBE_MAILTO
# bounce_address = "bounces@news.example.com"               # SYNDICATE_BOUNCE_ADDRESS
# hold = false                           # SYNDICATE_HOLD: hold new issues for review

[web]
# url = "https://news.example.com/newsletter"  # SYNDICATE_WEB_URL: where `syndicate serve` is reached
# trusted_proxies = 0                    # SYNDICATE_TRUSTED_PROXIES: proxies in front of `serve`
# signup_limit = 5                       # SYNDICATE_SIGNUP_LIMIT: signups per address / client per hour

[database]
# url = "sqlite:///syndicate.db"         # SYNDICATE_DB (postgresql+psycopg://user@host/db for PostgreSQL)

[smtp]
# url = "smtp://user@mail.example.com:587"   # SYNDICATE_SMTP_URL; unset: mail goes to outbox/
# password: set SYNDICATE_SMTP_PASSWORD rather than writing it here
# timeout = 30                           # SYNDICATE_SMTP_TIMEOUT (seconds)
# ca_file = "/etc/ssl/private-ca.pem"    # SYNDICATE_SMTP_CA_FILE: trust this CA too (a private relay)

[send]
# rate = 0                               # SYNDICATE_RATE: messages per second, 0 = no limit
# connections = 4                        # SYNDICATE_CONNECTIONS
# max_attempts = 5                       # SYNDICATE_MAX_ATTEMPTS for a deferred (4xx) delivery
# retry_delay = 300                      # SYNDICATE_RETRY_DELAY: seconds before the first retry; doubles each time
# bounce_threshold = 3                   # SYNDICATE_BOUNCE_THRESHOLD: soft bounces before "bounced"

# Several newsletters: declare each (`syndicate newsletters add` writes these for you).
# Without any, the site has one, named by newsletter.name above, taking every article.
# [[newsletters]]
# slug = "morning"                       # fixed once used: it is the List-Id
# name = "The Morning Briefing"          # an article's "Subscribe to ..." line picks it by name
# description = "The day's news at seven"
# cadence = "immediate"
# tags = []                              # the articles it takes by tag; empty: every article
# aliases = ["Morning Briefing"]         # other names articles call it
# public = true                          # offered on the signup page
# subscribe_on_signup = true             # ticked by default on the signup page
"""

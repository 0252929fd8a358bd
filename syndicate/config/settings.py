"""The settings table: every setting's file key, variable and check, and the typed `Settings`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from syndicate.config import checks
from syndicate.secret_strength import secret_text, signing_secret

PLACEHOLDER_BASE_URL = "https://example.org"


@dataclass(frozen=True)
class Key:
    """One setting: where it lives in syndicate.toml, its variable, and its check."""

    field: str
    toml: str
    env: str
    check: Callable[[str, Any], Any]


KEYS: tuple[Key, ...] = (
    Key("title", "site.title", "SYNDICATE_TITLE", checks.as_text),
    Key("base_url", "site.base_url", "SYNDICATE_BASE_URL", checks.as_http_url),
    Key("language", "site.language", "SYNDICATE_LANGUAGE", checks.as_text),
    Key("timezone", "site.timezone", "SYNDICATE_TIMEZONE", checks.as_timezone),
    Key("author", "site.author", "SYNDICATE_AUTHOR", checks.as_text),
    Key("content_dir", "site.content_dir", "SYNDICATE_CONTENT_DIR", checks.as_text),
    Key("feed_entries", "feeds.entries", "SYNDICATE_FEED_ENTRIES", checks.as_positive_count),
    Key("websub_hub", "feeds.websub_hub", "SYNDICATE_WEBSUB_HUB", checks.as_http_url),
    Key("newsletter_name", "newsletter.name", "SYNDICATE_NEWSLETTER", checks.as_text),
    Key("newsletter_from", "newsletter.from", "SYNDICATE_FROM", checks.as_address),
    Key("reply_to", "newsletter.reply_to", "SYNDICATE_REPLY_TO", checks.as_address),
    Key(
        "unsubscribe_mailto",
        "newsletter.unsubscribe_mailto",
        "SYNDICATE_UNSUBSCRIBE_MAILTO",
        checks.as_address,
    ),
    Key(
        "bounce_address", "newsletter.bounce_address", "SYNDICATE_BOUNCE_ADDRESS", checks.as_address
    ),
    Key("verp", "newsletter.verp", "SYNDICATE_VERP", checks.as_bool),
    Key("hold", "newsletter.hold", "SYNDICATE_HOLD", checks.as_bool),
    Key("archive", "newsletter.archive", "SYNDICATE_ARCHIVE", checks.as_bool),
    Key("max_age", "newsletter.max_age", "SYNDICATE_MAX_AGE", checks.as_duration),
    Key("delay", "newsletter.delay", "SYNDICATE_DELAY", checks.as_duration),
    Key("web_url", "web.url", "SYNDICATE_WEB_URL", checks.as_http_url),
    Key("trusted_proxies", "web.trusted_proxies", "SYNDICATE_TRUSTED_PROXIES", checks.as_count),
    Key("signup_limit", "web.signup_limit", "SYNDICATE_SIGNUP_LIMIT", checks.as_positive_count),
    Key(
        "confirmation_cap",
        "web.confirmation_cap",
        "SYNDICATE_CONFIRMATION_CAP",
        checks.as_positive_count,
    ),
    Key("database_url", "database.url", "SYNDICATE_DB", checks.as_database_url),
    Key("smtp_url", "smtp.url", "SYNDICATE_SMTP_URL", checks.as_smtp_url),
    Key("smtp_password", "smtp.password", "SYNDICATE_SMTP_PASSWORD", secret_text),
    Key("smtp_timeout", "smtp.timeout", "SYNDICATE_SMTP_TIMEOUT", checks.as_number),
    Key("smtp_ca_file", "smtp.ca_file", "SYNDICATE_SMTP_CA_FILE", checks.as_text),
    Key("rate", "send.rate", "SYNDICATE_RATE", checks.as_number),
    Key("connections", "send.connections", "SYNDICATE_CONNECTIONS", checks.as_positive_count),
    Key("max_attempts", "send.max_attempts", "SYNDICATE_MAX_ATTEMPTS", checks.as_positive_count),
    Key("retry_delay", "send.retry_delay", "SYNDICATE_RETRY_DELAY", checks.as_number),
    Key(
        "bounce_threshold",
        "send.bounce_threshold",
        "SYNDICATE_BOUNCE_THRESHOLD",
        checks.as_positive_count,
    ),
    Key(
        "soft_bounce_limit",
        "send.soft_bounce_limit",
        "SYNDICATE_SOFT_BOUNCE_LIMIT",
        checks.as_positive_count,
    ),
    Key(
        "soft_bounce_window",
        "send.soft_bounce_window",
        "SYNDICATE_SOFT_BOUNCE_WINDOW",
        checks.as_positive_count,
    ),
    Key("refusal_limit", "send.refusal_limit", "SYNDICATE_REFUSAL_LIMIT", checks.as_positive_count),
    Key("inbound_url", "inbound.url", "SYNDICATE_INBOUND_URL", checks.as_inbound_url),
    Key("inbound_password", "", "SYNDICATE_INBOUND_PASSWORD", secret_text),
    Key("inbound_ca_file", "inbound.ca_file", "SYNDICATE_INBOUND_CA_FILE", checks.as_text),
    Key("sources_pool", "sources.pool", "SYNDICATE_SOURCES_POOL", checks.as_positive_count),
    Key("sources_timeout", "sources.timeout", "SYNDICATE_SOURCES_TIMEOUT", checks.as_duration),
    Key("secret", "", "SYNDICATE_SECRET", signing_secret),
    Key("dkim_domain", "dkim.domain", "SYNDICATE_DKIM_DOMAIN", checks.as_domain),
    Key("dkim_selector", "dkim.selector", "SYNDICATE_DKIM_SELECTOR", checks.as_domain),
    Key("dkim_key_file", "dkim.key_file", "SYNDICATE_DKIM_KEY_FILE", checks.as_text),
    Key("dkim_key", "", "SYNDICATE_DKIM_KEY", secret_text),
    Key("nameserver", "check.nameserver", "SYNDICATE_NAMESERVER", checks.as_host_port),
    Key("webhook_secret", "webhooks.secret", "SYNDICATE_WEBHOOK_SECRET", signing_secret),
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
    websub_hub: str | None = None  # a WebSub hub the feeds name and every publish pings
    newsletter_name: str | None = None
    newsletter_from: str | None = None
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None
    bounce_address: str | None = None
    verp: bool = True  # envelope sender bounces+<token>@, mailto unsubscribe+<token>@
    hold: bool = False
    archive: bool = True  # each sent issue becomes a public page under archive/
    max_age: float = 7 * 86400.0  # seconds; 0: no check
    delay: float = 0.0  # seconds a new issue waits, so `newsletter cancel` can undo it
    web_url: str | None = None
    trusted_proxies: int = 0
    signup_limit: int = 5
    confirmation_cap: int = 3  # confirmation emails per address per day from the web
    database_url: str | None = None
    smtp_url: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 30.0
    smtp_ca_file: str | None = None
    rate: float = 0.0
    connections: int = 4
    max_attempts: int = 5
    retry_delay: float = 300.0
    bounce_threshold: int | None = None  # deprecated: the old name of soft_bounce_limit
    soft_bounce_limit: int | None = None
    soft_bounce_window: int = 5
    refusal_limit: int = 5
    inbound_url: str | None = None
    inbound_password: str | None = None
    inbound_ca_file: str | None = None
    sources_pool: int = 8  # followed feeds fetched at once
    sources_timeout: float = 20.0  # seconds a followed feed may take to answer
    secret: str | None = None
    dkim_domain: str | None = None
    dkim_selector: str | None = None
    dkim_key_file: str | None = None
    dkim_key: str | None = None  # the private key's PEM itself (SYNDICATE_DKIM_KEY)
    nameserver: str | None = None  # host:port of the DNS server `syndicate check` asks
    webhook_secret: str | None = None

    # Derived values: the defaults that depend on other settings. The addresses are
    # cached (parseaddr is slow, and the sender asks for them for every message).

    @property
    def site_author(self) -> str:
        return self.author or self.title

    @cached_property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def is_placeholder_url(self) -> bool:
        return self.base_url == PLACEHOLDER_BASE_URL

    @property
    def sender(self) -> str:
        """The From header: `Name <address>`, or the address alone as configured."""
        return self.newsletter_from or f"newsletter@{self.host}"

    @cached_property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @cached_property
    def unsubscribe_address(self) -> str:
        if self.unsubscribe_mailto:
            return parseaddr(self.unsubscribe_mailto)[1]
        return "unsubscribe@" + self.sender_address.rpartition("@")[2]

    @cached_property
    def envelope_sender(self) -> str:
        return parseaddr(self.bounce_address)[1] if self.bounce_address else self.sender_address

    @property
    def soft_bounces_to_stop(self) -> int:
        """Soft-bounced deliveries, of the last `soft_bounce_window`, that bounce a subscriber."""
        return self.soft_bounce_limit or self.bounce_threshold or 3

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
    def dkim_key_path(self) -> Path | None:
        """The DKIM private key file, relative to the site folder unless absolute."""
        return self.site / self.dkim_key_file if self.dkim_key_file else None

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
    def uses_outbox(self) -> bool:
        """Return whether mail is written to outbox/ instead of sent (no smtp.url, or "outbox")."""
        return not self.smtp_url or self.smtp_url == checks.OUTBOX

    @property
    def outbox_chosen(self) -> bool:
        """Return whether the site asked for the outbox (smtp.url = "outbox"), not merely lacks SMTP."""
        return self.smtp_url == checks.OUTBOX

    @property
    def outbox_path(self) -> Path:
        return self.site / "outbox"

    @property
    def templates_path(self) -> Path:
        return self.site / "templates"

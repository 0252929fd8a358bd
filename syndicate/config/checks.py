"""The checks a setting's value passes: each takes the key (for the message) and the raw value.

Every failure is a ConfigError naming the key and what was expected.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syndicate.errors import AddressError, ConfigError


def as_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {value!r}")
    return value.strip()


def as_count(key: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}") from None
    if isinstance(value, bool) or number < 0:
        raise ConfigError(f"{key}: expected a whole number of 0 or more, got {value!r}")
    return number


def as_positive_count(key: str, value: Any) -> int:
    number = as_count(key, value)
    if number < 1:
        raise ConfigError(f"{key}: expected a whole number of 1 or more, got {value!r}")
    return number


def as_number(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or number < 0 or number != number:
        raise ConfigError(f"{key}: expected a number of 0 or more, got {value!r}")
    return number


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)?")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def as_duration(key: str, value: Any) -> float:
    """Read a duration in seconds: a number of seconds, or `30s`, `10m`, `2h`, `7d`."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f"{key}: expected a duration such as 0, 90s, 10m, 2h or 7d, got {value!r}"
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]


def as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def _split(text: str) -> SplitResult:
    """Split a URL; one urlsplit refuses (an unclosed [IPv6] host) reads as no URL at all."""
    try:
        return urlsplit(text)
    except ValueError:
        return urlsplit("")


def as_http_url(key: str, value: Any) -> str:
    text = as_text(key, value)
    parts = _split(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"{key}: expected an http(s) URL such as https://news.example.com, got {text!r}"
        )
    return text.rstrip("/")


def as_timezone(key: str, value: Any) -> str:
    text = as_text(key, value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{key}: unknown timezone {text!r} (use a name such as Europe/Berlin)"
        ) from None
    return text


def as_address(key: str, value: Any) -> str:
    """Accept `addr@host` or `Display Name <addr@host>`; keep what was written."""
    # Imported here: the subscribers package loads settings, so a top-level import would loop.
    from syndicate.subscribers.addresses import normalize_address

    text = as_text(key, value)
    _, address = parseaddr(text)
    try:
        normalize_address(address)  # the one address check, as a subscriber's address passes
    except AddressError as e:
        where = key if address == text else f"{key}: in {text!r}"
        raise ConfigError(f"{where}: {e}") from None
    return text


OUTBOX = "outbox"  # smtp.url's value for a site that means to write mail to outbox/


def _check_port(key: str, text: str) -> None:
    """Refuse a URL whose port is no number or out of range (urlsplit says so only when asked)."""
    try:
        urlsplit(text).port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigError(f"{key}: bad port in {text!r}") from None


def as_smtp_url(key: str, value: Any) -> str:
    text = as_text(key, value)
    if text == OUTBOX:
        return text
    parts = _split(text)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError(
            f'{key}: expected smtp://[user@]host[:port], smtps://... or "outbox", got {text!r}'
        )
    _check_port(key, text)
    return text


def as_inbound_url(key: str, value: Any) -> str:
    """Accept imaps://user@host[:port]/FOLDER, imap://... (STARTTLS) or maildir:///path."""
    text = as_text(key, value)
    parts = _split(text)
    if parts.scheme == "maildir":
        if parts.netloc or not parts.path.startswith("/"):
            raise ConfigError(f"{key}: expected maildir:///absolute/path, got {text!r}")
        return text
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname or not parts.username:
        raise ConfigError(
            f"{key}: expected imaps://user@host/INBOX, imap://user@host/INBOX or "
            f"maildir:///path, got {text!r}"
        )
    if parts.password is not None:
        raise ConfigError(f"{key}: put the password in SYNDICATE_INBOUND_PASSWORD, not the URL")
    _check_port(key, text)
    return text


def as_database_url(key: str, value: Any) -> str:
    text = as_text(key, value)
    if not (text.startswith("sqlite") or text.startswith("postgresql")):
        raise ConfigError(
            f"{key}: expected a sqlite:/// or postgresql+psycopg:// URL, got {text!r}"
        )
    return text


_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def as_domain(key: str, value: Any) -> str:
    """Accept a DNS name (or a DKIM selector): dot-separated labels of letters, digits, - and _."""
    text = as_text(key, value).rstrip(".").lower()
    if not all(_LABEL.fullmatch(label) for label in text.split(".")):
        raise ConfigError(f"{key}: expected a domain name such as news.example.com, got {value!r}")
    return text


HOST_PORT = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+)(?::(?P<port>[0-9]{1,5}))?")


def as_host_port(key: str, value: Any) -> str:
    """Accept `host:port` (a bracketed IPv6 address too), or a host alone for port 53."""
    text = as_text(key, value)
    found = HOST_PORT.fullmatch(text)
    if not found or not 0 < int(found["port"] or 53) < 65536:
        raise ConfigError(f"{key}: expected host:port such as 127.0.0.1:53, got {value!r}")
    return text

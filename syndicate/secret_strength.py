"""The rules a secret setting must meet: never echoed in a message, strong enough to sign.

A signing secret of one character makes every signed link forgeable, so a short or
repetitive one is refused rather than used.
"""

from __future__ import annotations

from typing import Any

from syndicate.errors import ConfigError

MIN_LENGTH = 32
MIN_DISTINCT = 10
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def secret_text(key: str, value: Any) -> str:
    """Accept a non-empty string without ever printing it (cron mails what is printed)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string in quotes (the value is not shown)")
    return value.strip()


def check_signing_secret(where: str, secret: str) -> str:
    """Refuse a signing secret that is short or made of few distinct characters."""
    if len(secret) < MIN_LENGTH or len(set(secret)) < MIN_DISTINCT:
        raise ConfigError(
            f"{where}: the signing secret is too weak (it needs {MIN_LENGTH} characters or "
            f"more, {MIN_DISTINCT} of them different): make one with {NEW_SECRET} "
            "(links already sent stop working when the secret changes)"
        )
    return secret


def signing_secret(key: str, value: Any) -> str:
    """Check SYNDICATE_SECRET: a string, strong enough to sign links."""
    return check_signing_secret(key, secret_text(key, value))

"""Signed tokens for the links in emails: itsdangerous, the site secret, one salt per purpose."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from syndicate.config import Settings, site_secret
from syndicate.errors import TokenError
from syndicate.store import storable_id

# How long a link of each purpose stays valid; None: for as long as the secret is kept.
# An unsubscribe or manage link in an old issue must keep working, a confirmation link must not.
LIFETIMES: dict[str, timedelta | None] = {
    "confirm": timedelta(days=7),
    "unsubscribe": None,
    "manage": None,
}
NAMES = {"confirm": "confirmation", "unsubscribe": "unsubscribe", "manage": "manage"}


class _ClockSigner(TimestampSigner):
    """A TimestampSigner whose clock can be set, so tests can sign and read at any moment."""

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp()) if self._now is not None else super().get_timestamp()


def _serializer(settings: Settings, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    if now is None:
        return _current_serializer(site_secret(settings), purpose)
    return URLSafeTimedSerializer(
        site_secret(settings),
        salt=f"syndicate.{purpose}",
        signer=_ClockSigner,
        signer_kwargs={"now": now},
    )


@lru_cache(maxsize=16)
def _current_serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    """Return the serializer on the real clock, made once: the sender signs one per message."""
    return URLSafeTimedSerializer(
        secret, salt=f"syndicate.{purpose}", signer=_ClockSigner, signer_kwargs={"now": None}
    )


def make_token(
    settings: Settings, purpose: str, subscriber_id: int, *, now: datetime | None = None
) -> str:
    """Return a URL-safe token that names one subscriber for one purpose."""
    return _serializer(settings, purpose, now).dumps(subscriber_id)


def read_token_issued(
    settings: Settings, purpose: str, token: str, *, now: datetime | None = None
) -> tuple[int, datetime]:
    """Return the subscriber id a token names and when it was signed.

    Raises TokenError when the token is tampered with, expired or made for another purpose.
    """
    lifetime = LIFETIMES.get(purpose)
    max_age = int(lifetime.total_seconds()) if lifetime else None
    what = NAMES.get(purpose, purpose)
    try:
        value, issued = _serializer(settings, purpose, now).loads(
            token.strip(), max_age=max_age, return_timestamp=True
        )
    except SignatureExpired:
        days = lifetime.days if lifetime else 0
        raise TokenError(
            f"this {what} link has expired (links last {days} days): sign up again for a new one"
        ) from None
    except BadSignature:
        other = _other_purpose(settings, purpose, token.strip())
        if other:
            raise TokenError(f"this is {_a(NAMES[other])} link, not {_a(what)} link") from None
        raise TokenError(
            f"this {what} link is not valid: it was changed or cut short "
            "(copy the whole link from the email)"
        ) from None
    if not isinstance(value, int) or isinstance(value, bool) or not storable_id(value):
        raise TokenError(f"this {what} link is not valid")
    return value, issued


def read_token(settings: Settings, purpose: str, token: str, *, now: datetime | None = None) -> int:
    """Return the subscriber id a valid token of this purpose names."""
    return read_token_issued(settings, purpose, token, now=now)[0]


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _other_purpose(settings: Settings, purpose: str, token: str) -> str | None:
    """Name the purpose a token was really made for, to say so instead of "tampered"."""
    for other in LIFETIMES:
        if other == purpose:
            continue
        try:
            _serializer(settings, other, None).loads(token)
        except SignatureExpired:
            return other
        except BadSignature:
            continue
        return other
    return None

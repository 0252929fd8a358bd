"""Signed tokens for the links in emails: itsdangerous, the site secret, one salt per purpose.

Reading a token is itsdangerous's `URLSafeTimedSerializer.loads`. Signing one is the same
format written by `_LinkSigner`: the sender signs one link per message, and the serializer
spent most of a message's own CPU on it (a signer object, a key derivation, a zlib attempt
and a fresh HMAC per call). `_LinkSigner` derives the key and starts the HMAC once per
secret and purpose, then per token copies that state and feeds it the payload; a test holds
its tokens byte-equal to the serializer's.
"""

from __future__ import annotations

import hmac
import time
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes

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


class _LinkSigner:
    """Write `URLSafeTimedSerializer(secret, salt).dumps(n)` for an integer n, quickly.

    The serializer's token is `payload.timestamp.signature`, each part URL-safe base64
    without padding: the payload is the compact JSON of n (its digits; zlib never makes
    so short a text shorter, so it is never compressed), the timestamp the signing second
    as big-endian bytes, the signature the HMAC of `payload.timestamp` under the key the
    signer derives from the secret and the salt.
    """

    def __init__(self, secret: str, purpose: str) -> None:
        signer = _current_serializer(secret, purpose).make_signer()
        digest = signer.digest_method()
        self._mac = hmac.new(signer.derive_key(), digestmod=getattr(digest, "name", digest))
        self._sep = want_bytes(signer.sep)
        self._second = -1
        self._stamp = b""

    def sign(self, subscriber_id: int, second: int) -> str:
        """Return the token naming `subscriber_id`, signed at `second` (Unix time)."""
        if second != self._second:  # one encoding per second, not one per message
            self._stamp, self._second = base64_encode(int_to_bytes(second)), second
        value = base64_encode(str(subscriber_id).encode("ascii")) + self._sep + self._stamp
        mac = self._mac.copy()
        mac.update(value)
        return (value + self._sep + base64_encode(mac.digest())).decode("ascii")


@lru_cache(maxsize=16)
def _link_signer(secret: str, purpose: str) -> _LinkSigner:
    return _LinkSigner(secret, purpose)


def make_token(
    settings: Settings, purpose: str, subscriber_id: int, *, now: datetime | None = None
) -> str:
    """Return a URL-safe token that names one subscriber for one purpose."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    second = int(now.timestamp()) if now is not None else int(time.time())
    return _link_signer(site_secret(settings), purpose).sign(int(subscriber_id), second)


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

"""The return addresses that name a delivery: VERP bounces and the List-Unsubscribe mailto.

A token is lowercase base32 (RFC 4648, no padding; some servers lowercase local parts) of
a payload and a truncated HMAC-SHA256 of it under the site secret, one key per purpose:

    bounces+<token>@domain       delivery id (8 bytes) + 12 bytes of HMAC -> 32 characters
    unsubscribe+<token>@domain   subscriber id (8) + newsletter id (4) + 13 of HMAC -> 40

Both fit the 64-octet local part with room for the base name. A token that does not
verify names nothing: a stranger cannot bounce or unsubscribe anyone by guessing ids.
With `newsletter.verp = false` (a provider that refuses `+` addresses) the envelope sender
is the bare bounce address and the mailto carries its token in the subject instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from syndicate.config import Settings, site_secret

_VERP_MAC = 12
_MAILTO_MAC = 13
TOKEN = re.compile(r"[a-z2-7]{32}|[a-z2-7]{40}")
UNSUBSCRIBE_SUBJECT = "unsubscribe"


@dataclass(frozen=True)
class MembershipRef:
    """What a mailto token names: one subscriber on one newsletter (0: the site's only one)."""

    subscriber_id: int
    newsletter_id: int


@lru_cache(maxsize=16)
def _key(purpose: bytes, secret: str) -> bytes:
    """Return one purpose's HMAC key, derived once: the sender seals two tokens per message."""
    return hashlib.sha256(b"syndicate." + purpose + b"\0" + secret.encode()).digest()


def _mac(settings: Settings, purpose: bytes, payload: bytes, size: int) -> bytes:
    key = _key(purpose, site_secret(settings))
    return hmac.digest(key, payload, "sha256")[:size]


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def _decode(token: str, size: int) -> bytes | None:
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def _sealed(settings: Settings, purpose: bytes, payload: bytes, mac_size: int) -> str:
    """Return `payload` with its truncated HMAC, encoded as a token."""
    return _encode(payload + _mac(settings, purpose, payload, mac_size))


def _opened(
    settings: Settings, purpose: bytes, token: str, size: int, mac_size: int
) -> bytes | None:
    """Return the `size`-byte payload of a token made by `_sealed`, or None (tampered)."""
    raw = _decode(token, size + mac_size)
    if raw is None:
        return None
    payload, mac = raw[:size], raw[size:]
    if not hmac.compare_digest(mac, _mac(settings, purpose, payload, mac_size)):
        return None
    return payload


def verp_token(settings: Settings, delivery_id: int) -> str:
    """Return the token of one delivery's envelope sender."""
    return _sealed(settings, b"verp", delivery_id.to_bytes(8, "big"), _VERP_MAC)


def read_verp_token(settings: Settings, token: str) -> int | None:
    """Return the delivery id a VERP token names, or None when it does not verify."""
    payload = _opened(settings, b"verp", token, 8, _VERP_MAC)
    return int.from_bytes(payload, "big") or None if payload is not None else None


def mailto_token(settings: Settings, ref: MembershipRef) -> str:
    """Return the token of one membership's unsubscribe mailto."""
    payload = ref.subscriber_id.to_bytes(8, "big") + ref.newsletter_id.to_bytes(4, "big")
    return _sealed(settings, b"mailto", payload, _MAILTO_MAC)


def read_mailto_token(settings: Settings, token: str) -> MembershipRef | None:
    """Return the membership a mailto token names, or None when it does not verify."""
    payload = _opened(settings, b"mailto", token, 12, _MAILTO_MAC)
    subscriber_id = int.from_bytes(payload[:8], "big") if payload is not None else 0
    if payload is None or not subscriber_id:
        return None
    return MembershipRef(subscriber_id, int.from_bytes(payload[8:], "big"))


def tagged(address: str, token: str) -> str:
    """Return `local+token@domain` for `local@domain`."""
    local, _, domain = address.rpartition("@")
    return f"{local}+{token}@{domain}"


def envelope_sender(settings: Settings, delivery_id: int) -> str:
    """Return the envelope sender (bounce address) of one delivery."""
    if not settings.verp:
        return settings.envelope_sender
    return tagged(settings.envelope_sender, verp_token(settings, delivery_id))


def unsubscribe_mailto(settings: Settings, ref: MembershipRef) -> str:
    """Return the List-Unsubscribe mailto URI of one membership."""
    token = mailto_token(settings, ref)
    if not settings.verp:
        return f"mailto:{settings.unsubscribe_address}?subject={UNSUBSCRIBE_SUBJECT}%20{token}"
    address = tagged(settings.unsubscribe_address, token)
    return f"mailto:{address}?subject={UNSUBSCRIBE_SUBJECT}"


def token_for(base: str, address: str) -> str | None:
    """Return the token of `address` when it is `base` with a `+token`, else None.

    Only the local part's case is ignored (servers lowercase it); the domain must match.
    """
    local, _, domain = address.strip().strip("<>").rpartition("@")
    base_local, _, base_domain = base.rpartition("@")
    if domain.lower() != base_domain.lower():
        return None
    name, plus, token = local.partition("+")
    if not plus or name.lower() != base_local.lower():
        return None
    return token.lower()

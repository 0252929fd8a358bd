"""Subscriber addresses: validated by email-validator (no network), normalised, keyed."""

from __future__ import annotations

import hashlib

from email_validator import EmailNotValidError, validate_email

from syndicate.errors import AddressError


def normalize_address(text: str) -> str:
    """Return the address as syndicate stores it: ASCII, domain in IDNA form.

    Raises AddressError with one line a user can act on. Non-ASCII local parts are refused
    because most relays cannot deliver them (they need SMTPUTF8).
    """
    candidate = text.strip()
    if not candidate:
        raise AddressError("an email address is required")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as e:
        raise AddressError(f"{_shown(candidate)} is not a valid email address: {e}") from None
    if checked.smtputf8 or checked.ascii_email is None:
        raise AddressError(
            f"{_shown(candidate)}: non-ASCII characters before the @ are not supported "
            "(most mail servers cannot deliver to them); use an ASCII address"
        )
    return checked.ascii_email


def _shown(candidate: str, limit: int = 80) -> str:
    """Quote what was given, cut short: a CSV cell can hold a whole pasted page."""
    return repr(candidate if len(candidate) <= limit else candidate[: limit - 1] + "…")


def domain_of(address: str) -> str:
    """Return the domain of an address, lower-cased (the receiving or the sending one)."""
    return address.rpartition("@")[2].lower()


def email_key(address: str) -> str:
    """Return the key that makes an address unique regardless of case."""
    return address.lower()


def suppression_hash(address: str) -> str:
    """Return the sha256 hex digest kept for a removed address instead of the address."""
    return hashlib.sha256(email_key(address).encode("ascii")).hexdigest()

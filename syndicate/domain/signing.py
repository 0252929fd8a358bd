"""DKIM signatures (dkimpy), added by the transport to every message after splicing.

A message is signed once it is final for its recipient: after the splice, just before it
is handed to the relay or written to the outbox, so every path (issues, confirmations,
tests, welcome) is covered by the one place that sends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from syndicate.config import Settings
from syndicate.errors import ConfigError

# Headers a receiver reads to decide what the message is and who it is from; only those
# present are signed (an absent List-Id in a confirmation is not a promise).
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)
CANONICALIZATION = (b"relaxed", b"relaxed")


@dataclass(frozen=True)
class Signer:
    """A DKIM key and where its public half is published."""

    domain: str
    selector: str
    private_key: bytes  # PEM

    def sign(self, message: bytes) -> bytes:
        """Return `message` with a DKIM-Signature header in front."""
        parsed = dkim.DKIM(message)
        present = {name.lower() for name, _value in parsed.headers}
        try:
            signature: bytes = parsed.sign(
                self.selector.encode("ascii"),
                self.domain.encode("ascii"),
                self.private_key,
                canonicalize=CANONICALIZATION,
                include_headers=[name for name in SIGNED_HEADERS if name in present],
            )
        except dkim.DKIMException as e:
            raise ConfigError(f"cannot DKIM-sign with the key for {self.domain}: {e}") from e
        return signature + message

    @property
    def record_name(self) -> str:
        """Where the public key is published: `<selector>._domainkey.<domain>`."""
        return f"{self.selector}._domainkey.{self.domain}"


def private_key_pem(settings: Settings) -> bytes | None:
    """Return the configured private key's PEM (SYNDICATE_DKIM_KEY, else dkim.key_file)."""
    if settings.dkim_key:
        # An environment variable often carries the PEM's line breaks as a literal \n.
        return settings.dkim_key.replace("\\n", "\n").encode("ascii", "replace") + b"\n"
    path = settings.dkim_key_path
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(
            f"dkim.key_file: cannot read {path}: {e.strerror or e} "
            "(make one with: syndicate dkim keygen)"
        ) from e


def signer_for(settings: Settings) -> Signer | None:
    """Return the site's Signer, or None when no DKIM key is configured.

    A half-configured [dkim] table is refused rather than sent unsigned: the publisher
    who set one part meant to sign.
    """
    pem = private_key_pem(settings)
    parts = {"dkim.domain": settings.dkim_domain, "dkim.selector": settings.dkim_selector}
    if pem is None and not any(parts.values()):
        return None
    if pem is None:
        raise ConfigError(
            "[dkim] has no key: set dkim.key_file or SYNDICATE_DKIM_KEY "
            "(or make one with: syndicate dkim keygen)"
        )
    missing = [name for name, value in parts.items() if not value]
    if missing:
        raise ConfigError(f"a DKIM key is set but {' and '.join(missing)} is not")
    try:
        pem = traditional_pem(pem)
    except ValueError as e:
        where = (
            "SYNDICATE_DKIM_KEY" if settings.dkim_key else os.fspath(settings.dkim_key_path or "")
        )
        raise ConfigError(f"{where}: not an RSA private key in PEM form ({e})") from e
    assert settings.dkim_domain and settings.dkim_selector
    return Signer(settings.dkim_domain, settings.dkim_selector, pem)


def traditional_pem(pem: bytes) -> bytes:
    """Return an RSA key as dkimpy reads it (PKCS#1, `BEGIN RSA PRIVATE KEY`).

    A PKCS#8 key (`BEGIN PRIVATE KEY`, what `openssl genpkey` writes) is converted.
    Raises ValueError for anything that is not an RSA private key.
    """
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as e:
        raise ValueError(str(e).splitlines()[0] if str(e) else "unreadable") from e
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("DKIM signing here takes an RSA key")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )

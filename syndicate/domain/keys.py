"""`syndicate dkim keygen`: a new RSA key, the [dkim] table that uses it, the record to publish.

The key is written to `dkim/<selector>.pem` (0600, in a 0700 folder) and the [dkim] table
is added to syndicate.toml with tomlkit, so the publisher's comments stay where they were.
Signing starts with the next message; the record must be published for it to verify.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tomlkit.exceptions import TOMLKitError

from syndicate.atomic import write_atomic
from syndicate.config import CONFIG_FILE, Settings
from syndicate.errors import ConfigError
from syndicate.permissions import PRIVATE_FILE, private_folder
from syndicate.subscribers.addresses import domain_of

KEY_FOLDER = "dkim"
DEFAULT_SELECTOR = "syndicate"
KEY_BITS = 2048  # what Gmail and Yahoo ask for; 1024 is the floor receivers still accept
TXT_STRING_LIMIT = 255  # octets in one character-string of a TXT record (RFC 1035)


@dataclass(frozen=True)
class NewKey:
    """A key written and configured: where, and the record to publish."""

    path: Path
    domain: str
    selector: str
    record: str  # v=DKIM1; k=rsa; p=...

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def zone_line(self) -> str:
        """Return the record in zone-file form, in quoted strings of at most 255 octets."""
        return f"{self.record_name}. IN TXT ( {' '.join(quoted_strings(self.record))} )"


def quoted_strings(record: str) -> list[str]:
    """Split a TXT record's text into quoted character-strings of at most 255 octets."""
    data = record.encode("ascii")
    chunks = [data[i : i + TXT_STRING_LIMIT] for i in range(0, len(data), TXT_STRING_LIMIT)]
    return [f'"{chunk.decode("ascii")}"' for chunk in chunks]


def public_record(public_key: rsa.RSAPublicKey) -> str:
    """Return the DKIM TXT record for a public key: `v=DKIM1; k=rsa; p=<base64 DER>`."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode('ascii')}"


def sending_domain(settings: Settings) -> str:
    """Return the From address's domain; refuse when newsletter.from is not set yet."""
    if not settings.newsletter_from:
        raise ConfigError(
            "newsletter.from is not set: set it first (syndicate.toml or SYNDICATE_FROM), "
            "since the key signs for the From address's domain"
        )
    return domain_of(settings.sender_address)


def add_dkim_table(config: Path, domain: str, selector: str, key_file: str) -> None:
    """Set [dkim] domain, selector and key_file in syndicate.toml, keeping its comments."""
    try:
        text = config.read_text(encoding="utf-8") if config.exists() else ""
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, TOMLKitError) as e:
        raise ConfigError(f"{config}: cannot be read as TOML: {e}") from e
    table = document.get("dkim")
    if table is None:
        table = tomlkit.table()
        document.add("dkim", table)
    table["domain"] = domain
    table["selector"] = selector
    table["key_file"] = key_file
    mode = config.stat().st_mode & 0o777 if config.exists() else 0o644
    write_atomic(config, tomlkit.dumps(document).encode("utf-8"), mode=mode)


def generate_key(settings: Settings, selector: str = DEFAULT_SELECTOR) -> NewKey:
    """Make a key for the From domain, write it and the [dkim] table; return the record.

    An existing key file is never replaced: its record may be published and in use.
    """
    domain = sending_domain(settings)
    relative = f"{KEY_FOLDER}/{selector}.pem"
    path = settings.site / relative
    if path.exists():
        raise ConfigError(
            f"{path} exists: its record may be published already; keep it, or make a new "
            "key under another selector (syndicate dkim keygen --selector NAME)"
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    try:
        private_folder(path.parent)
        write_atomic(path, pem, mode=PRIVATE_FILE)
    except OSError as e:
        raise ConfigError(f"cannot write {path}: {e.strerror or e}") from e
    add_dkim_table(settings.site / CONFIG_FILE, domain, selector, relative)
    return NewKey(path, domain, selector, public_record(key.public_key()))


__all__ = ["DEFAULT_SELECTOR", "NewKey", "generate_key", "public_record", "quoted_strings"]

"""DKIM: keygen's record, served by a DNS server on 127.0.0.1, verifies what syndicate sends."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dns_server import dns_server
from site_helpers import add_settings, cli
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.domain.lookups import resolver_for, txt_records

FROM = "The Example Desk <desk@news.example.com>"


@pytest.fixture
def keyed(site: Path) -> Iterator[tuple[Path, str]]:
    """A site whose key `dkim keygen` made, and a DNS server holding the printed record."""
    add_settings(site, "newsletter", f'from = "{FROM}"')
    result = cli(site, "dkim", "keygen")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    (record,) = [line for line in lines if line.startswith("v=DKIM1; k=rsa; p=")]
    zone_line = lines[lines.index("in zone-file form:") + 1]
    assert zone_line.startswith("syndicate._domainkey.news.example.com. IN TXT ( ")
    with dns_server(zone_line) as nameserver:
        # The zone-file form and the one-line form are the same record.
        served = load_settings(site, environ={"SYNDICATE_NAMESERVER": nameserver})
        assert txt_records(resolver_for(served), "syndicate._domainkey.news.example.com") == [
            record
        ]
        yield site, nameserver


def verifies(message: bytes, nameserver: str, site: Path) -> bool:
    """Verify a message with dkimpy, looking its key up on the test's DNS server."""
    resolver = resolver_for(load_settings(site, environ={"SYNDICATE_NAMESERVER": nameserver}))

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        return txt_records(resolver, name.decode("ascii").rstrip("."))[0].encode("ascii")

    return bool(dkim.verify(message, dnsfunc=lookup))


def signed_headers(message: bytes) -> list[str]:
    sig = dkim.DKIM(message)
    (value,) = [v for name, v in sig.headers if name.lower() == b"dkim-signature"]
    tags = dkim.util.parse_tag_value(value.replace(b"\r\n", b""))
    assert tags[b"c"] == b"relaxed/relaxed"
    assert tags[b"d"] == b"news.example.com" and tags[b"s"] == b"syndicate"
    return [h.strip().decode() for h in tags[b"h"].split(b":")]


def test_keygen_writes_a_private_key_and_keeps_the_comments(keyed: tuple[Path, str]) -> None:
    site, _ = keyed
    key = site / "dkim" / "syndicate.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    config = (site / "syndicate.toml").read_text(encoding="utf-8")
    assert "max_age = 0" in config and "[newsletter]" in config
    settings = load_settings(site, environ={})
    assert (settings.dkim_domain, settings.dkim_selector) == ("news.example.com", "syndicate")
    assert settings.dkim_key_path == key


def test_zone_strings_are_at_most_255_octets(site: Path) -> None:
    add_settings(site, "newsletter", f'from = "{FROM}"')
    result = cli(site, "dkim", "keygen")
    zone_line = result.stdout.splitlines()[-1]
    strings = re.findall(r'"([^"]*)"', zone_line)
    assert [len(s) for s in strings][0] == 255 and all(len(s) <= 255 for s in strings)
    assert "".join(strings).startswith("v=DKIM1; k=rsa; p=") and len(strings) == 2


def test_a_signup_right_after_keygen_is_signed(
    keyed: tuple[Path, str], smtp_server: SMTPServer
) -> None:
    site, nameserver = keyed
    result = cli(site, "signup", "reader@example.net", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages
    assert received.data.startswith(b"DKIM-Signature: ")
    assert verifies(received.data, nameserver, site)
    assert {"from", "to", "subject", "date", "message-id"} <= set(signed_headers(received.data))
    tampered = received.data.replace(b"Confirm", b"Cnofirm", 1)
    assert tampered != received.data and not verifies(tampered, nameserver, site)


@pytest.mark.parametrize(
    "title", ["Ferry timetable changes", "Zürich café, naïve façades — ünïcödé"]
)
def test_issues_verify_with_plain_and_non_ascii_subjects(
    keyed: tuple[Path, str], title: str
) -> None:
    site, nameserver = keyed
    assert cli(site, "subscribers", "add", "reader@example.net", "--confirmed").exit_code == 0
    article = site / "content" / "ferry.md"
    article.write_text(
        f"---\ntitle: {title}\ndate: 2025-03-02\n---\n\n"
        "The ferry across the bay leaves at nine again, now that the pier is mended and the "
        "crews have finished painting the old waiting room by the harbour gate.\n",
        encoding="utf-8",
    )
    published = cli(site, "publish", str(article))
    assert published.exit_code == 0, published.output
    result = cli(site, "send")
    assert result.exit_code == 0, result.output
    (sent,) = (site / "outbox").glob("*.eml")
    message = sent.read_bytes()
    assert verifies(message, nameserver, site)
    headers = set(signed_headers(message))
    assert {"list-id", "list-unsubscribe", "list-unsubscribe-post", "subject"} <= headers
    if not title.isascii():
        assert b"Subject: =?utf-8?" in message


def test_a_pkcs8_key_in_the_environment_signs(site: Path, smtp_server: SMTPServer) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    add_settings(site, "dkim", 'domain = "news.example.com"', 'selector = "env"')
    env = {**smtp_server.env(), "SYNDICATE_DKIM_KEY": pem}
    assert cli(site, "signup", "reader@example.net", env=env).exit_code == 0
    (received,) = smtp_server.messages
    assert b"s=env;" in received.data.replace(b" ", b"")


def test_keygen_needs_a_from_address_and_never_replaces_a_key(site: Path) -> None:
    result = cli(site, "dkim", "keygen")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: newsletter.from is not set: set it first (syndicate.toml or SYNDICATE_FROM), "
        "since the key signs for the From address's domain\n",
    )
    add_settings(site, "newsletter", f'from = "{FROM}"')
    assert cli(site, "dkim", "keygen").exit_code == 0
    first = (site / "dkim" / "syndicate.pem").read_bytes()
    again = cli(site, "dkim", "keygen")
    assert again.exit_code == 1
    assert again.stderr.startswith(f"Error: {site / 'dkim' / 'syndicate.pem'} exists: ")
    assert (site / "dkim" / "syndicate.pem").read_bytes() == first


@pytest.mark.parametrize(
    ("lines", "env", "error"),
    [
        (
            ['domain = "news.example.com"'],
            {},
            "Error: [dkim] has no key: set dkim.key_file or SYNDICATE_DKIM_KEY "
            "(or make one with: syndicate dkim keygen)\n",
        ),
        (
            ['selector = "s1"'],
            {"SYNDICATE_DKIM_KEY": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA"},
            "Error: SYNDICATE_DKIM_KEY: not an RSA private key in PEM form",
        ),
    ],
)
def test_a_half_configured_key_sends_nothing(
    site: Path, smtp_server: SMTPServer, lines: list[str], env: dict[str, str], error: str
) -> None:
    add_settings(site, "dkim", *lines)
    if "selector" in lines[0]:
        add_settings(site, "dkim", 'domain = "news.example.com"')
    result = cli(site, "signup", "reader@example.net", env={**smtp_server.env(), **env})
    assert result.exit_code == 1
    assert result.stderr.startswith(error.rstrip("\n"))
    assert not smtp_server.messages
    assert os.environ.get("SYNDICATE_DKIM_KEY") is None

"""`syndicate check` against DNS servers on 127.0.0.1 serving a good and a broken zone."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dns_server import dns_server, unreachable
from site_helpers import add_settings, cli
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.domain.keys import public_record, quoted_strings
from syndicate.domain.lookups import resolver_for
from syndicate.domain.services import bounce_mailbox

FROM = "The Example Desk <desk@news.example.com>"


@pytest.fixture
def keyed_site(site: Path) -> tuple[Path, str]:
    """A site with a From address, an https web.url and a DKIM key; and the key's record."""
    add_settings(site, "newsletter", f'from = "{FROM}"')
    add_settings(site, "web", 'url = "https://news.example.com/newsletter"')
    result = cli(site, "dkim", "keygen")
    (record,) = [line for line in result.stdout.splitlines() if line.startswith("v=DKIM1")]
    return site, record


def zone(spf: str, dkim_record: str, dmarc: str | None) -> str:
    lines = [
        "$ORIGIN news.example.com.",
        f'@ 300 IN TXT "{spf}"',
        f"syndicate._domainkey 300 IN TXT ( {' '.join(quoted_strings(dkim_record))} )",
        "@ 300 IN MX 10 mx.news.example.com.",
        "mx 300 IN A 127.0.0.1",
    ]
    if dmarc:
        lines.append(f'_dmarc 300 IN TXT "{dmarc}"')
    return "\n".join(lines) + "\n"


def run_check(site: Path, nameserver: str, relay: SMTPServer) -> tuple[int, dict[str, str]]:
    result = cli(site, "check", env={**relay.env(), "SYNDICATE_NAMESERVER": nameserver})
    assert result.stderr == ""
    lines = {}
    for line in result.stdout.splitlines():
        status, name, text = line[:4].strip(), line[6:21].strip(), line[22:]
        assert status in ("ok", "FAIL", "warn", "--") and line[21] == " ", line
        lines[name] = f"{status} {text}"
    return result.exit_code, lines


def test_a_good_zone_passes_every_check(
    keyed_site: tuple[Path, str], tls_smtp_server: SMTPServer
) -> None:
    site, record = keyed_site
    good = zone("v=spf1 ip4:127.0.0.1 -all", record, "v=DMARC1; p=quarantine")
    with dns_server(good) as nameserver:
        code, lines = run_check(site, nameserver, tls_smtp_server)
    assert code == 0, lines
    assert lines.pop("bounce mailbox") == "-- not configured: bounces are not read back"
    assert all(line.startswith("ok ") for line in lines.values()), lines
    assert set(lines) == {
        "SPF", "relay in SPF", "DKIM", "DMARC", "alignment", "bounce MX",
        "STARTTLS", "one-click", "From domain",
    }  # fmt: skip
    assert lines["alignment"] == (
        "ok From news.example.com aligns with DKIM (news.example.com) and SPF (news.example.com)"
    )
    assert lines["DKIM"] == "ok syndicate._domainkey.news.example.com: the published key matches"


def test_a_broken_zone_names_each_failure_and_its_fix(
    keyed_site: tuple[Path, str], tls_smtp_server: SMTPServer
) -> None:
    site, _ = keyed_site
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    broken = zone("v=spf1 ip4:127.0.0.1", public_record(other.public_key()), None)
    with dns_server(broken) as nameserver:
        code, lines = run_check(site, nameserver, tls_smtp_server)
    assert code == 1
    assert lines["SPF"] == (
        'FAIL news.example.com: "v=spf1 ip4:127.0.0.1" does not end in ~all or -all '
        '(fix: end the record with "~all" (or "-all") so other senders fail SPF)'
    )
    key = serialization.load_pem_private_key(
        (site / "dkim" / "syndicate.pem").read_bytes(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    assert lines["DKIM"] == (
        "FAIL syndicate._domainkey.news.example.com: the published key is not the one "
        "syndicate signs with (fix: publish a TXT record at "
        f'syndicate._domainkey.news.example.com: "{public_record(key.public_key())}")'
    )
    assert lines["DMARC"].startswith("FAIL news.example.com: ")
    assert lines["DMARC"].endswith(
        "(fix: publish a TXT record at _dmarc.example.com: "
        '"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com")'
    )
    assert lines["alignment"].startswith("FAIL no DMARC record to align with")
    assert lines["STARTTLS"].startswith("ok ") and lines["one-click"].startswith("ok ")


def test_an_unreachable_nameserver_fails_every_dns_check_with_its_reason(
    keyed_site: tuple[Path, str], smtp_server: SMTPServer
) -> None:
    site, _ = keyed_site
    nameserver = unreachable()
    code, lines = run_check(site, nameserver, smtp_server)
    assert code == 1
    reason = f"no answer from {nameserver} within 5 s"
    fix = f"(fix: check that {nameserver} answers DNS (check.nameserver, SYNDICATE_NAMESERVER))"
    for name in ("SPF", "DKIM", "DMARC"):
        assert lines[name].startswith(f"FAIL {reason}"), lines[name]
        assert lines[name].endswith(fix)
    assert lines["bounce MX"].startswith(f"warn {reason}")
    assert lines["relay in SPF"].startswith("warn 127.0.0.1 (127.0.0.1) gets SPF temperror")
    assert lines["STARTTLS"] == (
        f"FAIL 127.0.0.1:{smtp_server.port} does not offer STARTTLS "
        "(fix: use a relay with TLS (smtps:// on port 465, or STARTTLS on 587))"
    )


def test_http_web_url_and_free_mail_from(site: Path, smtp_server: SMTPServer) -> None:
    add_settings(site, "newsletter", 'from = "someone@gmail.com"')
    add_settings(site, "web", 'url = "http://news.example.com"')
    with dns_server("$ORIGIN news.example.com.\n") as nameserver:
        code, lines = run_check(site, nameserver, smtp_server)
    assert code == 1
    assert lines["one-click"].startswith("FAIL http://news.example.com is not https")
    assert lines["From domain"].startswith("warn gmail.com is a free-mail provider")
    assert lines["DKIM"].startswith("FAIL no DKIM key: messages go unsigned")


def test_the_bounce_mailbox_check_reaches_the_server_or_finds_the_maildir(
    site: Path, tmp_path: Path
) -> None:
    def check(url: str) -> str:
        settings = load_settings(site, environ={"SYNDICATE_INBOUND_URL": url})
        found = bounce_mailbox(settings, resolver_for(settings))
        return f"{found.status.value} {found.text}"

    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        url = f"imap://bounces@127.0.0.1:{port}/INBOX"
        assert check(url) == f"ok imap://127.0.0.1:{port} answers"
    closed = check(f"imaps://bounces@127.0.0.1:{port}/INBOX")
    assert closed.startswith(f"warn cannot reach 127.0.0.1:{port}: ")
    # The folder `syndicate inbound` reads: the URL's path with its %-escapes undone.
    maildir = tmp_path / "bounce box"
    url = f"maildir://{quote(str(maildir))}"
    assert check(url) == f"warn {maildir} is not a Maildir (no new/ and cur/)"
    for part in ("new", "cur"):
        (maildir / part).mkdir(parents=True)
    assert check(url) == f"ok Maildir {maildir}"

"""The checks of `syndicate check` that talk to services: the relay, the web, the mailbox.

Also the relay's address against the SPF record (pyspf), and the From domain's kind.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import spf

from syndicate.config import Settings
from syndicate.domain.lookups import LIFETIME
from syndicate.domain.records import relay_host
from syndicate.domain.report import Check, Status
from syndicate.errors import ConfigError
from syndicate.inbound.mailboxes import imap_address, maildir_path
from syndicate.mailer import SMTPTransport
from syndicate.subscribers.addresses import domain_of

# Mailbox providers whose DMARC policy makes mail "from" them, sent by anyone else, fail.
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "zoho.com",
        "fastmail.com",
    ]
)
_PYSPF = threading.Lock()  # pyspf looks names up through one module-level function


def starttls(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The relay offers STARTTLS (or speaks TLS on connect) with a certificate that verifies."""
    if settings.uses_outbox:
        return Check(
            "STARTTLS",
            Status.FAIL,
            "no smtp.url: mail goes to outbox/, no relay",
            "set smtp.url (SYNDICATE_SMTP_URL) to your relay",
        )
    try:
        relay = SMTPTransport(settings)
    except ConfigError as e:
        return Check("STARTTLS", Status.FAIL, str(e), "correct the [smtp] settings")
    try:
        with _smtp(relay) as smtp:
            if not relay.implicit_tls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    return Check(
                        "STARTTLS",
                        Status.FAIL,
                        f"{relay.where} does not offer STARTTLS",
                        "use a relay with TLS (smtps:// on port 465, or STARTTLS on 587)",
                    )
                smtp.starttls(context=relay.context)
            version = smtp.sock.version() if isinstance(smtp.sock, ssl.SSLSocket) else "TLS"
    except ssl.SSLCertVerificationError as e:
        return Check(
            "STARTTLS",
            Status.FAIL,
            f"{relay.where}: {e.verify_message}",
            "give the relay a certificate for its name from a public CA "
            "(or trust a private CA with smtp.ca_file)",
        )
    except (OSError, smtplib.SMTPException) as e:
        reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
        return Check(
            "STARTTLS",
            Status.FAIL,
            f"cannot reach {relay.where}: {reason}",
            "check smtp.url and that the relay is up",
        )
    return Check("STARTTLS", Status.OK, f"{relay.where}: {version}, certificate valid")


@contextmanager
def _smtp(relay: SMTPTransport) -> Iterator[smtplib.SMTP]:
    timeout = min(relay.timeout, 10.0)
    smtp: smtplib.SMTP
    if relay.implicit_tls:
        smtp = smtplib.SMTP_SSL(relay.host, relay.port, timeout=timeout, context=relay.context)
    else:
        smtp = smtplib.SMTP(relay.host, relay.port, timeout=timeout)
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def one_click(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """web.url is https: RFC 8058 one-click unsubscribe needs an https List-Unsubscribe."""
    url = settings.public_web_url
    if url.startswith("https://"):
        return Check("one-click", Status.OK, f"{url} is https")
    return Check(
        "one-click",
        Status.FAIL,
        f"{url} is not https: one-click unsubscribe is ignored",
        "serve `syndicate serve` behind https and set web.url to that address",
    )


def bounce_mailbox(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The bounce mailbox (inbound.url) is set and answers."""
    url = settings.inbound_url
    if not url:
        return Check("bounce mailbox", Status.NOT_SET, "not configured: bounces are not read back")
    if not url.startswith("maildir:"):
        host, port = imap_address(url)
        where = f"{host}:{port}"
        try:
            socket.create_connection((host, port), timeout=LIFETIME).close()
        except OSError as e:
            return Check(
                "bounce mailbox",
                Status.WARN,
                f"cannot reach {where}: {e.strerror or e}",
                "check inbound.url and that the mail server is up",
            )
        return Check("bounce mailbox", Status.OK, f"{urlsplit(url).scheme}://{where} answers")
    folder = maildir_path(url)
    if (folder / "new").is_dir() and (folder / "cur").is_dir():
        return Check("bounce mailbox", Status.OK, f"Maildir {folder}")
    return Check(
        "bounce mailbox",
        Status.WARN,
        f"{folder} is not a Maildir (no new/ and cur/)",
        "point inbound.url at the Maildir the bounces are delivered to",
    )


def free_mail(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The From address is not at a free-mail provider (whose DMARC refuses other senders)."""
    domain = domain_of(settings.sender_address)
    if domain in FREE_MAIL:
        return Check(
            "From domain",
            Status.WARN,
            f"{domain} is a free-mail provider: its DMARC "
            "policy makes mail sent from elsewhere fail",
            "send from an address at a domain of your own (newsletter.from)",
        )
    return Check("From domain", Status.OK, f"{domain} is not a free-mail provider")


def relay_in_spf(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The relay's address passes SPF for the envelope sender (pyspf's check2).

    A warning at most: the address a submission relay answers on is not always the one it
    sends out from.
    """
    host = relay_host(settings)
    if host is None:
        return Check("relay in SPF", Status.NOT_SET, "no smtp.url: no relay to look up")
    try:
        address = socket.getaddrinfo(host, None)[0][4][0]
    except OSError as e:
        return Check("relay in SPF", Status.WARN, f"cannot resolve {host}: {e.strerror or e}")
    with _PYSPF:
        original = spf.DNSLookup
        spf.DNSLookup = _lookup_with(resolver)
        try:
            result, explanation = spf.check2(
                i=address, s=settings.envelope_sender, h=host, timeout=LIFETIME
            )
        finally:
            spf.DNSLookup = original
    if result == "pass":
        return Check(
            "relay in SPF", Status.OK, f"{address} passes SPF for {settings.envelope_sender}"
        )
    return Check(
        "relay in SPF",
        Status.WARN,
        f"{address} ({host}) gets SPF {result}: {explanation}",
        "if the relay sends from this address, add it to the SPF record",
    )


def _lookup_with(resolver: dns.resolver.Resolver) -> Any:
    """Return pyspf's DNS lookup function, asking `resolver` (check.nameserver)."""

    def lookup(name: str, qtype: str, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            answers = resolver.resolve(name, qtype, lifetime=LIFETIME)
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            return []
        except dns.exception.DNSException as e:
            raise spf.TempError(f"DNS {e}") from e
        # Each record type has its own rdata class; dnspython's answer yields the base class.
        values: dict[str, Callable[[Any], object]] = {
            "A": lambda r: r.address,
            "AAAA": lambda r: r.address,
            "MX": lambda r: (r.preference, r.exchange),
            "PTR": lambda r: r.target.to_text(True),
            "TXT": lambda r: r.strings,
            "SPF": lambda r: r.strings,
        }
        return [((name, qtype), values[qtype](r)) for r in answers if qtype in values]

    return lookup

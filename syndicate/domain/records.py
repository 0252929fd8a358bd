"""The DNS checks of `syndicate check`: SPF, the DKIM key, DMARC, alignment, MX for bounces.

SPF and DMARC records are read and parsed by checkdmarc (its record functions only: its
whole-domain check would also fetch MTA-STS over HTTPS and probe the MX hosts over SMTP).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import checkdmarc.dmarc
import checkdmarc.spf
import dkim.util
import dns.exception
import dns.resolver
from checkdmarc.utils import get_base_domain
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from syndicate.config import Settings
from syndicate.domain.keys import public_record
from syndicate.domain.lookups import (
    LIFETIME,
    failure,
    mx_hosts,
    nameserver_fix,
    txt_records,
    unanswered,
    where,
)
from syndicate.domain.report import Check, Status
from syndicate.domain.signing import signer_for
from syndicate.errors import ConfigError
from syndicate.subscribers.addresses import domain_of

SPF_LOOKUP_LIMIT = 10  # RFC 7208 4.6.4: more and receivers answer permerror
SPF_ENDINGS = {"fail": "-all", "softfail": "~all"}


def relay_host(settings: Settings) -> str | None:
    """Return the host of smtp.url, or None when mail goes to the outbox."""
    return None if settings.uses_outbox else urlsplit(settings.smtp_url or "").hostname


def _spf_mechanism(settings: Settings) -> str:
    """Suggest the mechanism that lets the relay send for the domain."""
    host = relay_host(settings)
    if host is None:
        return "include:<your mail provider's SPF domain>"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"a:{host}"
    return f"ip{address.version}:{address}"


def spf(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The envelope domain's SPF record: present, parses, <= 10 lookups, ends ~all or -all."""
    domain = domain_of(settings.envelope_sender)
    result: dict[str, Any] = checkdmarc.spf.check_spf(domain, resolver=resolver, timeout=LIFETIME)
    record = result.get("record")
    suggestion = f'publish a TXT record at {domain}: "v=spf1 {_spf_mechanism(settings)} ~all"'
    if not record:
        return _record_missing("SPF", domain, str(result.get("error")), suggestion, resolver)
    if not result.get("valid"):
        return Check(
            "SPF",
            Status.FAIL,
            f'{domain}: "{record}": {result.get("error")}',
            "correct the record's syntax",
        )
    lookups = int(result.get("dns_lookups") or 0)
    if lookups > SPF_LOOKUP_LIMIT:
        return Check(
            "SPF",
            Status.FAIL,
            f"{domain}: {lookups} DNS lookups (at most 10 count)",
            "replace include: mechanisms by the addresses they name (ip4:, ip6:)",
        )
    ending = SPF_ENDINGS.get(str((result.get("parsed") or {}).get("all")))
    if ending is None:
        return Check(
            "SPF",
            Status.FAIL,
            f'{domain}: "{record}" does not end in ~all or -all',
            'end the record with "~all" (or "-all") so other senders fail SPF',
        )
    text = f'{domain}: "{record}" ({lookups} of 10 lookups, ends {ending})'
    return Check("SPF", Status.OK, text, facts={"domain": domain})


def _record_missing(
    name: str, domain: str, error: str, fix: str, resolver: dns.resolver.Resolver
) -> Check:
    """A record that is not there, or that could not be looked up (a nameserver's fault)."""
    if unanswered(error):
        text = f"no answer from {where(resolver)} within {LIFETIME:g} s (looking up {domain})"
        return Check(name, Status.FAIL, text, nameserver_fix(resolver))
    return Check(name, Status.FAIL, f"{domain}: {error}", fix)


def dkim_key(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The public key published at the selector is the private key's other half."""
    try:
        signer = signer_for(settings)
    except ConfigError as e:
        return Check("DKIM", Status.FAIL, str(e), "syndicate dkim keygen")
    if signer is None:
        return Check(
            "DKIM",
            Status.FAIL,
            "no DKIM key: messages go unsigned",
            "run `syndicate dkim keygen` and publish the record it prints",
        )
    key = serialization.load_pem_private_key(signer.private_key, password=None)
    assert isinstance(key, rsa.RSAPrivateKey), "signer_for takes RSA keys only"
    expected = public_record(key.public_key())
    fix = f'publish a TXT record at {signer.record_name}: "{expected}"'
    try:
        published = txt_records(resolver, signer.record_name)
    except dns.exception.DNSException as e:
        fix = nameserver_fix(resolver) if unanswered(e) else fix
        return Check("DKIM", Status.FAIL, failure(e, resolver, signer.record_name, "TXT"), fix)
    keys = [_tag(record, "p") for record in published]
    if _tag(expected, "p") not in keys:
        text = f"{signer.record_name}: the published key is not the one syndicate signs with"
        if not any(keys):
            text = f"{signer.record_name}: no DKIM key (p=) in the TXT record"
        return Check("DKIM", Status.FAIL, text, fix)
    return Check(
        "DKIM",
        Status.OK,
        f"{signer.record_name}: the published key matches",
        facts={"domain": signer.domain},
    )


def _tag(record: str, name: str) -> str:
    try:
        tags = dkim.util.parse_tag_value(record.encode("ascii", "replace"))
    except dkim.util.InvalidTagValueList:
        return ""
    return "".join(tags.get(name.encode(), b"").decode("ascii", "replace").split())


def dmarc(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """A DMARC record for the From domain (or its organizational domain)."""
    domain = domain_of(settings.sender_address)
    result: dict[str, Any] = dict(
        checkdmarc.dmarc.check_dmarc(domain, resolver=resolver, timeout=LIFETIME)
    )
    if not result.get("record") or not result.get("valid"):
        fix = (
            f"publish a TXT record at _dmarc.{get_base_domain(domain)}: "
            f'"v=DMARC1; p=none; rua=mailto:dmarc-reports@{get_base_domain(domain)}"'
        )
        return _record_missing("DMARC", domain, str(result.get("error")), fix, resolver)
    tags = result.get("tags") or {}
    facts = {name: str((tags.get(name) or {}).get("value", "r")) for name in ("adkim", "aspf")}
    policy = (tags.get("p") or {}).get("value")
    text = f'_dmarc.{result.get("location")}: "{result["record"]}" (p={policy})'
    return Check("DMARC", Status.OK, text, facts=facts)


def _aligned(from_domain: str, other: str, mode: str) -> bool:
    if mode == "s":
        return from_domain == other
    ours: str = get_base_domain(from_domain)  # checkdmarc is untyped: say what it returns
    theirs: str = get_base_domain(other)
    return ours == theirs


def alignment(settings: Settings, done: Mapping[str, Check]) -> Check:
    """The From domain aligns with a passing DKIM or SPF domain, as DMARC needs."""
    domain = domain_of(settings.sender_address)
    policy = done["DMARC"]
    if not policy.passed:
        return Check(
            "alignment",
            Status.FAIL,
            "no DMARC record to align with",
            "publish the DMARC record first",
        )
    aligned = [
        f"{name} ({done[name].facts['domain']})"
        for name, mode in (("DKIM", policy.facts["adkim"]), ("SPF", policy.facts["aspf"]))
        if done[name].passed and _aligned(domain, done[name].facts["domain"], mode)
    ]
    if aligned:
        return Check("alignment", Status.OK, f"From {domain} aligns with {' and '.join(aligned)}")
    return Check(
        "alignment",
        Status.FAIL,
        f"From {domain} aligns with neither a passing DKIM nor a passing SPF domain",
        f"sign for {domain} (dkim.domain, syndicate dkim keygen) and fix the failures above",
    )


def bounce_mx(settings: Settings, resolver: dns.resolver.Resolver) -> Check:
    """The bounce address's domain takes mail (an MX record), so bounces come back."""
    domain = domain_of(settings.envelope_sender)
    try:
        hosts = mx_hosts(resolver, domain)
    except dns.exception.DNSException as e:
        fix = f"publish an MX record for {domain} so bounces to {settings.envelope_sender} arrive"
        fix = nameserver_fix(resolver) if unanswered(e) else fix
        return Check("bounce MX", Status.WARN, failure(e, resolver, domain, "MX"), fix)
    return Check("bounce MX", Status.OK, f"{domain}: MX {', '.join(hosts)}")

"""DNS lookups for the preflight: one resolver (dnspython), a 5 s lifetime, failures in words.

`check.nameserver` (SYNDICATE_NAMESERVER, `host:port`) picks the server, passed to dnspython
as a Do53Nameserver; otherwise the system's resolvers are asked.
"""

from __future__ import annotations

import dns.exception
import dns.nameserver
import dns.resolver

from syndicate.config import Settings
from syndicate.config.checks import HOST_PORT

LIFETIME = 5.0  # seconds for one lookup, retries included


def resolver_for(settings: Settings) -> dns.resolver.Resolver:
    """Return a resolver asking `check.nameserver`, or the system's when none is set."""
    if not settings.nameserver:
        resolver = dns.resolver.Resolver()
    else:
        found = HOST_PORT.fullmatch(settings.nameserver)
        assert found, "checked when the settings were loaded"
        host = found["host"].strip("[]")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(host, int(found["port"] or 53))]
    resolver.lifetime = LIFETIME
    resolver.timeout = 1.0  # per try: a lost UDP packet is asked again within the lifetime
    return resolver


def where(resolver: dns.resolver.Resolver) -> str:
    """Name the server(s) a resolver asks, for messages."""
    names = []
    for server in resolver.nameservers:
        if isinstance(server, dns.nameserver.Do53Nameserver):
            names.append(f"{server.address}:{server.port}")
        else:
            names.append(str(server))
    return ", ".join(names) or "no nameserver"


def txt_records(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """Return the TXT records at `name`, each one's strings joined; raise DNSException."""
    answer = resolver.resolve(name, "TXT", lifetime=LIFETIME)
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def mx_hosts(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """Return the MX hosts of `name`, most preferred first; raise DNSException."""
    answer = resolver.resolve(name, "MX", lifetime=LIFETIME)
    ordered = sorted(answer, key=lambda rdata: rdata.preference)
    return [rdata.exchange.to_text(omit_final_dot=True) for rdata in ordered]


def failure(error: Exception, resolver: dns.resolver.Resolver, name: str, kind: str) -> str:
    """Say in words why a lookup of `kind` at `name` failed."""
    if isinstance(error, dns.resolver.NXDOMAIN):
        return f"{name} does not exist in DNS"
    if isinstance(error, dns.resolver.NoAnswer):
        return f"{name} has no {kind} record"
    if isinstance(error, dns.exception.Timeout):
        return f"no answer from {where(resolver)} within {LIFETIME:g} s (looking up {kind} {name})"
    if isinstance(error, dns.resolver.NoNameservers):
        return f"{where(resolver)} would not answer for {name} ({kind}): {error}"
    return f"the {kind} lookup of {name} failed: {error}"


def unanswered(error: Exception | str) -> bool:
    """Tell a lookup that got no answer (the server, not the zone, is at fault)."""
    if isinstance(error, Exception):
        return isinstance(error, dns.exception.Timeout | dns.resolver.NoNameservers)
    return any(words in error for words in ("timed out", "lifetime expired", "No nameservers"))


def nameserver_fix(resolver: dns.resolver.Resolver) -> str:
    """Say how to fix a lookup that got no answer."""
    return f"check that {where(resolver)} answers DNS (check.nameserver, SYNDICATE_NAMESERVER)"

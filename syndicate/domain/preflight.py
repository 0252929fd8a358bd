"""`syndicate check`: a preflight of the sending setup, one line per check with its fix.

Big mailbox providers reject bulk mail without SPF, DKIM, a DMARC record that the From
domain aligns with, and a working one-click unsubscribe. The checks that would get mail
rejected fail the run (exit 1); the others (MX for bounces, the bounce mailbox, a
free-mail From) are warnings. A lookup that fails is a failed check with its reason: a
preflight that cannot see the record cannot vouch for it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import checkdmarc.utils
import dns.resolver

from syndicate.config import Settings
from syndicate.domain import records, services
from syndicate.domain.lookups import resolver_for
from syndicate.domain.report import Check, Status

CheckFunction = Callable[[Settings, dns.resolver.Resolver], Check]


def run_checks(settings: Settings) -> list[Check]:
    """Run every check at once (each lookup has its own 5 s); return them in report order."""
    resolver = resolver_for(settings)
    # checkdmarc keeps answers process-wide, keyed by name alone (not by nameserver): a
    # preflight must see what the nameserver says now.
    checkdmarc.utils.DNS_CACHE.clear()
    independent: list[CheckFunction] = [
        records.spf,
        services.relay_in_spf,
        records.dkim_key,
        records.dmarc,
        records.bounce_mx,
        services.starttls,
        services.one_click,
        services.bounce_mailbox,
        services.free_mail,
    ]
    with ThreadPoolExecutor(max_workers=len(independent)) as pool:
        futures = [pool.submit(check, settings, resolver) for check in independent]
        done = [future.result() for future in futures]
    by_name = {check.name: check for check in done}
    alignment = records.alignment(settings, by_name)
    return done[:4] + [alignment] + done[4:]


def failed(checks: list[Check]) -> bool:
    """Return whether any check failed outright (the run exits 1)."""
    return any(check.status is Status.FAIL for check in checks)

"""The run's guards against a relay that misjudges everyone: when in doubt, bounce nobody.

- `RefusalStreak`: refusals of the message itself (spam verdicts, size, relaying denied)
  `send.refusal_limit` times in a row stop the run and hold the issue.
- `FirstRecipients`: the hard bounces among a run's first 20 recipients wait until one
  recipient fares otherwise; if all 20 bounce across at least 3 domains, the relay is
  answering "no such user" to everyone: hold the issue and bounce nobody.
- `DomainBackoff`: a receiving domain that throttles (421, 4.7.x) waits, longer each time,
  while the other domains go on.

Each is shared by the worker threads of one run and takes its own lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, auto

from syndicate.delivery.claims import Claimed
from syndicate.delivery.pacing import MAX_BACKOFF
from syndicate.store import utcnow
from syndicate.subscribers.addresses import domain_of

FIRST_RECIPIENTS = 20  # recipients that must not all hard-bounce...
FIRST_DOMAINS = 3  # ...across at least this many domains


@dataclass(frozen=True)
class Refusal:
    """One refused delivery, as a guard keeps it until it decides."""

    row: Claimed
    address: str
    reply: str


class RefusalStreak:
    """Count refusals of the message itself in a row, across the workers."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.streak: list[Refusal] = []
        self.tripped = False
        self.lock = threading.Lock()

    def accepted(self) -> None:
        """Note a message the relay took: the streak is broken."""
        with self.lock:
            self.streak.clear()

    def refused(self, refusal: Refusal) -> list[Refusal] | None:
        """Note a refusal; return the refusals to give back once the limit is reached."""
        with self.lock:
            if self.tripped:
                return [refusal]
            self.streak.append(refusal)
            if len(self.streak) < self.limit:
                return None
            self.tripped = True
            taken, self.streak = self.streak, []
            return taken


class Decision(Enum):
    """What `FirstRecipients` tells the worker to do with hard bounces."""

    WAIT = auto()  # keep the bounce back for now
    APPLY = auto()  # bounce these subscribers
    HOLD = auto()  # the relay is at fault: give these back and hold the issue


class FirstRecipients:
    """Keep back the hard bounces among a run's first recipients until they can be trusted."""

    def __init__(self) -> None:
        self.seen = 0
        self.pending: list[Refusal] = []
        self.decided: Decision | None = None
        self.lock = threading.Lock()

    def bounced(self, refusal: Refusal) -> tuple[Decision, list[Refusal]]:
        """Note a hard bounce; return what to do, and with which bounces."""
        with self.lock:
            if self.decided is not None:
                return self.decided, [refusal]
            self.pending.append(refusal)
            self.seen += 1
            if self.seen < FIRST_RECIPIENTS:
                return Decision.WAIT, []
            domains = {domain_of(r.address) for r in self.pending}
            self.decided = Decision.HOLD if len(domains) >= FIRST_DOMAINS else Decision.APPLY
            taken, self.pending = self.pending, []
            return self.decided, taken

    def other(self) -> list[Refusal]:
        """Note a recipient that did not hard-bounce; return the bounces now to apply."""
        with self.lock:
            self.seen += 1
            if self.decided is not None:
                return []
            self.decided = Decision.APPLY
            taken, self.pending = self.pending, []
            return taken

    def settle(self) -> list[Refusal]:
        """Return the bounces still kept back when the run ends with fewer recipients."""
        with self.lock:
            if self.decided is Decision.HOLD:
                return []
            taken, self.pending = self.pending, []
            return taken


class DomainBackoff:
    """Receiving domains that asked us to slow down, and until when they wait."""

    def __init__(self, first_delay: float) -> None:
        self.first_delay = first_delay
        self.until: dict[str, datetime] = {}
        self.strikes: Counter[str] = Counter()
        self.lock = threading.Lock()

    def waiting(self, domain: str) -> datetime | None:
        """Return until when `domain` waits, or None when it may be sent to now."""
        with self.lock:
            until = self.until.get(domain)
        return until if until is not None and until > utcnow() else None

    def throttled(self, domain: str) -> datetime:
        """Note a throttling reply from `domain`; return until when it waits (doubling)."""
        with self.lock:
            self.strikes[domain] += 1
            delay = timedelta(seconds=self.first_delay * 2 ** (self.strikes[domain] - 1))
            until = utcnow() + min(delay, MAX_BACKOFF)
            self.until[domain] = max(until, self.until.get(domain, until))
            return self.until[domain]

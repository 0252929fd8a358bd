"""One line of `syndicate check`: what was checked, how it came out, and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """How one check came out."""

    OK = "ok"
    FAIL = "FAIL"  # mail would be rejected or unsubscribes broken: exit 1
    WARN = "warn"  # worth fixing; sending works without it
    NOT_SET = "--"  # nothing configured to check


@dataclass(frozen=True)
class Check:
    """One line of the preflight: what was checked, the outcome, and how to fix a failure."""

    name: str
    status: Status
    text: str
    fix: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)  # what later checks build on

    @property
    def passed(self) -> bool:
        return self.status is Status.OK

    def line(self) -> str:
        """Return the check as one line of the report."""
        fix = f" (fix: {self.fix})" if self.fix and not self.passed else ""
        return f"{self.status.value:<4}  {self.name:<15} {self.text}{fix}"

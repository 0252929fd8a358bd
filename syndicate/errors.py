"""The one error hierarchy: everything a user can cause ends as a SyndicateError."""

import re

# What SQLAlchemy appends to a driver's message: the statement, its parameters, a help link.
_STATEMENT_AND_LINK = re.compile(r"\n(?:\[SQL: |\[parameters: |\(Background on this error at: )")


class SyndicateError(Exception):
    """A failure the user can act on; its message is the one line they see.

    A wrapped low-level message (a database driver's, with its statement and hints on lines
    of their own) is folded onto that one line.
    """

    def __str__(self) -> str:
        message = _STATEMENT_AND_LINK.split(super().__str__(), maxsplit=1)[0]
        return " ".join(line.strip() for line in message.splitlines() if line.strip())


class ConfigError(SyndicateError):
    """A setting is missing or has a bad value."""


class InputError(SyndicateError):
    """An article file cannot be read or makes no sense."""


class StoreError(SyndicateError):
    """The database cannot be opened or used."""


class DeliveryError(SyndicateError):
    """Mail cannot be sent at all (server unreachable, login refused)."""


class AddressError(SyndicateError):
    """An email address is not acceptable."""


class TokenError(SyndicateError):
    """A signed link is tampered with, expired or meant for something else."""


class LockedError(SyndicateError):
    """Another run holds the lock this one needs."""


class NewsletterError(SyndicateError):
    """A newsletter is unknown, or cannot be added, changed or removed as asked."""

"""The one error hierarchy: everything a user can cause ends as a SyndicateError."""

import re

# What SQLAlchemy appends to a driver's message: the statement, its parameters, a help link.
_STATEMENT_AND_LINK = re.compile(r"\n(?:\[SQL: |\[parameters: |\(Background on this error at: )")
# The password of a URL's user part (scheme://user:password@host): up to the last "@"
# before the host, since a password may hold an "@" of its own.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@'\"]*:)[^\s/'\"]*@")


def mask_secrets(text: str) -> str:
    """Return `text` with the password of every URL in it replaced by ***."""
    return _URL_PASSWORD.sub(r"\1***@", text)


class SyndicateError(Exception):
    """A failure the user can act on; its message is the one line they see.

    A wrapped low-level message (a database driver's, with its statement and hints on lines
    of their own) is folded onto that one line, and a password in a URL is masked: cron
    mails what is printed.
    """

    def __str__(self) -> str:
        message = _STATEMENT_AND_LINK.split(super().__str__(), maxsplit=1)[0]
        return mask_secrets(" ".join(line.strip() for line in message.splitlines() if line.strip()))


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

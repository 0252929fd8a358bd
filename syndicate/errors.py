"""The one error hierarchy: everything a user can cause ends as a SyndicateError."""


class SyndicateError(Exception):
    """A failure the user can act on; its message is the one line they see."""


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

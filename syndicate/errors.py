"""Every exception class of syndicate, in one tree.

    Exception
    ├── SyndicateError                 a failure the user can act on; exit code 1 unless noted
    │   ├── ConfigError                a setting is missing or has a bad value
    │   ├── InputError                 an article file cannot be read or makes no sense
    │   │   └── FetchError             a page cannot be fetched (network, status, type, size)
    │   ├── TemplateProblem            a template cannot be read or rendered
    │   ├── StoreError                 the database cannot be opened or used
    │   ├── UnknownArticleError        no stored article answers to a reference
    │   ├── IssueError                 an issue is missing or cannot make the asked-for move
    │   ├── NewsletterError            a newsletter is unknown or cannot be changed as asked
    │   ├── FeedWriteError             the feed files cannot be written
    │   ├── ScreenshotError            the browser for screenshots is missing or failed
    │   ├── DeliveryError              mail cannot be sent at all
    │   │   ├── Refused                the server refused one recipient or its message
    │   │   └── ConnectionLost         the connection dropped mid-conversation
    │   ├── MailboxError               the bounce mailbox cannot be reached or read
    │   ├── AddressError               an email address is not acceptable
    │   ├── SignupLimitError           too many signups for an address or from a client
    │   ├── TokenError                 a signed link is tampered with, expired or misused
    │   │   └── NoLongerListedError    a valid link names an address removed since
    │   ├── LockedError                another process holds a lock this one needs
    │   │   └── RunLockedError         another `syndicate run` is going on the site
    │   └── ListenError                the web server cannot listen where it was told
    ├── KeyboardInterrupt
    │   └── Interrupted                SIGINT or SIGTERM stopped a send; exit 130 or 143
    └── ValueError
        ├── DecodeProblem              the readers': bytes that are not text
        ├── DateProblem                the readers': a value that is not a date
        ├── FrontMatterProblem         the readers': front matter of the wrong shape
        └── NestingError               the readers': Markdown nested deeper than it reads

The ValueErrors never reach the user: the readers catch them and raise InputError
with the file's name. Each SyndicateError class carries the exit code the CLI ends with
(`exit_code`): 1 for a failed operation, 2 for a usage error, as click does. A caller that
must tell errors apart catches a class, never a message.
"""

import re
import signal

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

    exit_code: int = 1

    def __str__(self) -> str:
        message = _STATEMENT_AND_LINK.split(super().__str__(), maxsplit=1)[0]
        return mask_secrets(" ".join(line.strip() for line in message.splitlines() if line.strip()))


# Settings, input, storage ------------------------------------------------------------------


class ConfigError(SyndicateError):
    """A setting is missing or has a bad value."""

    exit_code = 1


class InputError(SyndicateError):
    """An article file cannot be read or makes no sense."""

    exit_code = 1


class TemplateProblem(SyndicateError):
    """A template (most often a site's own override) cannot be read or rendered."""

    exit_code = 1


class FetchError(InputError):
    """A page cannot be fetched: network failure, an error status, not HTML, too large."""


class StoreError(SyndicateError):
    """The database cannot be opened or used."""

    exit_code = 1


class UnknownArticleError(SyndicateError):
    """No stored article answers to the given id."""

    exit_code = 1


class IssueError(SyndicateError):
    """An issue does not exist or cannot make the asked-for move."""

    exit_code = 1


# Output: feeds, previews, mail -------------------------------------------------------------


class FeedWriteError(SyndicateError):
    """The feed files cannot be written."""

    exit_code = 1


class ScreenshotError(SyndicateError):
    """The browser needed for screenshots is missing or failed."""

    exit_code = 1


class DeliveryError(SyndicateError):
    """Mail cannot be sent at all (server unreachable, login refused)."""

    exit_code = 1


class Refused(DeliveryError):
    """The server refused one recipient (or the message for it); others may still go."""

    def __init__(self, code: int, reply: str, recipient: str = "", phase: str = "RCPT") -> None:
        self.code = code
        self.reply = reply
        self.recipient = recipient
        self.phase = phase  # the command refused: MAIL, RCPT or DATA
        who = f" {recipient}" if recipient else ""
        super().__init__(f"the mail server refused{who}: {code} {reply}")

    @property
    def permanent(self) -> bool:
        """Return whether the refusal is final (5xx) rather than worth a retry (4xx)."""
        return self.code >= 500


class ConnectionLost(DeliveryError):
    """The connection dropped mid-conversation; the message may or may not have arrived."""


# Subscribers and the web app ---------------------------------------------------------------


class MailboxError(SyndicateError):
    """The bounce mailbox (inbound.url) cannot be reached, logged in to, or read."""

    exit_code = 1


class AddressError(SyndicateError):
    """An email address is not acceptable."""

    exit_code = 1


class SignupLimitError(SyndicateError):
    """Too many signups for one address or from one client within the hour."""

    exit_code = 1


class TokenError(SyndicateError):
    """A signed link is tampered with, expired or meant for something else."""

    exit_code = 1


class NoLongerListedError(TokenError):
    """A valid link names an address that has since been removed from the list."""


class ListenError(SyndicateError):
    """The server cannot listen where it was told to."""

    exit_code = 1


# Runs that take turns ----------------------------------------------------------------------


class NewsletterError(SyndicateError):
    """A newsletter is unknown, or cannot be added, changed or removed as asked."""

    exit_code = 1


class LockedError(SyndicateError):
    """Another run holds the lock this one needs."""

    exit_code = 1


class RunLockedError(LockedError):
    """Another `syndicate run` holds the site's run lock: this one stops at once."""


# The readers' own, caught inside readers/ and raised again as InputError -------------------


class DecodeProblem(ValueError):
    """The bytes are not text in the encoding tried; the message says why."""


class DateProblem(ValueError):
    """A value cannot be read as a date."""


class NestingError(ValueError):
    """The Markdown nests deeper than markdown-it reads (it drops the rest silently)."""


class FrontMatterProblem(ValueError):
    """The front matter is not valid YAML or a value has the wrong shape."""


# Not an error: a signal that stops a send --------------------------------------------------


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; `sent` counts what the interrupted send got out."""

    def __init__(self, signum: int = signal.SIGINT, sent: int = 0) -> None:
        super().__init__(signum, sent)
        self.signum = signum
        self.sent = sent

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

"""Every state a stored row can be in, one StrEnum per table.

The values are the text the database has always held, so rows written before the enums
read back unchanged; a StrEnum member is a str, so it binds and compares as its value.
"""

from __future__ import annotations

from enum import StrEnum


class SubscriberState(StrEnum):
    """Where an address stands on the list."""

    PENDING = "pending"  # signed up, not confirmed yet
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


class DeliveryState(StrEnum):
    """Where one message to one subscriber stands."""

    DUE = "due"
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    WRITTEN = "written"  # to outbox/, not sent: `send --from-outbox` sends it later
    FAILED = "failed"
    CANCELLED = "cancelled"


class IssueState(StrEnum):
    """Where a newsletter issue stands."""

    AWAITING_FEEDS = "awaiting-feeds"  # made; queued once the feed files show its article
    HELD = "held"  # waiting for review (`newsletter release`)
    QUEUED = "queued"  # deliveries made
    CANCELLED = "cancelled"


class ArticleState(StrEnum):
    """Whether a stored article is in the feeds."""

    PUBLISHED = "published"
    SCHEDULED = "scheduled"  # dated in the future: stored, not in the feeds until its time
    UNPUBLISHED = "unpublished"


class DeliveryKind(StrEnum):
    """What a delivery carries."""

    ISSUE = "issue"  # a newsletter issue
    CONFIRM = "confirm"  # a signup's confirmation email


class SourceState(StrEnum):
    """Where a followed feed stands."""

    NEW = "new"  # not polled successfully yet: its first poll records what it holds
    ACTIVE = "active"
    FAILING = "failing"  # failed too often in a row: no longer polled by `run`


class IssueStatus(StrEnum):
    """The one word `newsletter list` and `status` show for an issue as a whole."""

    WAITING = "waiting"  # queued, its grace period (newsletter.delay) not over
    HELD = "held"
    SENDING = "sending"
    SENT = "sent"
    WRITTEN = "written to outbox"
    PARTLY_CANCELLED = "partly sent, then cancelled"
    CANCELLED = "cancelled"

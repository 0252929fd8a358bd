"""Test copies: one copy of an issue to the publisher's address, marked as a test throughout."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.mailer import send_now
from syndicate.newsletter.issues import issue_row
from syndicate.store import utcnow
from syndicate.subscribers.addresses import normalize_address


def send_test(engine: Engine, settings: Settings, issue_id: int, address: str) -> str:
    """Send one copy of an issue to `address` now, outside the list; return the reply."""
    from syndicate.newsletter.message import Recipient
    from syndicate.newsletter.splice import personalize

    checked = normalize_address(address)  # the same check a subscriber's address passes
    with engine.connect() as conn:
        row = issue_row(conn, issue_id)
    recipient = Recipient(
        address=checked,
        name=None,
        unsubscribe_url=f"{settings.public_web_url}/test-copy/unsubscribe",
        message_id=f"<issue-{issue_id}-test-{utcnow():%Y%m%d%H%M%S%f}@{settings.host}>",
        manage_url=f"{settings.public_web_url}/test-copy/manage",
    )
    return send_now(settings, checked, personalize(mark_test_subject(row.message), recipient))


TEST_PREFIX = b"[Test] "


def mark_test_subject(message: bytes) -> bytes:
    """Put `[Test] ` before the Subject of a message's bytes.

    The Subject is written raw or as RFC 2047 encoded words; ASCII text and a space before
    either is still a valid header, so the rest of the bytes (and their placeholders) stay
    exactly as rendered.
    """
    head, sep, body = message.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    for index, line in enumerate(lines):
        if line.lower().startswith(b"subject:"):
            value = line[len(b"subject:") :].lstrip(b" ")
            lines[index] = b"Subject: " + TEST_PREFIX + value
            break
    return b"\r\n".join(lines) + sep + body

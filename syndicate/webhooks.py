"""Bounce and complaint reports from a mail provider, posted to `POST /webhooks/bounce`.

The body is a small JSON object, `{"email" | "token", "type", "detail"}`, signed with
`webhooks.secret` (SYNDICATE_WEBHOOK_SECRET) in the header

    X-Syndicate-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<body>">

A call older than five minutes (or as far in the future) is refused, and so is the same
signed call a second time: each signature is remembered in `webhook_receipts` for longer
than it stays fresh, so a captured request cannot be replayed. An accepted report has the
same effect as one read from the bounce mailbox (`subscribers.feedback`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.errors import AddressError, TokenError, WebhookError, WebhookRefused
from syndicate.model import SubscriberState
from syndicate.store import UTCDateTime, insert_ignoring_duplicates, utcnow, write_transaction
from syndicate.subscribers.feedback import Feedback, apply_feedback, subscriber_id_for

SIGNATURE_HEADER = "X-Syndicate-Signature"
TOLERANCE = timedelta(minutes=5)
_SIGNATURE = re.compile(r"t=(?P<t>[0-9]{1,12}),sha256=(?P<mac>[0-9a-fA-F]{64})")

# The webhook's own table, outside the main schema: made when `serve` starts with a secret.
receipts_metadata = sa.MetaData()
receipts = sa.Table(
    "webhook_receipts",
    receipts_metadata,
    sa.Column("signature", sa.String(64), primary_key=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
)


def prepare_receipts(engine: Engine) -> None:
    """Create the table of seen signatures when it is missing."""
    receipts_metadata.create_all(engine, checkfirst=True)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return the X-Syndicate-Signature value for `body` at `timestamp` (what a sender does)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},sha256={mac.hexdigest()}"


def verify(secret: str, header: str | None, body: bytes, now: datetime) -> str:
    """Check the signature and its age; return the signature's hex digest.

    Raises WebhookRefused for a missing, malformed, wrong or stale signature.
    """
    found = _SIGNATURE.fullmatch((header or "").strip())
    if not found:
        raise WebhookRefused(f"missing or malformed {SIGNATURE_HEADER} (t=<unix>,sha256=<hex>)")
    expected = sign(secret, body, int(found["t"])).rpartition("=")[2]
    if not hmac.compare_digest(expected, found["mac"].lower()):
        raise WebhookRefused("the signature does not match the body (check webhooks.secret)")
    age = now.timestamp() - int(found["t"])
    if abs(age) > TOLERANCE.total_seconds():
        raise WebhookRefused(f"the signature is {int(age)} s old: more than 5 minutes either way")
    return expected


@dataclass(frozen=True)
class Report:
    """One report from a provider: who (address or token), what, and its words."""

    kind: Feedback
    email: str | None
    token: str | None
    detail: str


def parse_report(body: bytes) -> Report:
    """Read the JSON body; raise WebhookError when it is not a report this takes."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise WebhookError(f"the body is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise WebhookError("the body must be a JSON object")
    try:
        kind = Feedback(str(data.get("type")))
    except ValueError:
        raise WebhookError('"type" must be "hard", "soft" or "complaint"') from None
    email, token, detail = data.get("email"), data.get("token"), data.get("detail", "")
    if not all(isinstance(v, str | None) for v in (email, token)) or not isinstance(detail, str):
        raise WebhookError('"email", "token" and "detail" must be strings')
    if bool(email) == bool(token):
        raise WebhookError('give one of "email" or "token"')
    return Report(kind, email, token, detail)


def receive_report(
    engine: Engine, settings: Settings, header: str | None, body: bytes
) -> SubscriberState | None:
    """Verify, parse and apply one signed report; return the subscriber's state after.

    None means the report names nobody on the list (nothing to do). Raises WebhookRefused
    for a bad signature, a stale call or a replay, WebhookError for a body it does not take.
    """
    assert settings.webhook_secret, "the webhook answers only with a secret set"
    now = utcnow()
    signature = verify(settings.webhook_secret, header, body, now)
    report = parse_report(body)
    with write_transaction(engine) as conn:
        conn.execute(receipts.delete().where(receipts.c.received_at < now - 2 * TOLERANCE))
        inserted = conn.execute(
            insert_ignoring_duplicates(conn, receipts).values(signature=signature, received_at=now)
        )
        if not inserted.rowcount:
            raise WebhookRefused("this signed call was received before: a replay is refused")
        try:
            subscriber = subscriber_id_for(conn, settings, email=report.email, token=report.token)
        except (AddressError, TokenError) as e:
            raise WebhookError(f"the report names nobody: {e}") from e
        if subscriber is None:
            return None
        return apply_feedback(conn, settings, subscriber, report.kind, report.detail)

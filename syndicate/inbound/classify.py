"""What a message in the bounce mailbox is, tested in the order the kinds can be told apart.

1. an RFC 3464 DSN (`multipart/report; report-type=delivery-status`): per recipient, by
   `Action` and `Status`, through the same table as the sender's SMTP refusals
   (`delivery.refusals`): 5.1.x and 5.2.1 hard; 4.x.x, 5.2.2 and `delayed` soft; 5.7.x,
   5.3.x and 5.6.x fail the delivery and bounce nobody;
2. a bounce in some server's own words: flufl.bounce (Mailman's detectors) finds the
   failed addresses; an enhanced status code in its text decides as above, and a failure
   it calls permanent without one is hard;
3. an RFC 5965 ARF report with `Feedback-Type: abuse`: a complaint;
4. mail to `unsubscribe+<token>@` (or, with VERP off, the bare unsubscribe address with
   the token in its subject): an unsubscribe;
5. only then an auto-reply (bounces carry `Auto-Submitted` too, so this test comes last).

Anything else is not ours to touch. Which delivery a message concerns is `match`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from enum import StrEnum

from flufl.bounce import all_failures

from syndicate.config import Settings
from syndicate.delivery.refusals import Verdict, classify_status
from syndicate.inbound.addresses import TOKEN, token_for


class Kind(StrEnum):
    """What a message says about a delivery; the value is what the audit table records."""

    HARD = "hard"
    SOFT = "soft"
    FAILED = "failed"  # the message was refused (content, policy): nobody bounced
    DELIVERED = "delivered"  # a success notice: nothing to do
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    AUTO_REPLY = "auto-reply"


_SEVERITY = [Kind.HARD, Kind.FAILED, Kind.SOFT, Kind.DELIVERED]
_VERDICT_KIND = {
    Verdict.MAILBOX: Kind.HARD,
    Verdict.MESSAGE: Kind.FAILED,
    Verdict.RECIPIENT: Kind.SOFT,
    Verdict.THROTTLE: Kind.SOFT,
    Verdict.TRANSIENT: Kind.SOFT,
}
_STATUS_IN_TEXT = re.compile(r"(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?![\d.])")
# Where the address a message was delivered to shows (the envelope recipient first).
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
# Subjects responders put before the original's (Outlook: "Automatic reply: ..."); a
# person's "Vacation photos" must not match, so only these prefixes with their colon.
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto-?reply|auto-?response|out of (the )?office( reply)?)\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """What a message is, the detail worth recording, and the addresses it reports on."""

    kind: Kind
    detail: str = ""
    recipients: frozenset[str] = field(default_factory=frozenset)
    # A delayed notice: the delivery may still arrive, so it is not marked failed.
    delayed: bool = False


def recipient_addresses(message: Message) -> list[str]:
    """Return the addresses the message was delivered to, envelope headers first."""
    found: list[str] = []
    for name in RECIPIENT_HEADERS:
        for _, address in getaddresses([str(v) for v in message.get_all(name, [])]):
            if address and address not in found:
                found.append(address)
    return found


def _report_type(message: Message) -> str | None:
    if message.get_content_type() != "multipart/report":
        return None
    return str(message.get_param("report-type", "") or "").lower()


def _field_blocks(message: Message, content_type: str) -> list[Message]:
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload()
            return [block for block in payload if isinstance(block, Message)]
    return []


def _address_field(value: str | None) -> str:
    """Return the address of `rfc822; someone@example.net` (Final-Recipient and the like)."""
    return (value or "").partition(";")[2].strip().strip("<>").lower()


def _dsn_recipient(block: Message) -> tuple[Kind, str, bool] | None:
    action = str(block.get("Action", "")).strip().lower()
    status = str(block.get("Status", "")).strip()
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
    detail = " ".join(part for part in (status, diagnostic) if part)
    if action == "delayed":
        return Kind.SOFT, detail or "delayed", True
    if action in ("delivered", "relayed", "expanded"):
        return Kind.DELIVERED, detail or action, False
    if action != "failed":
        return None
    verdict = classify_status(status)
    # A failure without a readable status: soft, since bouncing on a guess empties lists.
    return (Kind.SOFT if verdict is None else _VERDICT_KIND[verdict]), detail, False


def read_dsn(message: Message) -> Reading | None:
    """Read an RFC 3464 delivery status notification; the gravest recipient decides."""
    if _report_type(message) != "delivery-status":
        return None
    blocks = _field_blocks(message, "message/delivery-status")
    results = []
    for block in blocks[1:]:  # the first block is about the message, the rest each a recipient
        result = _dsn_recipient(block)
        if result is not None:
            address = _address_field(
                block.get("Final-Recipient") or block.get("Original-Recipient")
            )
            results.append((result, address))
    if not results:
        return None
    (kind, detail, delayed), _ = min(results, key=lambda r: _SEVERITY.index(r[0][0]))
    recipients = frozenset(address for _, address in results if address)
    return Reading(kind, detail, recipients, delayed)


def _own_text(message: Message) -> str:
    """Return the text parts the bounce itself wrote, leaving out any quoted message."""
    texts: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() == "message":
            break
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def read_nonstandard_bounce(message: Message) -> Reading | None:
    """Read a bounce in a server's own format through flufl.bounce's detectors."""
    temporary, permanent = all_failures(message)
    if not temporary and not permanent:
        return None
    recipients = frozenset(a.decode("utf-8", "replace").lower() for a in temporary | permanent)
    text = _own_text(message)
    status = _STATUS_IN_TEXT.search(text)
    verdict = classify_status(status.group(0)) if status else None
    detail = status.group(0) if status else ("permanent failure" if permanent else "delayed")
    if verdict is not None:
        return Reading(_VERDICT_KIND[verdict], detail, recipients)
    if permanent:
        return Reading(Kind.HARD, detail, recipients)
    return Reading(Kind.SOFT, detail, recipients, delayed=True)


def read_complaint(message: Message) -> Reading | None:
    """Read an RFC 5965 abuse report (a reader's "this is spam")."""
    if _report_type(message) != "feedback-report":
        return None
    fields = _field_blocks(message, "message/feedback-report")
    if not fields or str(fields[0].get("Feedback-Type", "")).strip().lower() != "abuse":
        return None
    rcpt = str(fields[0].get("Original-Rcpt-To", "")).strip().strip("<>").lower()
    source = " ".join(str(fields[0].get("User-Agent", "")).split())
    return Reading(Kind.COMPLAINT, f"abuse report {source}".strip(), frozenset({rcpt} - {""}))


def read_unsubscribe(message: Message, settings: Settings) -> Reading | None:
    """Recognise mail to `unsubscribe+<token>@`, or the bare address with a token subject.

    A message to the bare address without a token is a person writing: left for a human.
    """
    base = settings.unsubscribe_address
    for address in recipient_addresses(message):
        if token_for(base, address):
            return Reading(Kind.UNSUBSCRIBE, f"mail to {address}")
        if address.lower() == base.lower() and TOKEN.search(str(message.get("Subject", ""))):
            return Reading(Kind.UNSUBSCRIBE, f"mail to {address} with a token")
    return None


def read_auto_reply(message: Message) -> Reading | None:
    """Recognise a vacation notice or other automatic reply."""
    submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    if submitted.startswith("auto-replied") or precedence == "auto_reply":
        return Reading(Kind.AUTO_REPLY, f"Auto-Submitted: {submitted or precedence}")
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return Reading(Kind.AUTO_REPLY, "X-Autoreply")
    if _AUTO_SUBJECT.match(str(message.get("Subject", ""))):
        return Reading(Kind.AUTO_REPLY, "subject of an automatic reply")
    return None


def classify(message: Message, settings: Settings) -> Reading | None:
    """Return what a message is, or None when it is none of the kinds syndicate handles."""
    return (
        read_dsn(message)
        or read_nonstandard_bounce(message)
        or read_complaint(message)
        or read_unsubscribe(message, settings)
        or read_auto_reply(message)
    )

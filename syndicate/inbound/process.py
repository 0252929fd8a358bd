"""`syndicate inbound`: read the bounce mailbox, act on what it says, file what was understood.

Each message is classified (`classify`), tied to a delivery or subscriber (`match`),
acted on (`subscribers.feedback`), recorded in `inbound_messages`, and only then moved
to the processed folder, in that order: a crash between the commit and the move leaves
the message to be read again, and every action is harmless to repeat. A message that is
not understood, or names nobody it can prove, is left where it was, unread.
"""

from __future__ import annotations

import email
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message

from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.inbound.classify import Kind, Reading, classify
from syndicate.inbound.mailboxes import open_mailbox
from syndicate.inbound.match import Target, find_target
from syndicate.safetext import one_line
from syndicate.store import inbound_messages, utcnow, write_transaction
from syndicate.subscribers.feedback import (
    complaint,
    hard_bounce,
    leave_newsletter,
    message_refused,
    soft_bounce,
)

# Kinds that need no subscriber: nothing is done about them but filing them away.
_NO_ACTION = {Kind.AUTO_REPLY, Kind.DELIVERED}


@dataclass(frozen=True)
class Decision:
    """What was decided about one message, and the line that says so."""

    message_id: str
    sender: str
    subject: str
    kind: Kind | None  # None: not ours, left alone
    line: str
    target: Target | None = None
    detail: str = ""

    @property
    def acted(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True)
class InboundReport:
    """What one reading of the bounce mailbox did (or, dry, would do)."""

    decisions: tuple[Decision, ...]
    dry_run: bool = False

    def describe(self) -> str:
        """Return the summary line."""
        acted = [d for d in self.decisions if d.acted]
        counts: dict[str, int] = {}
        for decision in acted:
            counts[str(decision.kind)] = counts.get(str(decision.kind), 0) + 1
        parts = [f"{n} {kind}" for kind, n in sorted(counts.items())]
        left = len(self.decisions) - len(acted)
        head = "dry run: " if self.dry_run else ""
        return f"{head}{len(acted)} processed ({', '.join(parts) or 'none'}), {left} left alone"


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):
        text = str(value)
    return one_line(text)[:500]


def _line(kind: Kind, target: Target, detail: str, stopped: bool) -> str:
    who = target.address
    if kind is Kind.HARD:
        return f"bounced: {who}: {detail}"
    if kind is Kind.SOFT:
        stop = "; bounced: too many of their last deliveries soft-bounced" if stopped else ""
        return f"soft bounce: {who}: {detail}{stop}"
    if kind is Kind.FAILED:
        return f"refused as a message (nobody bounced): {who}: {detail}"
    if kind is Kind.COMPLAINT:
        return f"complaint: {who}: unsubscribed from everything and suppressed"
    if kind is Kind.UNSUBSCRIBE:
        return f"unsubscribed: {who} (mailto)"
    return f"{kind}: {who}: no action"


def _apply(conn: Connection, settings: Settings, reading: Reading, target: Target) -> bool:
    """Act on one message's reading; return whether a soft bounce bounced the subscriber."""
    kind, sub, delivery = reading.kind, target.subscriber_id, target.delivery_id
    if kind is Kind.HARD:
        hard_bounce(conn, sub, delivery, reading.detail)
    elif kind is Kind.SOFT:
        return soft_bounce(
            conn,
            sub,
            delivery,
            reading.detail,
            limit=settings.soft_bounces_to_stop,
            window=settings.soft_bounce_window,
            failed=not reading.delayed,
        )
    elif kind is Kind.FAILED:
        message_refused(conn, delivery, reading.detail)
    elif kind is Kind.COMPLAINT:
        complaint(conn, sub, delivery, reading.detail)
    elif kind is Kind.UNSUBSCRIBE:
        leave_newsletter(conn, sub, target.newsletter_id or 0, method="mailto")
    return False


def _decide(conn: Connection, settings: Settings, raw: bytes) -> Decision:
    """Classify one message, find whom it is about, and act on it within `conn`."""
    message = email.message_from_bytes(raw)
    names = {n: _header(message, h) for n, h in (("mid", "Message-ID"), ("from", "From"))}
    subject = _header(message, "Subject")
    reading = classify(message, settings)
    about = f"{subject!r} from {names['from'] or 'nobody'}"
    if reading is None:
        return Decision(names["mid"], names["from"], subject, None, f"left: {about}: not ours")
    found = find_target(conn, settings, message, raw, reading)
    if isinstance(found, str):
        if reading.kind not in _NO_ACTION:
            line = f"left: {about}: a {reading.kind} that {found}"
            return Decision(names["mid"], names["from"], subject, None, line)
        found_target = None
        line = f"{reading.kind}: {about}: no action"
    else:
        found_target = found
        stopped = _apply(conn, settings, reading, found)
        line = _line(reading.kind, found, reading.detail, stopped)
    _record(conn, names, subject, reading, found_target)
    return Decision(
        names["mid"], names["from"], subject, reading.kind, line, found_target, reading.detail
    )


def _record(
    conn: Connection, names: dict[str, str], subject: str, reading: Reading, target: Target | None
) -> None:
    conn.execute(
        inbound_messages.insert().values(
            message_id=names["mid"],
            sender=names["from"],
            subject=subject,
            classification=str(reading.kind),
            subscriber_id=target.subscriber_id if target else None,
            delivery_id=target.delivery_id if target else None,
            detail=reading.detail[:2000],
            created_at=utcnow(),
        )
    )


def read_inbound(engine: Engine, settings: Settings, *, dry_run: bool = False) -> InboundReport:
    """Read the bounce mailbox once: act on each message understood, file it, leave the rest.

    A dry run decides the same way inside transactions it rolls back, and moves nothing.
    """
    decisions: list[Decision] = []
    mailbox = open_mailbox(settings)
    try:
        for key, raw in mailbox.messages():
            with write_transaction(engine, roll_back=dry_run) as conn:
                decision = _decide(conn, settings, raw)
            decisions.append(decision)
            if decision.acted and not dry_run:
                mailbox.file_processed(key)
    finally:
        mailbox.close()
    return InboundReport(tuple(decisions), dry_run=dry_run)

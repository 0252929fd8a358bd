"""Whose delivery a message of the bounce mailbox concerns, from what it carries.

In order: the token of the address it was delivered to (the VERP envelope sender a bounce
goes back to; the mailto an unsubscribe goes to), then tokens in the message it quotes
(the original's Return-Path and List-Unsubscribe, as an ARF report includes them), then
the original's Message-ID (stable per issue and subscriber; the fallback with
`newsletter.verp = false`). A Message-ID is not signed, so it counts only when the report
also names the subscriber's own address. A token that does not verify names nobody, and
the message is left for a human: a tampered address never acts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndicate.config import Settings
from syndicate.inbound.addresses import (
    MembershipRef,
    read_mailto_token,
    read_verp_token,
    token_for,
)
from syndicate.inbound.classify import Kind, Reading, recipient_addresses
from syndicate.newsletter.message import find_message_ids
from syndicate.store import deliveries, subscribers


@dataclass(frozen=True)
class Target:
    """The subscriber (and, when known, the delivery and newsletter) a message is about."""

    subscriber_id: int
    address: str
    delivery_id: int | None = None
    newsletter_id: int | None = None


def _tagged_pattern(base: str) -> re.Pattern[str]:
    local, _, domain = base.rpartition("@")
    return re.compile(
        rf"(?<![\w.+-]){re.escape(local)}\+([a-z2-7]{{32,40}})@{re.escape(domain)}", re.IGNORECASE
    )


def _subscriber(conn: Connection, subscriber_id: int) -> str | None:
    query = sa.select(subscribers.c.email).where(subscribers.c.id == subscriber_id)
    return conn.execute(query).scalar()


def _delivery_target(conn: Connection, where: sa.ColumnElement[bool]) -> Target | None:
    row = conn.execute(
        sa.select(deliveries.c.id, deliveries.c.subscriber_id, subscribers.c.email)
        .join(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
        .where(where)
    ).first()
    return Target(row.subscriber_id, row.email, delivery_id=row.id) if row else None


def _membership_target(conn: Connection, ref: MembershipRef) -> Target | None:
    address = _subscriber(conn, ref.subscriber_id)
    if address is None:
        return None
    return Target(ref.subscriber_id, address, newsletter_id=ref.newsletter_id)


def _unsubscribe_tokens(message: Message, settings: Settings) -> list[str]:
    base = settings.unsubscribe_address
    tokens = []
    for address in recipient_addresses(message):
        token = token_for(base, address)
        if token:
            tokens.append(token)
        elif address.lower() == base.lower():
            tokens.extend(re.findall(r"[a-z2-7]{40}", str(message.get("Subject", ""))))
    return tokens


def _quoted_text(message: Message, raw: bytes) -> str:
    """Return the text a quoted original can be found in: the raw message and decoded parts."""
    texts = [raw.decode("latin-1")]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def _by_verp(conn: Connection, settings: Settings, token: str) -> Target | None:
    delivery_id = read_verp_token(settings, token)
    if delivery_id is None:
        return None
    return _delivery_target(conn, deliveries.c.id == delivery_id)


def _by_mailto(conn: Connection, settings: Settings, token: str) -> Target | None:
    ref = read_mailto_token(settings, token)
    return None if ref is None else _membership_target(conn, ref)


def _from_quoted(
    conn: Connection, settings: Settings, text: str, reading: Reading
) -> Target | None:
    for token in _tagged_pattern(settings.envelope_sender).findall(text):
        if found := _by_verp(conn, settings, token):
            return found
    for issue_id, subscriber_id in find_message_ids(settings, text):
        found = _delivery_target(
            conn,
            sa.and_(deliveries.c.issue_id == issue_id, deliveries.c.subscriber_id == subscriber_id),
        )
        if found and found.address.lower() in reading.recipients:
            return found
    for token in _tagged_pattern(settings.unsubscribe_address).findall(text):
        if found := _by_mailto(conn, settings, token):
            return found
    return None


def find_target(
    conn: Connection, settings: Settings, message: Message, raw: bytes, reading: Reading
) -> Target | str:
    """Return whom the message is about, or why it names nobody (it is then left alone)."""
    if reading.kind is Kind.UNSUBSCRIBE:
        for token in _unsubscribe_tokens(message, settings):
            if found := _by_mailto(conn, settings, token):
                return found
        return "its unsubscribe token does not verify or names nobody on the list"
    tokens = [token_for(settings.envelope_sender, a) for a in recipient_addresses(message)]
    envelope = [token for token in tokens if token]
    for verp in envelope:
        if found := _by_verp(conn, settings, verp):
            return found
    if envelope:
        return "its bounce address token does not verify or names no delivery"
    quoted = _from_quoted(conn, settings, _quoted_text(message, raw), reading)
    return quoted or "it names no delivery of this site"

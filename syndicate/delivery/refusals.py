"""What an SMTP refusal means for the subscriber, the message and the run: one table.

The enhanced status code (RFC 3463, `5.1.1` after the reply code) decides first, since it
names the subject of the refusal; without one, the reply code and the command it answered
(the phase) decide. Only a refusal about the mailbox bounces a subscriber: a relay that
judges the message (spam, size, policy) or refuses to relay must never empty the list.
The bounce mailbox reads DSNs back through the same `classify`.

    enhanced   reply  phase  verdict
    5.1.x      any    any    MAILBOX   (no such user, bad address, bad domain)
    5.2.1      any    any    MAILBOX   (mailbox disabled)
    5.2.x      any    any    RECIPIENT (mailbox full, over quota) except 5.2.3 MESSAGE
    5.3.x      any    any    MESSAGE   (receiving system: message too big, not accepting)
    5.6.x      any    any    MESSAGE   (content, media, encoding)
    5.7.x      any    any    MESSAGE   (policy: spam, relaying denied, authentication)
    other 5    any    any    RECIPIENT
    4.7.x      any    any    THROTTLE  (rate limits, policy deferrals)
    other 4    421    any    THROTTLE  (the server is closing the channel: too busy)
    other 4    4xx    any    TRANSIENT
    none       550/551/553  RCPT  MAILBOX
    none       552, 554     DATA  MESSAGE
    none       554    RCPT   MESSAGE   (transaction failed: relaying denied, blocklists)
    none       5xx    DATA   MESSAGE   (after DATA only the message can be at fault)
    none       other 5xx     RECIPIENT
"""

from __future__ import annotations

import re
from enum import StrEnum, auto

_ENHANCED = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})(?!\S)")


class Verdict(StrEnum):
    """What a refusal says is at fault, and so what the sender does about it."""

    MAILBOX = auto()  # the address: the delivery fails and the subscriber is bounced
    RECIPIENT = auto()  # this recipient only, not for good: failed, counted as a soft bounce
    MESSAGE = auto()  # the message, the sender or the relay: failed, nobody bounced
    THROTTLE = auto()  # the receiving domain asks us to slow down: that domain backs off
    TRANSIENT = auto()  # try again later


def enhanced_status(reply: str) -> tuple[int, int, int] | None:
    """Return the RFC 3463 code at the start of a reply's text (`5.1.1 ...`), if any."""
    match = _ENHANCED.match(reply.strip())
    if match is None:
        return None
    klass, subject, detail = (int(part) for part in match.groups())
    return klass, subject, detail


def classify(code: int, reply: str, phase: str) -> Verdict:
    """Return what a refusal (`code` and the text after it, answering `phase`) means."""
    status = enhanced_status(reply)
    if status is not None and status[0] == code // 100:
        return _by_status(*status, code=code)
    if code < 500:
        return Verdict.THROTTLE if code == 421 else Verdict.TRANSIENT
    if phase == "RCPT":
        if code in (550, 551, 553):
            return Verdict.MAILBOX
        return Verdict.MESSAGE if code == 554 else Verdict.RECIPIENT
    return Verdict.MESSAGE if phase == "DATA" else Verdict.RECIPIENT


def classify_status(status: str) -> Verdict | None:
    """Return what an RFC 3464 `Status:` (`5.1.1`) means, by the same table; None if unreadable."""
    code = enhanced_status(status)
    if code is None:
        return None
    return _by_status(*code, code=code[0] * 100)


def _by_status(klass: int, subject: int, detail: int, *, code: int) -> Verdict:
    if klass == 4:
        return Verdict.THROTTLE if subject == 7 or code == 421 else Verdict.TRANSIENT
    if subject == 1 or (subject, detail) == (2, 1):
        return Verdict.MAILBOX
    if subject in (3, 6, 7) or (subject, detail) == (2, 3):
        return Verdict.MESSAGE
    return Verdict.RECIPIENT

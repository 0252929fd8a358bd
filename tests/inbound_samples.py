"""The messages a bounce mailbox receives, written the way servers and readers write them.

Each builder returns the raw bytes of one message. The standard DSN and ARF layouts follow
RFC 3464 and RFC 5965; the non-standard bounces are flufl.bounce's own samples
(tests/samples/flufl_bounce/, Apache-2.0), readdressed to the VERP address in memory.
"""

from __future__ import annotations

import re
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples" / "flufl_bounce"


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def dsn(to: str, recipient: str, action: str, status: str, original: bytes, n: int) -> bytes:
    """A delivery status notification for `recipient`, sent to the envelope sender `to`."""
    headers = original.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    diagnostic = {
        "5.1.1": "smtp; 550 5.1.1 <{r}>: Recipient address rejected: User unknown",
        "4.4.7": "smtp; 451 4.4.7 mailbox temporarily unavailable, still trying",
        "5.7.1": "smtp; 554 5.7.1 Message rejected as spam by content filter",
    }[status].format(r=recipient)
    return _crlf(f"""\
Return-Path: <>
Delivered-To: {to}
From: Mail Delivery System <MAILER-DAEMON@mx{n}.example.org>
To: {to}
Subject: {"Delayed Mail (still being retried)" if action == "delayed" else "Undelivered Mail Returned to Sender"}
Message-ID: <dsn{n}.{action}@mx{n}.example.org>
Date: Mon, 16 Jun 2025 08:00:0{n % 10} +0000
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-{n}"

--dsn-{n}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx{n}.example.org. Your message could not be delivered.

--dsn-{n}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx{n}.example.org
Arrival-Date: Mon, 16 Jun 2025 07:59:00 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic}

--dsn-{n}
Content-Type: text/rfc822-headers

{headers}

--dsn-{n}--
""")


def arf(to: str, recipient: str, original: bytes) -> bytes:
    """A complaint report (ARF) from a mailbox provider's feedback loop, quoting the issue."""
    return (
        _crlf(f"""\
From: Feedback Loop <fbl@mail-provider.example.org>
To: {to}
Subject: Complaint about a message
Message-ID: <arf1@mail-provider.example.org>
Date: Mon, 16 Jun 2025 09:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf-1"

--arf-1
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for a message received from your network.

--arf-1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: {recipient}
Arrival-Date: Mon, 16 Jun 2025 08:30:00 +0000

--arf-1
Content-Type: message/rfc822
Content-Disposition: inline

""")
        + original
        + _crlf("\n--arf-1--\n")
    )


def plain(sender: str, to: str, subject: str, body: str, *extra: str, n: int = 1) -> bytes:
    """A plain message from a person (or their vacation responder)."""
    head = "".join(f"{line}\n" for line in extra)
    return _crlf(f"""\
From: {sender}
To: {to}
Subject: {subject}
Message-ID: <plain{n}@example.net>
Date: Mon, 16 Jun 2025 10:00:0{n % 10} +0000
{head}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

{body}
""")


def flufl_sample(name: str, to: str) -> bytes:
    """One of flufl.bounce's samples, sent (as a server would) to the VERP address `to`."""
    raw = (SAMPLES / name).read_bytes().replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    head = re.sub(rb"(?m)^To: .*$", b"To: " + to.encode(), head)
    return (head + b"\n\n" + body).replace(b"\n", b"\r\n")


def tamper(token_address: str) -> str:
    """Change one character of the token in `local+token@domain`."""
    local, _, domain = token_address.partition("@")
    name, _, token = local.partition("+")
    changed = ("b" if token[5] == "a" else "a").join((token[:5], token[6:]))
    return f"{name}+{changed}@{domain}"

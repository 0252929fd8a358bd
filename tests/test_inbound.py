"""The bounce mailbox read back, against a real IMAP server (pymap) and a Maildir.

One issue goes out over SMTP (aiosmtpd) to a list of readers; the mailbox then receives
what servers and readers send back: standard DSNs (hard, delayed, spam), non-standard
bounces (flufl.bounce's own samples), an ARF complaint, a tokened and a tokenless mailto
unsubscribe, a vacation reply, a personal message, and a DSN and a mailto whose tokens
were tampered with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import sqlalchemy as sa
from delivery_helpers import write_article
from imap_server import IMAPServer, running
from inbound_samples import arf, dsn, flufl_sample, plain, tamper
from site_helpers import add_settings, cli, store
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.inbound.addresses import (
    MembershipRef,
    mailto_token,
    read_mailto_token,
    read_verp_token,
    verp_token,
)
from syndicate.store import deliveries, inbound_messages, subscribers, suppressions
from syndicate.subscribers import add_confirmed
from syndicate.subscribers.addresses import suppression_hash

READERS = {
    "hard": "gone@example.net",
    "delayed": "slow@example.net",
    "spam": "strict@example.net",
    "qmail": "userx@example.de",  # the address flufl.bounce's qmail_01.txt reports
    "exim": "userx@its.example.nl",  # and exim_01.txt
    "complaint": "annoyed@example.net",
    "leaver": "leaver@example.net",
    "kept": "kept@example.net",
    "vacation": "away@example.net",
}
BARE_BOUNCES = "bounces@news.example.com"
BARE_UNSUBSCRIBE = "unsubscribe@news.example.com"


@dataclass(frozen=True)
class Sent:
    """What one reader's copy went out with."""

    verp: str  # the envelope sender
    mailto: str  # the address of the List-Unsubscribe mailto
    data: bytes


def _send_issue(site: Path, smtp_server: SMTPServer) -> dict[str, Sent]:
    add_settings(site, "newsletter", f'bounce_address = "{BARE_BOUNCES}"')
    settings = load_settings(site, environ={})
    with store(site) as engine:
        for address in READERS.values():
            assert add_confirmed(engine, settings, address) == "added"
    assert cli(site, "publish", str(write_article(site))).exit_code == 0
    result = cli(site, "send", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    sent = {}
    for received in smtp_server.messages:
        (to,) = received.recipients
        field = str(make_header(decode_header(received.message["List-Unsubscribe"])))
        mailto = field.split("<mailto:")[1].split("?")[0]
        sent[to] = Sent(received.sender, mailto, received.data)
    assert len(sent) == len(READERS)
    return sent


def _mailbox(sent: dict[str, Sent]) -> dict[str, bytes]:
    """Everything that comes back, by name; the four last ones must be left alone."""
    r, s = READERS, {name: sent[address] for name, address in READERS.items()}
    return {
        "hard": dsn(s["hard"].verp, r["hard"], "failed", "5.1.1", s["hard"].data, 1),
        "delayed": dsn(s["delayed"].verp, r["delayed"], "delayed", "4.4.7", s["delayed"].data, 2),
        "spam": dsn(s["spam"].verp, r["spam"], "failed", "5.7.1", s["spam"].data, 3),
        "qmail": flufl_sample("qmail_01.txt", s["qmail"].verp),
        "exim": flufl_sample("exim_01.txt", s["exim"].verp),
        # Feedback loops report to an address of their own: the quoted issue names the reader.
        "complaint": arf(BARE_BOUNCES, r["complaint"], s["complaint"].data),
        "unsubscribe": plain(r["leaver"], s["leaver"].mailto, "unsubscribe", "", n=7),
        # RFC 3834: a responder answers the Return-Path, which is the VERP address.
        "vacation": plain(
            r["vacation"],
            s["vacation"].verp,
            "Automatic reply: Harbour ferry doubles its crossings",
            "I am away until the first of July.",
            "Auto-Submitted: auto-replied",
            n=8,
        ),
        "tokenless": plain(
            "colleague@example.org",
            BARE_UNSUBSCRIBE,
            "Please take my old address off",
            "My old address was kept@example.net; please stop writing to it.",
            n=9,
        ),
        "personal": plain(
            "friend@example.org", BARE_BOUNCES, "Lunch on Friday?", "Shall we try the pier?", n=10
        ),
        "tampered-verp": dsn(
            tamper(s["kept"].verp), r["kept"], "failed", "5.1.1", s["kept"].data, 11
        ),
        "tampered-mailto": plain(r["kept"], tamper(s["kept"].mailto), "unsubscribe", "", n=12),
    }


LEFT_ALONE = ["tokenless", "personal", "tampered-verp", "tampered-mailto"]


def _states(site: Path) -> dict[str, tuple[str, str | None]]:
    """Each reader's state and what their delivery recorded (state/bounce)."""
    with store(site) as engine, engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                subscribers.c.email, subscribers.c.state, deliveries.c.state, deliveries.c.bounce
            ).join(deliveries, deliveries.c.subscriber_id == subscribers.c.id)
        ).all()
    return {email: (state, f"{d_state}/{bounce}") for email, state, d_state, bounce in rows}


EXPECTED = {
    "gone@example.net": ("bounced", "failed/hard"),
    "slow@example.net": ("active", "sent/soft"),  # delayed: counted, may still arrive
    "strict@example.net": ("active", "failed/message"),  # the message was refused, not them
    "userx@example.de": ("bounced", "failed/hard"),  # permanent, no status code: hard
    "userx@its.example.nl": ("bounced", "failed/hard"),  # 553 5.1.1 in its text
    "annoyed@example.net": ("unsubscribed", "sent/complaint"),
    "leaver@example.net": ("unsubscribed", "sent/None"),
    "kept@example.net": ("active", "sent/None"),  # both tampered tokens ignored
    "away@example.net": ("active", "sent/None"),
}


def _check_after(site: Path) -> None:
    assert _states(site) == EXPECTED
    with store(site) as engine, engine.connect() as conn:
        suppressed = set(conn.execute(sa.select(suppressions.c.email_hash)).scalars())
        recorded = conn.execute(
            sa.select(inbound_messages.c.classification, inbound_messages.c.subject)
        ).all()
    assert suppressed == {suppression_hash("annoyed@example.net")}
    assert sorted(kind for kind, _ in recorded) == sorted(
        ["hard", "soft", "failed", "hard", "hard", "complaint", "unsubscribe", "auto-reply"]
    )


def _subjects(messages: list[bytes]) -> set[str]:
    return {str(message_from_bytes(raw)["Message-ID"]) for raw in messages}


def _ids(mailbox: dict[str, bytes], names: list[str]) -> set[str]:
    return _subjects([mailbox[name] for name in names])


@pytest.fixture
def imap_server(tmp_path: Path) -> Iterator[IMAPServer]:
    yield from running(tmp_path)


def test_inbound_over_imap_acts_on_what_it_understands_and_leaves_the_rest_unread(
    site: Path, smtp_server: SMTPServer, imap_server: IMAPServer
) -> None:
    mailbox = _mailbox(_send_issue(site, smtp_server))
    imap_server.deliver(list(mailbox.values()))
    env = imap_server.env()

    result = cli(site, "inbound", env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "bounced: gone@example.net: 5.1.1 smtp; 550 5.1.1 <gone@example.net>: " in lines[0]
    assert "unsubscribed: leaver@example.net (mailto)" in lines
    assert "complaint: annoyed@example.net: unsubscribed from everything and suppressed" in lines
    assert lines[-1] == (
        "8 processed (1 auto-reply, 1 complaint, 1 failed, 3 hard, 1 soft, 1 unsubscribe), "
        "4 left alone"
    )
    _check_after(site)
    inbox = imap_server.folder("INBOX")
    assert _subjects([raw for raw, _ in inbox]) == _ids(mailbox, LEFT_ALONE)
    assert not any(seen for _, seen in inbox)  # left alone means unread too
    processed = imap_server.folder("syndicate-processed")
    assert _subjects([raw for raw, _ in processed]) == _ids(
        mailbox, [name for name in mailbox if name not in LEFT_ALONE]
    )

    again = cli(site, "inbound", env=env)
    assert again.exit_code == 0
    assert again.output.splitlines()[-1] == "0 processed (none), 4 left alone"
    _check_after(site)
    assert len(imap_server.folder("INBOX")) == 4


def _maildir(root: Path, messages: dict[str, bytes]) -> Path:
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True)
    for number, raw in enumerate(messages.values()):
        (root / "new" / f"1750000000.M{number}P1.mx.example.com").write_bytes(raw)
    return root


def test_inbound_over_a_maildir(site: Path, smtp_server: SMTPServer, tmp_path: Path) -> None:
    mailbox = _mailbox(_send_issue(site, smtp_server))
    root = _maildir(tmp_path / "Maildir", mailbox)
    env = {"SYNDICATE_INBOUND_URL": f"maildir://{root}"}

    dry = cli(site, "inbound", "--dry-run", env=env)
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[-1].startswith("dry run: 8 processed")
    assert "left: 'Lunch on Friday?' from friend@example.org: not ours" in dry.output
    assert {state for state, _ in _states(site).values()} == {"active"}  # nothing changed
    assert len(list((root / "new").iterdir())) == len(mailbox)

    assert cli(site, "inbound", env=env).exit_code == 0
    _check_after(site)
    left = [path.read_bytes() for path in (root / "new").iterdir()]
    assert _subjects(left) == _ids(mailbox, LEFT_ALONE)  # still in new/: unread
    assert not list((root / "cur").iterdir())
    filed = [path.read_bytes() for path in (root / ".syndicate-processed" / "new").iterdir()]
    assert len(filed) == 8 and (root / ".syndicate-processed" / "maildirfolder").exists()

    again = cli(site, "inbound", env=env)
    assert again.output.splitlines()[-1] == "0 processed (none), 4 left alone"
    _check_after(site)


def test_a_mailto_unsubscribe_counts_before_the_same_runs_send(
    site: Path, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    sent = _send_issue(site, smtp_server)
    leaver = READERS["leaver"]
    root = _maildir(
        tmp_path / "Maildir",
        {"unsubscribe": plain(leaver, sent[leaver].mailto, "stop", "please stop", n=1)},
    )
    write_article(site, "second.md", title="Night ferries start in July", key="night-ferries")
    smtp_server.messages.clear()
    env = {**smtp_server.env(), "SYNDICATE_INBOUND_URL": f"maildir://{root}"}
    result = cli(site, "run", env=env)
    assert result.exit_code == 0, result.output
    assert f"unsubscribed: {leaver} (mailto)" in result.output
    recipients = {r for received in smtp_server.messages for r in received.recipients}
    assert leaver not in recipients and READERS["kept"] in recipients


def test_without_verp_bounces_match_by_message_id_and_the_mailto_subject(
    site: Path, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    add_settings(site, "newsletter", "verp = false")
    sent = _send_issue(site, smtp_server)
    assert {copy.verp for copy in sent.values()} == {BARE_BOUNCES}
    hard, leaver = READERS["hard"], READERS["leaver"]
    mailto_subject = sent[leaver].data.split(b"subject=unsubscribe%20")[1][:40].decode()
    stranger = dsn(BARE_BOUNCES, "stranger@example.org", "failed", "5.1.1", sent[hard].data, 3)
    root = _maildir(
        tmp_path / "Maildir",
        {
            "hard": dsn(BARE_BOUNCES, hard, "failed", "5.1.1", sent[hard].data, 1),
            "unsubscribe": plain(leaver, BARE_UNSUBSCRIBE, f"unsubscribe {mailto_subject}", ""),
            # The Message-ID alone is not signed: a report naming another address is left.
            "stranger": stranger,
        },
    )
    result = cli(site, "inbound", env={"SYNDICATE_INBOUND_URL": f"maildir://{root}"})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 processed (1 hard, 1 unsubscribe), 1 left alone"
    states = _states(site)
    assert states[hard] == ("bounced", "failed/hard")
    assert states[leaver][0] == "unsubscribed"


def test_imap_without_starttls_is_refused_before_the_password(site: Path, tmp_path: Path) -> None:
    for server in running(tmp_path, tls=False):
        env = server.env()
        result = cli(site, "inbound", env=env)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: the IMAP server 127.0.0.1:{server.port} does not offer STARTTLS, and the "
            "password is never sent in clear: use imaps://\n"
        )


def test_bad_inbound_settings_are_one_error_line(site: Path) -> None:
    result = cli(site, "inbound")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no bounce mailbox is set: set inbound.url (or SYNDICATE_INBOUND_URL)\n"
    )
    result = cli(site, "inbound", env={"SYNDICATE_INBOUND_URL": "imaps://u:pw@mail.example.com/"})
    assert result.stderr == (
        "Error: SYNDICATE_INBOUND_URL: put the password in SYNDICATE_INBOUND_PASSWORD, not the URL\n"
    )


def test_tokens_are_short_lowercase_base32_and_signed(site: Path) -> None:
    settings = load_settings(site, environ={})
    verp = verp_token(settings, 2**63 - 1)
    mailto = mailto_token(settings, MembershipRef(2**63 - 1, 2**32 - 1))
    for token in (verp, mailto):
        assert len(token) <= 40 and re.fullmatch(r"[a-z2-7]+", token)
    assert len(f"unsubscribe+{mailto}") <= 64  # the local part's limit
    assert read_verp_token(settings, verp.upper()) == 2**63 - 1  # a server that uppercases
    assert read_mailto_token(settings, mailto) == MembershipRef(2**63 - 1, 2**32 - 1)
    other = load_settings(site, environ={"SYNDICATE_SECRET": "another-secret-" + "x" * 40})
    assert read_verp_token(other, verp) is None  # signed with the site's secret
    assert read_mailto_token(settings, verp) is None and read_verp_token(settings, mailto) is None


TWO_NEWSLETTERS = """
[[newsletters]]
slug = "arts"
name = "The Arts Letter"
tags = ["arts"]

[[newsletters]]
slug = "daily"
name = "The Daily Letter"
"""

ARTS = """\
---
id: quay-murals
title: Murals go up along the old quay wall
tags: [Arts]
---

Four painters began work on Monday on a mural that will run the length of the quay wall.

The council paid for the paint; the fishermen's cooperative lent its scaffolding for a month.
"""


def test_a_mailto_unsubscribe_leaves_only_the_newsletter_it_came_from(
    site: Path, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(TWO_NEWSLETTERS)
    reader = "both@example.net"
    added = cli(site, "subscribers", "add", reader, "--confirmed", "--newsletter", "arts")
    assert added.exit_code == 0, added.output
    cli(site, "subscribers", "add", reader, "--confirmed", "--newsletter", "daily")
    (site / "content" / "murals.md").write_text(ARTS, encoding="utf-8")
    assert cli(site, "publish", str(site / "content" / "murals.md")).exit_code == 0
    assert cli(site, "send", env=smtp_server.env()).exit_code == 0
    copies = {str(m.message["List-Id"]): m.message for m in smtp_server.messages}
    arts = copies["The Arts Letter <arts.news.example.com>"]
    field = str(make_header(decode_header(arts["List-Unsubscribe"])))
    mailto = field.split("<mailto:")[1].split("?")[0]
    root = _maildir(tmp_path / "Maildir", {"stop": plain(reader, mailto, "unsubscribe", "")})

    result = cli(site, "inbound", env={"SYNDICATE_INBOUND_URL": f"maildir://{root}"})
    assert result.exit_code == 0, result.output
    assert f"unsubscribed: {reader} (mailto)" in result.output

    def state_on(slug: str) -> str:
        listed = cli(site, "subscribers", "list", "--newsletter", slug).output
        return " ".join(listed.split())

    assert f"unsubscribed {reader}" in state_on("arts")
    assert f"active {reader}" in state_on("daily")
    assert f"active {reader}" in " ".join(cli(site, "subscribers", "list").output.split())

"""The subscriber commands end to end: double opt-in through the outbox, unsubscribe, remove."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from site_helpers import cli, store

from syndicate.config import load_settings
from syndicate.store import TableRow, deliveries, subscribers, suppressions, utcnow
from syndicate.subscribers import expire_pending
from syndicate.subscribers.tokens import make_token

CONFIRM_LINK = re.compile(r"https://news\.example\.com/confirm/([A-Za-z0-9_.\-]+)")
SIGNED_UP = "Signed up {}: unless it is already subscribed, a confirmation email is on its way.\n"


def outbox(site: Path) -> list[EmailMessage]:
    messages = []
    # Oldest first: the outbox names its files uniquely, not in order.
    for path in sorted((site / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def confirm_token(message: EmailMessage) -> str:
    """Return the token of the confirm link, checking both parts carry the same link."""
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    tokens = CONFIRM_LINK.findall(plain.get_content())
    assert tokens, plain.get_content()
    assert tokens[0] in html.get_content()
    return str(tokens[0])


def row(site: Path, address: str) -> TableRow | None:
    with store(site) as engine, engine.connect() as conn:
        return conn.execute(
            sa.select(subscribers).where(subscribers.c.email_key == address.lower())
        ).first()


def stored(site: Path, address: str) -> TableRow:
    """The subscriber's row, which the test knows is there."""
    found = row(site, address)
    assert found is not None, f"no subscriber {address}"
    return found


def test_signup_mails_a_link_and_confirming_it_activates(site: Path) -> None:
    result = cli(site, "signup", "Ada.Reader@Example.com", "--name", "Ada Reader")
    assert result.exit_code == 0, result.output
    assert result.output == SIGNED_UP.format("Ada.Reader@example.com")
    pending = row(site, "ada.reader@example.com")
    assert pending is not None
    assert (pending.state, pending.signup_method, pending.confirmed_at) == ("pending", "cli", None)

    (message,) = outbox(site)
    assert message["To"].addresses[0].addr_spec == "Ada.Reader@example.com"
    assert message["To"].addresses[0].display_name == ""  # a signup's name is never repeated
    token = confirm_token(message)

    result = cli(site, "confirm", token)
    assert result.exit_code == 0, result.output
    assert result.output == "Confirmed Ada.Reader@example.com: it will receive the next issue.\n"
    active = row(site, "ada.reader@example.com")
    assert active is not None
    assert (active.state, active.confirm_method) == ("active", "cli")
    assert active.confirmed_at >= active.created_at

    # A second click (mail scanners, impatient readers) is harmless.
    again = cli(site, "confirm", f"https://news.example.com/confirm/{token}")
    assert again.exit_code == 0
    assert cli(site, "subscribers", "list").output == (
        "active       Ada.Reader@example.com  Ada Reader\n"
    )


def test_a_signup_says_the_same_whatever_the_address_state_and_changes_nothing(
    site: Path,
) -> None:
    first = cli(site, "signup", "reader@example.com", "--name", "First Name")
    pending_again = cli(site, "signup", " reader@example.com ", "--name", "Other Name")
    assert first.output == pending_again.output == SIGNED_UP.format("reader@example.com")
    assert cli(site, "subscribers", "count").output.splitlines()[-1] == "total        1"
    assert stored(site, "reader@example.com").name == "First Name"

    assert cli(site, "confirm", confirm_token(outbox(site)[-1])).exit_code == 0
    mails_before = len(outbox(site))
    active_again = cli(site, "signup", "Reader@Example.com", "--name", "Third Name")
    assert active_again.exit_code == 0
    assert active_again.output == SIGNED_UP.format("Reader@example.com")
    assert len(outbox(site)) == mails_before  # an active address gets nothing new
    still = row(site, "reader@example.com")
    assert still is not None
    assert (still.state, still.name, still.email) == ("active", "First Name", "reader@example.com")


def test_an_expired_confirmation_link_is_refused_and_changes_nothing(site: Path) -> None:
    assert cli(site, "signup", "late@example.com").exit_code == 0
    pending = row(site, "late@example.com")
    assert pending is not None
    settings = load_settings(site)
    old = make_token(settings, "confirm", pending.id, now=utcnow() - timedelta(days=8))
    result = cli(site, "confirm", old)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: this confirmation link has expired (links last 7 days): "
        "sign up again for a new one\n"
    )
    assert stored(site, "late@example.com").state == "pending"


def test_a_tampered_or_misused_link_is_refused_and_changes_nothing(site: Path) -> None:
    assert cli(site, "signup", "careful@example.com").exit_code == 0
    token = confirm_token(outbox(site)[0])
    tampered = token[:-2] + ("xy" if not token.endswith("xy") else "zz")
    result = cli(site, "confirm", tampered)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: this confirmation link is not valid: it was changed or cut short "
        "(copy the whole link from the email)\n"
    )
    subscriber = row(site, "careful@example.com")
    assert subscriber is not None and subscriber.state == "pending"

    unsubscribe_token = make_token(load_settings(site), "unsubscribe", subscriber.id)
    result = cli(site, "confirm", unsubscribe_token)
    assert result.exit_code == 1
    assert result.stderr == "Error: this is an unsubscribe link, not a confirmation link\n"
    result = cli(site, "unsubscribe", token)
    assert result.exit_code == 1
    assert result.stderr == "Error: this is a confirmation link, not an unsubscribe link\n"
    assert stored(site, "careful@example.com").state == "pending"


def test_unsubscribe_by_address_and_by_token_cancels_what_is_due(site: Path) -> None:
    (site / "people.csv").write_text("email\nfirst@example.com\nsecond@example.com\n")
    assert cli(site, "subscribers", "import", str(site / "people.csv")).exit_code == 0
    twice = cli(site, "subscribers", "import", str(site / "people.csv"))
    assert (
        twice.output == "Imported people.csv: 0 added, 2 already there, 0 suppressed, 0 invalid.\n"
    )

    result = cli(site, "unsubscribe", "FIRST@example.com")
    assert result.exit_code == 0
    assert result.output == "Unsubscribed first@example.com: it receives nothing more.\n"

    second = row(site, "second@example.com")
    assert second is not None
    link = f"https://news.example.com/unsubscribe/{make_token(load_settings(site), 'unsubscribe', second.id)}"
    result = cli(site, "unsubscribe", link)
    assert result.exit_code == 0
    assert result.output == "Unsubscribed second@example.com: it receives nothing more.\n"

    with store(site) as engine, engine.connect() as conn:
        states = conn.execute(sa.select(subscribers.c.state, subscribers.c.unsubscribe_method))
        assert sorted(states) == [("unsubscribed", "cli"), ("unsubscribed", "cli")]
        queued = conn.execute(sa.select(deliveries.c.kind, deliveries.c.state)).all()
        assert queued == [("confirm", "cancelled"), ("confirm", "cancelled")]

    result = cli(site, "unsubscribe", "stranger@example.com")
    assert result.exit_code == 1
    assert result.stderr == "Error: stranger@example.com is not on the list\n"


def test_resubscribing_after_an_unsubscribe_needs_a_new_confirmation(site: Path) -> None:
    assert cli(site, "signup", "returning@example.com").exit_code == 0
    subscriber = row(site, "returning@example.com")
    assert subscriber is not None
    # A confirmation link signed an hour ago, before the unsubscribe below.
    old_link = make_token(
        load_settings(site), "confirm", subscriber.id, now=utcnow() - timedelta(hours=1)
    )
    assert cli(site, "confirm", confirm_token(outbox(site)[0])).exit_code == 0
    assert cli(site, "unsubscribe", "returning@example.com").exit_code == 0

    # Nothing the publisher does brings the address back without the person.
    refused = cli(site, "subscribers", "add", "returning@example.com", "--confirmed")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: returning@example.com unsubscribed, bounced or was removed earlier: only a "
        "new signup that the person confirms can bring it back\n"
    )
    (site / "again.csv").write_text("email\nreturning@example.com\n")
    imported = cli(site, "subscribers", "import", str(site / "again.csv"), "--confirmed")
    assert imported.stdout == (
        "Imported again.csv: 0 added, 0 already there, 1 suppressed, 0 invalid.\n"
    )
    assert imported.stderr.endswith(
        "again.csv, line 2: returning@example.com unsubscribed, bounced or was removed earlier\n"
    )
    assert stored(site, "returning@example.com").state == "unsubscribed"

    # A new signup sends a new link; the old one stays dead.
    assert cli(site, "signup", "returning@example.com").exit_code == 0
    assert len(outbox(site)) == 2
    assert stored(site, "returning@example.com").state == "pending"
    stale = cli(site, "confirm", old_link)
    assert stale.exit_code == 1
    assert stale.stderr == (
        "Error: this confirmation link is older than returning@example.com's last "
        "unsubscribe or bounce: sign up again for a new one\n"
    )
    assert cli(site, "confirm", confirm_token(outbox(site)[1])).exit_code == 0
    back = row(site, "returning@example.com")
    assert back is not None and back.state == "active"


def test_remove_keeps_a_suppression_so_imports_cannot_bring_it_back(site: Path) -> None:
    assert cli(site, "subscribers", "add", "gone@example.com", "--confirmed").exit_code == 0
    result = cli(site, "subscribers", "remove", "Gone@Example.com")
    assert result.exit_code == 0
    assert result.output == "Removed gone@example.com; imports will not add it back.\n"
    assert row(site, "gone@example.com") is None
    with store(site) as engine, engine.connect() as conn:
        kept = conn.execute(sa.select(suppressions.c.email_hash)).scalars().all()
    assert len(kept) == 1 and "gone" not in kept[0]

    (site / "list.csv").write_text("email\nGONE@example.com\nnew@example.com\n")
    for flags in ((), ("--confirmed",)):
        imported = cli(site, "subscribers", "import", str(site / "list.csv"), *flags)
        assert imported.exit_code == 0
        assert "1 suppressed" in imported.output
    assert row(site, "gone@example.com") is None
    assert cli(site, "subscribers", "add", "gone@example.com", "--confirmed").exit_code == 1

    missing = cli(site, "subscribers", "remove", "gone@example.com")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: gone@example.com is not on the list\n"


def test_addresses_are_unique_regardless_of_case(site: Path) -> None:
    first = cli(site, "subscribers", "add", "Mixed.Case@Example.org", "--confirmed")
    assert first.output == "Added Mixed.Case@example.org (active).\n"
    second = cli(site, "subscribers", "add", "mixed.case@EXAMPLE.ORG", "--confirmed")
    assert second.exit_code == 0
    assert second.output == "mixed.case@example.org is already on the list.\n"
    assert cli(site, "subscribers", "count").output == (
        "pending      0\nactive       1\nunsubscribed 0\nbounced      0\ntotal        1\n"
    )


def test_add_confirmed_activates_a_pending_address(site: Path) -> None:
    assert cli(site, "subscribers", "add", "paper@example.com").exit_code == 0  # a signup
    assert len(outbox(site)) == 1
    result = cli(site, "subscribers", "add", "paper@example.com", "--confirmed")
    assert result.output == "Confirmed paper@example.com (it was pending).\n"
    activated = row(site, "paper@example.com")
    assert activated is not None and activated.state == "active"


def test_a_non_ascii_local_part_gets_a_clear_error(site: Path) -> None:
    result = cli(site, "signup", "zoë@example.com")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 'zoë@example.com': non-ASCII characters before the @ are not supported "
        "(most mail servers cannot deliver to them); use an ASCII address\n"
    )
    assert not (site / "outbox").exists() or not list((site / "outbox").iterdir())
    bad = cli(site, "subscribers", "add", "not an address", "--confirmed")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("Error: 'not an address' is not a valid email address: ")


def test_list_by_state_and_export_as_csv(site: Path) -> None:
    assert cli(site, "subscribers", "add", "one@example.com", "--confirmed").exit_code == 0
    assert cli(site, "signup", "two@example.com", "--name", "Ann O’Neil-Smith Jr.").exit_code == 0
    assert cli(site, "subscribers", "list", "--state", "pending").output == (
        "pending      two@example.com  Ann O’Neil-Smith Jr.\n"
    )
    assert cli(site, "subscribers", "list", "--state", "bounced").output == (
        "No bounced subscribers.\n"
    )
    wrong = cli(site, "subscribers", "list", "--state", "asleep")
    assert wrong.exit_code == 2

    exported = cli(site, "subscribers", "export")
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert [r["email"] for r in rows] == ["one@example.com", "two@example.com"]
    assert list(rows[0]) == ["email", "name", "state", "created", "confirmed", "unsubscribed"]
    assert (rows[1]["name"], rows[1]["state"], rows[1]["confirmed"]) == (
        "Ann O’Neil-Smith Jr.",
        "pending",
        "",
    )
    assert rows[0]["confirmed"].endswith("+00:00") and rows[0]["created"]


def test_expiring_pending_signups_keeps_an_address_that_was_on_the_list_once(
    site: Path,
) -> None:
    (site / "two.txt").write_text("left@example.com\nfresh@example.com\n")
    assert cli(site, "subscribers", "import", str(site / "two.txt")).exit_code == 0
    month_ago = utcnow() - timedelta(days=31)
    with store(site) as engine:
        with engine.begin() as conn:
            conn.execute(subscribers.update().values(created_at=month_ago))
            # Confirmed once, left, and signed up again a month ago without confirming.
            conn.execute(
                subscribers.update()
                .where(subscribers.c.email == "left@example.com")
                .values(confirmed_at=month_ago - timedelta(days=300))
            )
        assert expire_pending(engine) == 1
        with engine.connect() as conn:
            kept = conn.execute(sa.select(subscribers.c.email)).scalars().all()
    assert kept == ["left@example.com"]

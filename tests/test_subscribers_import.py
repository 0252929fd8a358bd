"""CSV import: counts, line numbers, BOM, blank lines, a missing header, queued confirmations."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from site_helpers import cli, store

from syndicate.store import deliveries, subscribers


def states(site: Path) -> dict[str, tuple[str, str | None, str]]:
    with store(site) as engine, engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                subscribers.c.email,
                subscribers.c.state,
                subscribers.c.name,
                subscribers.c.signup_method,
            )
        )
        return {r.email: (r.state, r.name, r.signup_method) for r in rows}


def test_an_import_counts_every_line_and_one_bad_line_never_stops_it(site: Path) -> None:
    assert cli(site, "subscribers", "add", "known@example.com", "--confirmed").exit_code == 0
    assert cli(site, "subscribers", "add", "left@example.com", "--confirmed").exit_code == 0
    assert cli(site, "unsubscribe", "left@example.com").exit_code == 0
    csv_file = site / "readers.csv"
    csv_file.write_bytes(
        (
            "\ufeffName , EMAIL\r\n"  # a spreadsheet's BOM, header in its own case and spacing
            "Ada Reader,ada@example.com\r\n"
            "\r\n"
            "Broken,not-an-address\r\n"
            '"Bo  Reader",BO@Example.com\r\n'
            "Known,KNOWN@example.com\r\n"
            "Left,left@example.com\r\n"
            "Dup,ada@EXAMPLE.com\r\n"
            "Zoe,zoë@example.com\r\n"
            "No address,\r\n"
            ",,\r\n"
            "Last,last@example.com\r\n"
        ).encode()
    )
    result = cli(site, "subscribers", "import", str(csv_file), "--confirmed")
    assert result.exit_code == 0  # every valid line was imported
    assert result.stdout == (
        "Imported readers.csv: 3 added, 2 already there, 1 suppressed, 3 invalid.\n"
    )
    errors = result.stderr.splitlines()
    assert errors[0] == (
        f"{csv_file}, line 4: 'not-an-address' is not a valid email address: "
        "An email address must have an @-sign."
    )
    assert errors[1] == (
        f"{csv_file}, line 7: left@example.com unsubscribed, bounced or was removed earlier"
    )
    assert errors[2].startswith(f"{csv_file}, line 9: 'zoë@example.com': non-ASCII characters")
    assert errors[3] == f"{csv_file}, line 10: an email address is required"
    assert len(errors) == 4
    strict = cli(site, "subscribers", "import", str(csv_file), "--confirmed", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1] == "Error: 4 lines of readers.csv skipped (--strict)"
    assert states(site) == {
        "known@example.com": ("active", None, "cli"),
        "left@example.com": ("unsubscribed", None, "cli"),
        "ada@example.com": ("active", "Ada Reader", "import"),
        "BO@example.com": ("active", "Bo Reader", "import"),
        "last@example.com": ("active", "Last", "import"),
    }


def test_an_import_without_confirmed_queues_confirmation_emails_for_send(site: Path) -> None:
    csv_file = site / "new.csv"
    csv_file.write_text("email\none@example.com\ntwo@example.com\nthree@example.com\n")
    result = cli(site, "subscribers", "import", str(csv_file))
    assert result.exit_code == 0
    assert result.output == (
        "Imported new.csv: 3 added, 0 already there, 0 suppressed, 0 invalid.\n"
        "3 confirmation emails wait for `syndicate send`.\n"
    )
    assert not (site / "outbox").exists()  # nothing sent at once: `send` keeps the rate
    assert {state for state, _, _ in states(site).values()} == {"pending"}
    with store(site) as engine, engine.connect() as conn:
        queued = conn.execute(
            sa.select(deliveries.c.kind, deliveries.c.state, deliveries.c.issue_id)
        ).all()
    assert queued == [("confirm", "due", None)] * 3

    # Importing the same people as confirmed later activates them, and mails nothing more.
    result = cli(site, "subscribers", "import", str(csv_file), "--confirmed")
    assert result.output == (
        "Imported new.csv: 0 added, 3 confirmed, 0 already there, 0 suppressed, 0 invalid.\n"
    )
    assert {state for state, _, _ in states(site).values()} == {"active"}


def test_a_csv_without_an_email_column_is_refused_with_a_clear_error(site: Path) -> None:
    csv_file = site / "contacts.csv"
    csv_file.write_text("mail,name\nada@example.com,Ada\n")
    result = cli(site, "subscribers", "import", str(csv_file))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {csv_file}: the first line must be a header with an email column (`email`, "
        "`Email Address`, `email_address`) or an address; found mail, name\n"
    )
    assert states(site) == {}


def test_an_empty_or_undecodable_or_missing_file_is_refused(site: Path) -> None:
    empty = site / "empty.csv"
    empty.write_text("")
    result = cli(site, "subscribers", "import", str(empty))
    assert result.exit_code == 1
    assert result.stderr.endswith("found nothing\n")

    latin = site / "latin.csv"
    latin.write_bytes("email,name\nrene@example.com,Ren\xe9\n".encode("latin-1"))
    result = cli(site, "subscribers", "import", str(latin))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {latin}: not UTF-8 text (save the file as UTF-8)\n"
    assert states(site) == {}  # a broken file imports nothing, not half

    result = cli(site, "subscribers", "import", str(site / "nowhere.csv"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {site / 'nowhere.csv'}: no such file\n"

"""Imports from other services: each one's export header, delimiters, address lists, suppression."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from site_helpers import cli, store, write_file

from syndicate.store import subscribers, suppressions
from syndicate.subscribers.addresses import suppression_hash

MAILCHIMP_HEADER = (
    "Email Address,First Name,Last Name,Address,Phone Number,MEMBER_RATING,OPTIN_TIME,"
    "OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,"
    "LAST_CHANGED,LEID,EUID,NOTES,TAGS"
)


def people(site: Path) -> dict[str, tuple[str, str | None]]:
    with store(site) as engine, engine.connect() as conn:
        rows = conn.execute(sa.select(subscribers.c.email, subscribers.c.state, subscribers.c.name))
        return {r.email: (r.state, r.name) for r in rows}


def mailchimp_row(email: str, first: str, last: str) -> str:
    return f'{email},{first},{last},"",,2,2024-03-01 10:00:00,,,,,,,,,,,2024-03-01,1,x,,"news"'


def test_a_mailchimp_export_imports_with_first_and_last_name(site: Path) -> None:
    rows = [
        mailchimp_row("ada@example.com", "Ada", "Reader"),
        mailchimp_row("bo@example.com", "Bo", ""),
        mailchimp_row("cy@example.com", "", ""),
    ]
    path = write_file(site, "members_export_1a2b.csv", "\n".join([MAILCHIMP_HEADER, *rows]))
    result = cli(site, "subscribers", "import", str(path), "--confirmed")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Imported members_export_1a2b.csv: 3 added, 0 already there, 0 suppressed, 0 invalid.\n"
    )
    assert people(site) == {
        "ada@example.com": ("active", "Ada Reader"),
        "bo@example.com": ("active", "Bo"),
        "cy@example.com": ("active", None),
    }


def test_substack_buttondown_and_listmonk_exports_skip_who_left_by_line(site: Path) -> None:
    substack = write_file(
        site,
        "substack.csv",
        "email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at\n"
        "sam@example.com,false,,free,false,2024-01-02T00:00:00.000Z,\n"
        "off@example.com,false,,free,true,2024-01-03T00:00:00.000Z,\n",
    )
    buttondown = write_file(
        site,
        "buttondown.csv",
        "id,email_address,notes,metadata,tags,creation_date,type,source\n"
        "1,bea@example.com,,{},[],2024-01-01,regular,import\n"
        "2,gone@example.com,,{},[],2024-01-01,unsubscribed,import\n",
    )
    listmonk = write_file(
        site,
        "listmonk.csv",
        "uuid,email,name,attributes,status,created_at,updated_at\n"
        'a1,lia@example.com,Lia Moss,"{""city"": ""Oslo""}",enabled,2024-01-01,2024-01-01\n'
        "a2,blocked@example.com,Block Ed,{},blocklisted,2024-01-01,2024-01-01\n",
    )
    expected = {
        substack: (
            "Imported substack.csv: 1 added, 0 already there, 1 suppressed, 0 invalid.\n",
            f"{substack}, line 3: off@example.com: email disabled in the export\n",
        ),
        buttondown: (
            "Imported buttondown.csv: 1 added, 0 already there, 1 suppressed, 0 invalid.\n",
            f"{buttondown}, line 3: gone@example.com: unsubscribed in the export\n",
        ),
        listmonk: (
            "Imported listmonk.csv: 1 added, 0 already there, 1 suppressed, 0 invalid.\n",
            f"{listmonk}, line 3: blocked@example.com: blocklisted in the export\n",
        ),
    }
    for path, (out, err) in expected.items():
        result = cli(site, "subscribers", "import", str(path), "--confirmed")
        assert (result.exit_code, result.stdout, result.stderr) == (0, out, err)
    assert people(site) == {
        "sam@example.com": ("active", None),
        "bea@example.com": ("active", None),
        "lia@example.com": ("active", "Lia Moss"),
    }


def test_one_address_a_line_and_a_semicolon_file_are_read(site: Path) -> None:
    plain = write_file(site, "list.txt", "one@example.com\n\ntwo@example.com\nnot an address\n")
    result = cli(site, "subscribers", "import", str(plain), "--confirmed")
    assert result.exit_code == 0
    assert (
        result.stdout == "Imported list.txt: 2 added, 0 already there, 0 suppressed, 1 invalid.\n"
    )
    assert result.stderr.startswith(f"{plain}, line 4: 'not an address' is not a valid")

    semicolons = write_file(
        site, "excel.csv", "Name;E-mail\nRené Roux;rene@example.com\nLi Ya-Wen;li@example.com\n"
    )
    result = cli(site, "subscribers", "import", str(semicolons), "--confirmed")
    assert result.exit_code == 0
    assert people(site)["rene@example.com"] == ("active", "René Roux")
    assert people(site)["li@example.com"] == ("active", "Li Ya-Wen")


def test_a_file_with_bad_lines_reports_each_by_number_and_strict_fails(site: Path) -> None:
    path = write_file(
        site,
        "seven.csv",
        "email,name\n"
        + "".join(f"r{i}@example.com,Reader {'ABC'[i - 1]}\n" for i in range(1, 4))
        + "bad@@example.com,Bad\n"
        + "".join(f"r{i}@example.com,Reader {'DEF'[i - 4]}\n" for i in range(4, 7)),
    )
    result = cli(site, "subscribers", "import", str(path))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "Imported seven.csv: 6 added, 0 already there, 0 suppressed, 1 invalid."
    )
    assert result.stderr.startswith(f"{path}, line 5: 'bad@@example.com' is not a valid")
    strict = cli(site, "subscribers", "import", str(path), "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.splitlines()[0] == (
        "Imported seven.csv: 0 added, 6 already there, 0 suppressed, 1 invalid."
    )
    assert strict.stderr.splitlines()[-1] == "Error: 1 line of seven.csv skipped (--strict)"


def test_a_suppression_file_keeps_a_migration_from_mailing_who_left(site: Path) -> None:
    assert cli(site, "subscribers", "add", "was@example.com", "--confirmed").exit_code == 0
    cleaned = write_file(
        site,
        "cleaned_members_export.csv",
        MAILCHIMP_HEADER
        + ",CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n"
        + mailchimp_row("was@example.com", "Was", "Here")
        + ",2024-02-01,Spring,abc\n"
        + mailchimp_row("dead@example.com", "Dead", "Box")
        + ",2024-02-01,Spring,abc\n"
        + mailchimp_row("not-an-address", "", "")
        + ",2024-02-01,Spring,abc\n",
    )
    result = cli(site, "subscribers", "import", "--suppress", str(cleaned))
    assert result.exit_code == 0
    assert result.stdout == (
        "Suppressed cleaned_members_export.csv: 1 added to the suppression list, "
        "1 subscriber unsubscribed, 0 already there, 1 invalid.\n"
    )
    assert result.stderr.startswith(f"{cleaned}, line 4: 'not-an-address' is not a valid")
    assert people(site)["was@example.com"][0] == "unsubscribed"
    with store(site) as engine, engine.connect() as conn:
        hashes = set(conn.execute(sa.select(suppressions.c.email_hash)).scalars())
    assert suppression_hash("dead@example.com") in hashes

    # The subscribed export imported after it: the suppressed address stays out, by line.
    members = write_file(
        site,
        "subscribed_members_export.csv",
        "\n".join([MAILCHIMP_HEADER, mailchimp_row("DEAD@example.com", "D", "B")]),
    )
    result = cli(site, "subscribers", "import", str(members), "--confirmed")
    assert result.stdout.startswith("Imported subscribed_members_export.csv: 0 added")
    assert result.stderr == (
        f"{members}, line 2: DEAD@example.com unsubscribed, bounced or was removed earlier\n"
    )
    assert "DEAD@example.com" not in people(site)


def test_a_mailchimp_unsubscribed_export_imported_as_members_mails_nobody(site: Path) -> None:
    unsubscribed = write_file(
        site,
        "unsubscribed_members_export.csv",
        MAILCHIMP_HEADER
        + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER\n"
        + mailchimp_row("left@example.com", "Left", "Us")
        + ",2024-02-01 09:00:00,Spring,abc,NORMAL,\n",
    )
    result = cli(site, "subscribers", "import", str(unsubscribed), "--confirmed")
    assert result.exit_code == 0
    assert (
        result.stderr == f"{unsubscribed}, line 2: left@example.com: unsubscribed in the export\n"
    )
    assert people(site) == {}

"""Issue 17: exported CSV cells never run as formulas; a name cannot carry a link or advert."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from site_helpers import cli, store

from syndicate.errors import AddressError
from syndicate.subscribers.records import clean_name, list_subscribers

FORMULA_ADDRESS = "=2+5@example.com"


def test_export_neutralises_formulas_and_import_restores_them(site: Path, tmp_path: Path) -> None:
    assert cli(site, "subscribers", "add", FORMULA_ADDRESS, "--confirmed").exit_code == 0
    assert cli(site, "subscribers", "add", "--confirmed", "--", "-ann@example.com").exit_code == 0
    assert cli(site, "subscribers", "add", "'quote@example.com", "--confirmed").exit_code == 0
    named = cli(site, "subscribers", "add", "plain@example.com", "--confirmed", "--name=-Ann")
    assert named.exit_code == 0
    exported = cli(site, "subscribers", "export")
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    cells = {row["email"]: row["name"] for row in rows}
    # What a spreadsheet would see: no cell starts with a formula character.
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert cells == {
        "'=2+5@example.com": "",
        "'-ann@example.com": "",
        "''quote@example.com": "",
        "plain@example.com": "'-Ann",
    }
    # Read back into another site: exactly the same addresses and names.
    other = tmp_path / "other-site"
    other.mkdir()
    (other / "syndicate.toml").write_text(
        '[site]\nbase_url = "https://news.example.com"\n', encoding="utf-8"
    )
    saved = tmp_path / "export.csv"
    saved.write_text(exported.output, encoding="utf-8")
    imported = cli(other, "subscribers", "import", str(saved), "--confirmed")
    assert imported.exit_code == 0, imported.output
    with store(other) as engine:
        back = {s.email: s.name for s in list_subscribers(engine)}
    assert back == {
        FORMULA_ADDRESS: None,
        "-ann@example.com": None,
        "'quote@example.com": None,
        "plain@example.com": "-Ann",
    }


ADVERT = "Cheap watches at https://spam.example.net " + "best prices " * 14


@pytest.mark.parametrize(
    "name",
    [
        ADVERT,
        "visit www.example.net",
        '=HYPERLINK("https://evil.example")',
        "<b>Bold</b>",
        "Call 555 0100",
        "a" * 81,
    ],
)
def test_names_that_carry_links_or_adverts_are_refused(name: str) -> None:
    with pytest.raises(AddressError):
        clean_name(name)


@pytest.mark.parametrize("name", ["Zoë Quinn", "Ann O’Neil-Smith Jr.", "D'Arcy", "José", "李小龙"])
def test_real_names_are_kept(name: str) -> None:
    assert clean_name(name) == name


def test_cli_and_import_apply_the_same_name_rule(site: Path, tmp_path: Path) -> None:
    added = cli(site, "subscribers", "add", "reader@example.net", "--name", ADVERT)
    assert added.exit_code == 1
    length = len(" ".join(ADVERT.split()))
    assert added.stderr == f"Error: the name is too long ({length} characters; at most 80)\n"
    link = cli(site, "signup", "reader@example.net", "--name", "see https://x.example")
    assert link.exit_code == 1
    assert link.stderr == (
        "Error: a name may hold only letters, spaces and the marks ' ’ - . (no links or numbers)\n"
    )
    sheet = tmp_path / "readers.csv"
    sheet.write_text(
        "email,name\none@example.net,Ada Reader\ntwo@example.net,www.example.net\n",
        encoding="utf-8",
    )
    imported = cli(site, "subscribers", "import", str(sheet), "--confirmed")
    assert imported.exit_code == 0  # every valid line went in; the bad one is reported
    assert "line 3" in imported.stderr and "a name may hold only letters" in imported.stderr
    with store(site) as engine:
        assert [s.email for s in list_subscribers(engine)] == ["one@example.net"]


def test_confirmation_email_greets_nobody_by_name(site: Path) -> None:
    assert cli(site, "signup", "reader@example.net", "--name", "Ada Reader").exit_code == 0
    (sent,) = (site / "outbox").glob("*.eml")
    text = sent.read_text(encoding="utf-8")
    assert "Ada Reader" not in text and "Ada" not in text

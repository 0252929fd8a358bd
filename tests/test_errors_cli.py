"""A publisher's mistakes end in one `Error:` line and exit code 1 or 2, never a traceback.

`cli()` lets any exception escape the command, so a traceback fails these tests outright.
Unreadable files are a link to /proc/self/mem: reading it fails with EIO even for root.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from site_helpers import cli, store

from syndicate.store import articles

UNREADABLE = Path("/proc/self/mem")

ARTICLE = """\
---
title: Harbour steps reopen after repairs
date: 2025-05-02
---

The stone steps down to the harbour reopen on Saturday after a month of repairs.
Masons replaced the worn treads and a new handrail runs the whole way down.
"""


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "steps.md"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def sqlite_site(tmp_path: Path, extra: str = "") -> Path:
    """A site on the default SQLite database, whatever backend the suite runs against."""
    site = tmp_path / "sqlite-site"
    site.mkdir()
    config = '[site]\nbase_url = "https://news.example.com"\n' + extra
    (site / "syndicate.toml").write_text(config, encoding="utf-8")
    return site


def unreadable(path: Path) -> Path:
    """Make `path` a file that exists but cannot be read."""
    os.symlink(UNREADABLE, path)
    return path


def stored_count(site: Path) -> int:
    with store(site) as engine, engine.connect() as conn:
        return len(conn.execute(articles.select()).all())


def test_site_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("not a site\n", encoding="utf-8")
    result = cli(plain, "feeds")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--site': Directory '{plain}' is a file."
    )


def test_unreadable_settings_file(site: Path) -> None:
    config = site / "syndicate.toml"
    config.unlink()
    unreadable(config)
    result = cli(site, "feeds")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {config}: cannot be read (Input/output error)\n"


def test_settings_file_that_is_a_folder(site: Path) -> None:
    config = site / "syndicate.toml"
    config.unlink()
    config.mkdir()
    result = cli(site, "subscribers", "list")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {config}: is a folder; the settings must be a file\n"


def test_unreadable_csv(site: Path) -> None:
    csv = unreadable(site / "readers.csv")
    result = cli(site, "subscribers", "import", str(csv))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {csv}: cannot read: Input/output error\n"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: path.mkdir(), "cannot read the signing secret (Is a directory)"),
        (
            lambda path: path.write_bytes(b"\xff\xfe"),
            "cannot read the signing secret (not a secret)",
        ),
        # An empty key would sign links that anyone can forge.
        (lambda path: path.write_bytes(b"\n"), "the signing secret is empty"),
    ],
    ids=["folder", "binary", "empty"],
)
def test_broken_secret_file_is_named_not_used(site: Path, make, problem: str) -> None:  # type: ignore[no-untyped-def]
    secret = site / ".syndicate-secret"
    make(secret)
    result = cli(site, "signup", "reader@example.net")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {secret}: {problem}: restore it, or delete it for a new one "
        "(links already sent stop working)\n"
    )
    assert not list((site / "outbox").glob("*.eml"))


def test_broken_site_template_is_one_line_and_publishes_nothing(site: Path, article: Path) -> None:
    template = site / "templates" / "email" / "article.html.j2"
    template.parent.mkdir(parents=True)
    template.write_text("<p>{% if %}</p>\n", encoding="utf-8")
    expected = f"Error: {template}, line 1: Expected an expression, got 'end of statement block'\n"
    rendered = cli(site, "render", str(article))
    assert (rendered.exit_code, rendered.stderr) == (1, expected)
    published = cli(site, "publish", str(article))
    assert (published.exit_code, published.stderr) == (1, expected)
    assert stored_count(site) == 0
    assert not (site / "feeds").exists()


def test_site_template_naming_an_unknown_value(site: Path, article: Path) -> None:
    template = site / "templates" / "email" / "article.html.j2"
    template.parent.mkdir(parents=True)
    template.write_text("<p>{{ publisher.name }}</p>\n", encoding="utf-8")
    result = cli(site, "render", str(article))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {template}: 'publisher' is undefined\n"


def test_preview_folder_that_cannot_be_made(site: Path, article: Path) -> None:
    (site / "outbox").write_text("a file where the outbox should be\n", encoding="utf-8")
    result = cli(site, "render", str(article))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write the preview into {site / 'outbox' / 'preview'}: Not a directory\n"
    )


@pytest.mark.parametrize("value", ["0001-01-01T00:00+05:00", "0999-12-31"])
def test_published_year_out_of_range(site: Path, article: Path, value: str) -> None:
    year = int(value[:4])
    result = cli(site, "publish", str(article), "--published", value)
    assert result.exit_code == 1
    assert result.stderr == f"Error: --published: the year {year} is out of range\n"
    assert stored_count(site) == 0


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("sqlite:////nonexistent/folder/syndicate.db", "unable to open database file"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/nothing", "Connection refused"),
    ],
    ids=["sqlite-folder-missing", "postgresql-nothing-listening"],
)
def test_database_url_pointing_nowhere(tmp_path: Path, url: str, problem: str) -> None:
    site = sqlite_site(tmp_path, f'\n[database]\nurl = "{url}"\n')
    for command in (["articles"], ["subscribers", "list"], ["send"]):
        result = cli(site, *command)
        assert result.exit_code == 1, command
        (line,) = result.stderr.splitlines()  # the driver's hints and SQLAlchemy's link: gone
        assert line.startswith("Error: cannot prepare the database: "), line
        assert problem in line
        assert "sqlalche.me" not in line


def test_database_file_that_is_not_a_database(tmp_path: Path) -> None:
    site = sqlite_site(tmp_path)
    (site / "syndicate.db").write_bytes(b"this is not SQLite\n" * 100)
    result = cli(site, "articles")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cannot prepare the database: (sqlite3.DatabaseError) file is not a database\n"
    )


def test_an_overlong_csv_cell_is_quoted_cut_short(site: Path) -> None:
    csv = site / "readers.csv"
    csv.write_text("email\n" + "a" * 5000 + "\n", encoding="utf-8")
    result = cli(site, "subscribers", "import", str(csv))
    assert result.exit_code == 0  # no valid line was left out; --strict would fail it
    first = result.stderr.splitlines()[0]
    assert first == (
        f"{csv}, line 2: '{'a' * 79}…' is not a valid email address: "
        "An email address must have an @-sign."
    )

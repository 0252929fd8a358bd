"""Secrets never reach a printed line, and a weak signing secret is refused (issue 17).

cron mails whatever a run prints, so a password in an error line is a password in a
mailbox; a one-character secret signs links anyone can forge.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from site_helpers import cli

from syndicate.config import load_settings, site_secret
from syndicate.errors import ConfigError

PASSWORD = "hunter2-correct-horse"
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url_password_is_masked(site: Path) -> None:
    url = f"postgresql+nosuchdriver://syn:{PASSWORD}@127.0.0.1/news"
    result = cli(site, "articles", env={"SYNDICATE_DB": url})
    assert result.exit_code == 1
    assert PASSWORD not in result.output
    assert "postgresql+nosuchdriver://syn:***@127.0.0.1/news" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_unreachable_database_password_is_masked(site: Path) -> None:
    url = f"postgresql+psycopg://syn:{PASSWORD}@127.0.0.1:{closed_port()}/news"
    result = cli(site, "articles", env={"SYNDICATE_DB": url})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    "url",
    [f"smtp://editor:{PASSWORD}@127.0.0.1:notaport", f"ftp://editor:{PASSWORD}@127.0.0.1"],
)
def test_bad_smtp_url_password_is_masked(site: Path, url: str) -> None:
    result = cli(site, "send", env={"SYNDICATE_SMTP_URL": url})
    assert result.exit_code == 1
    assert PASSWORD not in result.output
    assert "editor:***@127.0.0.1" in result.stderr


def test_unreachable_smtp_server_password_is_masked(site: Path) -> None:
    assert cli(site, "subscribers", "add", "reader@example.net", "--confirmed").exit_code == 0
    url = f"smtp://editor:{PASSWORD}@127.0.0.1:{closed_port()}"
    result = cli(site, "signup", "second@example.net", env={"SYNDICATE_SMTP_URL": url})
    assert PASSWORD not in result.output


def test_numeric_smtp_password_is_not_printed(site: Path) -> None:
    config = site / "syndicate.toml"
    config.write_text(config.read_text() + "\n[smtp]\npassword = 8675309\n", encoding="utf-8")
    result = cli(site, "articles")
    assert result.exit_code == 1
    assert "8675309" not in result.output
    assert result.stderr == (
        f"Error: {config}: smtp.password: expected a non-empty string in quotes (the value is not shown)\n"
    )


@pytest.mark.parametrize("weak", ["x", "a" * 64, "abcabcabcabcabcabcabcabcabcabcabcabc", "s3cr3t"])
def test_weak_secret_in_the_environment_is_refused(site: Path, weak: str) -> None:
    assert cli(site, "subscribers", "add", "reader@example.net", "--confirmed").exit_code == 0
    result = cli(site, "signup", "second@example.net", env={"SYNDICATE_SECRET": weak})
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: SYNDICATE_SECRET: the signing secret is too weak (it needs 32 characters or "
        f"more, 10 of them different): make one with {NEW_SECRET} "
        "(links already sent stop working when the secret changes)\n"
    )
    assert weak not in result.stderr.replace("SYNDICATE_SECRET", "")
    assert not list((site / "outbox").glob("*.eml"))


def test_weak_secret_file_is_refused(site: Path) -> None:
    (site / ".syndicate-secret").write_text("x\n", encoding="ascii")
    with pytest.raises(ConfigError, match="the signing secret is too weak") as caught:
        site_secret(load_settings(site))
    assert NEW_SECRET in str(caught.value)


def test_generated_secret_passes_the_rule(site: Path) -> None:
    first = site_secret(load_settings(site))
    assert len(first) >= 32 and len(set(first)) >= 10
    assert site_secret(load_settings(site)) == first

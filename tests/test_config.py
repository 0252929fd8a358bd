"""Settings: defaults < syndicate.toml < environment < flags, with one clear error per bad key."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import main
from syndicate.config import load_settings, site_secret
from syndicate.errors import ConfigError


def test_defaults_come_from_the_folder(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "gazette", environ={})
    assert settings.title == "gazette"
    assert settings.site_author == "gazette"
    assert settings.is_placeholder_url
    assert settings.sender == "newsletter@example.org"
    assert settings.unsubscribe_address == "unsubscribe@example.org"
    assert settings.envelope_sender == "newsletter@example.org"
    assert settings.public_web_url == "https://example.org"
    assert settings.feed_entries == 20
    assert settings.db_url == f"sqlite:///{tmp_path / 'gazette' / 'syndicate.db'}"


def test_file_then_environment_then_flags(site: Path) -> None:
    (site / "syndicate.toml").write_text(
        '[site]\ntitle = "From File"\nbase_url = "https://file.example"\n[feeds]\nentries = 7\n',
        encoding="utf-8",
    )
    env = {"SYNDICATE_TITLE": "From Env", "SYNDICATE_FEED_ENTRIES": "9"}
    settings = load_settings(site, environ=env)
    assert (settings.title, settings.base_url, settings.feed_entries) == (
        "From Env",
        "https://file.example",
        9,
    )
    assert load_settings(site, environ=env, feed_entries=3).feed_entries == 3


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[site]\ncolour = 1\n", "unknown setting site.colour"),
        ("[sight]\ntitle = 'x'\n", "unknown setting [sight]"),
        ("[feeds]\nentries = 'many'\n", "feeds.entries: expected a whole number"),
        ("[site]\nbase_url = 'ftp://x'\n", "site.base_url: expected an http(s) URL"),
        ("[site]\nbase_url = 'http://[x'\n", "site.base_url: expected an http(s) URL"),
        ("[smtp]\nurl = 'smtp://[x'\n", "smtp.url: expected smtp://"),
        ("[inbound]\nurl = 'imaps://me@[x/INBOX'\n", "inbound.url: expected imaps://"),
        ("[site]\ntimezone = 'Mars/Olympus'\n", "site.timezone: unknown timezone"),
        ("[newsletter]\nfrom = 'not an address'\n", "newsletter.from:"),
        ("[smtp]\nurl = 'http://mail'\n", "smtp.url: expected smtp://"),
        ("[smtp]\nurl = 'smtp://mail:99999'\n", "smtp.url: bad port in 'smtp://mail:99999'"),
        ("[inbound]\nurl = 'imaps://me@mail:x/INBOX'\n", "inbound.url: bad port in"),
        ("[site\n", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "syndicate.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(tmp_path, environ={})


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SYNDICATE_FEED_ENTRIES"):
        load_settings(tmp_path, environ={"SYNDICATE_FEED_ENTRIES": "-1"})


def test_secret_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    first = site_secret(settings)
    assert site_secret(settings) == first
    mode = (tmp_path / ".syndicate-secret").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    given = "a configured secret of forty characters!"
    assert site_secret(load_settings(tmp_path, environ={"SYNDICATE_SECRET": given})) == given


def test_init_writes_a_commented_config_and_folders(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "paper")])
    assert result.exit_code == 0, result.output
    config = (tmp_path / "paper" / "syndicate.toml").read_text(encoding="utf-8")
    assert "# base_url" in config and "SYNDICATE_SMTP_URL" in config
    for folder in ("content", "feeds", "outbox"):
        assert (tmp_path / "paper" / folder).is_dir()
    assert (tmp_path / "paper" / "outbox").stat().st_mode & 0o777 == 0o700
    # The commented file is itself valid and yields the defaults.
    assert load_settings(tmp_path / "paper", environ={}).title == "paper"


def test_bad_config_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "syndicate.toml").write_text("[feeds]\nentries = 0\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--site", str(tmp_path), "init"])
    assert result.exit_code == 1
    path = tmp_path.resolve() / "syndicate.toml"
    assert result.output.strip().splitlines() == [
        f"Error: {path}: feeds.entries: expected a whole number of 1 or more, got 0"
    ]

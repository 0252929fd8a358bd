"""`syndicate run`: the cron job publishes the content folder, then sends what is due."""

from __future__ import annotations

import time
from pathlib import Path

from delivery_helpers import add_active, delivery_states, settings_for, write_article
from site_helpers import cli
from smtp_server import SMTPServer

from syndicate.run import run_lock


def test_run_publishes_new_files_then_sends(site: Path, smtp_server: SMTPServer) -> None:
    addresses = add_active(site, 3)
    write_article(site)
    first = cli(site, "run", env=smtp_server.env())
    assert first.exit_code == 0, first.output
    lines = first.output.strip().splitlines()
    assert lines[0].startswith("new ") and lines[0].endswith("Harbour ferry doubles its crossings")
    assert lines[-1] == "sent 3, deferred 0, bounced 0, failed 0, skipped 0"
    assert (site / "feeds" / "atom.xml").is_file()
    assert smtp_server.recipients() == dict.fromkeys(addresses, 1)

    again = cli(site, "run", env=smtp_server.env())
    assert again.output.strip() == "sent 0, deferred 0, bounced 0, failed 0, skipped 0"

    write_article(site, "second.md", title="Night buses return", key="night-buses-2025")
    quiet = cli(site, "run", "--quiet", env=smtp_server.env())
    assert quiet.exit_code == 0 and quiet.output == ""
    assert len(smtp_server.messages) == 6


def test_one_bad_file_does_not_stop_the_others(site: Path) -> None:
    add_active(site, 1)
    write_article(site)
    (site / "content" / "empty.md").write_text("", encoding="utf-8")
    (site / "content" / "photo.jpg").write_bytes(b"\xff\xd8 not an article")
    result = cli(site, "run")
    assert result.exit_code == 1
    assert "new " in result.output and "sent 1" in result.output
    assert "skipped: " in result.output and "empty.md" in result.output
    assert "photo.jpg" not in result.output
    assert result.output.strip().splitlines()[-1] == "Error: 1 file could not be published"
    # Said once: the next run (cron, ten minutes later) is quiet about it and exits 0.
    again = cli(site, "run")
    assert again.exit_code == 0 and "empty.md" not in again.output
    # Edited, still unreadable: a new version of the file is reported once more.
    (site / "content" / "empty.md").write_text("\n\n", encoding="utf-8")
    edited = cli(site, "run")
    assert edited.exit_code == 1 and "empty.md" in edited.output
    assert "empty.md" not in cli(site, "run").output


def test_unreachable_server_after_publishing(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 2)
    write_article(site)
    smtp_server.stop()
    result = cli(site, "run", env=smtp_server.env())
    assert result.exit_code == 1
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith("Error: cannot reach the SMTP server 127.0.0.1:")
    )
    assert delivery_states(site) == {"due": 2}  # published, queued, waiting for the server


def test_a_second_run_exits_at_once(site: Path) -> None:
    # Not an error: cron would mail the administrator every ten minutes of a long send.
    write_article(site)
    with run_lock(settings_for(site)):
        start = time.monotonic()
        result = cli(site, "run")
        quiet = cli(site, "run", "--quiet")
        elapsed = time.monotonic() - start
    assert result.exit_code == 0
    assert result.output.strip() == (
        f"another `syndicate run` is already running on {site}; this one stops"
    )
    assert quiet.exit_code == 0 and quiet.output == ""
    assert elapsed < 10  # at once: not after the lock wait a publish would do (120 s)
    assert not (site / "feeds" / "atom.xml").exists()
    assert cli(site, "run").exit_code == 0  # the lock went with the first run

"""Outbox mode as a state of its own, where mail went, and the one-click warning."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from delivery_helpers import add_active, delivery_states, write_article
from site_helpers import cli
from smtp_server import SMTPServer


def issue_line(site: Path, issue: int) -> str:
    listed = cli(site, "newsletter", "list").stdout.splitlines()
    (line,) = [x for x in listed if x.lstrip().startswith(f"{issue} ")]
    return line


def test_outbox_mail_is_written_not_sent_and_goes_out_later_once(
    site: Path, smtp_server: SMTPServer
) -> None:
    add_active(site, 2)
    write_article(site)
    quiet = cli(site, "run", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stdout == ""
    assert quiet.stderr == (
        f"mail: 2 messages written to {site / 'outbox'}/, not sent: no smtp.url is set "
        "(set it, then `syndicate send --from-outbox`)\n"
    )
    assert delivery_states(site) == {"written": 2}
    assert "written to outbox (2/2 written)" in issue_line(site, 1)

    # A second issue, written too, then cancelled: it must not go out later.
    write_article(site, "other.md", title="Night buses return", key="night-buses")
    assert cli(site, "run", "--quiet").exit_code == 0
    assert cli(site, "newsletter", "cancel", "2").exit_code == 0

    refused = cli(site, "send", "--from-outbox")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: send --from-outbox sends what was written")

    sent = cli(site, "send", "--from-outbox", env=smtp_server.env())
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.splitlines()[0] == "2 messages from outbox/ queued for SMTP"
    assert "mail:" not in sent.output
    assert sorted(m.recipients[0] for m in smtp_server.messages) == [
        "reader0000@example.net",
        "reader0001@example.net",
    ]
    assert {m.message["Subject"] for m in smtp_server.messages} == {
        "Harbour ferry doubles its crossings"
    }
    assert "sent (2/2 sent)" in issue_line(site, 1)
    assert delivery_states(site) == {"sent": 2, "written": 2}

    again = cli(site, "send", "--from-outbox", env=smtp_server.env())
    assert again.stdout.splitlines()[0] == "0 messages from outbox/ queued for SMTP"
    assert len(smtp_server.messages) == 2  # each written message went out once


def test_a_site_that_chose_the_outbox_is_not_told_about_it(site: Path) -> None:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as config:
        config.write('\n[smtp]\nurl = "outbox"\n')
    add_active(site, 1)
    write_article(site)
    result = cli(site, "run", "--quiet")
    assert (result.exit_code, result.output) == (0, "")
    assert delivery_states(site) == {"written": 1}
    assert len(list((site / "outbox").glob("*.eml"))) == 1


def test_sending_with_an_http_web_url_warns_once_that_one_click_is_off(
    site: Path, smtp_server: SMTPServer
) -> None:
    add_active(site, 3)
    write_article(site)
    env = {**smtp_server.env(), "SYNDICATE_WEB_URL": "http://news.example.com/newsletter"}
    result = cli(site, "run", "--quiet", env=env)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: web.url is http://news.example.com/newsletter: one-click unsubscribe "
        "(RFC 8058) needs https, so this mail went without List-Unsubscribe-Post; Gmail and "
        "Yahoo filter bulk mail without it"
    ]
    assert all("List-Unsubscribe-Post" not in m.message for m in smtp_server.messages)
    secure = {**smtp_server.env(), "SYNDICATE_WEB_URL": "https://news.example.com/newsletter"}
    write_article(site, "other.md", title="Night buses return", key="night-buses")
    result = cli(site, "run", "--quiet", env=secure)
    assert (result.exit_code, result.output) == (0, "")


def test_send_shows_a_progress_bar_on_a_terminal_only(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 3)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
    env.update(smtp_server.env())
    env["COLUMNS"] = "100"
    write_article(site, "other.md", title="Night buses return", key="night-buses")
    assert cli(site, "publish", str(site / "content" / "other.md")).exit_code == 0
    command = [sys.executable, "-m", "syndicate", "--site", str(site), "send"]
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert child.wait(30) == 0
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "sending" in shown and "3/3" in shown and "/s" in shown
    assert "sent 3, deferred 0" in shown
    piped = cli(site, "send", env=smtp_server.env())  # no terminal: no bar
    assert "sending" not in piped.output

"""Nothing reaches an inbox by accident (issue 11): each guardrail, as a user meets it.

Every test drives the command line on a real site folder; where mail is involved, a real
SMTP server (aiosmtpd on 127.0.0.1) receives it.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa
from delivery_helpers import add_active, write_article
from site_helpers import add_settings, cli, store
from smtp_server import SMTPServer

from syndicate.readers.frontmatter import KNOWN_KEYS
from syndicate.store import metadata

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    "The council agreed on Tuesday to open the old boathouse as a winter shelter. "
    "Volunteers will keep it warm from November until the end of March, and the "
    "harbour trust has promised blankets, a kettle and a night warden."
)


def article(title: str, *, date: str | None = None, extra: str = "", body: str = BODY) -> str:
    """A Markdown article of our own, with front matter."""
    head = f"title: {title}\n" + (f"date: {date}\n" if date else "") + extra
    return f"---\n{head}---\n\n{body}\n"


def put(site: Path, name: str, text: str, *, mtime: float | None = None) -> Path:
    path = site / "content" / name
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def feed_titles(site: Path) -> list[str]:
    parsed = feedparser.parse((site / "feeds" / "atom.xml").read_bytes())
    assert not parsed.bozo
    return [entry.title for entry in parsed.entries]


def subjects(server: SMTPServer) -> list[str]:
    return [str(received.message["Subject"]) for received in server.messages]


def with_max_age(site: Path, value: str) -> None:
    """Replace the suite's `max_age = 0` with the value a test is about."""
    path = site / "syndicate.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("max_age = 0", f'max_age = "{value}"'),
        encoding="utf-8",
    )


# 1. A mistyped site ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("run",), ("run", "--quiet"), ("send",), ("articles",), ("newsletter", "list"),
     ("subscribers", "list"), ("feeds",), ("render", "3"), ("serve",)],
)  # fmt: skip
def test_a_folder_that_is_not_a_site_is_refused_and_left_alone(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    wrong = tmp_path / "wrong" / "path"
    result = cli(wrong, *command)
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: {wrong} is not a syndicate site (run: syndicate init {wrong})\n"
    )
    assert result.stdout == ""
    assert not (tmp_path / "wrong").exists()


def test_init_parse_and_render_file_work_anywhere(tmp_path: Path) -> None:
    wrong = tmp_path / "nowhere"
    example = ROOT / "examples" / "library-reopening.md"
    assert cli(wrong, "parse", str(example)).exit_code == 0
    rendered = cli(wrong, "render", str(example), "--out", str(tmp_path / "preview"))
    assert rendered.exit_code == 0, rendered.output
    assert not wrong.exists()
    assert cli(wrong, "init").exit_code == 0
    assert cli(wrong, "articles").exit_code == 0


def test_a_site_made_before_init_was_required_is_still_a_site(tmp_path: Path) -> None:
    old = tmp_path / "old-site"
    old.mkdir()
    (old / "syndicate.db").write_bytes(b"")  # made by an older release, without a toml
    assert "is not a syndicate site" not in cli(old, "articles").output


# 2. Placeholder base URL ----------------------------------------------------------------


def test_init_says_what_to_set_first_and_copies_no_environment(tmp_path: Path) -> None:
    site = tmp_path / "news"
    env = {"SYNDICATE_SMTP_URL": "smtp://127.0.0.1:2525", "SYNDICATE_TITLE": "From the env"}
    result = cli(site, "init", env=env)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1] == f"first set, in {site / 'syndicate.toml'} (or the environment):"
    assert lines[2].startswith("  site.base_url    (SYNDICATE_BASE_URL): ")
    assert lines[3].startswith("  newsletter.from  (SYNDICATE_FROM): ")
    assert lines[4].startswith("put articles in ") and lines[4].endswith(" run")
    written = (site / "syndicate.toml").read_text(encoding="utf-8")
    assert "127.0.0.1:2525" not in written and "From the env" not in written
    # serve: the confirmation links would point nowhere.
    served = cli(site, "serve")
    assert served.exit_code == 1
    assert served.stderr.startswith("Error: web.url is not set, nor site.base_url: ")


# 3-6. What `run` leaves out, and says once --------------------------------------------------


def test_run_mails_none_of_the_doubtful_files_and_says_why_once(
    site: Path, smtp_server: SMTPServer
) -> None:
    with_max_age(site, "7d")
    readers = add_active(site, 2)
    env = smtp_server.env()
    now = datetime.now(UTC)
    soon = (now + timedelta(seconds=3)).replace(microsecond=0)
    old = now - timedelta(days=3 * 365)
    put(site, "notes.txt", "remember to call the printer\n")
    put(site, "story.txt", f"Boathouse opens as a winter shelter\n\n{BODY}\n", mtime=1_700_000_000)
    put(site, "story (1).txt", f"Boathouse opens as a winter shelter\n\n{BODY}\n")
    put(site, "draft.md", article("Half-written piece", extra="draft: true\n"))
    put(site, "soon.md", article("Embargoed harbour report", date=soon.isoformat()))
    put(site, "old.md", article("Ferry fares from years ago", date=old.date().isoformat()))

    first = cli(site, "run", env=env)
    assert first.exit_code == 0, first.output
    # Only the one real, new story went out, its Subject exactly its title.
    assert subjects(smtp_server) == ["Boathouse opens as a winter shelter"] * 2
    assert smtp_server.recipients() == dict.fromkeys(readers, 1)
    assert feed_titles(site) == [
        "Boathouse opens as a winter shelter",
        "Ferry fares from years ago",
    ]
    skipped = sorted(line for line in first.stderr.splitlines() if line.startswith("skipped: "))
    assert skipped == [
        "skipped: draft.md: a draft (draft: true), not published",
        "skipped: notes.txt: no body text",
        "skipped: story (1).txt: same text as article 1 (content/story.txt)",
    ]
    assert (
        "not mailed: 1 dated more than 7 days back (newsletter.max_age), "
        "in the feeds only: content/old.md"
    ) in first.stderr
    assert "scheduled" in cli(site, "articles").output  # listed, not in the feeds

    again = cli(site, "run", env=env)
    assert again.exit_code == 0
    assert "skipped: " not in again.output and "not mailed" not in again.output  # said once
    assert len(smtp_server.messages) == 2

    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1.1)
    due = cli(site, "run", "--quiet", env=env)
    assert due.exit_code == 0 and due.output == ""
    assert subjects(smtp_server)[2:] == ["Embargoed harbour report"] * 2
    assert feed_titles(site)[0] == "Embargoed harbour report"
    cli(site, "run", env=env)
    assert len(smtp_server.messages) == 4  # once


def test_publish_refuses_what_run_skips(site: Path) -> None:
    original = put(site, "story.md", article("Quay lights to be replaced"))
    assert cli(site, "publish", str(original)).exit_code == 0
    copy = put(site, "story copy.md", article("Quay lights to be replaced"))
    refused = cli(site, "publish", str(copy))
    assert refused.exit_code == 1
    assert refused.stderr == "Error: story copy.md: same text as article 1 (content/story.md)\n"
    assert cli(site, "publish", str(copy), "--allow-duplicate").exit_code == 0
    short = put(site, "short.md", article("Short", body="Only a few words here."))
    result = cli(site, "publish", str(short))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: short.md: too little body text (5 words; an article has at least 20)\n"
    )


def test_an_unpublished_article_stays_out(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 1)
    path = write_article(site)
    env = smtp_server.env()
    assert cli(site, "run", env=env).exit_code == 0
    assert len(smtp_server.messages) == 1
    assert cli(site, "unpublish", "1").exit_code == 0
    first = cli(site, "run", env=env)
    second = cli(site, "run", env=env)
    assert first.exit_code == second.exit_code == 0
    assert (
        "skipped: ferry.md: article 1 was unpublished; it stays out until "
        "`syndicate publish content/ferry.md --republish`"
    ) in first.stderr
    assert "skipped: " not in second.output
    assert feed_titles(site) == []
    assert len(smtp_server.messages) == 1
    back = cli(site, "publish", str(path), "--republish", env=env)
    assert back.exit_code == 0 and "issue" not in back.output  # back in the feeds, not mailed
    assert feed_titles(site) == ["Harbour ferry doubles its crossings"]


def test_drafts_and_unknown_keys_are_shown(site: Path) -> None:
    path = put(site, "draft.md", article("Council minutes", extra="draft: true\ndrat: yes\n"))
    shown = cli(site, "parse", str(path))
    assert shown.stdout.splitlines()[0] == "draft:      yes (draft: true): never published"
    assert shown.stderr == f"warning: {path}: unknown front matter key 'drat' (ignored)\n"
    assert json.loads(cli(site, "parse", str(path), "--json").stdout)["draft"] is True
    first, second = cli(site, "run"), cli(site, "run")
    assert f"warning: {path}: unknown front matter key 'drat' (ignored)" in first.stderr
    assert "warning" not in second.stderr  # once


def test_readme_lists_every_front_matter_key_and_the_safe_defaults() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Safe by default" in readme
    for key in KNOWN_KEYS:
        assert f"`{key}`" in readme, key


# 11. Dry run and delay ------------------------------------------------------------------


def _every_row(site: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, on whichever database the site uses."""
    with store(site) as engine, engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(sa.select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def test_dry_run_prints_the_plan_and_changes_nothing(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 2)
    put(site, "story.md", article("New bins for the promenade"))
    put(site, "notes.txt", "call the printer\n")
    before = _every_row(site)
    result = cli(site, "run", "--dry-run", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "dry run: nothing is written or sent"
    assert lines[1].startswith("publish  new        content/story.md  New bins for the promenade")
    assert lines[2] == "         issue of The Example Desk: 2 subscribers"
    assert "skip     notes.txt: no body text" in lines
    assert lines[-1] == "send     0 deliveries due now"
    assert _every_row(site) == before
    assert not (site / "feeds").exists() and smtp_server.messages == []
    # The real run then finds everything still to do (nothing was remembered as said).
    real = cli(site, "run", env=smtp_server.env())
    assert "skipped: notes.txt: no body text" in real.stderr
    assert len(smtp_server.messages) == 2


def test_a_cancel_within_the_delay_is_an_undo(site: Path, smtp_server: SMTPServer) -> None:
    add_settings(site, "newsletter", 'delay = "2s"')
    add_active(site, 2)
    env = smtp_server.env()
    put(site, "a.md", article("Mistake in the tide tables", body=BODY + " Oops."))
    put(site, "b.md", article("Tide tables corrected"))
    first = cli(site, "run", env=env)
    assert first.exit_code == 0 and smtp_server.messages == []
    listed = cli(site, "newsletter", "list").output
    assert listed.count("goes at ") == 2
    assert cli(site, "newsletter", "cancel", "1").exit_code == 0
    time.sleep(2.5)
    assert cli(site, "run", env=env).exit_code == 0
    assert subjects(smtp_server) == ["Tide tables corrected"] * 2


# 12. Date is the moment of sending ------------------------------------------------------


def test_a_held_issue_is_dated_when_it_is_sent(site: Path, smtp_server: SMTPServer) -> None:
    add_active(site, 2)
    env = {**smtp_server.env(), "SYNDICATE_HOLD": "1"}
    assert cli(site, "publish", str(write_article(site)), env=env).exit_code == 0
    time.sleep(1.1)
    released = datetime.now(UTC).replace(microsecond=0)
    assert cli(site, "newsletter", "release", "1").exit_code == 0
    assert cli(site, "send", env=env).exit_code == 0
    assert len(smtp_server.messages) == 2
    for received in smtp_server.messages:
        assert received.message["Date"].datetime >= released


# For scripts --------------------------------------------------------------------------


def test_articles_json_has_number_and_feed_id_and_unpublish_takes_either(site: Path) -> None:
    for name, title in (("a.md", "Pier repairs begin"), ("b.md", "Pier repairs end")):
        assert cli(site, "publish", str(put(site, name, article(title)))).exit_code == 0
    rows = [
        json.loads(line) for line in cli(site, "articles", "--all", "--json").output.splitlines()
    ]
    assert sorted(row["number"] for row in rows) == [1, 2]
    assert all(row["id"].startswith("tag:news.example.com,") for row in rows)
    by_id = next(row for row in rows if row["number"] == 2)["id"]
    assert cli(site, "unpublish", by_id).exit_code == 0
    assert cli(site, "unpublish", "1").exit_code == 0
    assert feed_titles(site) == []


def test_publish_schedules_and_feeds_publishes_when_due(site: Path) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    path = put(site, "embargo.md", article("Budget embargo lifts", date=soon.isoformat()))
    scheduled = cli(site, "publish", str(path))
    assert scheduled.exit_code == 0, scheduled.output
    assert scheduled.output.startswith("scheduled  tag:news.example.com,")
    assert f"not in the feeds, no email until {soon.isoformat()}" in scheduled.output
    assert feed_titles(site) == []
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1.1)
    due = cli(site, "feeds")
    assert due.output.startswith("new        tag:news.example.com,")
    assert "issue 1 queued for 0 subscribers" in due.output
    assert feed_titles(site) == ["Budget embargo lifts"]

"""Digests: a `daily 07:00` newsletter bundles its articles and sends them once per slot.

Every run here is `syndicate.run.run` with an injected clock (`now`); the mail goes to a
real SMTP server on loopback.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import sqlalchemy as sa
from email_samples import body_text
from site_helpers import cli, store
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.run import RunReport, run
from syndicate.store import TableRow, digests, issue_articles, issues

LONDON = ZoneInfo("Europe/London")
NEWSLETTERS = """
[[newsletters]]
slug = "now"
name = "Harbour News Now"

[[newsletters]]
slug = "briefing"
name = "Morning Briefing"
cadence = "Daily 07:00"
"""
BODY = (
    "The council met on Tuesday evening and agreed the plan after a long debate about "
    "costs, timing and who would pay for the works on the old quay."
)
MEMBERS = {"both@example.net": ("now", "briefing"), "digest@example.net": ("briefing",)}


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """Return a wall-clock time in London as the aware moment it is."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def daily(site: Path) -> Path:
    config = site / "syndicate.toml"
    text = config.read_text(encoding="utf-8").replace(
        "[site]\n", '[site]\ntimezone = "Europe/London"\n'
    )
    config.write_text(text + NEWSLETTERS, encoding="utf-8")
    for address, slugs in MEMBERS.items():
        options = [arg for slug in slugs for arg in ("--newsletter", slug)]
        added = cli(site, "subscribers", "add", address, "--confirmed", *options)
        assert added.exit_code == 0, added.output
    return site


def write(site: Path, key: str, title: str) -> None:
    text = f"---\nid: {key}\ntitle: {title}\ndek: What changes for {key}.\n---\n\n{BODY}\n"
    (site / "content" / f"{key}.md").write_text(text, encoding="utf-8")


def go(site: Path, server: SMTPServer, now: datetime) -> tuple[RunReport, list[str]]:
    """Run at `now`; return the report and the subjects each digest member got (sorted)."""
    before = len(server.messages)
    report = run(load_settings(site, environ=server.env()), now=now)
    assert report.ok, report
    got = [f"{r} {m.message['Subject']}" for m in server.messages[before:] for r in m.recipients]
    return report, sorted(got)


def digest_rows(site: Path) -> list[TableRow]:
    with store(site) as engine, engine.connect() as conn:
        return list(conn.execute(sa.select(digests).order_by(digests.c.slot)))


def test_a_daily_digest_goes_once_per_slot_and_catches_up_once(
    daily: Path, smtp_server: SMTPServer
) -> None:
    for n, title in enumerate(("Quay works agreed", "Ferry fares frozen", "Pool reopens"), 1):
        write(daily, f"story-{n}", title)
    report, got = go(daily, smtp_server, local(2025, 6, 10, 9, 0))
    assert len(report.published) == 3 and report.digests == ()
    assert [line for line in got if line.startswith("digest@")] == []  # before the slot

    _, got = go(daily, smtp_server, local(2025, 6, 11, 6, 59))
    assert got == []
    report, got = go(daily, smtp_server, local(2025, 6, 11, 7, 0))
    subject = "Morning Briefing: Quay works agreed and 2 more"
    assert [line for line in got if line.startswith("digest@")] == [f"digest@example.net {subject}"]
    (digest,) = report.digests
    with store(daily) as engine, engine.connect() as conn:
        held = conn.execute(
            sa.select(sa.func.count()).where(issue_articles.c.issue_id == digest.issue_id)
        ).scalar_one()
    assert held == 3
    message = smtp_server.messages[-1].message
    html = body_text(message, "html")
    assert all(
        title in html for title in ("Quay works agreed", "Ferry fares frozen", "Pool reopens")
    )

    assert go(daily, smtp_server, local(2025, 6, 11, 7, 1))[1] == []  # the same slot: nothing
    assert go(daily, smtp_server, local(2025, 6, 12, 7, 5))[1] == []  # an empty day: nothing

    write(daily, "story-4", "Bridge closes for a week")
    go(daily, smtp_server, local(2025, 6, 12, 10, 0))
    write(daily, "story-5", "Market moves indoors")
    go(daily, smtp_server, local(2025, 6, 12, 12, 0))
    # Cron is down for three days: one digest of both, at the newest slot.
    report, got = go(daily, smtp_server, local(2025, 6, 15, 8, 30))
    digest_only = [line for line in got if line.startswith("digest@")]
    assert digest_only == [
        "digest@example.net Morning Briefing: Bridge closes for a week and 1 more"
    ]
    slots = [row.slot.astimezone(LONDON) for row in digest_rows(daily)]
    assert slots[-1] == local(2025, 6, 15, 7, 0)
    assert local(2025, 6, 13, 7, 0) not in slots and local(2025, 6, 14, 7, 0) not in slots
    with store(daily) as engine, engine.connect() as conn:
        newsletter_issues = conn.execute(sa.select(issues.c.subject)).scalars().all()
    assert sum("Morning Briefing:" in s for s in newsletter_issues) == 2


def test_a_member_of_both_gets_each_article_once_at_once_and_once_in_the_digest(
    daily: Path, smtp_server: SMTPServer
) -> None:
    write(daily, "story-1", "Quay works agreed")
    write(daily, "story-2", "Ferry fares frozen")
    go(daily, smtp_server, local(2025, 6, 10, 9, 0))
    go(daily, smtp_server, local(2025, 6, 11, 7, 30))
    go(daily, smtp_server, local(2025, 6, 11, 8, 30))
    by_list = Counter(
        (r, str(m.message["List-Id"]).split("<")[1].split(".")[0])
        for m in smtp_server.messages
        for r in m.recipients
    )
    assert by_list == Counter(
        {
            ("both@example.net", "now"): 2,
            ("both@example.net", "briefing"): 1,
            ("digest@example.net", "briefing"): 1,
        }
    )
    with store(daily) as engine, engine.connect() as conn:
        per_newsletter = Counter(conn.execute(sa.select(issues.c.newsletter_id)).scalars())
    assert sorted(per_newsletter.values()) == [1, 2]  # no per-article issue for the digest


@pytest.mark.parametrize(
    "day",
    [
        (2025, 3, 29),
        (2025, 3, 30),  # clocks go forward at 01:00
        (2025, 3, 31),
        (2025, 10, 25),
        (2025, 10, 26),  # clocks go back at 02:00
        (2025, 10, 27),
    ],
)
def test_daily_07_00_sends_at_07_00_london_time_around_both_changes(
    daily: Path, smtp_server: SMTPServer, day: tuple[int, int, int]
) -> None:
    year, month, date = day
    write(daily, "story-1", "Quay works agreed")
    go(daily, smtp_server, local(year, month, date, 0, 5))
    assert go(daily, smtp_server, local(year, month, date, 6, 59))[1] == []
    report, got = go(daily, smtp_server, local(year, month, date, 7, 0))
    assert "digest@example.net Morning Briefing: Quay works agreed" in got
    assert digest_rows(daily)[-1].slot == local(year, month, date, 7, 0).astimezone(UTC)


def test_hold_release_and_cancel_work_on_a_digest(daily: Path, smtp_server: SMTPServer) -> None:
    config = daily / "syndicate.toml"
    config.write_text(config.read_text().replace("max_age = 0\n", "max_age = 0\nhold = true\n"))
    write(daily, "story-1", "Quay works agreed")
    go(daily, smtp_server, local(2025, 6, 10, 9, 0))
    report, got = go(daily, smtp_server, local(2025, 6, 11, 7, 5))
    (digest,) = report.digests
    assert digest.action == "held" and got == []
    released = cli(daily, "newsletter", "release", str(digest.issue_id))
    assert released.exit_code == 0, released.output
    assert "queued 2 new deliveries" in released.output
    sent = cli(daily, "send", env=smtp_server.env())
    assert sent.exit_code == 0, sent.output
    assert smtp_server.recipients()["digest@example.net"] == 1
    cancelled = cli(daily, "newsletter", "cancel", str(digest.issue_id))
    assert cancelled.output.startswith("cancelled 0 unsent deliveries")


def test_preview_renders_the_next_digest_and_status_shows_its_slot(daily: Path) -> None:
    write(daily, "story-1", "Quay works agreed")
    write(daily, "story-2", "Ferry fares frozen")
    published = cli(daily, "run", "--no-email")
    assert published.exit_code == 0, published.output
    nothing = cli(daily, "newsletter", "preview", "briefing")
    assert nothing.exit_code == 1
    assert nothing.output.startswith("Error: no article waits for the next digest of briefing (")

    published = cli(daily, "publish", str(daily / "content" / "story-1.md"), "--resend")
    assert published.exit_code == 0, published.output
    shown = cli(daily, "newsletter", "preview", "briefing", "--out", str(daily / "look"))
    assert shown.exit_code == 0, shown.output
    first = shown.output.splitlines()[0]
    assert first.endswith(" Europe/London: Morning Briefing: Quay works agreed")
    assert (daily / "look" / "briefing-digest.eml").is_file()
    html = (daily / "look" / "briefing-digest.html").read_text(encoding="utf-8")
    assert "Quay works agreed" in html and "reader@example.com" in html

    immediate = cli(daily, "newsletter", "preview", "now")
    assert immediate.output.startswith("Error: the newsletter now is immediate")
    status = cli(daily, "status")
    line = next(x for x in status.output.splitlines() if x.startswith("next digest: "))
    assert line.startswith("next digest: briefing at ")
    assert line.endswith(" 07:00 Europe/London (1 article waiting)")


def test_monthly_31_is_refused_with_one_line(daily: Path) -> None:
    added = cli(daily, "newsletters", "add", "Month End", "--cadence", "monthly 31 07:00")
    assert added.exit_code == 1
    assert added.output == (
        "Error: the new newsletter.cadence: cadence 'monthly 31 07:00': the day of the month "
        "is 1 to 28 or `last` (not every month has a day 31; `monthly last` is the month's "
        "last day)\n"
    )
    fine = cli(daily, "newsletters", "add", "Month End", "--cadence", "monthly last FRI 07:00")
    assert fine.exit_code == 0, fine.output


def test_a_digest_is_archived_under_its_own_name_and_its_email_links_there(
    daily: Path, smtp_server: SMTPServer
) -> None:
    write(daily, "story-1", "Quay works agreed")
    write(daily, "story-2", "Ferry fares frozen")
    go(daily, smtp_server, local(2025, 6, 10, 9, 0))
    go(daily, smtp_server, local(2025, 6, 11, 7, 0))
    folder = daily / "archive" / "briefing"
    page = folder / "2025-06-11-digest" / "index.html"
    url = "https://news.example.com/archive/briefing/2025-06-11-digest/"
    message = smtp_server.messages[-1].message
    assert message["Subject"] == "Morning Briefing: Quay works agreed and 1 more"
    html = body_text(message, "html")
    assert lxml.html.fromstring(html).xpath("//a[.='View in browser']/@href") == [url]
    plain = body_text(message).replace("\r\n", "\n")
    assert f"View in browser:\n{url}\n" in plain
    text = page.read_text(encoding="utf-8")
    assert "Quay works agreed" in text and "Ferry fares frozen" in text
    assert "digest@example.net" not in text and "View in browser" not in text
    # Not under its first article's name; listed in the newsletter's archive.
    assert sorted(path.name for path in folder.iterdir() if path.is_dir()) == ["2025-06-11-digest"]
    assert f'href="{url}"' in (folder / "index.html").read_text(encoding="utf-8")

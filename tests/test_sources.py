"""Followed feeds against a real HTTP server on 127.0.0.1: new entries become articles once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from delivery_helpers import add_active
from feed_server import FeedServer, Item, atom, feed_server, json_feed, rss091, rss1, rss2
from site_helpers import add_settings, cli, store
from smtp_server import SMTPServer

from syndicate.sources.tables import sources

NOW = datetime.now(UTC).replace(microsecond=0)
WORDS = "The harbour master posted the new tide tables for the spring, with two extra pilots."


def items(count: int, start: int = 0, *, base: str = "http://127.0.0.1") -> list[Item]:
    return [
        Item(
            id=f"urn:note:{n}",
            title=f"Harbour note number {n}",
            html=f"<p>{WORDS} Note {n}.</p>",
            link=f"{base}/notes/{n}",
            published=NOW - timedelta(hours=count + start - n),
        )
        for n in range(start, start + count)
    ]


FORMATS: dict[str, tuple[Callable[[list[Item]], str], str]] = {
    "atom": (atom, "application/atom+xml"),
    "rss2": (rss2, "application/rss+xml"),
    "rss1": (rss1, "application/rdf+xml"),
    "rss091": (rss091, "text/xml"),
    "jsonfeed10": (lambda i: json_feed(i, "1"), "application/feed+json"),
    "jsonfeed11": (json_feed, "application/feed+json"),
}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


def stored_articles(site: Path) -> list[dict[str, object]]:
    result = cli(site, "articles", "--all", "--json")
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def follow(site: Path, server: FeedServer, path: str, *args: str) -> None:
    added = cli(site, "sources", "add", server.url(path), *args)
    assert added.exit_code == 0, added.output


def poll_again(site: Path) -> None:
    """Make every source due now (as if the backoff had passed)."""
    with store(site) as engine, engine.begin() as conn:
        conn.execute(sources.update().values(next_check=None))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_new_entry_is_published_and_mailed_once(
    site: Path, server: FeedServer, smtp_server: SMTPServer, fmt: str
) -> None:
    write, kind = FORMATS[fmt]
    add_active(site, 1)
    server.serve("/feed", write(items(2)), kind)
    follow(site, server, "/feed", "--name", "harbour", "--tag", "Harbour")
    first = cli(site, "run", env=smtp_server.env())
    assert first.exit_code == 0, first.output
    assert stored_articles(site) == [] and smtp_server.messages == []

    server.serve("/feed", write(items(3)), kind)
    second = cli(site, "run", env=smtp_server.env())
    assert second.exit_code == 0, second.output
    assert len(stored_articles(site)) == 1, second.output
    (article,) = stored_articles(site)
    assert article["title"] == "Harbour note number 2"
    assert article["url"] == "http://127.0.0.1/notes/2"
    assert article["from"] == "feed harbour" and "Harbour" in article["tags"]
    assert len(smtp_server.messages) == 1
    assert "Harbour note number 2" in smtp_server.messages[0].message["Subject"]
    assert "Harbour note number 2" in (site / "feeds" / "atom.xml").read_text(encoding="utf-8")

    third = cli(site, "run", env=smtp_server.env())
    assert third.exit_code == 0 and len(smtp_server.messages) == 1
    assert len(stored_articles(site)) == 1


def test_second_poll_is_conditional_and_gets_304(site: Path, server: FeedServer) -> None:
    route = server.serve("/feed", atom(items(2)))
    follow(site, server, "/feed")
    assert cli(site, "run").exit_code == 0
    assert cli(site, "run").exit_code == 0
    first, second = server.requests("/feed")
    assert "If-None-Match" not in first and "If-Modified-Since" not in first
    assert second["If-None-Match"] == route.etag
    assert second["If-Modified-Since"] == route.last_modified
    assert "gzip" in second["Accept-Encoding"]
    listed = cli(site, "sources", "list")
    assert " active " in listed.output and "0 failures" in listed.output
    checked = cli(site, "sources", "check")
    assert checked.output.splitlines()[-1].endswith("127.0.0.1: not modified")


def test_edited_entry_updates_the_article_and_mails_nothing(
    site: Path, server: FeedServer, smtp_server: SMTPServer
) -> None:
    add_active(site, 1)
    server.serve("/feed", atom(items(1)))
    follow(site, server, "/feed")
    cli(site, "run", env=smtp_server.env())
    server.serve("/feed", atom(items(2)))
    cli(site, "run", env=smtp_server.env())
    assert len(smtp_server.messages) == 1
    edited = items(2)
    edited[1] = Item(edited[1].id, "Harbour note two, corrected", "<p>Corrected.</p>",
                     edited[1].link, edited[1].published)  # fmt: skip
    server.serve("/feed", atom(edited))
    result = cli(site, "run", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    (article,) = stored_articles(site)
    assert article["title"] == "Harbour note two, corrected"
    assert article["blocks"][0]["text"] == "Corrected."  # type: ignore[index]
    assert len(smtp_server.messages) == 1


def test_first_poll_of_thirty_entries_mails_nothing(
    site: Path, server: FeedServer, smtp_server: SMTPServer
) -> None:
    add_active(site, 1)
    server.serve("/big", rss2(items(30)), "application/rss+xml")
    server.serve("/back", atom(items(30, 100)))
    follow(site, server, "/big", "--name", "big")
    follow(site, server, "/back", "--name", "back", "--backfill", "5")
    result = cli(site, "run", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    stored = stored_articles(site)
    assert sorted(a["title"] for a in stored) == [
        f"Harbour note number {n}" for n in range(125, 130)
    ]
    assert all(a["from"] == "feed back" for a in stored)
    assert cli(site, "run", env=smtp_server.env()).exit_code == 0
    assert smtp_server.messages == []


def _stall(server: FeedServer) -> None:
    server.serve("/bad", atom(items(1))).delay = 3


def _error(server: FeedServer) -> None:
    server.serve("/bad", "oops").status = 500


def _html(server: FeedServer) -> None:
    server.serve("/bad", "<!doctype html><html><body><p>Welcome!</p></body></html>", "text/html")


def _truncated(server: FeedServer) -> None:
    server.serve("/bad", atom(items(3))[:-200])


def _huge(server: FeedServer) -> None:
    server.serve("/bad", b"").flood = 50 * 1024 * 1024


FAULTS = {
    "timeout": (_stall, "timed out"),
    "500": (_error, "the server answered 500"),
    "html": (_html, "is not a feed (text/html)"),
    "truncated": (_truncated, "the feed is cut short"),
    "50MB": (_huge, "larger than 10 MB"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failing_source_warns_once_and_the_others_go_on(
    site: Path, server: FeedServer, smtp_server: SMTPServer, fault: str
) -> None:
    add_settings(site, "sources", 'timeout = "1s"')
    add_active(site, 1)
    server.serve("/good", atom(items(1)))
    FAULTS[fault][0](server)
    follow(site, server, "/good", "--name", "good")
    follow(site, server, "/bad", "--name", "bad")
    first = cli(site, "run", env=smtp_server.env())
    assert first.exit_code == 0, first.output
    warnings = [line for line in first.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: source bad: http://")
    assert FAULTS[fault][1] in warnings[0]

    server.serve("/good", atom(items(2)))
    poll_again(site)
    second = cli(site, "run", env=smtp_server.env())
    assert second.exit_code == 0, second.output
    assert "warning" not in second.output
    assert [a["title"] for a in stored_articles(site)] == ["Harbour note number 1"]
    assert len(smtp_server.messages) == 1
    assert "2 failures" in cli(site, "sources", "list").output


def test_ten_failures_mark_a_source_failing_until_checked(site: Path, server: FeedServer) -> None:
    route = server.serve("/feed", "gone")
    route.status = 500
    follow(site, server, "/feed", "--name", "flaky")
    said = []
    for _ in range(12):
        poll_again(site)
        said += [line for line in cli(site, "run").output.splitlines() if "warning" in line]
    assert len(said) == 2
    assert said[1].startswith("warning: source flaky is marked failing after 10 failures")
    assert "`syndicate sources check flaky` polls it and re-enables it" in said[1]
    assert len(server.requests("/feed")) == 10  # no longer polled by run
    assert " failing " in cli(site, "sources", "list").output

    server.serve("/feed", atom(items(2)))
    checked = cli(site, "sources", "check", "flaky")
    assert checked.exit_code == 0, checked.output
    assert checked.output.splitlines()[-1] == "flaky: 2 entries recorded as seen"
    assert " active " in cli(site, "sources", "list").output


def test_backoff_doubles_up_to_a_day(site: Path, server: FeedServer) -> None:
    server.serve("/feed", "gone").status = 500
    follow(site, server, "/feed", "--every", "2h")
    waits = []
    for _ in range(6):
        poll_again(site)
        cli(site, "run")
        with store(site) as engine, engine.connect() as conn:
            row = conn.execute(sa.select(sources.c.next_check, sources.c.last_check)).one()
        waits.append(round((row.next_check - row.last_check).total_seconds() / 3600))
    assert waits == [2, 4, 8, 16, 24, 24]


def test_relative_links_resolved_and_script_removed(site: Path, server: FeedServer) -> None:
    base = server.url("")
    hostile = Item(
        "urn:note:evil",
        "A note\r\nBcc: victim@example.org <script>",
        '<p>See <a href="/notes/2">the next note</a> and <a href="javascript:alert(1)">this</a>.'
        '</p><script>alert("x")</script><img src="img/boat.jpg" onerror="steal()">'
        "<p onclick='x()'>Tides.</p>",
        f"{base}/notes/1/",
        NOW,
    )
    server.serve("/feed", atom([]))
    follow(site, server, "/feed")
    cli(site, "run")
    server.serve("/feed", atom([hostile]))
    assert cli(site, "run").exit_code == 0
    (article,) = stored_articles(site)
    text = json.dumps(article["blocks"])
    assert f'href=\\"{base}/notes/2\\"' in text
    assert "script" not in text and "alert" not in text
    assert "onerror" not in text and "onclick" not in text
    assert "javascript:" not in text
    assert article["title"] == "A note Bcc: victim@example.org <script>"
    figures = [b for b in article["blocks"] if b["type"] == "figure"]  # type: ignore[union-attr]
    assert figures[0]["src"] == f"{base}/notes/1/img/boat.jpg"
    feed = (site / "feeds" / "atom.xml").read_text(encoding="utf-8")
    assert "<script" not in feed and "alert(" not in feed


def test_unpublish_sticks_and_old_entries_are_not_mailed(
    site: Path, server: FeedServer, smtp_server: SMTPServer
) -> None:
    add_settings(site, "newsletter", 'max_age = "7d"')
    site_text = (site / "syndicate.toml").read_text().replace("max_age = 0\n", "")
    (site / "syndicate.toml").write_text(site_text)
    add_active(site, 1)
    server.serve("/feed", atom([]))
    follow(site, server, "/feed", "--name", "harbour")
    cli(site, "run", env=smtp_server.env())
    old = Item("urn:old", "An old note from the archive", "<p>Short.</p>", "http://127.0.0.1/o",
               NOW - timedelta(days=30))  # fmt: skip
    fresh = Item("urn:fresh", "Tide tables", "<p>Five words of summary here.</p>",
                 "http://127.0.0.1/f", NOW)  # fmt: skip
    server.serve("/feed", atom([old, fresh]))
    result = cli(site, "run", env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert sorted(a["title"] for a in stored_articles(site)) == [
        "An old note from the archive",
        "Tide tables",
    ]  # a five-word entry is an article: the 20-word rule is for content/ files
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Tide tables"]
    listed = cli(site, "articles").output
    assert "Tide tables  (from feed harbour)" in listed

    number = next(a["number"] for a in stored_articles(site) if a["title"] == "Tide tables")
    assert cli(site, "unpublish", str(number)).exit_code == 0
    server.serve("/feed", atom([old, Item("urn:fresh", "Tide tables, updated", "<p>More.</p>",
                                          fresh.link, NOW)]))  # fmt: skip
    assert cli(site, "run", env=smtp_server.env()).exit_code == 0
    states = {a["title"]: a["state"] for a in stored_articles(site)}
    assert states["Tide tables"] == "unpublished" and "Tide tables, updated" not in states
    assert len(smtp_server.messages) == 1


def test_permanent_redirect_updates_the_stored_url(site: Path, server: FeedServer) -> None:
    server.serve("/new", atom(items(1)))
    moved = server.serve("/old", "")
    moved.status, moved.location = 301, "/new"
    follow(site, server, "/old", "--name", "moved")
    assert cli(site, "sources", "check").exit_code == 0
    assert server.url("/new") in cli(site, "sources", "list").output
    cli(site, "sources", "check")
    assert len(server.requests("/old")) == 1 and len(server.requests("/new")) == 2


def test_dry_run_check_stores_nothing(site: Path, server: FeedServer) -> None:
    server.serve("/feed", atom(items(2)))
    follow(site, server, "/feed", "--name", "harbour", "--backfill", "1")
    dry = cli(site, "sources", "check", "--dry-run")
    assert dry.output.splitlines()[0] == "dry run: nothing is stored"
    assert "  new     Harbour note number 1  http://127.0.0.1/notes/1" in dry.output
    assert stored_articles(site) == []
    assert " new " in cli(site, "sources", "list").output
    real = cli(site, "sources", "check", "harbour")
    assert real.exit_code == 0 and len(stored_articles(site)) == 1


def test_user_mistakes_get_one_error_line(site: Path, server: FeedServer) -> None:
    cases = [
        (("sources", "add", "ftp://example.org/feed"),
         "Error: 'ftp://example.org/feed' is not an http:// or https:// feed address"),
        (("sources", "add", server.url("/f"), "--every", "soon"),
         "Error: --every: expected a duration such as 0, 90s, 10m, 2h or 7d, got 'soon'"),
        (("sources", "remove", "nothing"), "Error: no followed feed 'nothing' (syndicate sources list)"),
        (("sources", "check", "nothing"), "Error: no followed feed 'nothing' (syndicate sources list)"),
    ]  # fmt: skip
    for args, line in cases:
        result = cli(site, *args)
        assert result.exit_code == 1 and result.output.strip() == line, result.output
    follow(site, server, "/f", "--name", "f")
    again = cli(site, "sources", "add", server.url("/f"))
    assert (
        again.output.strip()
        == f"Error: {server.url('/f')} is followed already (syndicate sources list)"
    )
    removed = cli(site, "sources", "remove", "f")
    assert removed.output.strip() == f"removed  f  {server.url('/f')}"
    assert cli(site, "sources", "list").output == "no followed feeds: syndicate sources add URL\n"


def test_status_shows_failing_feeds(site: Path, server: FeedServer) -> None:
    server.serve("/feed", "gone").status = 503
    server.serve("/fine", atom(items(1)))
    follow(site, server, "/feed", "--name", "flaky")
    follow(site, server, "/fine", "--name", "fine")
    assert cli(site, "status").output.count("flaky") == 0
    cli(site, "run")
    shown = json.loads(cli(site, "status", "--json").output)
    (line,) = shown["sections"]["failing_feeds"]
    assert line.startswith("flaky (new, 1 failures in a row): http://127.0.0.1:")
    assert line.endswith("the server answered 503 Service Unavailable")

"""`syndicate publish`, `feeds`, `articles`, `unpublish`: the whole job from files to feeds."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa
from site_helpers import EXAMPLES, cli, store

from syndicate.atomic import AtomicFiles
from syndicate.config import load_settings
from syndicate.locks import site_lock
from syndicate.store import articles

BASE = "https://news.example.com"

LIBRARY = """\
---
title: Riverside library opens a tool-lending shelf
dek: Drills, ladders and sewing machines can now be borrowed with a library card.
author: Sam Okoro
date: 2025-04-02
tags: [Libraries, Riverside]
---

The shelf holds forty tools donated by local tradespeople.

## How to borrow

Bring your card to the front desk; loans last one week.
"""

MARKET = """\
---
title: Night market moves to the old tram depot
date: 2025-04-05T18:00:00+01:00
tags: [Riverside]
---

Stalls will open every Friday from six until late, with food, music and crafts
from the riverside makers and a stage for local bands.
"""


def write(site: Path, name: str, text: str) -> Path:
    path = site / "content" / name
    path.write_text(text, encoding="utf-8")
    return path


def feed(site: Path, name: str = "atom.xml") -> feedparser.FeedParserDict:
    parsed = feedparser.parse((site / "feeds" / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def stored_titles(site: Path) -> list[str]:
    with store(site) as engine, engine.connect() as conn:
        return list(conn.execute(sa.select(articles.c.title).order_by(articles.c.pk)).scalars())


def test_publish_then_again_is_unchanged_and_byte_identical(site: Path) -> None:
    path = write(site, "library.md", LIBRARY)
    result = cli(site, "publish", str(path), "--no-email")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "new        tag:news.example.com,2025-04-02:riverside-library-opens-a-tool-lending-shelf"
    )
    assert f"feed: {site / 'feeds' / 'atom.xml'}" in result.output
    before = snapshot(site / "feeds")
    assert {"atom.xml", "rss.xml", "feed.json", "tags/libraries/atom.xml"} <= set(before)

    again = cli(site, "publish", str(path), "--no-email")
    assert again.exit_code == 0 and again.output.startswith("unchanged  tag:")
    assert snapshot(site / "feeds") == before  # same bytes, and not even rewritten


def test_edited_headline_keeps_the_id_and_moves_updated(site: Path) -> None:
    path = write(site, "library.md", LIBRARY)
    cli(site, "publish", str(path), "--no-email")
    (first,) = feed(site).entries
    write(site, "library.md", LIBRARY.replace("opens a tool-lending shelf", "lends tools now"))
    result = cli(site, "publish", str(path), "--no-email")
    assert result.output.startswith("updated    " + first.id)
    (edited,) = feed(site).entries
    assert edited.id == first.id and edited.title == "Riverside library lends tools now"
    assert edited.published == first.published
    assert edited.updated_parsed > first.updated_parsed
    assert json.loads((site / "feeds" / "feed.json").read_text())["items"][0]["id"] == first.id
    assert stored_titles(site) == ["Riverside library lends tools now"]


def test_a_batch_is_stored_whole_or_not_at_all(site: Path) -> None:
    good = write(site, "library.md", LIBRARY)
    empty = write(site, "empty.md", "  \n")
    result = cli(site, "publish", str(good), str(empty))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "empty.md" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert stored_titles(site) == []
    assert not (site / "feeds").exists()


def test_per_file_options_take_a_single_file(site: Path) -> None:
    one, two = write(site, "library.md", LIBRARY), write(site, "market.md", MARKET)
    result = cli(site, "publish", str(one), str(two), "--url", BASE + "/x")
    assert result.exit_code == 2
    assert "--url, --published, --image and --author take a single file" in result.stderr
    assert stored_titles(site) == []


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--url", "--url: expected an absolute http(s) URL"),
        ("--image", "--image: expected an http(s) URL or a path on the site"),
    ],
)
def test_a_url_that_cannot_be_split_is_one_error_line(
    site: Path, option: str, expected: str
) -> None:
    path = write(site, "market.md", MARKET)
    result = cli(site, "publish", str(path), "--no-email", option, "http://[harbour")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {expected}, got 'http://[harbour'\n"
    assert stored_titles(site) == []


def test_command_line_overrides_win(site: Path) -> None:
    path = write(site, "market.md", MARKET)
    result = cli(
        site,
        *("publish", str(path), "--no-email", "--url", BASE + "/2025/market"),
        *("--published", "2025-04-06", "--image", "/img/depot.webp"),
        *("--author", "Lee Park", "--tag", "Food", "--tag", "riverside"),
    )
    assert result.exit_code == 0, result.output
    (entry,) = feed(site, "rss.xml").entries
    assert entry.link == BASE + "/2025/market"
    assert entry.published == "Sun, 06 Apr 2025 00:00:00 +0000"
    assert entry.author == "Lee Park"
    assert [t.term for t in entry.tags] == ["Riverside", "Food"]  # "riverside" is the same tag
    assert entry.media_content[0]["url"] == BASE + "/img/depot.webp"
    assert (site / "feeds" / "tags" / "food" / "rss.xml").is_file()


def test_bad_published_value_is_one_line(site: Path) -> None:
    path = write(site, "market.md", MARKET)
    result = cli(site, "publish", str(path), "--published", "next week")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --published: 'next week' is not a date such as 2025-02-18 or "
        "2025-02-18T09:30+02:00\n"
    )


def test_placeholder_base_url_is_refused(tmp_path: Path) -> None:
    # Entry ids built from https://example.org would be permanent: publish and run refuse.
    site = tmp_path / "plain"
    assert cli(site, "init").exit_code == 0
    path = write(site, "market.md", MARKET)
    for command in (("publish", str(path), "--no-email"), ("run",)):
        result = cli(site, *command)
        assert result.exit_code == 1
        assert result.stderr == (
            "Error: site.base_url is not set: set it in syndicate.toml or SYNDICATE_BASE_URL "
            "first (entry ids are built from it and never change)\n"
        )
    assert not (site / "feeds" / "atom.xml").exists()
    # parse still works; any URL the user sets is accepted.
    assert cli(site, "parse", str(path)).exit_code == 0
    env = {"SYNDICATE_BASE_URL": "http://localhost:8000"}
    published = cli(site, "publish", str(path), "--no-email", env=env)
    assert published.exit_code == 0, published.output
    assert feed(site).entries[0].id.startswith("tag:localhost,2025-04-05:")


def test_writer_failing_half_way_leaves_feeds_and_store_as_they_were(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(site, "publish", str(write(site, "library.md", LIBRARY)), "--no-email")
    before = snapshot(site / "feeds")
    real_stage = AtomicFiles.stage
    calls = []

    def stage_then_fail(self: AtomicFiles, path: Path, data: bytes, *, mode: int = 0o644) -> bool:
        if path.parent.is_relative_to(site / "feeds"):  # not the site's "unfinished" marker
            calls.append(path)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_stage(self, path, data, mode=mode)

    monkeypatch.setattr(AtomicFiles, "stage", stage_then_fail)
    path = write(site, "market.md", MARKET)
    result = cli(site, "publish", str(path), "--no-email")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write the feeds in ")
    assert "No space left on device" in result.stderr
    assert len(calls) == 2  # the first file was staged, the second failed
    assert snapshot(site / "feeds") == before  # no new file, no temp file left behind
    assert stored_titles(site) == ["Riverside library opens a tool-lending shelf"]


def _publish_process(site: Path, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "syndicate",
            "--site",
            str(site),
            "publish",
            str(path),
            "--no-email",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_publish_processes_at_once_both_land(site: Path) -> None:
    one, two = write(site, "library.md", LIBRARY), write(site, "market.md", MARKET)
    procs = [_publish_process(site, one), _publish_process(site, two)]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    titles = {e.title for e in feed(site).entries}
    assert titles == {
        "Riverside library opens a tool-lending shelf",
        "Night market moves to the old tram depot",
    }
    assert len(feed(site, "rss.xml").entries) == 2
    riverside = feedparser.parse((site / "feeds/tags/riverside/atom.xml").read_bytes())
    assert len(riverside.entries) == 2
    assert sorted(stored_titles(site)) == sorted(titles)
    assert not list((site / "feeds").rglob("*.tmp"))


def _wait_until_it_opens(proc: subprocess.Popen[str], path: Path, seconds: float = 60) -> None:
    """Wait until the process has `path` open (Linux /proc), instead of guessing with a sleep."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for fd in Path(f"/proc/{proc.pid}/fd").iterdir():
            try:
                if Path(os.readlink(fd)) == path:
                    return
            except FileNotFoundError:  # closed since the listing
                continue
        time.sleep(0.02)
    pytest.fail(f"the publish process never opened {path.name}")


def test_a_publish_waits_for_the_site_lock(site: Path) -> None:
    path = write(site, "market.md", MARKET)
    with site_lock(load_settings(site)):
        proc = _publish_process(site, path)
        _wait_until_it_opens(proc, site / ".syndicate-publish.lock")
        # It holds the lock file open but cannot take the lock: it must wait, touching nothing.
        assert proc.poll() is None, proc.communicate()
        assert not (site / "feeds").exists()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.startswith("new        tag:news.example.com,2025-04-05:")


def test_articles_unpublish_and_feeds_commands(site: Path) -> None:
    cli(site, "publish", str(write(site, "library.md", LIBRARY)), "--no-email")
    cli(site, "publish", str(write(site, "market.md", MARKET)), "--no-email")
    listing = cli(site, "articles").output.splitlines()
    assert listing[0].split()[:3] == ["2", "published", "2025-04-05"]
    assert listing[1].endswith("Riverside library opens a tool-lending shelf")

    result = cli(site, "unpublish", "1")
    assert result.exit_code == 0
    assert result.output.startswith("unpublished  tag:news.example.com,2025-04-02:")
    assert [e.title for e in feed(site).entries] == ["Night market moves to the old tram depot"]
    assert not (site / "feeds" / "tags" / "libraries").exists()
    assert cli(site, "articles").output.count("\n") == 1
    assert "unpublished" in cli(site, "articles", "--all").output
    rows = [json.loads(line) for line in cli(site, "articles", "--json").output.splitlines()]
    assert [row["number"] for row in rows] == [2] and rows[0]["tags"] == ["Riverside"]

    missing = cli(site, "unpublish", "99")
    assert missing.exit_code == 1
    assert (
        missing.stderr
        == "Error: no article '99': use a number or an id from `syndicate articles`\n"
    )

    (site / "feeds" / "rss.xml").unlink()
    rebuilt = cli(site, "feeds")
    assert rebuilt.output.startswith("1 feed files written, 0 removed")
    assert len(feed(site, "rss.xml").entries) == 1


def test_the_seed_article_reaches_the_feeds(site: Path, seed: Path) -> None:
    today = datetime.now(UTC)
    result = cli(site, "publish", str(seed), "--no-email")
    assert result.exit_code == 0, result.output
    for name in ("atom.xml", "rss.xml"):
        (entry,) = feed(site, name).entries
        assert entry.title.startswith("Azerbaijan’s top adviser meets Netanyahu")
        assert entry.summary.startswith("Azerbaijan’s top adviser meets Netanyahu in Jerusalem")
        # No dateline: the first publish dated it (not the caption's February 18, 2025).
        assert entry.published.startswith((f"{today:%Y-%m-%d}", f"{today:%a, %d %b %Y}"))
        body = entry.content[0].value
        assert body.count("<p>") == 11
        assert body.index("In a significant diplomatic development") < body.index(
            "As the Trump administration seeks"
        )
        assert (
            "Strategic Studies <small>(Courtesy of the Office of the President of Azerbaijan)"
            in body
        )
        assert "<h2>Close relations with Azerbaijan positive development</h2>" in body
        assert "Stay updated" not in body and "Subscribe to" not in body
    (item,) = json.loads((site / "feeds" / "feed.json").read_text())["items"]
    assert item["content_html"].count("<p>") == 11


def test_the_examples_publish_and_read_back(site: Path) -> None:
    files = sorted(EXAMPLES.glob("*.*"))
    assert {p.suffix for p in files} >= {".txt", ".md", ".html"}
    result = cli(site, "publish", *map(str, files), "--no-email")
    assert result.exit_code == 0, result.output
    assert result.output.count("new ") == len(files)
    atom, rss = feed(site), feed(site, "rss.xml")
    document = json.loads((site / "feeds" / "feed.json").read_text())
    assert [e.id for e in atom.entries] == [e.id for e in rss.entries]
    assert [e.id for e in atom.entries] == [item["id"] for item in document["items"]]
    assert len(atom.entries) == len(files)
    dates = [e.published_parsed for e in atom.entries]
    assert dates == sorted(dates, reverse=True)
    for entry in atom.entries:
        assert entry.id.startswith("tag:news.example.com,") and entry.title and entry.author
        assert entry.content[0].value.count("<p>") >= 2
        assert 'src="/' not in entry.content[0].value and 'href="/' not in entry.content[0].value

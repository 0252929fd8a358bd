"""Issue 17: the store and the feed files converge, and no temporary is left to publish.

A feed file that cannot be renamed into place, or a publish killed by SIGKILL in the middle
of its renames, must not mail an article the feeds lack; one `syndicate run` afterwards
brings every feed file back and only then queues the issue.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import feedparser
from delivery_helpers import add_active, delivery_states
from site_helpers import cli

from syndicate.tag_slugs import tag_slug

TAGS = [f"Harbour topic {chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(120)]


def write_article(site: Path, name: str, title: str, tags: list[str]) -> Path:
    path = site / "content" / name
    listed = "".join(f"  - {tag}\n" for tag in tags)
    path.write_text(
        f"---\ntitle: {title}\ndate: 2025-05-0{len(name) % 9 + 1}\ntags:\n{listed}---\n\n"
        "The harbour board met on Monday and agreed to keep the ferry pier open through the "
        "winter, after a season in which crossings doubled and the old timetable ran out of "
        "boats before the evening rush.\n",
        encoding="utf-8",
    )
    return path


def feed_files(site: Path) -> list[Path]:
    return sorted(p for p in (site / "feeds").rglob("*") if p.is_file() and p.suffix != ".tmp")


def temporaries(site: Path) -> list[Path]:
    return [p for p in (site / "feeds").rglob("*.tmp")]


def titles(path: Path) -> set[str]:
    parsed = feedparser.parse(str(path))
    assert not parsed.bozo, (path, parsed.bozo_exception)
    return {entry.title for entry in parsed.entries}


def every_feed_shows(site: Path, title: str, tags: list[str]) -> None:
    for tag in tags:
        folder = site / "feeds" / "tags" / tag_slug(tag)
        for name in ("atom.xml", "rss.xml"):
            assert title in titles(folder / name), folder / name
        assert title in (folder / "feed.json").read_text(encoding="utf-8")
    assert title in titles(site / "feeds" / "atom.xml")


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    real_replace = os.replace
    renames = 0

    def replace(source, target):
        global renames
        renames += 1
        if renames == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: like kill -9
        real_replace(source, target)

    os.replace = replace
    from syndicate.cli import main
    main(["--site", sys.argv[1], "publish", sys.argv[2]])
    """
)


def test_publish_killed_during_its_renames_is_repaired_by_one_run(site: Path) -> None:
    add_active(site, 1)
    article = write_article(site, "pier.md", "Ferry pier stays open all winter", TAGS)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(site), str(article), "150"],
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    expected = 3 * (1 + len(TAGS))
    assert 0 < len(feed_files(site)) < expected  # tag feeds missing, as the attack found
    assert temporaries(site)  # the killed process left its staged files
    assert delivery_states(site) == {}  # nothing queued for feeds that are not there

    repaired = cli(site, "run")
    assert repaired.exit_code == 0, repaired.output
    assert len(feed_files(site)) == expected
    assert temporaries(site) == []
    every_feed_shows(site, "Ferry pier stays open all winter", TAGS)
    assert delivery_states(site) == {"written": 1}  # queued once the feeds were in place
    assert len(list((site / "outbox").glob("*.eml"))) == 1


def test_unwritable_feed_file_holds_the_issue_until_the_feeds_are_written(site: Path) -> None:
    add_active(site, 1)
    tags = ["Ferries", "Winter"]
    first = write_article(site, "first.md", "Ferry timetable grows", tags)
    assert cli(site, "publish", str(first)).exit_code == 0
    assert cli(site, "send").exit_code == 0
    blocked = site / "feeds" / "tags" / "winter" / "rss.xml"
    blocked.unlink()
    blocked.mkdir()  # a rename onto it fails, even for root
    (blocked / "keep").write_text("x", encoding="utf-8")

    second = write_article(site, "second.md", "Winter crossings begin", tags)
    result = cli(site, "publish", str(second))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write the feeds in {blocked}: Is a directory (the articles are "
        "stored; their newsletter waits until the next `syndicate run` or `syndicate feeds` "
        "has written every feed file)\n"
    )
    assert cli(site, "send").exit_code == 0
    assert delivery_states(site) == {"written": 1}  # the second issue was not mailed

    still = cli(site, "run")  # the file is still blocked: still nothing mailed
    assert still.exit_code == 1
    assert delivery_states(site) == {"written": 1}

    (blocked / "keep").unlink()
    blocked.rmdir()
    fixed = cli(site, "run")
    assert fixed.exit_code == 0, fixed.output
    every_feed_shows(site, "Winter crossings begin", tags)
    assert delivery_states(site) == {"written": 2}
    assert temporaries(site) == []


def test_feed_files_deleted_by_hand_come_back_with_syndicate_feeds(site: Path) -> None:
    article = write_article(site, "pier.md", "Ferry pier stays open all winter", TAGS[:3])
    assert cli(site, "publish", str(article)).exit_code == 0
    before = {p: p.read_bytes() for p in feed_files(site)}
    for path in list(before)[::2]:
        os.unlink(path)
    assert cli(site, "feeds").exit_code == 0
    assert {p: p.read_bytes() for p in feed_files(site)} == before

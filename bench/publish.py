"""Benchmark: publishing one article into an archive of 100 articles and one of 100,000.

Both archives are prepared the same way (bulk inserts through the store's tables, not
timed). The new article's tags are two sections whose feeds are full in both archives, so
the feeds rebuilt are the same size: only the archive's size differs.
The timed part is `publish_files` on a new Markdown article, feeds rebuilt, newsletter
off (rendering the email is a fixed cost per article, measured by bench/personalize.py).
Target: time(100,000) / time(100) <= 1.5.

    .venv/bin/python bench/publish.py [--big 100000] [--db postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from syndicate.config import Settings, load_settings
from syndicate.model import Article, Heading, Paragraph, article_to_dict
from syndicate.publishing import PublishOptions, publish_files
from syndicate.store import article_tags, articles, open_store
from syndicate.tag_slugs import tag_slug

# Every article has one of a few section tags and one of many topic tags: the sections
# have full feeds in both archives (the small one has 20 articles in each), and the big
# archive has hundreds of tag feeds where the small one has few.
SECTIONS = [f"Section {n}" for n in range(5)]
TOPICS = [f"Topic {n}" for n in range(300)]
CHUNK = 5000
RUNS = 9
START = datetime(2015, 1, 1, 8, 0, tzinfo=UTC)

ARTICLE = """\
---
id: bench-{number}
title: Night buses return to the river route, part {number}
dek: The late service runs again from Friday, every twenty minutes.
author: [Ines Okafor]
date: {date}
url: https://news.example.com/bench/{number}
tags: [{tags}]
---

The transport office said the night buses will run again on the river route.

## Timetable

The first bus leaves the depot at eleven and the last one at four.
"""


def _row(number: int) -> tuple[dict[str, object], list[dict[str, object]]]:
    published = START + timedelta(minutes=30 * number)
    tags = (SECTIONS[number % len(SECTIONS)], TOPICS[(number * 7) % len(TOPICS)])
    feed_id = f"tag:news.example.com,{published.date().isoformat()}:archived-{number}"
    article = Article(
        title=f"Archived story number {number}",
        slug=f"archived-{number}",
        blocks=(
            Paragraph("A story kept in the archive.", "A story kept in the archive."),
            Heading("Background", "Background"),
        ),
        dek="An older piece.",
        authors=("Archive Desk",),
        published=published,
        updated=published,
        url=f"https://news.example.com/archive/{number}",
        language="en",
        tags=tags,
        id=feed_id,
    )
    row: dict[str, object] = {
        "feed_id": feed_id,
        "key": None,
        "url": article.url,
        "path": f"content/archive/{number}.md",
        "slug": article.slug,
        "title": article.title,
        "published": published,
        "updated": published,
        "content_hash": article.content_hash,
        "data": json.dumps(article_to_dict(article), ensure_ascii=False, sort_keys=True),
        "state": "published",
        "created_at": published,
    }
    tag_rows: list[dict[str, object]] = [
        {"tag": tag, "tag_slug": tag_slug(tag), "published": published} for tag in tags
    ]
    return row, tag_rows


def prepare(settings: Settings, count: int) -> None:
    """Fill the archive with `count` articles in bulk (setup, not timed)."""
    engine = open_store(settings)
    try:
        for first in range(0, count, CHUNK):
            numbers = range(first, min(first + CHUNK, count))
            built = [_row(n) for n in numbers]
            with engine.begin() as conn:
                for (row, _), n in zip(built, numbers, strict=True):
                    row["pk"] = n + 1
                conn.execute(articles.insert(), [row for row, _ in built])
                conn.execute(
                    article_tags.insert(),
                    [{"article_pk": row["pk"], **tag} for row, tags in built for tag in tags],
                )
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('articles', 'pk'), "
                    "(SELECT max(pk) FROM articles))"
                )
                conn.exec_driver_sql("ANALYZE")
        # No ANALYZE on SQLite: syndicate never runs it, so a real site has no statistics.
    finally:
        engine.dispose()


def _site(root: Path, name: str, db: str | None) -> Settings:
    folder = root / name
    (folder / "content").mkdir(parents=True)
    config = f'[site]\ntitle = "Bench {name}"\nbase_url = "https://news.example.com"\n'
    if db:
        config += f'\n[database]\nurl = "{db}"\n'
    (folder / "syndicate.toml").write_text(config, encoding="utf-8")
    return load_settings(folder, environ={})


def _publish_one(settings: Settings, number: int) -> float:
    path = settings.site / "content" / f"new-{number}.md"
    # Two sections: the feeds a publish rebuilds are equally full in both archives, so
    # only the archive's size differs between the two sides.
    tags = f"{SECTIONS[number % len(SECTIONS)]}, {SECTIONS[(number + 2) % len(SECTIONS)]}"
    # Newer than every archived article (the newest is about six years after START), and
    # in the past: a future date would only schedule it.
    date = (START + timedelta(days=4000 + number)).date().isoformat()
    path.write_text(ARTICLE.format(number=number, date=date, tags=tags), encoding="utf-8")
    started = time.perf_counter()
    results = publish_files(settings, [path], options=PublishOptions(send_email=False))
    elapsed = time.perf_counter() - started
    assert results[0].status == "new", results
    return elapsed


def measure(settings: Settings, count: int) -> float:
    """Prepare an archive of `count` articles and return the median time of one publish."""
    started = time.perf_counter()
    prepare(settings, count)
    print(f"  (prepared {count:,} articles in {time.perf_counter() - started:.1f} s)", flush=True)
    # Write the preparation's pages out now: otherwise the kernel flushes them during the
    # timed publishes, and their fsyncs measure the setup, not the publish.
    os.sync()
    _publish_one(settings, 0)  # warm-up: imports, the first feed files, the OS caches
    return statistics.median(_publish_one(settings, n) for n in range(1, RUNS + 1))


def _databases(server: str | None, names: list[str]) -> list[str | None]:
    if not server:
        return [None for _ in names]
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    urls: list[str | None] = []
    with admin.connect() as conn:
        for _ in names:
            db = f"bench_{uuid.uuid4().hex[:12]}"
            conn.exec_driver_sql(f"CREATE DATABASE {db}")
            urls.append(sa.make_url(server).set(database=db).render_as_string(False))
    admin.dispose()
    return urls


def _drop(server: str | None, urls: list[str | None]) -> None:
    if not server:
        return
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for url in urls:
            if url:
                name = sa.make_url(url).database
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def main() -> int:
    """Run both sides and print one line per figure with the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--db", help="a PostgreSQL server URL (default: SQLite files)")
    args = parser.parse_args()
    urls = _databases(args.db, ["small", "big"])
    try:
        with tempfile.TemporaryDirectory(prefix="syndicate-bench-") as tmp:
            root = Path(tmp)
            small = measure(_site(root, "small", urls[0]), args.small)
            big = measure(_site(root, "big", urls[1]), args.big)
    finally:
        _drop(args.db, urls)
    ratio = big / small
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"publish ({backend}): archive of {args.small:,}: {small * 1000:.1f} ms")
    print(f"publish ({backend}): archive of {args.big:,}: {big * 1000:.1f} ms")
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(f"publish ratio {args.big:,} / {args.small:,}: {ratio:.2f}x ({verdict} target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What keeps a publish cheap in a big archive: tag dates in the index, and only touched feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from articles_factory import make_article
from delivery_helpers import settings_for
from requirements import BACKENDS

from syndicate import feeds as publishing_feeds
from syndicate.articles import list_articles, upsert_article
from syndicate.migrations import MIGRATIONS, DefaultNewsletter
from syndicate.publishing import publish_articles
from syndicate.store import (
    article_tags,
    articles,
    open_store,
    write_transaction,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_tag_feed_lists_newest_first_even_when_backdated(site: Path) -> None:
    settings = settings_for(site)
    engine = open_store(settings)
    try:
        with write_transaction(engine) as conn:
            for number in (5, 1, 9, 3):  # published out of order, some backdated
                upsert_article(conn, settings, make_article(number), now=NOW)
            listed = list_articles(conn, tag_slug="transport", limit=3)
        assert [s.article.slug for s in listed] == [f"cycle-lanes-plan-part-{n}" for n in (9, 5, 3)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_version_2_step_gives_tags_their_dates(backend: str, site: Path) -> None:
    settings = settings_for(site)
    engine = open_store(settings)
    try:
        with write_transaction(engine) as conn:
            stored, _ = upsert_article(conn, settings, make_article(2), now=NOW)
            # Make it a version-1 database again: tags without their dates or index.
            conn.exec_driver_sql("DROP INDEX article_tags_newest")
            conn.exec_driver_sql("DROP INDEX article_tags_spelling")
            conn.exec_driver_sql("ALTER TABLE article_tags DROP COLUMN published")
            # ... and without version 3's text hashes and notices.
            conn.exec_driver_sql("DROP INDEX ix_articles_text_hash")
            conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN text_hash")
            conn.exec_driver_sql("DROP TABLE notices")
            # Steps 2 and 3 alone (tests/test_migration_v3.py takes a whole version-2
            # database on to the newest version).
            default = DefaultNewsletter("letter", "Letter")
            for step in MIGRATIONS[:2]:
                step(conn, default)
        with engine.connect() as conn:
            dates = conn.execute(sa.select(article_tags.c.published)).scalars().all()
            names = {index["name"] for index in sa.inspect(conn).get_indexes("article_tags")}
            hashes = conn.execute(sa.select(articles.c.text_hash)).scalars().all()
        assert dates == [stored.article.published]
        assert hashes == [stored.article.text_hash]  # duplicates of old articles are found
        assert {"article_tags_newest", "article_tags_spelling"} <= names
    finally:
        engine.dispose()


def test_publish_renders_only_the_touched_tag_feeds(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(site)
    engine = open_store(settings)
    rendered: list[str] = []
    real_make_feed = publishing_feeds.make_feed

    def counting_make_feed(*args: Any, **kwargs: Any) -> Any:
        rendered.append(kwargs["folder"])
        return real_make_feed(*args, **kwargs)

    try:
        first = make_article(1, tags=("Transport",))
        other = make_article(2, tags=("Parks",))
        publish_articles(engine, settings, [first, other], send_email=False)
        monkeypatch.setattr(publishing_feeds, "make_feed", counting_make_feed)
        edited = first.with_changes(tags=("Libraries",), title="Cycle lanes, revised")
        _, change = publish_articles(engine, settings, [edited], send_email=False)
    finally:
        engine.dispose()
    # The main feed and the article's new tag; not Parks, which it never carried.
    assert rendered == ["", "tags/libraries/"]
    assert (settings.feeds_path / "tags" / "parks" / "atom.xml").is_file()
    # The tag the article left has no published article now: its feeds are gone.
    assert not (settings.feeds_path / "tags" / "transport").exists()
    assert change.removed
    assert all(
        p.relative_to(settings.feeds_path).parts[:2] == ("tags", "transport")
        for p in change.removed
    )

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
from syndicate.publishing import publish_articles
from syndicate.store import (
    CURRENT_VERSION,
    article_tags,
    articles,
    migrate,
    open_store,
    schema_version,
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
def test_version_1_database_gets_tag_dates(backend: str, site: Path) -> None:
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
            conn.exec_driver_sql("DROP TABLE tag_slugs")
            # ... and without version 5's feed history.
            conn.exec_driver_sql("DROP INDEX ix_articles_feed_seq")
            conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN feed_seq")
            conn.exec_driver_sql("DROP TABLE feed_pages")
            conn.execute(schema_version.update().values(version=1))
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == CURRENT_VERSION
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

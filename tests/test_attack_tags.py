"""Issue 17: different tags never share a feed; spellings of one tag stay one tag."""

from __future__ import annotations

import feedparser
import sqlalchemy as sa
from articles_factory import make_article
from site_helpers import store

from syndicate.config import Settings
from syndicate.migrations import MIGRATIONS, DefaultNewsletter
from syndicate.publishing import publish_articles
from syndicate.store import article_tags


def tag_titles(settings: Settings, slug: str) -> list[str]:
    parsed = feedparser.parse(str(settings.feeds_path / "tags" / slug / "atom.xml"))
    return sorted(entry.title for entry in parsed.entries)


def test_cplusplus_and_csharp_get_feeds_of_their_own(settings: Settings) -> None:
    with store(settings) as engine:
        publish_articles(
            engine,
            settings,
            [
                make_article(1, title="Templates in C++", tags=("C++",)),
                make_article(2, title="Records in C#", tags=("C#",)),
                make_article(3, title="A C primer", tags=("C",)),
                make_article(4, title="Research budgets", tags=("R&D",)),
            ],
        )
    folders = sorted(p.name for p in (settings.feeds_path / "tags").iterdir())
    assert folders == ["c", "c-plus-plus", "c-sharp", "r-and-d"]
    assert tag_titles(settings, "c-plus-plus") == ["Templates in C++"]
    assert tag_titles(settings, "c-sharp") == ["Records in C#"]
    assert tag_titles(settings, "c") == ["A C primer"]


def test_a_remaining_collision_gets_a_number_and_the_first_keeps_its_url(
    settings: Settings,
) -> None:
    with store(settings) as engine:
        publish_articles(
            engine, settings, [make_article(1, title="Garden news", tags=("C-Sharp",))]
        )
        publish_articles(engine, settings, [make_article(2, title="Records in C#", tags=("C#",))])
        publish_articles(
            engine, settings, [make_article(3, title="More gardens", tags=("c sharp",))]
        )
    assert tag_titles(settings, "c-sharp") == ["Garden news"]
    assert tag_titles(settings, "c-sharp-2") == ["Records in C#"]
    assert tag_titles(settings, "c-sharp-3") == ["More gardens"]


def test_case_and_width_spellings_are_one_tag(settings: Settings) -> None:
    with store(settings) as engine:
        publish_articles(
            engine,
            settings,
            [
                make_article(1, title="One", tags=("Ｃ＋＋",)),  # full-width
                make_article(2, title="Two", tags=("c++",)),
                make_article(3, title="Three", tags=("C++", "c++")),
            ],
        )
    assert sorted(p.name for p in (settings.feeds_path / "tags").iterdir()) == ["c-plus-plus"]
    assert tag_titles(settings, "c-plus-plus") == ["One", "Three", "Two"]


def test_version_2_database_splits_shared_feeds_and_keeps_the_first(settings: Settings) -> None:
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(1, title="Templates", tags=("C++",))])
        publish_articles(engine, settings, [make_article(2, title="Records", tags=("C#",))])
        with engine.begin() as conn:  # as older versions stored them: both in "c"
            conn.execute(article_tags.update().values(tag_slug="c"))
            conn.exec_driver_sql("DROP TABLE tag_slugs")
            # The tag-slug step alone (tests/test_migration_v3.py takes a whole version-2
            # database on to the newest version).
            step = next(m for m in MIGRATIONS if m.__name__ == "_tag_slugs")
            step(conn, DefaultNewsletter("letter", "Letter"))
        with engine.connect() as conn:
            slugs = dict(conn.execute(sa.select(article_tags.c.tag, article_tags.c.tag_slug)).all())
    assert slugs == {"C++": "c", "C#": "c-sharp"}  # the first keeps its URL

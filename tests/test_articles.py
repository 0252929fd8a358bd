"""The archive: identity, fixed ids and dates, the content hash, listing and unpublishing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from articles_factory import make_article
from sqlalchemy.engine import Engine

from syndicate.articles import (
    get_article,
    list_articles,
    published_tags,
    unpublish_article,
    upsert_article,
)
from syndicate.config import Settings
from syndicate.errors import UnknownArticleError
from syndicate.store import article_tags, articles, write_transaction
from syndicate.tag_slugs import tag_slug

NOW = datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_first_publish_mints_a_tag_uri_from_host_date_and_slug(
    settings: Settings, engine: Engine
) -> None:
    with write_transaction(engine) as conn:
        stored, status = upsert_article(conn, settings, make_article(1), now=NOW)
    assert status == "new"
    assert stored.feed_id == "tag:news.example.com,2025-03-02:cycle-lanes-plan-part-1"
    assert stored.article.published == datetime(2025, 3, 2, 9, 30, tzinfo=UTC)
    assert stored.article.updated == stored.article.published


def test_same_article_again_is_unchanged(settings: Settings, engine: Engine) -> None:
    with write_transaction(engine) as conn:
        first, _ = upsert_article(conn, settings, make_article(1), now=NOW)
        again, status = upsert_article(conn, settings, make_article(1), now=NOW + timedelta(1))
    assert status == "unchanged"
    assert again.article == first.article


def test_edited_headline_keeps_id_and_published_and_moves_updated(
    settings: Settings, engine: Engine
) -> None:
    with write_transaction(engine) as conn:
        first, _ = upsert_article(conn, settings, make_article(1), now=NOW)
        edited = make_article(1, title="Cycle lanes plan approved", slug="cycle-lanes-approved")
        # A reader may date the edited file differently: the first publish still wins.
        edited = edited.with_changes(published=NOW)
        stored, status = upsert_article(conn, settings, edited, now=NOW)
    assert status == "updated"
    assert stored.feed_id == first.feed_id
    assert stored.article.published == first.article.published
    assert stored.article.updated == NOW.replace(microsecond=0)
    assert stored.article.title == "Cycle lanes plan approved"


def test_identity_order_front_matter_id_then_url_then_path(
    settings: Settings, engine: Engine
) -> None:
    with write_transaction(engine) as conn:
        by_key, _ = upsert_article(conn, settings, make_article(1, key="k-1"), now=NOW)
        moved = make_article(1, key="k-1", path="content/renamed.md", body="Moved file.")
        assert upsert_article(conn, settings, moved, now=NOW)[0].pk == by_key.pk

        url = "https://news.example.com/2025/lanes"
        by_url, _ = upsert_article(conn, settings, make_article(2, url=url), now=NOW)
        elsewhere = make_article(2, url=url, path="other/place.md", body="Same URL.")
        assert upsert_article(conn, settings, elsewhere, now=NOW)[0].pk == by_url.pk

        by_path, _ = upsert_article(conn, settings, make_article(3), now=NOW)
        retitled = make_article(3, title="New headline", slug="new-headline")
        assert upsert_article(conn, settings, retitled, now=NOW)[0].pk == by_path.pk

        # A file that gains a front matter id stays the same article...
        keyed = make_article(3, key="lanes-3")
        assert upsert_article(conn, settings, keyed, now=NOW)[0].pk == by_path.pk
        # ...but another front matter id at the same path is another article.
        other = make_article(3, key="someone-else")
        stored, status = upsert_article(conn, settings, other, now=NOW)
    assert status == "new" and stored.pk != by_path.pk


# RFC 4151 as the W3C feed validator checks it.
TAG_URI = re.compile(
    r"^tag:([a-z0-9\-._]+?@)?[a-z0-9.\-]+?,\d{4}(-\d{2}(-\d{2})?)?:[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$"
)


def test_ids_are_valid_tag_uris_whatever_the_slug(settings: Settings, engine: Engine) -> None:
    odd = make_article(1, slug="שלום עולם / 🎉", path="a.md")
    empty = make_article(2, slug="", path="b.md")
    with write_transaction(engine) as conn:
        ids = [upsert_article(conn, settings, a, now=NOW)[0].feed_id for a in (odd, empty)]
    assert ids[1] == "tag:news.example.com,2025-03-03:article"
    assert all(TAG_URI.match(feed_id) for feed_id in ids), ids


def test_same_slug_and_day_gets_a_distinct_id(settings: Settings, engine: Engine) -> None:
    with write_transaction(engine) as conn:
        one, _ = upsert_article(conn, settings, make_article(1), now=NOW)
        two, _ = upsert_article(conn, settings, make_article(1, path="b.md"), now=NOW)
    assert two.feed_id == one.feed_id + "-2"


def test_list_newest_first_with_limit_tags_and_unpublish(
    settings: Settings, engine: Engine
) -> None:
    with write_transaction(engine) as conn:
        for number in range(1, 6):
            tags = ("Transport", "City Hall") if number % 2 else ("Transport",)
            upsert_article(conn, settings, make_article(number, tags=tags), now=NOW)
        assert [s.pk for s in list_articles(conn, limit=3)] == [5, 4, 3]
        assert [s.pk for s in list_articles(conn, tag_slug="city-hall")] == [5, 3, 1]
        assert published_tags(conn) == {"city-hall": "City Hall", "transport": "Transport"}

        gone = unpublish_article(conn, "5")
        assert gone.state == "unpublished"
        assert [s.pk for s in list_articles(conn)] == [4, 3, 2, 1]
        assert len(list_articles(conn, include_unpublished=True)) == 5
        # Re-publishing an unpublished article brings it back as "updated".
        back, status = upsert_article(conn, settings, make_article(5, tags=("x",)), now=NOW)
        assert status == "updated" and back.pk == 5
        kept = conn.execute(sa.select(article_tags.c.tag).where(article_tags.c.article_pk == 5))
        assert [row.tag for row in kept] == ["x"]


def test_get_article_by_number_id_or_slug(settings: Settings, engine: Engine) -> None:
    with write_transaction(engine) as conn:
        stored, _ = upsert_article(conn, settings, make_article(1), now=NOW)
        assert get_article(conn, str(stored.pk)).pk == stored.pk
        assert get_article(conn, stored.feed_id).pk == stored.pk
        assert get_article(conn, "cycle-lanes-plan-part-1").pk == stored.pk
        with pytest.raises(UnknownArticleError, match="no article 'nope'"):
            get_article(conn, "nope")


def test_stored_row_keeps_the_article_with_its_zone(settings: Settings, engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    jerusalem = datetime(2025, 2, 18, tzinfo=ZoneInfo("Asia/Jerusalem"))
    with write_transaction(engine) as conn:
        upsert_article(conn, settings, make_article(1, published=jerusalem), now=NOW)
        row = conn.execute(sa.select(articles)).one()
        (stored,) = list_articles(conn)
    assert row.content_hash == stored.article.content_hash
    assert stored.article.published is not None
    assert stored.article.published.utcoffset() == timedelta(hours=2)
    assert stored.article.published == jerusalem


@pytest.mark.parametrize(
    ("tag", "slug"),
    [("Middle East", "middle-east"), ("Café & Bar", "cafe-and-bar"), ("🎉", "tag-")],
)
def test_tag_slug(tag: str, slug: str) -> None:
    assert tag_slug(tag).startswith(slug)
    assert tag_slug(tag) == tag_slug(tag)

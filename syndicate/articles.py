"""The archive of published articles: upsert by identity, list, look up, unpublish.

An article keeps the feed id and the publication time of its first publish forever; its
content hash decides whether a later publish changed it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from slugify import slugify
from sqlalchemy.engine import Connection

from syndicate.config import Settings
from syndicate.errors import UnknownArticleError
from syndicate.model import Article, ArticleState, article_from_dict, article_to_dict
from syndicate.safetext import xml_text
from syndicate.store import TableRow, article_tags, articles, storable_id
from syndicate.tag_slugs import slug_for, tag_key

PUBLISHED, UNPUBLISHED = ArticleState.PUBLISHED, ArticleState.UNPUBLISHED
SCHEDULED = ArticleState.SCHEDULED  # dated in the future: not in the feeds until its time
# The key of an article made from a followed feed's entry: "source:<source id>:<entry>".
SOURCE_KEY_PREFIX = "source:"


def from_source(key: str | None) -> bool:
    """Tell whether an article's key says it came from a followed feed."""
    return bool(key) and str(key).startswith(SOURCE_KEY_PREFIX)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value


def xml_safe(article: Article) -> Article:
    """Return `article` without XML-illegal characters anywhere in its text.

    Readers drop them already; this guards articles built in code, since neither the
    feeds nor PostgreSQL can carry them.
    """
    cleaned = article_from_dict(_clean(article_to_dict(article)))
    return cleaned.with_changes(key=article.key, path=article.path)


@dataclass(frozen=True)
class StoredArticle:
    """An article as the archive holds it, with its row's bookkeeping."""

    pk: int
    state: str
    article: Article
    path: str | None
    key: str | None

    @property
    def feed_id(self) -> str:
        assert self.article.id is not None
        return self.article.id


def seconds(moment: datetime) -> datetime:
    """Drop the sub-second part: feeds and readers compare times to the second."""
    return moment.replace(microsecond=0)


def _stored(row: TableRow) -> StoredArticle:
    article = article_from_dict(json.loads(row.data)).with_changes(key=row.key, path=row.path)
    return StoredArticle(pk=row.pk, state=row.state, article=article, path=row.path, key=row.key)


def find_row(conn: Connection, article: Article) -> TableRow | None:
    """Find the stored article this one is, by front matter id, then URL, then source path."""
    if article.key:
        row = conn.execute(sa.select(articles).where(articles.c.key == article.key)).first()
        if row is not None:
            return row
    for column, value in ((articles.c.url, article.url), (articles.c.path, article.path)):
        if not value:
            continue
        query = sa.select(articles).where(column == value).order_by(articles.c.pk)
        for row in conn.execute(query):
            # A row that carries another front matter id is another article.
            if row.key is None or row.key == article.key:
                return row
    return None


def _feed_id(conn: Connection, settings: Settings, article: Article, published: datetime) -> str:
    """Mint a tag: URI (RFC 4151) from the site's host, the publication date and the slug."""
    # The specific part must be URI characters: a slug from elsewhere is made one again.
    specific = slugify(article.slug, max_length=120) or "article"
    base = f"tag:{settings.host},{published.date().isoformat()}:{specific}"
    candidate, number = base, 1
    while conn.execute(sa.select(articles.c.pk).where(articles.c.feed_id == candidate)).first():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _write_tags(conn: Connection, pk: int, article: Article) -> set[str]:
    """Store the article's tags; return their slugs (what a publish of it touches)."""
    conn.execute(article_tags.delete().where(article_tags.c.article_pk == pk))
    seen: set[str] = set()
    slugs: set[str] = set()
    rows = []
    for tag in article.tags:
        if tag_key(tag) not in seen:  # "Politics" and "politics" are one tag
            seen.add(tag_key(tag))
            slug = slug_for(conn, tag)
            slugs.add(slug)
            rows.append(
                {"article_pk": pk, "tag": tag, "tag_slug": slug, "published": article.published}
            )
    if rows:
        conn.execute(article_tags.insert(), rows)
    return slugs


def _columns(
    article: Article, path: str | None, key: str | None, state: str = PUBLISHED
) -> dict[str, object]:
    assert article.published is not None and article.updated is not None
    return {
        "key": key,
        "url": article.url,
        "path": path,
        "slug": article.slug,
        "title": article.title,
        "published": article.published,
        "updated": article.updated,
        "content_hash": article.content_hash,
        "text_hash": article.text_hash,
        "data": json.dumps(article_to_dict(article), ensure_ascii=False, sort_keys=True),
        "state": state,
    }


def upsert_article(
    conn: Connection,
    settings: Settings,
    article: Article,
    *,
    now: datetime,
    touched: set[str] | None = None,
) -> tuple[StoredArticle, str]:
    """Store `article`; return it as stored and "new", "updated", "scheduled" or "unchanged".

    "new" is an article's first publication (stored now, or scheduled before and due
    now); a future date stores it "scheduled", out of the feeds. The slugs of the tags
    whose feeds change (the article's old and new tags) are added to `touched`, so the
    caller rebuilds those tag feeds alone.
    """
    touched = set() if touched is None else touched
    now = seconds(now.astimezone(settings.tz))
    article = xml_safe(article)
    row = find_row(conn, article)
    if row is None:
        return _insert(conn, settings, article, now, touched)
    return _update(conn, article, row, now, touched)


def _insert(
    conn: Connection, settings: Settings, article: Article, now: datetime, touched: set[str]
) -> tuple[StoredArticle, str]:
    published = seconds(article.published or now)
    updated = seconds(article.updated) if article.updated else published
    state = SCHEDULED if published > now else PUBLISHED
    final = article.with_changes(
        id=_feed_id(conn, settings, article, published),
        published=published,
        updated=max(updated, published),
    )
    values = _columns(final, article.path, article.key, state)
    inserted = conn.execute(
        articles.insert().values(feed_id=final.id, created_at=now, **values)
    ).inserted_primary_key
    assert inserted is not None
    pk = int(inserted[0])
    slugs = _write_tags(conn, pk, final)
    if state == PUBLISHED:
        touched.update(slugs)
    status = "new" if state == PUBLISHED else SCHEDULED
    return StoredArticle(pk, state, final, article.path, article.key), status


def _update(
    conn: Connection, article: Article, row: TableRow, now: datetime, touched: set[str]
) -> tuple[StoredArticle, str]:
    stored = _stored(row)
    old = stored.article
    assert old.published is not None and old.updated is not None
    published, state = old.published, PUBLISHED
    if row.state == SCHEDULED:  # not out yet: its date may still move
        published = seconds(article.published) if article.published else old.published
        state = SCHEDULED if published > now else PUBLISHED
    candidate = article.with_changes(id=row.feed_id, published=published, updated=old.updated)
    if candidate.content_hash == row.content_hash and row.state == state:
        return stored, "unchanged"
    given = seconds(article.updated) if article.updated else None
    if row.state == SCHEDULED:
        updated, status = (
            max(given or published, published),
            "new" if state == PUBLISHED else SCHEDULED,
        )
    else:
        updated = given if given and given > old.updated else max(now, old.updated)
        status = "updated"
    path, key = article.path or row.path, article.key or row.key
    final = candidate.with_changes(updated=updated, path=path, key=key)
    conn.execute(
        articles.update().where(articles.c.pk == row.pk).values(**_columns(final, path, key, state))
    )
    slugs = _write_tags(conn, row.pk, final)
    if state == PUBLISHED:
        kept = {tag_key(tag) for tag in final.tags}
        touched.update(slugs, (slug_for(conn, t) for t in old.tags if tag_key(t) not in kept))
    return StoredArticle(row.pk, state, final, path, key), status


def publish_due(conn: Connection, now: datetime, touched: set[str]) -> list[StoredArticle]:
    """Publish the scheduled articles whose time has come; return them."""
    query = sa.select(articles).where(articles.c.state == SCHEDULED, articles.c.published <= now)
    due = [_stored(row) for row in conn.execute(query.order_by(articles.c.published))]
    if due:
        conn.execute(
            articles.update()
            .where(articles.c.pk.in_([item.pk for item in due]))
            .values(state=PUBLISHED)
        )
    for item in due:
        touched.update(slug_for(conn, tag) for tag in item.article.tags)
    return [StoredArticle(i.pk, PUBLISHED, i.article, i.path, i.key) for i in due]


def same_text(conn: Connection, article: Article) -> StoredArticle | None:
    """Return the first stored article (any state) whose title and text are this one's."""
    query = sa.select(articles).where(articles.c.text_hash == article.text_hash)
    row = conn.execute(query.order_by(articles.c.pk).limit(1)).first()
    return _stored(row) if row is not None else None


def list_articles(
    conn: Connection,
    *,
    tag_slug: str | None = None,
    limit: int | None = None,
    include_unpublished: bool = False,
    include_scheduled: bool = False,
) -> list[StoredArticle]:
    """Return stored articles newest first, optionally only one tag's, at most `limit`.

    Only published ones (what the feeds show), unless asked for the others.
    """
    if tag_slug is None:
        query = sa.select(articles).order_by(articles.c.published.desc(), articles.c.pk.desc())
    else:
        # Walk the tag's index entries newest first and stop at `limit`: a tag of 20,000
        # articles costs what its feed costs (sorting the whole tag cost 10x more).
        query = (
            sa.select(articles)
            .select_from(article_tags.join(articles, articles.c.pk == article_tags.c.article_pk))
            .where(article_tags.c.tag_slug == tag_slug)
            .order_by(article_tags.c.published.desc(), article_tags.c.article_pk.desc())
        )
    if not include_unpublished:
        shown = (PUBLISHED, SCHEDULED) if include_scheduled else (PUBLISHED,)
        query = query.where(articles.c.state.in_(shown))
    if limit is not None:
        query = query.limit(limit)
    return [_stored(row) for row in conn.execute(query)]


def list_placed(conn: Connection, first: int, end: int | None) -> list[StoredArticle]:
    """Return the published articles whose feed history places are in [first, end), newest first."""
    query = sa.select(articles).where(articles.c.state == PUBLISHED, articles.c.feed_seq >= first)
    if end is not None:
        query = query.where(articles.c.feed_seq < end)
    order = (articles.c.published.desc(), articles.c.pk.desc())
    return [_stored(row) for row in conn.execute(query.order_by(*order))]


def published_tags(conn: Connection, slugs: Collection[str] | None = None) -> dict[str, str]:
    """Return {tag slug: tag as first written} for every tag of a published article.

    With `slugs`, only those tags are looked at (the ones a publish changed), so the
    cost follows the tags asked about, not the size of the archive.
    """
    if slugs is not None:
        return {slug: tag for slug in sorted(slugs) if (tag := _published_tag(conn, slug))}
    query = (
        sa.select(article_tags.c.tag_slug, sa.func.min(article_tags.c.tag))
        .join(articles, articles.c.pk == article_tags.c.article_pk)
        .where(articles.c.state == PUBLISHED)
        .group_by(article_tags.c.tag_slug)
        .order_by(article_tags.c.tag_slug)
    )
    return {slug: tag for slug, tag in conn.execute(query)}


def _published_tag(conn: Connection, slug: str) -> str | None:
    """Return the first spelling of one tag that a published article carries, if any.

    The spellings come from the index one at a time, in order; each is checked against
    the articles until one is published, instead of joining every article of a big tag.
    """
    previous: str | None = None
    while True:
        # The next spelling after `previous`: one index lookup, however big the tag.
        spelling = sa.select(sa.func.min(article_tags.c.tag)).where(article_tags.c.tag_slug == slug)
        if previous is not None:
            spelling = spelling.where(article_tags.c.tag > previous)
        tag = conn.execute(spelling).scalar()
        if tag is None:
            return None
        previous = str(tag)
        live = (
            sa.select(article_tags.c.article_pk)
            .join(articles, articles.c.pk == article_tags.c.article_pk)
            .where(
                article_tags.c.tag_slug == slug,
                article_tags.c.tag == tag,
                articles.c.state == PUBLISHED,
            )
            .limit(1)
        )
        if conn.execute(live).first() is not None:
            return previous


def get_article(conn: Connection, ref: str) -> StoredArticle:
    """Find one stored article by its number, its feed id, or its slug."""
    ref = ref.strip()
    condition = articles.c.feed_id == ref
    if ref.isdigit() and storable_id(int(ref)):
        condition = sa.or_(condition, articles.c.pk == int(ref))
    rows = conn.execute(sa.select(articles).where(condition)).all()
    if not rows:
        rows = conn.execute(
            sa.select(articles).where(articles.c.slug == ref).order_by(articles.c.pk)
        ).all()
    if len(rows) > 1:
        numbers = ", ".join(str(row.pk) for row in rows)
        raise UnknownArticleError(f"{ref!r} names several articles ({numbers}): use the number")
    if not rows:
        raise UnknownArticleError(
            f"no article {ref!r}: use a number or an id from `syndicate articles`"
        )
    return _stored(rows[0])


def unpublish_article(conn: Connection, ref: str) -> StoredArticle:
    """Take an article out of the feeds; it stays in the archive and keeps its id."""
    stored = get_article(conn, ref)
    conn.execute(articles.update().where(articles.c.pk == stored.pk).values(state=UNPUBLISHED))
    return StoredArticle(stored.pk, UNPUBLISHED, stored.article, stored.path, stored.key)

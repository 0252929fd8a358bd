"""The main feeds' history (RFC 5005): archive pages that never change once full.

Each published article takes the next place in the feed's history the first time it is
shown (`articles.feed_seq`): places follow first publication, not the article's date, so a
back-dated article takes the next free place and never lands on a full page. With S places
taken and N = feeds.entries, archive page k (from 1, the oldest) holds places (k-1)N to
kN-1, there are max(0, S // N - 1) pages, and the current feed holds the rest: between N
and 2N-1 entries (fewer once some are unpublished).

Every archive page links next-archive to the page after it, even the newest one, whose next
page exists only once the current feed has grown by N more: so a page is written once and
never changes when pages are added (and each carries a prev or next link, which the W3C
validator asks of every archive page: the first page of one has no other).

A page is rendered only when what it shows may have changed: its stamp (the entries it
holds, their newest update) differs from the one recorded in `feed_pages` when it was last
rendered. So a new article renders the current feed alone, a new page renders itself, and
unpublishing or editing an archived article renders its page. A full rebuild renders all.
Only the pages of the articles a change touched, and new pages, are stamped: the cost of a
publish does not grow with the archive.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndicate.articles import list_placed
from syndicate.config import Settings
from syndicate.feed_model import ARCHIVE_FOLDER, Feed, History, archive_name, make_feed
from syndicate.states import ArticleState
from syndicate.store import articles, feed_pages

PUBLISHED = ArticleState.PUBLISHED


def take_places(conn: Connection) -> int:
    """Give each published article without a place the next ones; return the places taken.

    Articles shown together for the first time take their places in date order.
    """
    taken = conn.execute(sa.select(sa.func.max(articles.c.feed_seq))).scalar()
    following = -1 if taken is None else int(taken)
    # Sorted here, not by the query: asked for that order, SQLite walks every published
    # article by date (the scheduled-articles index) instead of finding the few unplaced.
    waiting = conn.execute(
        sa.select(articles.c.published, articles.c.pk).where(
            articles.c.feed_seq.is_(None), articles.c.state == PUBLISHED
        )
    ).all()
    for _, pk in sorted(waiting):
        following += 1
        conn.execute(articles.update().where(articles.c.pk == pk).values(feed_seq=following))
    return following + 1


def page_count(places: int, size: int) -> int:
    """Return how many full archive pages `places` make, leaving the current feed N to 2N-1."""
    return max(0, places // size - 1)


# Past this many pages to look at, one grouped query over the archive is cheaper.
FEW_PAGES = 50


def _stamps(conn: Connection, size: int, pages: int, only: list[int] | None) -> dict[int, str]:
    """Return {page: what it shows} for the archive pages in `only` (None: all of them)."""
    if only == []:
        return {}
    page = (articles.c.feed_seq // size + 1).label("page")
    query = (
        sa.select(
            page,
            sa.func.count(),
            sa.func.sum(articles.c.pk),
            # As stored: converting a datetime per page costs more than the query.
            sa.type_coerce(sa.func.max(articles.c.updated), sa.String),
        )
        .where(articles.c.state == PUBLISHED, articles.c.feed_seq < pages * size)
        .group_by(page)
    )
    if only is not None:
        seq = articles.c.feed_seq
        spans = [sa.and_(seq >= (n - 1) * size, seq < n * size) for n in only]
        query = query.where(sa.or_(*spans))
    found = {int(row[0]): f"{row[1]}:{row[2]}:{row[3]}" for row in conn.execute(query)}
    numbers = range(1, pages + 1) if only is None else only
    return {number: f"{size}/{found.get(number, 'empty')}" for number in numbers}


def _candidates(
    conn: Connection, size: int, pages: int, changed: Collection[int]
) -> list[int] | None:
    """Return the pages a change to the `changed` articles can have changed (None: any page).

    Those are the pages holding those articles and the pages never recorded, which the
    current feed has just filled. Any page can have changed when the record has gaps or
    was cut at another page size (feeds.entries changed), or too many pages are new.
    """
    count, highest = conn.execute(sa.select(sa.func.count(), sa.func.max(feed_pages.c.page))).one()
    first = conn.execute(sa.select(feed_pages.c.stamp).where(feed_pages.c.page == 1)).scalar()
    if count != (highest or 0) or (first is not None and not first.startswith(f"{size}/")):
        return None
    held = conn.execute(
        sa.select(articles.c.feed_seq).where(
            articles.c.pk.in_(sorted(changed)), articles.c.feed_seq < pages * size
        )
    ).scalars()
    pages_held = {int(seq) // size + 1 for seq in held}
    numbers = sorted(pages_held | set(range((highest or 0) + 1, pages + 1)))
    return numbers if len(numbers) <= FEW_PAGES else None


def _pages_to_render(
    conn: Connection, size: int, pages: int, changed: Collection[int] | None
) -> list[int]:
    """Return the archive pages whose stamp changed (all, when `changed` is None); record the new.

    `changed` names the articles the change touched: only their pages and new pages are
    looked at, so a publish costs the same on an archive of a hundred articles or a million.
    """
    only = None if changed is None else _candidates(conn, size, pages, changed)
    stamps = _stamps(conn, size, pages, only)
    recorded_rows = sa.select(feed_pages.c.page, feed_pages.c.stamp)
    if only is not None:
        recorded_rows = recorded_rows.where(feed_pages.c.page.in_(only))
    recorded = {int(page): str(stamp) for page, stamp in conn.execute(recorded_rows)}
    everything = changed is None
    changed_pages = [n for n, stamp in stamps.items() if everything or recorded.get(n) != stamp]
    for number in changed_pages:
        if number in recorded:
            conn.execute(
                feed_pages.update().where(feed_pages.c.page == number).values(stamp=stamps[number])
            )
        else:
            conn.execute(feed_pages.insert().values(page=number, stamp=stamps[number]))
    conn.execute(feed_pages.delete().where(feed_pages.c.page > pages))
    return changed_pages


def history_feeds(
    conn: Connection, settings: Settings, changed: Collection[int] | None
) -> tuple[Feed, list[Feed]]:
    """Return the main feed's current document and the archive pages to write again.

    `changed`: the articles (by number) the change touched; None writes every page again.
    """
    size = settings.feed_entries
    pages = page_count(take_places(conn), size)
    title = settings.title
    current = make_feed(settings, list_placed(conn, pages * size, None), folder="", title=title)
    current = replace(current, history=History(None, pages or None, None))
    archived = []
    for number in _pages_to_render(conn, size, pages, changed):
        shown = list_placed(conn, (number - 1) * size, number * size)
        page = make_feed(settings, shown, folder="", title=title)
        archived.append(replace(page, history=History(number, number - 1 or None, number + 1)))
    return current, archived


def stale_pages(settings: Settings, keep: set[Path], filenames: tuple[str, ...]) -> list[Path]:
    """Return the archive page files on disk that a full rebuild did not write (to delete)."""
    folder = settings.feeds_path
    found: list[Path] = []
    for filename in filenames:
        found.extend(p for p in sorted(folder.glob(archive_name(filename, "*"))) if p not in keep)
    return [p for p in found if p.is_relative_to(folder / ARCHIVE_FOLDER)]

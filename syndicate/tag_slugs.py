"""Tag feed folders: one slug per tag, fixed at its first use, never shared by two tags.

"C++" and "C#" both slugify to "c": before slugifying, "+" reads "plus", "#" "sharp" and
"&" "and", and a slug still taken by another tag gets "-2", "-3"... Spellings that differ
only in case or width (NFKC) are one tag. The slug is stored at the tag's first use, so a
tag feed keeps its URL whatever later tags come along.
"""

from __future__ import annotations

import hashlib
import unicodedata

import sqlalchemy as sa
from slugify import slugify
from sqlalchemy.engine import Connection

from syndicate.store import tag_slugs

_SPOKEN = {"+": "-plus-", "#": "-sharp-", "&": "-and-"}


def tag_key(tag: str) -> str:
    """Return what makes two spellings the same tag: NFKC, case-folded, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", tag).casefold().split())


def tag_slug(tag: str) -> str:
    """Return a tag's preferred folder name: lower-case ASCII words joined by hyphens."""
    text = unicodedata.normalize("NFKC", tag)
    for symbol, word in _SPOKEN.items():
        text = text.replace(symbol, word)
    slug: str = slugify(text, max_length=80)
    # A tag of symbols alone transliterates to nothing: give it a stable name of its own.
    return slug or "tag-" + hashlib.sha256(tag_key(tag).encode("utf-8")).hexdigest()[:10]


def known_slug(conn: Connection, tag: str) -> str | None:
    """Return the slug stored for `tag`, if it was ever used."""
    query = sa.select(tag_slugs.c.slug).where(tag_slugs.c.key == tag_key(tag))
    found = conn.execute(query).scalar()
    return str(found) if found is not None else None


def slug_for(conn: Connection, tag: str) -> str:
    """Return the tag's slug, storing a new one (unique among all tags) at its first use."""
    slug = known_slug(conn, tag)
    if slug is not None:
        return slug
    base = tag_slug(tag)
    candidate, number = base, 1
    taken = sa.select(tag_slugs.c.key)
    while conn.execute(taken.where(tag_slugs.c.slug == candidate)).first() is not None:
        number += 1
        candidate = f"{base}-{number}"
    conn.execute(tag_slugs.insert().values(key=tag_key(tag), slug=candidate))
    return candidate

"""The article model every reader returns and every output reads: plain frozen dataclasses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from syndicate.states import ArticleState as ArticleState
from syndicate.states import DeliveryKind as DeliveryKind
from syndicate.states import DeliveryState as DeliveryState
from syndicate.states import IssueState as IssueState
from syndicate.states import SubscriberState as SubscriberState


@dataclass(frozen=True)
class Paragraph:
    text: str
    html: str
    type: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Heading:
    text: str
    html: str
    level: int = 2
    type: str = field(default="heading", init=False)


@dataclass(frozen=True)
class Quote:
    text: str
    html: str
    cite: str | None = None
    type: str = field(default="quote", init=False)


@dataclass(frozen=True)
class Figure:
    caption: str
    credit: str | None = None
    src: str | None = None
    alt: str | None = None
    type: str = field(default="figure", init=False)


@dataclass(frozen=True)
class ListBlock:
    """A bulleted or numbered list; `items` are plain text, `items_html` inline markup."""

    items: tuple[str, ...]
    items_html: tuple[str, ...]
    ordered: bool = False
    type: str = field(default="list", init=False)


Block = Paragraph | Heading | Quote | Figure | ListBlock


@dataclass(frozen=True, kw_only=True)
class Description:
    """What an article says about itself besides its title and body.

    A reader collects it from front matter or page metadata (`readers.frontmatter.Metadata`)
    and the Article carries it on, so the two cannot drift apart.
    """

    dek: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    url: str | None = None
    source: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    # The front matter `id`: what makes a file the same article again.
    key: str | None = None
    # Front matter `draft: true`: never published. Not stored (a stored article is none).
    draft: bool = False

    def description(self) -> dict[str, Any]:
        """Return these fields alone, as keyword arguments for another Description."""
        return {f.name: getattr(self, f.name) for f in fields(Description)}


@dataclass(frozen=True)
class Article(Description):
    """One article as recovered by a reader, and later as stored."""

    title: str
    slug: str
    blocks: tuple[Block, ...]
    lead: Figure | None = None
    newsletter: str | None = None
    id: str | None = None
    # The file it was read from.
    path: str | None = None
    # What the reader noticed and the user should hear (an unknown front matter key).
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def with_changes(self, **changes: Any) -> Article:
        return replace(self, **changes)

    @property
    def content_hash(self) -> str:
        """Hash what a reader of the feeds or the email would see, nothing else."""
        body = {k: v for k, v in article_to_dict(self).items() if k not in {"id", "updated"}}
        encoded = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()

    @property
    def body_text(self) -> str:
        """The article's running text: paragraphs, quotes and lists (no headings, captions)."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph | Quote):
                parts.append(block.text)
            elif isinstance(block, ListBlock):
                parts.extend(block.items)
        return "\n".join(parts)

    @property
    def text_hash(self) -> str:
        """Hash the title and the running text alone, words compared case-blind."""
        words = " ".join(f"{self.title}\n{self.body_text}".casefold().split())
        return hashlib.sha256(words.encode("utf-8")).hexdigest()


def figure_to_dict(figure: Figure) -> dict[str, Any]:
    return {
        "type": "figure",
        "caption": figure.caption,
        "credit": figure.credit,
        "src": figure.src,
        "alt": figure.alt,
    }


def block_to_dict(block: Block) -> dict[str, Any]:
    if isinstance(block, Figure):
        return figure_to_dict(block)
    if isinstance(block, ListBlock):
        return {
            "type": "list",
            "items": list(block.items),
            "items_html": list(block.items_html),
            "ordered": block.ordered,
        }
    data: dict[str, Any] = {"type": block.type, "text": block.text, "html": block.html}
    if isinstance(block, Heading):
        data["level"] = block.level
    if isinstance(block, Quote):
        data["cite"] = block.cite
    return data


def block_from_dict(data: dict[str, Any]) -> Block:
    kind = data["type"]
    if kind == "figure":
        return figure_from_dict(data)
    if kind == "list":
        items = tuple(data["items"])
        return ListBlock(items, tuple(data.get("items_html") or items), bool(data.get("ordered")))
    if kind == "heading":
        return Heading(data["text"], data["html"], int(data.get("level", 2)))
    if kind == "quote":
        return Quote(data["text"], data["html"], data.get("cite"))
    if kind == "paragraph":
        return Paragraph(data["text"], data["html"])
    raise ValueError(f"unknown block type {kind!r}")


def figure_from_dict(data: dict[str, Any]) -> Figure:
    return Figure(data["caption"], data.get("credit"), data.get("src"), data.get("alt"))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def article_to_dict(article: Article) -> dict[str, Any]:
    """Serialise an article the way `syndicate parse --json` prints it."""
    return {
        "id": article.id,
        "slug": article.slug,
        "title": article.title,
        "dek": article.dek,
        "authors": list(article.authors),
        "published": _iso(article.published),
        "updated": _iso(article.updated),
        "url": article.url,
        "source": article.source,
        "language": article.language,
        "tags": list(article.tags),
        "newsletter": article.newsletter,
        "lead": figure_to_dict(article.lead) if article.lead else None,
        "blocks": [block_to_dict(block) for block in article.blocks],
    }


def article_from_dict(data: dict[str, Any]) -> Article:
    """Rebuild an article from `article_to_dict`'s output (as the store keeps it)."""

    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Article(
        id=data.get("id"),
        slug=data["slug"],
        title=data["title"],
        dek=data.get("dek"),
        authors=tuple(data.get("authors") or ()),
        published=moment(data.get("published")),
        updated=moment(data.get("updated")),
        url=data.get("url"),
        source=data.get("source"),
        language=data.get("language"),
        tags=tuple(data.get("tags") or ()),
        newsletter=data.get("newsletter"),
        lead=figure_from_dict(data["lead"]) if data.get("lead") else None,
        blocks=tuple(block_from_dict(block) for block in data.get("blocks") or ()),
    )


@dataclass(frozen=True)
class Subscriber:
    """One address on the list, with its state and its consent record."""

    id: int
    email: str
    name: str | None
    state: SubscriberState
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    bounced_at: datetime | None
    signup_method: str  # cli | import | web
    signup_client: str | None = None
    confirm_method: str | None = None
    confirm_client: str | None = None

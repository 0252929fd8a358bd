"""What every reader does last: signup removal, the lead figure, dates, slug and path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from syndicate.config import Settings
from syndicate.errors import FrontMatterProblem, InputError
from syndicate.model import Article, Block, Figure, Paragraph
from syndicate.readers.frontmatter import Metadata, metadata, split
from syndicate.readers.normalize import clean_line
from syndicate.readers.signup import drop_signup


@dataclass(frozen=True)
class Source:
    """The file (or fetched page) being read, and the site it is read for.

    A fetched page has `url` set; its `path` is only a name for messages.
    """

    path: Path
    settings: Settings
    url: str | None = None

    def problem(self, message: str) -> InputError:
        """Return the one-line error for this file or page."""
        return InputError(f"{self.url or self.path}: {message}")

    def front_matter(self, text: str) -> tuple[Metadata, str]:
        """Return what the file's front matter says and the body after it."""
        try:
            data, body = split(text)
            return metadata(data, self.settings.tz), body
        except FrontMatterProblem as e:
            raise self.problem(str(e)) from None


TAG_LENGTH = 40


def _short_tag(tag: str) -> str:
    """Cut a tag to TAG_LENGTH characters at a word boundary."""
    if len(tag) <= TAG_LENGTH:
        return tag
    cut = tag[: TAG_LENGTH + 1].rsplit(" ", 1)[0] if " " in tag[:TAG_LENGTH] else ""
    return (cut or tag[:TAG_LENGTH]).rstrip(" ,;-")


def tidy_tags(tags: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Trim, shorten and deduplicate tags (case-insensitively, the first spelling wins)."""
    seen: dict[str, str] = {}
    for tag in tags:
        short = _short_tag(clean_line(tag))
        if short and short.casefold() not in seen:
            seen[short.casefold()] = short
    return tuple(seen.values())


def split_tags(values: list[str]) -> tuple[str, ...]:
    """Split keyword lists written `a, b; c` into tags."""
    return tidy_tags([part for value in values for part in re.split(r"[,;]", value)])


def _dedupe_figures(blocks: list[Block]) -> list[Block]:
    """Drop a figure that repeats the one just before it (pasted pages write captions twice)."""
    kept: list[Block] = []
    for block in blocks:
        if isinstance(block, Figure) and kept and kept[-1] == block:
            continue
        kept.append(block)
    return kept


def _take_lead(blocks: list[Block]) -> tuple[Figure | None, list[Block]]:
    """Take the first figure that comes before the first paragraph out of the blocks."""
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            break
        if isinstance(block, Figure):
            return block, blocks[:index] + blocks[index + 1 :]
    return None, blocks


def _relative_path(path: Path, site: Path) -> str:
    absolute = path.resolve()
    try:
        return absolute.relative_to(site.resolve()).as_posix()
    except ValueError:
        return str(absolute)


def finish(
    source: Source,
    meta: Metadata,
    blocks: list[Block],
    *,
    newsletter: str | None = None,
) -> Article:
    """Build the Article from what a reader recovered; raise InputError when it has no title."""
    settings = source.settings
    title = clean_line(meta.title or "")
    if not title:
        raise source.problem("no recognisable title")
    blocks, signup_name = drop_signup(_dedupe_figures(blocks))
    found_lead, blocks = _take_lead(blocks)
    lead = meta.image or found_lead
    if meta.image and found_lead and found_lead.src not in (None, meta.image.src):
        blocks.insert(0, found_lead)  # the front matter image leads; the page's own stays
    # The date is the front matter's, the page metadata's or the dateline's; never one in
    # a caption or the body (an archive photo would date a new article years back), nor
    # the file's time. Without one it stays None: the first publish fixes it then.
    described = meta.description() | {
        "tags": tidy_tags(meta.tags),
        "language": meta.language or settings.language,
    }
    warnings = tuple(
        f"{source.path}: unknown front matter key {key!r} (ignored)" for key in meta.unknown_keys
    )
    return Article(
        title=title,
        slug=slugify(title, max_length=80, word_boundary=True) or "article",
        blocks=tuple(blocks),
        lead=lead,
        newsletter=newsletter or signup_name,
        path=None if source.url else _relative_path(source.path, settings.site),
        warnings=warnings,
        **described,
    )

"""What every reader does last: signup removal, the lead figure, dates, slug and path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from syndicate.config import Settings
from syndicate.errors import FrontMatterProblem, InputError
from syndicate.model import Article, Block, Figure, Paragraph
from syndicate.readers.dates import at_midnight, file_time, find_date
from syndicate.readers.frontmatter import Metadata, metadata, split
from syndicate.readers.normalize import clean_line
from syndicate.readers.signup import drop_signup


@dataclass(frozen=True)
class Source:
    """The file being read, and the site it is read for."""

    path: Path
    settings: Settings

    def problem(self, message: str) -> InputError:
        """Return the one-line error for this file."""
        return InputError(f"{self.path}: {message}")

    def front_matter(self, text: str) -> tuple[Metadata, str]:
        """Return what the file's front matter says and the body after it."""
        try:
            data, body = split(text)
            return metadata(data, self.settings.tz), body
        except FrontMatterProblem as e:
            raise self.problem(str(e)) from None


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
    published = meta.published
    if published is None:
        captions = [b.caption for b in ([lead] if lead else []) + blocks if isinstance(b, Figure)]
        first = next((b.text for b in blocks if isinstance(b, Paragraph)), "")
        for text in [*captions, meta.dek or "", first]:
            day = find_date(text)
            if day is not None:
                published = at_midnight(day, settings.tz)
                break
    if published is None:
        published = file_time(source.path, settings.tz)
    described = meta.description() | {
        "published": published,
        "language": meta.language or settings.language,
    }
    return Article(
        title=title,
        slug=slugify(title, max_length=80, word_boundary=True) or "article",
        blocks=tuple(blocks),
        lead=lead,
        newsletter=newsletter or signup_name,
        path=_relative_path(source.path, settings.site),
        **described,
    )

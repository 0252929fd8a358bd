"""What every reader does last: signup removal, the lead figure, dates, slug and path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from syndicate.config import Settings
from syndicate.errors import InputError
from syndicate.model import Article, Block, Figure, Paragraph
from syndicate.readers.frontmatter import FrontMatterProblem, Metadata, metadata, split
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
    # The date is the front matter's, the page metadata's or the dateline's; never one in
    # a caption or the body (an archive photo would date a new article years back), nor
    # the file's time. Without one it stays None: the first publish fixes it then.
    described = meta.description() | {"language": meta.language or settings.language}
    warnings = tuple(
        f"{source.path}: unknown front matter key {key!r} (ignored)" for key in meta.unknown_keys
    )
    return Article(
        title=title,
        slug=slugify(title, max_length=80, word_boundary=True) or "article",
        blocks=tuple(blocks),
        lead=lead,
        newsletter=newsletter or signup_name,
        path=_relative_path(source.path, settings.site),
        warnings=warnings,
        **described,
    )

"""The pasted-page reader: an article copied as text from a news page (the seed's format)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from syndicate.model import Article, Block, Heading, Paragraph
from syndicate.readers.assemble import Source, finish
from syndicate.readers.captions import credit_only, read_captions, split_credit
from syndicate.readers.dates import at_midnight, find_date
from syndicate.readers.frontmatter import Metadata
from syndicate.readers.normalize import plain

EXTENSIONS = (".txt", ".text")

_CLOSERS = "\"'”’»)]"
_END_PUNCTUATION = ".!?…:;,"
_OPENERS = "\"'“‘«(["
_HEADING_WORDS = 15
_DEK_WORDS = 60
_NAME = r"[A-Z\u00c0-\u024f][\w.'’-]*(?: [A-Z\u00c0-\u024f][\w.'’-]*){0,3}"
_BYLINE = re.compile(rf"^By ({_NAME}(?:(?:, | and | & ){_NAME})*)$")
_BYLINE_SEPARATORS = re.compile(r"\s+[|•·—–]\s+")
_TITLE_CHARS = 250


def _chunks(body: str) -> list[list[str]]:
    """Split the body into groups of non-empty lines separated by blank lines."""
    groups: list[list[str]] = []
    current: list[str] = []
    for line in body.split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _is_heading(line: str) -> bool:
    """Tell a subheading: a short line with letters and no end punctuation, not a quote."""
    bare = line.rstrip(_CLOSERS)
    return (
        len(line.split()) <= _HEADING_WORDS
        and bool(bare)
        and bare[-1] not in _END_PUNCTUATION
        and line[0] not in _OPENERS
        and any(ch.isalpha() for ch in line)
    )


_DATELINE_LABEL = re.compile(r"^(?:published|updated|posted)\b\s*:?\s*", re.IGNORECASE)


def _is_dateline(lines: list[str]) -> bool:
    """Tell a dateline: one short line that is a date, perhaps after `Published:`."""
    bare = _DATELINE_LABEL.sub("", lines[0]) if len(lines) == 1 else ""
    return len(lines) == 1 and len(bare) <= 40 and find_date(bare) is not None


def _byline(line: str) -> tuple[tuple[str, ...], date | None] | None:
    """Read `By Jane Doe and Sam Roe | February 3, 2025` into names and a date."""
    names: tuple[str, ...] = ()
    day: date | None = None
    for part in _BYLINE_SEPARATORS.split(line):
        match = _BYLINE.match(part)
        if match and not names:
            names = tuple(re.split(r", | and | & ", match.group(1)))
        elif find_date(part) is not None and len(part) <= 40 and day is None:
            day = find_date(part)
        else:
            return None
    return (names, day) if names else None


def _title_like(line: str) -> bool:
    _, credit = split_credit(line)
    return (
        len(line) <= _TITLE_CHARS
        and credit is None
        and credit_only(line) is None
        and any(ch.isalpha() for ch in line)
    )


def _dateline(meta: Metadata, line: str, source: Source) -> Metadata:
    """Date the article by a dateline (`Published: ...`, `Updated: ...` or a bare date)."""
    day = find_date(line)
    if day is None:
        return meta
    moment = at_midnight(day, source.settings.tz)
    if line.casefold().startswith("updated"):
        return meta if meta.updated else replace(meta, updated=moment)
    return meta if meta.published else replace(meta, published=moment)


def read(source: Source, text: str) -> Article:
    """Read a pasted page, with optional front matter, into an Article."""
    meta, body = source.front_matter(text)
    chunks = _chunks(body)
    if not chunks:
        if meta.title:
            return finish(source, meta, [])
        raise source.problem("no recognisable title")
    first = chunks[0]
    if meta.title is None or first[0].casefold() == meta.title.casefold():
        if meta.title is None and not _title_like(first[0]):
            raise source.problem("no recognisable title (the first line should be the headline)")
        meta = replace(meta, title=meta.title or first[0])
        rest = first[1:]
        chunks = ([rest] if rest else []) + chunks[1:]
        # The standfirst is the next single line, unless it is all there is.
        if (
            meta.dek is None
            and chunks
            and len(chunks) > 1
            and read_captions(chunks[0]) is None
            and _byline(chunks[0][0]) is None
            and not _is_dateline(chunks[0])
            and len(chunks[0]) <= 2
            and len(" ".join(chunks[0]).split()) <= _DEK_WORDS
        ):
            meta = replace(meta, dek=plain(" ".join(chunks[0]))[0])
            chunks = chunks[1:]
    blocks: list[Block] = []
    for index, lines in enumerate(chunks):
        figures = read_captions(lines)
        # Bylines and datelines only stand between the standfirst and the first paragraph.
        before_body = not any(isinstance(b, Paragraph) for b in blocks)
        byline = _byline(lines[0]) if len(lines) == 1 and before_body else None
        if figures is not None:
            blocks.extend(figures)
        elif byline is not None:
            names, day = byline
            meta = replace(meta, authors=meta.authors or names)
            if meta.published is None and day is not None:
                meta = replace(meta, published=at_midnight(day, source.settings.tz))
        elif before_body and _is_dateline(lines):
            meta = _dateline(meta, lines[0], source)
        elif (
            len(lines) == 1
            and index < len(chunks) - 1
            and _is_heading(lines[0])
            and not _is_dateline(lines)
        ):
            blocks.append(Heading(*plain(lines[0])))
        else:
            blocks.append(Paragraph(*plain(" ".join(lines))))
    return finish(source, meta, blocks)

"""A human-readable account of what a reader recovered from an article file."""

from __future__ import annotations

import textwrap

from syndicate.model import Article, Figure, Heading, ListBlock, Paragraph, Quote

_WIDTH = 78


def _figure(figure: Figure) -> str:
    credit = f" (credit: {figure.credit})" if figure.credit else ""
    src = f" <{figure.src}>" if figure.src else ""
    return f"{figure.caption}{credit}{src}"


def _short(text: str, width: int = _WIDTH - 16) -> str:
    return textwrap.shorten(text, width=width, placeholder=" ...")


def summarize(article: Article) -> str:
    """Describe an article in a few aligned lines, one per field and one per block."""
    when = article.published.isoformat() if article.published else "- (fixed at the first publish)"
    fields = [
        ("title", article.title),
        ("dek", article.dek or "-"),
        ("authors", ", ".join(article.authors) or "- (the site's author)"),
        ("published", when),
        ("updated", article.updated.isoformat() if article.updated else "-"),
        ("url", article.url or "-"),
        ("source", article.source or "-"),
        ("language", article.language or "-"),
        ("tags", ", ".join(article.tags) or "-"),
        ("newsletter", article.newsletter or "-"),
        ("lead", _figure(article.lead) if article.lead else "-"),
    ]
    if article.draft:
        fields.insert(0, ("draft", "yes (draft: true): never published"))
    lines = [f"{name + ':':<12}{value}" for name, value in fields]
    counts: dict[str, int] = {}
    for block in article.blocks:
        counts[block.type] = counts.get(block.type, 0) + 1
    tally = ", ".join(f"{count} {kind}{'s' if count > 1 else ''}" for kind, count in counts.items())
    lines.append(f"{'blocks:':<12}{tally or 'none'}")
    for block in article.blocks:
        if isinstance(block, Heading):
            lines.append(f"  {'#' * block.level} {_short(block.text)}")
        elif isinstance(block, Paragraph):
            lines.append(f"  para  {_short(block.text)}")
        elif isinstance(block, Quote):
            cite = f" ({block.cite})" if block.cite else ""
            lines.append(f"  quote {_short(block.text + cite)}")
        elif isinstance(block, Figure):
            lines.append(f"  fig   {_short(_figure(block))}")
        elif isinstance(block, ListBlock):
            for number, item in enumerate(block.items, 1):
                marker = f"{number}." if block.ordered else "-"
                lines.append(f"  list  {marker} {_short(item)}")
    return "\n".join(lines)

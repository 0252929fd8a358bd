"""The Markdown reader: YAML front matter, then a body parsed by markdown-it-py into blocks."""

from __future__ import annotations

import html
from dataclasses import replace

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from syndicate.errors import NestingError
from syndicate.model import Article, Block, Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.readers.assemble import Source, finish
from syndicate.readers.captions import split_credit
from syndicate.readers.normalize import clean_line, inline

EXTENSIONS = (".md", ".markdown")

_CITE_DASHES = ("—", "–", "--", "-")


_RENDERER = RendererHTML()


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    tokenize = md.block.tokenize

    def guarded(state: StateBlock, start: int, end: int) -> None:
        # markdown-it skips whatever lies past maxNesting without a word: say so instead.
        if state.level >= md.options.maxNesting:
            raise NestingError
        tokenize(state, start, end)

    md.block.tokenize = guarded  # type: ignore[method-assign, assignment]
    return md


def _render(md: MarkdownIt, children: list[Token]) -> str:
    return _RENDERER.renderInline(children, md.options, {})


def _inline(md: MarkdownIt, token: Token) -> tuple[str, str]:
    """Return (plain text, sanitized HTML) of an inline token."""
    return inline(_render(md, token.children or []))


def _figure(md: MarkdownIt, token: Token) -> Figure | None:
    """Read a paragraph that is an image (with an optional caption line) as a Figure."""
    children = token.children or []
    if not children or children[0].type != "image":
        return None
    image, rest = children[0], children[1:]
    if any(child.type == "image" for child in rest):
        return None
    while rest and rest[0].type in {"softbreak", "hardbreak"}:
        rest = rest[1:]
    caption_text = inline(_render(md, rest))[0] if rest else ""
    alt = clean_line(image.content) or None
    title = clean_line(str(image.attrGet("title") or ""))
    caption, credit = split_credit(caption_text or title or alt or "", loose=True)
    return Figure(
        caption=caption, credit=credit, src=str(image.attrGet("src") or "") or None, alt=alt
    )


def _container(tokens: list[Token], start: int) -> tuple[list[Token], int]:
    """Return the tokens inside the container opened at `start` and the index after it."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return tokens[start + 1 : index], index + 1
    return tokens[start + 1 :], len(tokens)


def _quote(md: MarkdownIt, inner: list[Token]) -> Quote:
    parts = [_inline(md, t) for t in inner if t.type == "inline"]
    cite = None
    if len(parts) > 1 and parts[-1][0].startswith(_CITE_DASHES):
        cite = parts.pop()[0].lstrip("".join(_CITE_DASHES)).strip() or None
    return Quote(
        " ".join(text for text, _ in parts), "<br>".join(markup for _, markup in parts), cite
    )


def _list(md: MarkdownIt, inner: list[Token], ordered: bool) -> ListBlock:
    items: list[tuple[str, str]] = []
    index = 0
    while index < len(inner):
        if inner[index].type == "list_item_open":
            content, index = _container(inner, index)
            parts = [_inline(md, t) for t in content if t.type == "inline"]
            items.append((" ".join(p[0] for p in parts), " ".join(p[1] for p in parts)))
        else:
            index += 1
    return ListBlock(tuple(t for t, _ in items), tuple(h for _, h in items), ordered)


def blocks_from_markdown(body: str) -> tuple[list[Block], list[int]]:
    """Parse a Markdown body into blocks; also return the indexes of level-1 headings."""
    md = _parser()
    tokens = md.parse(body)
    blocks: list[Block] = []
    titles: list[int] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            text, markup = _inline(md, tokens[index + 1])
            if text:
                if token.tag == "h1":
                    titles.append(len(blocks))
                blocks.append(Heading(text, markup, int(token.tag[1])))
            index += 3
        elif token.type == "paragraph_open":
            content = tokens[index + 1]
            figure = _figure(md, content)
            text, markup = _inline(md, content)
            if figure is not None:
                blocks.append(figure)
            elif text:
                blocks.append(Paragraph(text, markup))
            index += 3
        elif token.type == "blockquote_open":
            inner, index = _container(tokens, index)
            quote = _quote(md, inner)
            if quote.text:
                blocks.append(quote)
        elif token.type in {"bullet_list_open", "ordered_list_open"}:
            inner, index = _container(tokens, index)
            blocks.append(_list(md, inner, token.type == "ordered_list_open"))
        elif token.type in {"fence", "code_block"}:
            code = token.content.strip("\n")
            if code.strip():
                blocks.append(Paragraph(code, f"<code>{html.escape(code, quote=False)}</code>"))
            index += 1
        else:  # html_block, hr: nothing a feed reader should see as text
            index += 1
    return blocks, titles


def read(source: Source, text: str) -> Article:
    """Read a Markdown file with optional front matter into an Article."""
    meta, body = source.front_matter(text)
    try:
        blocks, titles = blocks_from_markdown(body)
    except NestingError:
        raise source.problem(
            "its block quotes or lists are nested too deeply to read (over 20 levels)"
        ) from None
    if titles:
        first = blocks[titles[0]]
        assert isinstance(first, Heading)
        if meta.title is None:
            meta = replace(meta, title=first.text)
        if first.text.casefold() == (meta.title or "").casefold():
            del blocks[titles[0]]
    if not meta.title:
        raise source.problem("no recognisable title (add `title:` front matter or a # heading)")
    return finish(source, meta, blocks)

"""The Markdown reader: front matter, markdown-it-py blocks, figures, quotes and lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import EXAMPLES, write_file

from syndicate.config import Settings
from syndicate.errors import InputError
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.readers import read_article


def test_example_markdown_parses_to_what_it_was_written_as(conf: Settings) -> None:
    article = read_article(EXAMPLES / "library-reopening.md", conf)
    assert article.key == "eastbrook-library-reopening-2025"
    assert article.title == "Eastbrook library reopens with a rooftop reading room"
    assert article.slug == "eastbrook-library-reopens-with-a-rooftop-reading-room"
    assert article.dek is not None and article.dek.startswith("After two years of building work")
    assert article.authors == ("Priya Castell", "Owen Marsh")
    assert article.published is not None
    assert article.published.isoformat() == "2025-03-03T00:00:00+00:00"
    assert article.url == "https://news.example.com/2025/03/03/eastbrook-library-reopens"
    assert article.tags == ("Eastbrook", "Libraries", "Culture")
    assert article.lead == Figure(
        caption="Readers at long tables under the glass roof of the new reading room",
        credit="Lena Okafor",
        src="https://news.example.com/images/eastbrook-library-roof.jpg",
        alt="Readers at long tables under the glass roof of the new reading room",
    )
    assert [b.type for b in article.blocks] == [
        "paragraph",
        "paragraph",
        "heading",
        "paragraph",
        "quote",
        "figure",
        "paragraph",
        "list",
        "paragraph",
    ]
    first, second = article.blocks[0], article.blocks[1]
    assert isinstance(first, Paragraph)
    assert first.html.startswith(
        "The Eastbrook public library reopens on <strong>Monday at 9am</strong>"
    )
    assert "1930s building on Mill Street." in first.text and "\n" not in first.text
    assert isinstance(second, Paragraph)
    assert (
        '<a href="https://news.example.com/2024/heritage-grants">heritage grant</a>' in second.html
    )
    assert article.blocks[2] == Heading("Longer hours", "Longer hours", 2)
    quote = article.blocks[4]
    assert isinstance(quote, Quote)
    assert quote.text.startswith("We wanted a building people could come to after work")
    assert quote.cite == "Head librarian Martha Quint"
    assert article.blocks[5] == Figure(
        caption="The new children's floor has a story corner and a puppet theatre.",
        credit="Lena Okafor",
        src="https://news.example.com/images/eastbrook-children-floor.jpg",
        alt="A child reading on a beanbag",
    )
    listing = article.blocks[7]
    assert isinstance(listing, ListBlock) and not listing.ordered
    assert listing.items == (
        "a rooftop reading room with 80 seats",
        "a children's floor with a story corner",
        "a café run by the Mill Street bakery",
    )
    assert article.newsletter is None


def test_without_front_matter_the_first_heading_is_the_title(
    tmp_path: Path, conf: Settings
) -> None:
    text = "Intro line.\n\n# The Real Title\n\nBody with *emphasis*.\n\n# Another h1\n"
    article = read_article(write_file(tmp_path, "a.md", text), conf)
    assert article.title == "The Real Title"
    assert [b.type for b in article.blocks] == ["paragraph", "paragraph", "heading"]
    body = article.blocks[1]
    assert isinstance(body, Paragraph) and body.html == "Body with <em>emphasis</em>."


def test_markdown_without_a_title_is_refused(tmp_path: Path, conf: Settings) -> None:
    path = write_file(tmp_path, "untitled.md", "Just a paragraph.\n\n## Only a subheading\n")
    with pytest.raises(InputError, match=r"untitled\.md: no recognisable title"):
        read_article(path, conf)


def test_unsafe_markup_and_links_are_sanitized(tmp_path: Path, conf: Settings) -> None:
    text = (
        "# T\n\n[click](javascript:alert(1)) <span onclick='x()'>hi</span> "
        "<script>bad()</script> [ok](/relative) <sup>2</sup>\n"
    )
    block = read_article(write_file(tmp_path, "s.md", text), conf).blocks[0]
    assert isinstance(block, Paragraph)
    assert 'href="javascript' not in block.html and "onclick" not in block.html
    assert "<script" not in block.html and "bad()" not in block.text
    assert '<a href="/relative">ok</a>' in block.html and "<sup>2</sup>" in block.html


def test_signup_lines_in_markdown_are_dropped_and_named(tmp_path: Path, conf: Settings) -> None:
    text = (
        "# T\n\nFirst.\n\nDon't miss a story!\n\n"
        "Subscribe to The Weekly Tide Newsletter\n\nLast paragraph stays.\n"
    )
    article = read_article(write_file(tmp_path, "n.md", text), conf)
    assert article.newsletter == "The Weekly Tide Newsletter"
    assert [b.text for b in article.blocks if isinstance(b, Paragraph)] == [
        "First.",
        "Last paragraph stays.",
    ]


def test_front_matter_values_of_the_wrong_shape_are_named(tmp_path: Path, conf: Settings) -> None:
    path = write_file(tmp_path, "u.md", "---\ntitle: T\nurl: not a url\n---\nBody\n")
    with pytest.raises(InputError, match=r"u\.md: front matter url: expected an absolute http"):
        read_article(path, conf)
    path = write_file(tmp_path, "t.md", "---\ntitle: T\ntags: {a: 1}\n---\nBody\n")
    with pytest.raises(InputError, match=r"t\.md: front matter tags: expected a list"):
        read_article(path, conf)

"""The pasted-page reader: the seed's conventions, the example's traps, and odd text."""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from site_helpers import EXAMPLES, write_file

from syndicate.config import Settings, load_settings
from syndicate.errors import InputError
from syndicate.model import Article, Figure, Heading, Paragraph
from syndicate.readers import read_article

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def kinds(article: Article) -> list[str]:
    return [block.type for block in article.blocks]


def all_text(article: Article) -> str:
    parts = [article.title, article.dek or "", article.newsletter or ""]
    for block in [*article.blocks, *([article.lead] if article.lead else [])]:
        if isinstance(block, Figure):
            parts += [block.caption, block.credit or ""]
        elif isinstance(block, Paragraph | Heading):
            parts += [block.text, block.html]
    return "\n".join(parts)


def test_seed_is_recovered_exactly(seed: Path, conf: Settings) -> None:
    article = read_article(seed, conf)
    assert article.title.startswith("Azerbaijan’s top adviser meets Netanyahu")
    assert article.dek is not None and article.dek.startswith("Azerbaijan’s top adviser meets")
    assert article.lead is not None
    assert article.lead.caption.startswith("Assistant to the President of Azerbaijan")
    assert article.lead.caption.endswith("February 18, 2025.")
    assert article.lead.credit == "Courtesy"
    # No dateline: the date in the photo caption is not the publication date (issue 11).
    assert article.published is None
    assert article.newsletter == "The Jerusalem Post Newsletter"
    assert article.source is None and article.authors == () and article.url is None
    assert kinds(article) == ["paragraph"] * 4 + ["figure", "heading"] + ["paragraph"] * 7
    blocks = article.blocks
    assert isinstance(blocks[0], Paragraph)
    assert blocks[0].text.startswith("In a significant diplomatic development")
    assert isinstance(blocks[3], Paragraph) and "most reliable partners" in blocks[3].text
    figure = blocks[4]
    assert isinstance(figure, Figure)
    assert figure.caption.endswith("Strategic Studies")
    assert figure.credit == "Courtesy of the Office of the President of Azerbaijan"
    assert blocks[5] == Heading(
        "Close relations with Azerbaijan positive development",
        "Close relations with Azerbaijan positive development",
    )
    assert isinstance(blocks[-1], Paragraph)
    assert blocks[-1].text.startswith("As the Trump administration")
    text = all_text(article)
    assert text.count("Hikmet Hajiyev and Prime Minister Benjamin Netanyahu meet") == 1
    assert text.count("crucial role in the new Middle East") == 1
    body = "\n".join(b.text for b in blocks if isinstance(b, Paragraph | Heading))
    assert "Stay updated with the latest news!" not in body
    assert "Subscribe to The Jerusalem Post Newsletter" not in body
    assert "\u00a0" not in text
    assert article.slug == "azerbaijans-top-adviser-meets-netanyahu-sparking-abraham-accords-talk"


def test_example_pasted_page_parses_to_what_it_was_written_as(conf: Settings) -> None:
    article = read_article(EXAMPLES / "harbour-festival.txt", conf)
    assert article.title == "Port Elwin’s harbour festival returns after four quiet summers"
    assert article.dek == (
        "Tall ships, a lantern market and a rowing race drew thousands back to the old quay "
        "on Saturday."
    )
    assert article.url == "https://news.example.com/2025/06/14/port-elwin-harbour-festival-returns"
    assert article.tags == ("Port Elwin", "Festivals")
    assert article.lead == Figure(
        "Crews haul in the sails of the schooner Maren Rose as she docks at Port Elwin, "
        "June 14, 2025.",
        "Tomas Hale/Saltmarsh Gazette",
    )
    assert article.published is not None
    assert article.published.isoformat() == "2025-06-14T00:00:00+00:00"
    assert article.newsletter == "The Saltmarsh Gazette Newsletter"
    assert kinds(article) == ["paragraph"] * 4 + ["figure", "heading"] + ["paragraph"] * 3
    figure, heading = article.blocks[4], article.blocks[5]
    assert figure == Figure(
        "Lanterns hang over the night market on the north quay", "Saltmarsh Gazette archive"
    )
    assert isinstance(heading, Heading) and heading.text == "A night market on the north quay"
    paragraphs = [b.text for b in article.blocks if isinstance(b, Paragraph)]
    assert paragraphs[1].endswith('run out of programmes."')
    assert paragraphs[2].endswith("in the festival's history.")
    assert paragraphs[3].endswith('ends up in the water".')
    assert paragraphs[-1].startswith("The festival ends on Sunday afternoon")
    assert not any("Stay updated" in p or "Subscribe to" in p for p in paragraphs)
    assert article.path is not None and article.path.endswith("examples/harbour-festival.txt")


def test_line_endings_bom_and_invisible_edges_are_cleaned(tmp_path: Path, conf: Settings) -> None:
    text = (
        "\ufeffA headline\u200b\r\n\r\nThe standfirst line.\r\n\r\n"
        "\u00a0First paragraph with e\u0301 and a \x07bell.\u00a0\r\n\r\nLast paragraph.\r\n"
    )
    article = read_article(write_file(tmp_path, "a.txt", text), conf)
    assert article.title == "A headline"
    assert article.dek == "The standfirst line."
    first = article.blocks[0]
    assert isinstance(first, Paragraph)
    assert first.text == "First paragraph with \u00e9 and a bell."


def test_utf16_with_bom_is_decoded_not_binary(tmp_path: Path, conf: Settings) -> None:
    text = "Ünïcode headline\n\nA standfirst.\n\nBody text here.\n"
    article = read_article(write_file(tmp_path, "u.txt", text.encode("utf-16")), conf)
    assert article.title == "Ünïcode headline"
    assert [b.type for b in article.blocks] == ["paragraph"]


def test_front_matter_date_wins_and_date_only_is_midnight_in_the_site_zone(
    tmp_path: Path,
) -> None:
    conf = load_settings(tmp_path / "site", timezone="Europe/Berlin")
    text = "---\ndate: 2025-01-10\nid: story-1\n---\nHeadline\n\nDek.\n\nCaption, May 2, 2020.  (photo credit: X)\n\nBody.\n"
    article = read_article(write_file(tmp_path, "d.txt", text), conf)
    assert article.published is not None
    assert article.published.isoformat() == "2025-01-10T00:00:00+01:00"
    assert article.key == "story-1"


def test_without_a_dateline_there_is_no_date(tmp_path: Path, conf: Settings) -> None:
    # Not the file's time, nor a date in a caption or the body: the first publish fixes it.
    text = (
        "Headline\n\nDek.\n\nThe quay in 1998, on March 3, 1998.  (photo credit: Archive)\n\n"
        "The market opened on February 9, 2020, and never closed.\n"
    )
    path = write_file(tmp_path, "m.txt", text)
    assert read_article(path, conf).published is None


@pytest.mark.parametrize(
    ("line", "field"),
    [("March 3, 2025", "published"), ("Published: March 3, 2025", "published"),
     ("Updated: 3 March 2025", "updated")],
)  # fmt: skip
def test_a_dateline_dates_the_article(
    tmp_path: Path, conf: Settings, line: str, field: str
) -> None:
    text = f"Headline\n\nDek line.\n\n{line}\n\nThe body starts here, on another day.\n"
    article = read_article(write_file(tmp_path, "d.txt", text), conf)
    assert getattr(article, field) == datetime(2025, 3, 3, tzinfo=conf.tz)


def test_bad_front_matter_is_one_line_naming_the_file(tmp_path: Path, conf: Settings) -> None:
    path = write_file(tmp_path, "bad.txt", "---\ntitle: [unclosed\n---\nBody\n")
    with pytest.raises(InputError, match=r"bad\.txt: front matter is not valid YAML"):
        read_article(path, conf)
    path = write_file(tmp_path, "date.txt", "---\ndate: someday soon\n---\nHeadline\n")
    with pytest.raises(InputError, match=r"date\.txt: front matter date: cannot read"):
        read_article(path, conf)
    path = write_file(tmp_path, "feb.txt", "---\ndate: 2025-02-30\n---\nHeadline\n")
    with pytest.raises(InputError, match=r"feb\.txt: front matter has a value that cannot be read"):
        read_article(path, conf)
    path = write_file(tmp_path, "y1.txt", "---\ndate: 0001-01-01\n---\nHeadline\n")
    with pytest.raises(InputError, match=r"y1\.txt: front matter date: the year 1 is out of range"):
        read_article(path, conf)


def test_inline_html_is_escaped_text(tmp_path: Path, conf: Settings) -> None:
    path = write_file(tmp_path, "x.txt", "Title\n\nDek.\n\n<script>alert(1)</script> & more.\n")
    block = read_article(path, conf).blocks[0]
    assert isinstance(block, Paragraph)
    assert block.html == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more."


PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        "---\n",
        "title: T\n",
        "date: 2025-02-30\n",
        "---\ndate: 2025-02-30\n---\n",
        "---\ntitle: [x\n---\n",
        "---\ntags: 5\nauthor: {a: b}\n---\n",
        "\u00a0",
        "\u200b",
        "\ufeff",
        "\r\n",
        "\x0b",
        "  (photo credit: Someone)",
        "(credit: A)\n",
        "Stay updated!\n\n",
        "Subscribe to The Example Newsletter\n\n",
        '."',
        "February 18, 2025",
        "31 September 2024",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(st.characters(codec="utf-8"), max_size=40))).map("".join))
def test_any_text_gives_clean_article_or_input_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.txt"
        path.write_bytes(text.encode("utf-8"))
        try:
            article = read_article(path, load_settings(Path(folder)))
        except InputError as e:
            assert str(e).startswith(str(path)) and "\n" not in str(e)
            return
        assert article.title
        assert not XML_ILLEGAL.search(all_text(article))
        assert article.published is None or article.published.tzinfo is not None


def test_a_byline_before_the_body_gives_authors_and_date(tmp_path: Path, conf: Settings) -> None:
    text = (
        "Ferry timetable changes\n\nSummer sailings start early.\n\n"
        "By Jane Doe and Sam Roe | March 3, 2025\n\nThe first paragraph.\n\n"
        "By the way this is a paragraph that happens to start with By.\n"
    )
    article = read_article(write_file(tmp_path, "b.txt", text), conf)
    assert article.authors == ("Jane Doe", "Sam Roe")
    assert article.published is not None
    assert article.published.isoformat() == "2025-03-03T00:00:00+00:00"
    assert [b.type for b in article.blocks] == ["paragraph", "paragraph"]


def test_byline_and_dateline_right_after_the_headline_are_not_the_dek(
    tmp_path: Path, conf: Settings
) -> None:
    text = "Ferry timetable changes\n\nBy Ann Lee\n\nApril 4, 2025\n\nBody one.\n\nJune 1, 2025\n\nEnd.\n"
    article = read_article(write_file(tmp_path, "c.txt", text), conf)
    assert article.dek is None
    assert article.authors == ("Ann Lee",)
    assert article.published is not None and article.published.date().isoformat() == "2025-04-04"
    assert [b.text for b in article.blocks if isinstance(b, Paragraph)] == [
        "Body one.",
        "June 1, 2025",
        "End.",
    ]

"""Rules the corpus of real pages (bench/pages_corpus.py) showed, each on a page of our own."""

from __future__ import annotations

from pathlib import Path

from reader_helpers import read_page

from syndicate.config import Settings
from syndicate.model import Figure
from syndicate.readers.html_fields import byline_names
from syndicate.readers.html_images import is_placeholder

BODY = " ".join(["The night ferry to the islands will run twice a week from June."] * 3)
MORE = " ".join(["Tickets go on sale at the harbour office and on the port's website."] * 3)


def page(head: str, story: str) -> str:
    return (
        f'<!doctype html><html><head><link rel="canonical" href="https://www.harbour.example/a/1">'
        f"{head}</head><body><article>{story}<p>{BODY}</p><p>{MORE}</p></article></body></html>"
    )


def test_a_full_width_separator_ends_a_japanese_site_name(tmp_path: Path, conf: Settings) -> None:
    html = page(
        '<meta property="og:title" content="夜行フェリー、週2便に：港新聞デジタル">',
        "<h1>夜行フェリー、週2便に</h1>",
    )
    assert read_page(tmp_path, conf, html).title == "夜行フェリー、週2便に"


def test_the_sites_address_is_not_an_author(tmp_path: Path, conf: Settings) -> None:
    html = page(
        '<meta name="author" content="Harbour.example">', "<h1>Night ferry runs twice a week</h1>"
    )
    assert read_page(tmp_path, conf, html).authors == ()
    html = page('<meta name="author" content="Mia Berg">', "<h1>Night ferry runs twice a week</h1>")
    assert read_page(tmp_path, conf, html).authors == ("Mia Berg",)


def test_initials_after_a_name_are_dropped() -> None:
    assert byline_names("Mia Berg (mib), Tom Lund (tol.)", ()) == ("Mia Berg", "Tom Lund")
    assert byline_names("Mia Berg (Oslo Bureau)", ()) == ("Mia Berg (Oslo Bureau)",)


def test_an_image_from_a_placeholder_folder_is_not_loaded() -> None:
    assert is_placeholder("https://www.harbour.example/image/placeholder/800x600.png")
    assert is_placeholder("/spacers/wide.gif")
    assert not is_placeholder("https://img.harbour.example/placeholders-gallery/ferry.jpg")
    assert not is_placeholder("https://img.harbour.example/2024/ferry.jpg")


def test_relative_images_are_made_absolute(tmp_path: Path, conf: Settings) -> None:
    story = '<h1>Night ferry</h1><p>See <a href="/timetable">the timetable</a>. ' + BODY + "</p>"
    story += '<figure><img src="/img/ferry.jpg" alt="The ferry"><figcaption>The ferry.</figcaption></figure>'
    article = read_page(tmp_path, conf, page("", story))
    srcs = [b.src for b in article.blocks if isinstance(b, Figure)]
    assert srcs == ["https://www.harbour.example/img/ferry.jpg"]

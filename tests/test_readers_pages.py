"""The HTML reader on the patterns of real news pages, each reproduced in a small page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reader_helpers import read_page

from syndicate.config import Settings
from syndicate.model import Figure, ListBlock, Paragraph
from syndicate.readers.assemble import split_tags, tidy_tags
from syndicate.readers.boilerplate import is_furniture
from syndicate.readers.captions import split_credit
from syndicate.readers.html_fields import byline_names

BODY = " ".join(["The ferry timetable changes on Monday for the whole summer season."] * 3)
MORE = " ".join(["Passengers will find the first crossing leaves twenty minutes earlier."] * 3)


def graph(**article: object) -> str:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Harbour Times"},
            {"@type": "ReportageNewsArticle", **article},
        ],
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


SIDEBAR_PAGE = """<!doctype html><html lang="en"><head>
<meta property="og:title" content="Ferry times change for summer | Lena Ortiz">
<meta property="og:site_name" content="Harbour Times">
<meta name="author" content="Harbour Media Group">
<meta name="description" content="The first ferry of the day will leave earlier from Monday.">
<meta name="keywords" content="ferries, Harbour, transport; summer timetable, ferries, a very long keyword that goes on well past forty characters">
<link rel="canonical" href="https://news.example.com/ferry-times">
{ld}
</head><body>
<div class="sidebar"><h2>Current Top Stories</h2>
<p class="summary">Another story's summary that a careless reader would take as the standfirst.</p>
<ul><li><a href="/other">Storm hits the pier</a></li></ul></div>
<aside class="recommendations"><div class="dek">Buy the best rain jacket of the year now</div></aside>
<article>
<h1>Ferry times change for summer</h1>
<p class="byline">By Lena Ortiz and Tom Reyes NOVEMBER 3, 2025</p>
<time datetime="2025-11-03">3 November 2025, 3:51 pm</time>
<figure><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/ferry.jpg" alt="The ferry">
<figcaption><span class="visually-hidden">Media caption</span>The ferry leaves the pier at dawn.Credit...Ed Murray/NJ Advance Media
<button>hide caption</button></figcaption></figure>
<p>{body}</p>
<p>Most read in world news</p>
<p>Lire aussi : Les ferries changent d'horaire</p>
<p><a href="https://news.example.com/other">Storm closes the pier for a week</a></p>
<figure><figcaption>A map of the new routes, which has no image at all.</figcaption></figure>
<div class="related-stories"><p>Related: harbour works delayed again</p></div>
<p>{more}</p>
<p>Supported by</p>
<p>Continue reading the main story</p>
<p>Get Harbour Times by email and never miss our top stories Free Sign Up</p>
<p>Lesen Sie auch: Die Fähre fährt früher</p>
<p>Lee también: El ferry sale antes</p>
<p>{body} The end.</p>
</article></body></html>"""


def sidebar_page(**ld: object) -> str:
    return SIDEBAR_PAGE.format(body=BODY, more=MORE, ld=graph(**ld) if ld else "")


def test_fields_come_from_the_story_not_the_sidebar(tmp_path: Path, conf: Settings) -> None:
    article = read_page(tmp_path, conf, sidebar_page())
    assert article.title == "Ferry times change for summer"
    assert article.dek == "The first ferry of the day will leave earlier from Monday."
    assert article.authors == ("Lena Ortiz", "Tom Reyes")
    assert article.published is not None
    assert article.published.isoformat() == "2025-11-03T15:51:00+00:00"
    assert article.source == "Harbour Times"
    assert article.tags == (
        "ferries",
        "Harbour",
        "transport",
        "summer timetable",
        "a very long keyword that goes on well",
    )


def test_json_ld_in_a_graph_wins_over_meta_tags(tmp_path: Path, conf: Settings) -> None:
    article = read_page(
        tmp_path,
        conf,
        sidebar_page(
            headline="Ferry times change for summer",
            datePublished="2025-11-03T07:30:00+01:00",
            author=[
                {"@type": "Person", "name": "Lena Ortiz"},
                {"@type": "Organization", "name": "Harbour Media Group"},
            ],
            publisher={"@type": "Organization", "name": "Harbour Media Group"},
            keywords=["Ferries", "Summer"],
            image={"@type": "ImageObject", "url": "https://cdn.example.com/ld.jpg"},
        ),
    )
    assert article.authors == ("Lena Ortiz",)
    assert article.published is not None
    assert article.published.isoformat() == "2025-11-03T07:30:00+01:00"
    assert article.tags == ("Ferries", "Summer")


def test_lazy_image_captions_credits_and_widget_text(tmp_path: Path, conf: Settings) -> None:
    article = read_page(tmp_path, conf, sidebar_page())
    assert article.lead == Figure(
        "The ferry leaves the pier at dawn.",
        "Ed Murray/NJ Advance Media",
        "https://news.example.com/img/ferry.jpg",
        "The ferry",
    )
    figures = [b for b in article.blocks if isinstance(b, Figure)]
    assert figures == []  # the map had no image: dropped with its caption
    texts = [b.text for b in article.blocks if isinstance(b, Paragraph)]
    assert texts == [BODY, MORE, f"{BODY} The end."]


@pytest.mark.parametrize(
    "image",
    [
        '<img src="data:image/svg+xml,%3Csvg%3E" data-lazy-src="/a.jpg">',
        '<img src="/spacer.gif" data-original="/a.jpg">',
        '<img src="data:," srcset="/small.jpg 320w, /a.jpg 1200w, /mid.jpg 800w">',
        '<img data-srcset="/small.jpg 1x, /a.jpg 2x">',
        '<picture><source srcset="/a.jpg 1200w"><img src="data:image/gif;base64,R0lGOD"></picture>',
        '<img src="data:image/gif;base64,R0lGOD"><noscript><img src="/a.jpg"></noscript>',
        '<img src="//news.example.com/a.jpg">',
    ],
)
def test_images_load_as_a_browser_would(tmp_path: Path, conf: Settings, image: str) -> None:
    html = (
        "<html><head><title>Ferry times change</title>"
        "<link rel='canonical' href='https://news.example.com/story'></head><body><article>"
        f"<h1>Ferry times change</h1><p>{BODY}</p><figure>{image}"
        f"<figcaption>The quay at noon. Photo: Ann Lee</figcaption></figure><p>{MORE}</p>"
        "</article></body></html>"
    )
    article = read_page(tmp_path, conf, html)
    figures = [b for b in article.blocks if isinstance(b, Figure)]
    assert [(f.src, f.caption, f.credit) for f in figures] == [
        ("https://news.example.com/a.jpg", "The quay at noon.", "Ann Lee")
    ]


def test_a_relative_image_without_a_page_address_is_dropped(tmp_path: Path, conf: Settings) -> None:
    html = (
        f"<html><body><article><h1>Ferry times change</h1><p>{BODY}</p>"
        "<figure><img src='img/a.jpg'><figcaption>The quay at noon.</figcaption></figure>"
        f"<p>{MORE}</p></article></body></html>"
    )
    article = read_page(tmp_path, conf, html)
    assert article.lead is None
    assert [b.type for b in article.blocks] == ["paragraph", "paragraph"]


def test_a_caption_list_is_not_also_body_text(tmp_path: Path, conf: Settings) -> None:
    html = (
        "<html><head><title>Ferry times change</title></head><body><article>"
        f"<h1>Ferry times change</h1><p>{BODY}</p>"
        "<figure><img src='https://cdn.example.com/1.jpg'><figcaption>Image caption The old pier.</figcaption></figure>"
        "<figure><img src='https://cdn.example.com/2.jpg'><figcaption>The new pier. toggle caption</figcaption></figure>"
        "<ul class='captions-list'><li>The old pier.</li><li>The new pier.</li></ul>"
        f"<p>{MORE}</p></article></body></html>"
    )
    article = read_page(tmp_path, conf, html)
    captions = [b.caption for b in article.blocks if isinstance(b, Figure)]
    assert captions == ["The old pier.", "The new pier."]
    assert not any(isinstance(b, ListBlock) for b in article.blocks)


def test_lead_image_skips_logos_and_overlaid_cards(tmp_path: Path, conf: Settings) -> None:
    head = (
        "<title>Ferry times change</title>"
        '<meta property="og:image" value="https://cdn.example.com/card.jpg?overlay-align=bottom&amp;w=1200">'
        '<meta name="twitter:image" content="https://cdn.example.com/site-logo.png">'
        '<meta property="og:image:url" content="https://cdn.example.com/card.jpg?w=1200">'
    )
    html = f"<html><head>{head}</head><body><article><h1>Ferry times change</h1><p>{BODY}</p></article></body></html>"
    article = read_page(tmp_path, conf, html)
    assert article.lead is not None
    assert article.lead.src == "https://cdn.example.com/card.jpg?w=1200"


def test_og_image_given_as_value_is_the_lead(tmp_path: Path, conf: Settings) -> None:
    head = '<title>Ferry times change</title><meta property="og:image" value="https://cdn.example.com/f.jpg">'
    html = f"<html><head>{head}</head><body><article><h1>Ferry times change</h1><p>{BODY}</p></article></body></html>"
    article = read_page(tmp_path, conf, html)
    assert article.lead is not None and article.lead.src == "https://cdn.example.com/f.jpg"


@pytest.mark.parametrize(
    ("og_title", "h1", "expected"),
    [
        (
            "Whales return to the bay | Eleanor Ainge",
            "Whales return to the bay",
            "Whales return to the bay",
        ),
        (
            "Киты вернулись в залив: новости, фото 2018",
            "Киты вернулись в залив",
            "Киты вернулись в залив",
        ),
        ("Klimaschutz: Wale kehren zurück", "Wale kehren zurück", "Wale kehren zurück"),
        ("Harbour Times", "Whales return to the bay", "Whales return to the bay"),
    ],
)
def test_titles_lose_tails_and_kickers(
    tmp_path: Path, conf: Settings, og_title: str, h1: str, expected: str
) -> None:
    head = f'<meta property="og:title" content="{og_title}"><meta property="og:site_name" content="Harbour Times">'
    html = f"<html><head>{head}</head><body><article><h1>{h1}</h1><p>{BODY}</p></article></body></html>"
    assert read_page(tmp_path, conf, html).title == expected


def test_a_site_name_tail_goes_when_no_headline_shows_the_clean_form(
    tmp_path: Path, conf: Settings
) -> None:
    head = '<meta property="og:title" content="Whales return to the bay - Harbour Times"><meta property="og:site_name" content="Harbour Times">'
    html = f"<html><head>{head}</head><body><article><p>{BODY}</p></article></body></html>"
    assert read_page(tmp_path, conf, html).title == "Whales return to the bay"


def test_paragraphs_in_bare_divs_are_not_glued(tmp_path: Path, conf: Settings) -> None:
    html = (
        f"<html><head><title>Ferry times change</title></head><body><article><h1>Ferry times change</h1><p>{BODY}</p>"
        "<div class='text'>The ferry was late on Wednesday.<div>The crew blamed the fog that lay over the harbour all morning.</div></div>"
        f"<p>{MORE}</p></article></body></html>"
    )
    texts = [b.text for b in read_page(tmp_path, conf, html).blocks if isinstance(b, Paragraph)]
    assert any("Wednesday. The crew" in t for t in texts)
    assert not any("Wednesday.The" in t for t in texts)


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        (
            "A man at a bar.Credit...Ed Murray/NJ Advance Media",
            ("A man at a bar.", "Ed Murray/NJ Advance Media"),
        ),
        ("Whales off the coast. Photograph: Jane Doe/AP", ("Whales off the coast.", "Jane Doe/AP")),
        ("The phone. Image: Sam Byford / The Verge", ("The phone.", "Sam Byford / The Verge")),
        ("Protesters in the square. Getty Images", ("Protesters in the square.", "Getty Images")),
        ("Дом на площади. Фото Анна Петрова", ("Дом на площади.", "Анна Петрова")),
        ("Boote im Hafen. Foto: Hans Meier/dpa", ("Boote im Hafen.", "Hans Meier/dpa")),
        ("Waves over the wall (credit: Aoife Byrne)", ("Waves over the wall", "Aoife Byrne")),
        ("The U.S. Senate in session.", ("The U.S. Senate in session.", None)),
    ],
)
def test_credits_split_in_each_form(caption: str, expected: tuple[str, str | None]) -> None:
    assert split_credit(caption, loose=True) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Lena Ortiz", ("Lena Ortiz",)),
        ("JERUSALEM POST STAFF NOVEMBER", ("JERUSALEM POST STAFF",)),
        ("Text Lida Buslaeva", ("Lida Buslaeva",)),
        ("Текст Лида Буслаева", ("Лида Буслаева",)),
        ("Par Jeanne Martin et Paul Petit, publié le 3 mars", ("Jeanne Martin", "Paul Petit")),
        ("By Ann Lee | Updated 3 March 2025", ("Ann Lee",)),
        ("Harbour Media Group", ()),
    ],
)
def test_bylines_become_names(byline: str, expected: tuple[str, ...]) -> None:
    assert byline_names(byline, ("Harbour Media Group",)) == expected


def test_tags_are_split_trimmed_deduplicated_and_cut_at_a_word() -> None:
    long = "oceans new zealand environment asia pacific world news whales"
    assert split_tags([f"Whales, whales ; {long}", " Oceans "]) == (
        "Whales",
        "oceans new zealand environment asia",
        "Oceans",
    )
    assert tidy_tags(["x" * 50]) == ("x" * 40,)


@pytest.mark.parametrize(
    "line",
    [
        "Most read in world news",
        "Related: harbour works delayed again",
        "Read more: the ferry's history",
        "Lire aussi : Les ferries changent d'horaire",
        "Abonnez-vous à notre newsletter",
        "Lesen Sie auch: Die Fähre fährt früher",
        "Newsletter abonnieren",
        "Lee también: El ferry sale antes",
        "Suscríbete a nuestro boletín",
        "Supported by",
        "Continue reading the main story",
        "Get Harbour Times by email and never miss our top stories Free Sign Up",
        "Download our app for the latest news",
    ],
)
def test_furniture_lines_in_four_languages(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Related documents were seized by the police on Monday, the court heard.",
        "The minister said she would read more of the report before deciding.",
    ],
)
def test_story_sentences_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)

"""Standfirsts, lead pictures, bylines and layout boxes as the corpus of real pages showed them.

Each pattern on a page of our own writing.
"""

from __future__ import annotations

import json
from pathlib import Path

from reader_helpers import read_page

from syndicate.config import Settings
from syndicate.model import Figure, Paragraph
from syndicate.readers.html_fields import byline_names
from syndicate.readers.html_images import is_furniture, same_picture

BODY = " ".join(["The lighthouse keeper's cottage opens to visitors on Saturday mornings."] * 3)
MORE = " ".join(["Guided walks start at the car park and last about an hour and a half."] * 3)


def page(head: str, story: str, after: str = "") -> str:
    return (
        '<!doctype html><html><head><link rel="canonical" href="https://www.cape.example/a/2">'
        f'<meta property="og:site_name" content="Cape Courier">{head}</head><body><article>'
        f"<h1>Lighthouse cottage opens</h1>{story}<p>{BODY}</p><p>{MORE}</p>{after}"
        "</article></body></html>"
    )


def test_a_lead_paragraph_is_the_standfirst(tmp_path: Path, conf: Settings) -> None:
    head = '<meta name="description" content="Cape Courier: news from the cape">'
    story = '<p class="article-lead">The cottage has been closed to the public for forty years.</p>'
    article = read_page(tmp_path, conf, page(head, story))
    assert article.dek == "The cottage has been closed to the public for forty years."
    assert article.dek not in [b.text for b in article.blocks if isinstance(b, Paragraph)]


def test_a_standfirst_in_several_paragraphs_is_read_whole(tmp_path: Path, conf: Settings) -> None:
    story = (
        '<p class="story__lead">The cottage opens on Saturday.</p>'
        '<p class="story__lead">It has been closed for forty years.</p>'
    )
    article = read_page(tmp_path, conf, page("", story))
    assert article.dek == "The cottage opens on Saturday. It has been closed for forty years."


def test_a_label_or_a_related_teaser_is_not_the_standfirst(tmp_path: Path, conf: Settings) -> None:
    head = '<meta name="description" content="The keeper\'s cottage opens its doors to visitors.">'
    story = '<div class="summary">The essentials in brief:</div>'
    related = (
        '<footer><a href="/b/3"><p class="teaser-text">Another story about the harbour wall '
        "and its repairs this winter.</p></a></footer>"
    )
    article = read_page(tmp_path, conf, page(head, story, related))
    assert article.dek == "The keeper's cottage opens its doors to visitors."


def test_a_description_is_cleaned_and_completed(tmp_path: Path, conf: Settings) -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "description": "Walks &amp; talks at the cottage start this week, with a guide "
        "who grew up there.",
    }
    head = (
        '<meta property="og:description" content="Walks &amp;amp; talks at the cottage start '
        'this week, with a...">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    )
    article = read_page(tmp_path, conf, page(head, ""))
    assert (
        article.dek
        == "Walks & talks at the cottage start this week, with a guide who grew up there."
    )
    head = (
        '<meta name="description" content="Walks at the cottage start this week. | Cape Courier">'
    )
    assert read_page(tmp_path, conf, page(head, "")).dek == "Walks at the cottage start this week."


def test_a_layout_named_after_its_sidebar_keeps_the_story(tmp_path: Path, conf: Settings) -> None:
    story = f'<div class="sidebar-grid__content article__content"><p>{MORE} First.</p></div>'
    article = read_page(tmp_path, conf, page("", story))
    assert f"{MORE} First." in [b.text for b in article.blocks if isinstance(b, Paragraph)]


def test_the_declared_picture_leads_past_a_portrait(tmp_path: Path, conf: Settings) -> None:
    head = '<meta property="og:image" content="https://img.cape.example/640x360/cottage-4471.jpg">'
    story = (
        '<div class="byline"><figure><img src="https://img.cape.example/square_140/ann-8812.jpg">'
        '</figure>By Ann Lee</div><figure><img src="https://img.cape.example/1280x720/cottage-4471.jpg">'
        "<figcaption>The cottage from the cliff path.</figcaption></figure>"
    )
    article = read_page(tmp_path, conf, page(head, story))
    assert article.lead is not None
    assert article.lead.src == "https://img.cape.example/1280x720/cottage-4471.jpg"
    assert article.lead.caption == "The cottage from the cliff path."
    assert not [b for b in article.blocks if isinstance(b, Figure)]  # no portrait either


def test_a_card_the_story_never_shows_does_not_lead(tmp_path: Path, conf: Settings) -> None:
    head = '<meta property="og:image" content="https://img.cape.example/cards/promo-1200.jpg">'
    story = (
        '<figure><img src="https://img.cape.example/2024/lamp-room-5520.jpg">'
        "<figcaption>The lamp room.</figcaption></figure>"
    )
    article = read_page(tmp_path, conf, page(head, story))
    assert article.lead is not None
    assert article.lead.src == "https://img.cape.example/2024/lamp-room-5520.jpg"


def test_renditions_of_one_picture_are_the_same_picture() -> None:
    assert same_picture(
        "https://img.cape.example/pics/ab12cd/SIXTEEN_NINE_384/Lamp%20room%20at%20dusk",
        "https://img.cape.example/pics/ab12cd/BASE_WIDTH/Lamp%20room%20at%20dusk",
    )
    assert same_picture(
        "https://img.cape.example/ogp/KT20250113003419_comm.jpg",
        "https://www.cape.example/img/comm_L/KT20250113003419.jpg",
    )
    assert not same_picture(
        "https://img.cape.example/derivatives/16x9_780/cottage.jpg",
        "https://img.cape.example/derivatives/16x9_780/portrait.jpg",
    )
    assert is_furniture("https://profile-image.cape.example/0205391")


def test_bylines_split_on_the_nordic_and_dutch_and() -> None:
    assert byline_names("Trine Holm og Aka Berthelsen", ()) == ("Trine Holm", "Aka Berthelsen")
    assert byline_names("Sara Lind och Per Ek", ()) == ("Sara Lind", "Per Ek")
    assert byline_names("Joost Smit en Ans Bos", ()) == ("Joost Smit", "Ans Bos")
    assert byline_names("John E. Smith", ()) == ("John E. Smith",)


def test_a_deck_or_a_second_headline_is_the_standfirst(tmp_path: Path, conf: Settings) -> None:
    head = '<meta name="description" content="Everything about the cape, every day.">'
    story = '<h2 class="deck">Forty years on, the keeper\'s family returns</h2>'
    assert read_page(tmp_path, conf, page(head, story)).dek == (
        "Forty years on, the keeper's family returns"
    )
    story = "<h2>Forty years on, the keeper's family returns to the cape</h2>"
    assert read_page(tmp_path, conf, page(head, story)).dek == (
        "Forty years on, the keeper's family returns to the cape"
    )


def test_a_cut_description_is_completed_from_the_story(tmp_path: Path, conf: Settings) -> None:
    head = '<meta name="description" content="The cottage opens on Saturday, and walks start...">'
    story = (
        '<div class="top"><h3 class="red">The cottage opens on Saturday, and walks start at the '
        "car park at ten</h3></div>"
    )
    article = read_page(tmp_path, conf, page(head, story))
    assert article.dek == "The cottage opens on Saturday, and walks start at the car park at ten"

"""The HTML reader: trafilatura's text plus our DOM pass for figures, dates and signup boxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import EXAMPLES

from syndicate.config import Settings, load_settings
from syndicate.errors import InputError
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.readers import read_article

BODY = " ".join(["The ferry timetable changes on Monday for the whole summer season."] * 3)


def page(head: str, article: str) -> str:
    return (
        f"<!doctype html><html><head>{head}</head><body><nav><a href='/'>Home</a></nav>"
        f"<article>{article}</article><footer>Footer text</footer></body></html>"
    )


def test_example_page_parses_to_what_it_was_written_as(conf: Settings) -> None:
    article = read_article(EXAMPLES / "council-budget.html", conf)
    assert article.title == "Ashford Vale council backs budget with free bus weekends"
    assert article.dek == (
        "Councillors approve a budget that freezes parking fees and pays for free weekend buses."
    )
    assert article.authors == ("Daniel Ferreira",)
    assert article.published is not None and article.updated is not None
    assert article.published.isoformat() == "2025-01-29T18:45:00+00:00"
    assert article.updated.isoformat() == "2025-01-30T08:10:00+00:00"
    assert article.url == "https://news.example.com/2025/01/29/ashford-vale-budget-free-buses"
    assert article.source == "The Vale Courier"
    assert article.language == "en-GB"
    assert article.tags == ("Ashford Vale", "Council", "Transport")
    assert article.newsletter == "The Vale Courier Council Briefing"
    assert article.lead == Figure(
        caption="Councillors vote on the budget in the Guildhall chamber on Wednesday evening.",
        credit="Hannah Brook",
        src="https://news.example.com/images/council-chamber.jpg",
        alt="Councillors raise their hands in the council chamber",
    )
    assert [b.type for b in article.blocks] == [
        "paragraph",
        "paragraph",
        "paragraph",
        "heading",
        "paragraph",
        "figure",
        "quote",
        "paragraph",
        "list",
        "paragraph",
    ]
    first, second = article.blocks[0], article.blocks[1]
    assert isinstance(first, Paragraph) and "<em>free buses on every weekend</em>" in first.html
    assert isinstance(second, Paragraph)
    assert '<a href="https://news.example.com/places/canal-road">Canal Road</a>' in second.html
    assert article.blocks[3] == Heading(
        "Opposition warns of rising costs", "Opposition warns of rising costs", 2
    )
    assert article.blocks[5] == Figure(
        caption="One of the Vale Link buses that will run without fares at weekends.",
        credit="Vale Link",
        src="https://news.example.com/images/vale-bus.jpg",
        alt="A green single-decker bus at a stop",
    )
    quote = article.blocks[6]
    assert isinstance(quote, Quote) and quote.text.startswith("We support cheaper travel")
    listing = article.blocks[8]
    assert isinstance(listing, ListBlock) and listing.ordered and len(listing.items) == 3
    last = article.blocks[-1]
    assert isinstance(last, Paragraph) and last.text.startswith("Council tax will rise")
    texts = " ".join(getattr(b, "text", "") for b in article.blocks)
    assert "Sign up" not in texts and "in your inbox" not in texts
    assert "analytics" not in texts and "Daniel Ferreira," not in texts


def test_declared_charset_is_tried_before_utf8(tmp_path: Path, conf: Settings) -> None:
    html = page(
        '<meta charset="windows-1252"><title>Caf\u00e9 opens on the quay</title>',
        f"<h1>Caf\u00e9 opens on the quay</h1><p>{BODY} \u201cIt\u2019s ours,\u201d she said.</p>",
    )
    path = tmp_path / "cp.html"
    path.write_bytes(html.encode("windows-1252"))
    article = read_article(path, conf)
    assert article.title == "Caf\u00e9 opens on the quay"
    first = article.blocks[0]
    assert isinstance(first, Paragraph) and first.text.endswith(
        "\u201cIt\u2019s ours,\u201d she said."
    )


def test_og_image_is_the_lead_when_no_figure_comes_first(tmp_path: Path, conf: Settings) -> None:
    head = (
        '<meta charset="utf-8"><meta property="og:title" content="Ferry times change">'
        '<meta property="og:image" content="https://news.example.com/ferry.jpg">'
        '<meta property="og:image:alt" content="The ferry at dawn">'
        '<meta property="article:published_time" content="2025-05-01">'
    )
    path = tmp_path / "og.html"
    path.write_text(page(head, f"<p>{BODY}</p><p>{BODY} Again.</p>"), encoding="utf-8")
    conf = load_settings(tmp_path / "site", timezone="America/New_York")
    article = read_article(path, conf)
    assert article.lead == Figure(
        "The ferry at dawn", None, "https://news.example.com/ferry.jpg", "The ferry at dawn"
    )
    assert article.published is not None
    assert article.published.isoformat() == "2025-05-01T00:00:00-04:00"
    assert article.language == "en"  # no lang attribute: the site's language


def test_scripts_and_unsafe_links_never_reach_the_blocks(tmp_path: Path, conf: Settings) -> None:
    body = (
        f"<h1>Ferry times change</h1><p>{BODY} <a href='javascript:alert(1)'>bad</a> "
        f"<a href='https://example.com/ok' onclick='x()'>ok</a></p><script>steal()</script>"
    )
    path = tmp_path / "x.html"
    path.write_text(page("<title>Ferry times change</title>", body), encoding="utf-8")
    block = read_article(path, conf).blocks[0]
    assert isinstance(block, Paragraph)
    assert "javascript" not in block.html and "onclick" not in block.html
    assert '<a href="https://example.com/ok">ok</a>' in block.html
    assert "steal" not in block.text


def test_a_page_without_article_text_is_refused(tmp_path: Path, conf: Settings) -> None:
    path = tmp_path / "blank.html"
    path.write_text("<html><head><title>Nothing</title></head><body></body></html>")
    with pytest.raises(InputError, match=r"blank\.html: no article text found"):
        read_article(path, conf)


STORM = """<html><head><title>Storm closes coast road - Coast Daily</title>
<meta name="date" content="2025-11-02T07:15:00Z"></head>
<body><div id="page"><div class="content">
<h1 class="headline">Storm closes coast road for second night</h1>
<h2 class="subtitle">Engineers say repairs to the sea wall will take a week.</h2>
<figure><picture><img src="https://cdn.example.com/wall.jpg" alt="Waves over the wall"></picture>
<figcaption><p>Waves break over the sea wall at Dunmore on Sunday.</p>
<p class="credit">(Photo credit: Aoife Byrne)</p></figcaption></figure>
<p>The coast road between Dunmore and Kilbride stayed closed on Sunday night as waves kept
breaking over the damaged sea wall, the county council said in a statement.</p>
<p>Engineers who inspected the wall at low tide found two breaches, each about three metres
wide, and said repairs would take at least a week.</p>
<p>Stay updated with the latest news!</p>
<p>Subscribe to The Coast Daily Newsletter</p>
<p>By subscribing you agree to our terms.</p>
<p>Drivers are being sent inland through Ballyvale, adding about twenty minutes to the
journey, and buses will follow the same diversion.</p>
<figure><img src="https://cdn.example.com/diversion.png" alt="">
<figcaption>The diversion route through Ballyvale. Image: Coast Daily</figcaption></figure>
<p>The council asked people not to walk on the promenade until the wall is repaired.</p>
</div></div></body></html>"""


def test_captions_and_signup_lines_kept_by_trafilatura_are_recovered(
    tmp_path: Path, conf: Settings
) -> None:
    import trafilatura

    path = tmp_path / "storm.html"
    path.write_text(STORM, encoding="utf-8")
    article = read_article(path, conf)
    assert article.title == "Storm closes coast road for second night"
    assert article.dek == "Engineers say repairs to the sea wall will take a week."
    assert article.published is not None
    assert article.published.isoformat() == "2025-11-02T07:15:00+00:00"
    assert article.lead == Figure(
        "Waves break over the sea wall at Dunmore on Sunday.",
        "Aoife Byrne",
        "https://cdn.example.com/wall.jpg",
        "Waves over the wall",
    )
    assert article.newsletter == "The Coast Daily Newsletter"
    assert [b.type for b in article.blocks] == ["paragraph"] * 3 + ["figure", "paragraph"]
    assert article.blocks[3] == Figure(
        "The diversion route through Ballyvale.",
        "Coast Daily",
        "https://cdn.example.com/diversion.png",
        None,
    )
    ours = [b.text for b in article.blocks if isinstance(b, Paragraph)]
    # trafilatura alone keeps the signup as body text and loses the captions; every real
    # paragraph it finds, we find too.
    alone = (trafilatura.extract(STORM) or "").splitlines()
    assert "Subscribe to The Coast Daily Newsletter" in alone
    boilerplate = {
        "Storm closes coast road for second night",
        "(Photo credit: Aoife Byrne)",
        "Waves break over the sea wall at Dunmore on Sunday.",
        "Stay updated with the latest news!",
        "Subscribe to The Coast Daily Newsletter",
        "By subscribing you agree to our terms.",
        "Engineers say repairs to the sea wall will take a week.",
        "The diversion route through Ballyvale. Image: Coast Daily",
    }
    assert [" ".join(line.split()) for line in alone if line not in boilerplate] == ours


def test_a_broken_canonical_url_is_ignored_not_a_crash(tmp_path: Path, conf: Settings) -> None:
    head = "<title>Ferry times change</title><link rel='canonical' href='http://[broken'>"
    body = f"<h1>Ferry times change</h1><p>{BODY} <a href='http://[also-broken'>x</a></p>"
    path = tmp_path / "broken.html"
    path.write_text(page(head, body), encoding="utf-8")
    article = read_article(path, conf)
    assert article.url is None
    assert article.title == "Ferry times change"


def test_relative_links_follow_the_base_href_over_the_canonical_url(
    tmp_path: Path, conf: Settings
) -> None:
    head = (
        "<title>Ferry times change</title>"
        "<link rel='canonical' href='https://news.example.com/2025/ferry'>"
        "<base href='https://archive.example.org/stories/'>"
    )
    body = f"<h1>Ferry times change</h1><p>{BODY} <a href='timetable.html'>times</a></p>"
    path = tmp_path / "based.html"
    path.write_text(page(head, body + f"<p>{BODY} More.</p>"), encoding="utf-8")
    article = read_article(path, conf)
    assert article.url == "https://news.example.com/2025/ferry"
    block = article.blocks[0]
    assert isinstance(block, Paragraph)
    assert '<a href="https://archive.example.org/stories/timetable.html">times</a>' in block.html


def test_only_the_story_figures_count(tmp_path: Path, conf: Settings) -> None:
    figure = "<figure><img src='https://cdn.example.com/{0}.jpg' alt='{0}'><figcaption>{1}</figcaption></figure>"
    html = (
        "<html><head><title>Ferry times change</title></head><body>"
        "<div class='related'><figure><img src='https://cdn.example.com/other.jpg'>"
        "<figcaption>Another story entirely (Photo: Nobody)</figcaption></figure></div>"
        "<article><header><h1>Ferry times change</h1>"
        + figure.format("ferry", "The ferry leaves the pier. (Photo: Ann Lee)")
        + f"</header><p>{BODY}</p><p>{BODY} More.</p>"
        "<aside>" + figure.format("promo", "Buy our calendar") + "</aside>"
        f"<p>{BODY} The end.</p></article></body></html>"
    )
    path = tmp_path / "story.html"
    path.write_text(html, encoding="utf-8")
    article = read_article(path, conf)
    assert article.lead is not None
    assert (article.lead.caption, article.lead.credit) == ("The ferry leaves the pier.", "Ann Lee")
    assert [b.type for b in article.blocks] == ["paragraph"] * 3


def test_json_ld_gives_authors_and_dates_with_time(tmp_path: Path, conf: Settings) -> None:
    linked = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, '
        '{"@type": "NewsArticle", "headline": "Ferry times change", '
        '"datePublished": "2025-04-02T06:30:00+02:00", "dateModified": "2025-04-02T09:00:00+02:00", '
        '"author": [{"@type": "Person", "name": "Ann Lee"}, {"@type": "Person", "name": "Bo Kim"}]}]}'
    )
    head = (
        f'<title>Ferry times change</title><script type="application/ld+json">{linked}</script>'
        '<script type="application/ld+json">{not json</script>'
    )
    path = tmp_path / "ld.html"
    path.write_text(page(head, f"<h1>Ferry times change</h1><p>{BODY}</p>"), encoding="utf-8")
    article = read_article(path, conf)
    assert article.authors == ("Ann Lee", "Bo Kim")
    assert article.published is not None and article.updated is not None
    assert article.published.isoformat() == "2025-04-02T06:30:00+02:00"
    assert article.updated.isoformat() == "2025-04-02T09:00:00+02:00"

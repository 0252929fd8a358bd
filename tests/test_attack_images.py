"""Issue 17: only absolute http(s) images reach an email or a feed."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from email_samples import sample_article, site_settings
from site_helpers import cli

from syndicate.model import Figure, Paragraph
from syndicate.newsletter.render import render_issue

ARTICLE = """---
title: Lighthouse keepers return
url: https://news.example.com/2025/lighthouse
date: 2025-05-02
---

![The lamp room](/img/lamp.jpg)

The lighthouse on the north cape has keepers again, after twenty years of automatic
running, because the new radar kept failing in the winter storms and the boats noticed.
"""

PAGE = """<html><head><title>Lighthouse keepers return</title>
<link rel="canonical" href="https://news.example.com/2025/lighthouse"></head><body><article>
<h1>Lighthouse keepers return</h1>
<figure><img src="javascript:alert(1)" alt="lamp"><figcaption>The lamp room</figcaption></figure>
<p>The lighthouse on the north cape has keepers again, after twenty years of automatic
running, because the new radar kept failing in the winter storms and the boats noticed.</p>
<p>The keepers live in the old cottage beside the tower and climb its stairs every evening
to light the lamp by hand, as their grandparents did before the machines came.</p>
</article></body></html>"""


@pytest.mark.parametrize(
    "image", ["javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://x.example/a.jpg"]
)
def test_publish_image_option_refuses_what_is_not_http(site: Path, image: str) -> None:
    path = site / "lighthouse.md"
    path.write_text(ARTICLE, encoding="utf-8")
    result = cli(site, "publish", str(path), "--image", image)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: --image: expected an http(s) URL or a path on the site, got {image!r}\n"
    )


def test_relative_images_become_absolute_against_the_article(site: Path) -> None:
    path = site / "lighthouse.md"
    path.write_text(ARTICLE, encoding="utf-8")
    result = cli(site, "publish", str(path), "--image", "/img/tower.jpg", "--no-email")
    assert result.exit_code == 0, result.output
    entry = feedparser.parse(str(site / "feeds" / "atom.xml")).entries[0]
    enclosures = [link.href for link in entry.links if link.rel == "enclosure"]
    assert enclosures == ["https://news.example.com/img/tower.jpg"]
    assert 'src="https://news.example.com/img/tower.jpg"' in entry.content[0].value


def test_a_javascript_image_in_a_page_never_reaches_the_email_or_feeds(site: Path) -> None:
    path = site / "lighthouse.html"
    path.write_text(PAGE, encoding="utf-8")
    result = cli(site, "publish", str(path), "--no-email")
    assert result.exit_code == 0, result.output
    for name in ("atom.xml", "rss.xml", "feed.json"):
        assert "javascript:" not in (site / "feeds" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "src", ["javascript:alert(1)", "data:image/png;base64,AAAA", "mailto:a@b.c"]
)
def test_email_shows_no_image_that_is_not_http(site: Path, src: str) -> None:
    settings = site_settings(site)
    article = sample_article(
        lead=Figure("A lamp", None, src, "lamp"),
        blocks=(Figure("Another", None, src, "x"), Paragraph("Words.", "Words.")),
    )
    rendered = render_issue(settings, article)
    assert src.split(":")[0] + ":" not in rendered.html
    relative = sample_article(lead=Figure("A lamp", None, "/img/lamp.jpg", "lamp"))
    html = render_issue(settings, relative).html
    assert 'src="https://news.example.com/img/lamp.jpg"' in html

"""Issue 17: a standfirst never becomes markup in RSS, and List-Id keeps its id raw."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from articles_factory import make_article
from email_samples import DATE, parse, sample_article, site_settings
from lxml import etree
from site_helpers import store

from syndicate.config import Settings
from syndicate.newsletter.message import Recipient, build_message
from syndicate.newsletter.render import render_issue
from syndicate.publishing import publish_articles

HOSTILE_DEK = "Look <iframe src=javascript:alert(1)></iframe> and 3 < 5 & 7 > 2"


def test_rss_description_is_the_dek_as_text_not_markup(settings: Settings) -> None:
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(1, dek=HOSTILE_DEK)])
    rss = etree.parse(str(settings.feeds_path / "rss.xml"))
    # After XML parsing the description is HTML that shows the dek's characters as text.
    description = rss.findtext("channel/item/description")
    assert description == (
        "Look &lt;iframe src=javascript:alert(1)&gt;&lt;/iframe&gt; and 3 &lt; 5 &amp; 7 &gt; 2"
    )
    # A feed reader renders that HTML: the words stay, no element comes alive.
    shown = etree.fromstring(f"<div>{description}</div>", etree.HTMLParser())
    assert shown.find(".//iframe") is None
    assert "".join(shown.itertext()) == HOSTILE_DEK
    # Atom (type text) and JSON Feed carry the dek as plain text already.
    atom = feedparser.parse(str(settings.feeds_path / "atom.xml")).entries[0]
    assert atom.summary_detail.type == "text/plain" and atom.summary == HOSTILE_DEK


def list_id_field(raw: bytes) -> str:
    head = raw.partition(b"\r\n\r\n")[0].decode("ascii")
    found = re.search(r"^List-Id: .*?(?=\r\n(?! ))", head, re.M | re.S)
    assert found is not None
    return found.group(0)


@pytest.mark.parametrize(
    "name",
    [
        "The Quite Remarkably Long Weekly Harbour and Ferries Newsletter Digest",  # 70
        "The Harbour Letter, Weekend: " + "ferries and piers " * 12,
        "Zürich’s Lake Letter — ferries, piers and the long, quiet winter on the water",
        'The "Quoted" Letter',
    ],
)
def test_list_id_keeps_the_raw_id_whatever_the_name(site: Path, name: str) -> None:
    settings = site_settings(site, newsletter_name=name)
    rendered = render_issue(settings, sample_article())
    recipient = Recipient(
        "reader@example.com", None, "https://news.example.com/u/x", "<a@b>", "https://m.example/m"
    )
    raw = build_message(settings, rendered, recipient, date=DATE)
    field = list_id_field(raw)
    label = re.search(r"<([^<>]+)>$", field)
    assert label is not None, field
    assert label.group(1).endswith(".news.example.com")
    assert "=?" not in field.rsplit("\r\n", 1)[-1].split("<")[1]  # the id is never encoded
    assert all(len(line) <= 998 for line in field.split("\r\n"))
    value = str(parse(raw)["List-Id"])
    assert value.endswith(f" <{label.group(1)}>")
    phrase = value[: -len(label.group(1)) - 3]
    assert phrase.strip('"').replace('\\"', '"') == " ".join(name.split())

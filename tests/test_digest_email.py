"""The digest email: laid out like the article email, judged by html-validate and SpamAssassin."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from email_samples import DATE, parse, parts, sample_article, site_settings
from test_email_checks import READER, ROOT, _spam_reports, validate_html

from syndicate.config import Settings
from syndicate.model import Article
from syndicate.newsletter.definitions import Newsletter
from syndicate.newsletter.digest_email import render_digest
from syndicate.newsletter.message import build_message
from syndicate.readers import read_article

BRIEFING = Newsletter(slug="briefing", name="Morning Briefing", cadence="daily 07:00")


def _articles(settings: Settings) -> list[Article]:
    return [
        sample_article(),
        read_article(ROOT / "examples" / "library-reopening.md", settings),
        read_article(ROOT / "examples" / "harbour-festival.txt", settings),
    ]


def _email(site: Path, newsletter: Newsletter = BRIEFING) -> bytes:
    settings = site_settings(site, newsletter_from="The Example Desk <newsletter@news.example.com>")
    rendered = render_digest(settings, newsletter, _articles(settings))
    return build_message(settings, rendered, READER, date=DATE)


def test_each_article_is_its_headline_linked_dek_and_lead_image(site: Path) -> None:
    message = parse(_email(site))
    assert (
        message["Subject"]
        == "Morning Briefing: Harbour ferries return after a quiet winter and 2 more"
    )
    plain, html = parts(message)
    first = sample_article()
    assert f'<a href="{first.url}"' in html and first.dek in html  # type: ignore[operator]
    assert 'width="600"' in html and 'role="presentation"' in html
    assert '<img src="https://news.example.com/images/ferry.jpg"' in html
    assert "prefers-color-scheme: dark" in html and "data-ogsc" in html
    assert "<style>" in html and "style=" in html  # inlined, media rules kept
    assert "data-item" not in html and "data-block" not in html
    assert "crews spent the winter" not in html.lower()  # headlines only by default
    # The text part lists the same items, in the same order.
    titles = [a.title for a in _articles(site_settings(site))]
    assert [plain.index(title.split()[0]) for title in titles] == sorted(
        plain.index(title.split()[0]) for title in titles
    )
    assert "https://news.example.com/unsubscribe/" in plain


def test_full_text_carries_every_article_whole(site: Path) -> None:
    plain, html = parts(parse(_email(site, replace(BRIEFING, full_text=True))))
    assert "Crews spent the winter repainting hulls" in html
    assert "Crews spent the winter repainting hulls" in re.sub(r"\s+", " ", plain)


def test_the_subject_follows_the_newsletters_setting(site: Path) -> None:
    custom = replace(BRIEFING, subject="{count} stories from {newsletter}")
    assert parse(_email(site, custom))["Subject"] == "3 stories from Morning Briefing"


def test_a_full_text_digest_too_big_for_gmail_falls_back_to_headlines(site: Path) -> None:
    settings = site_settings(site)
    long = sample_article(blocks=sample_article().blocks * 120)
    rendered = render_digest(settings, replace(BRIEFING, full_text=True), [long, long])
    assert rendered.truncated
    assert "Crews spent the winter" not in rendered.html
    assert len(rendered.html.encode()) < 102 * 1024


def test_digest_html_passes_html_validate(site: Path, tmp_path: Path) -> None:
    pages = []
    for name, newsletter in (("short", BRIEFING), ("full", replace(BRIEFING, full_text=True))):
        pages.append(tmp_path / f"{name}.html")
        pages[-1].write_text(parts(parse(_email(site, newsletter)))[1], encoding="utf-8")
    validate_html(*pages)


@pytest.mark.spamassassin
def test_spamassassin_scores_the_digest_under_1(site: Path, tmp_path: Path) -> None:
    reports = _spam_reports(
        tmp_path, _email(site), _email(site, replace(BRIEFING, full_text=True, name="Full Letter"))
    )
    for score, rules in reports:
        assert score < 1, (score, rules)
        assert not rules & {"MPART_ALT_DIFF", "MIME_HTML_ONLY", "MIME_QP_LONG_LINE"}


def test_a_right_to_left_newsletter_lays_its_digest_out_right_to_left(site: Path) -> None:
    _, html = parts(parse(_email(site, replace(BRIEFING, language="he_IL"))))
    assert '<html lang="he-IL" dir="rtl">' in html  # a valid tag, whichever way it is written
    _, html = parts(parse(_email(site)))
    assert 'dir="ltr"' in html and 'dir="rtl"' not in html

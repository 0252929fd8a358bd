"""Articles and settings the email tests share: our own text, never the seed's."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from syndicate.config import Settings, load_settings
from syndicate.model import Article, Figure, Heading, ListBlock, Paragraph, Quote

DATE = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


def sample_article(**changes: object) -> Article:
    """Return a short article with one of every block kind."""
    article = Article(
        title="Harbour ferries return after a quiet winter",
        slug="harbour-ferries-return",
        url="https://news.example.com/2026/03/02/harbour-ferries-return",
        dek="The blue boats are back on the water, with a timetable built around commuters.",
        authors=("Mira Holt",),
        lead=Figure(
            "The first ferry of the season leaves the east pier",
            "Ana Ruiz/Example Desk",
            "https://news.example.com/images/ferry.jpg",
            "A blue ferry leaving a stone pier at dawn",
        ),
        blocks=(
            Paragraph(
                "The first boat left at six.",
                'The first boat left at <a href="/timetable?day=1&amp;route=east">six in the '
                "morning</a>, carrying mostly cyclists and a few sleepy commuters who had "
                "waited on the pier since before dawn.",
            ),
            Paragraph(
                "Crews spent the winter on repairs.",
                "Crews spent the winter repainting hulls and replacing the old diesel engines "
                "with quieter ones, the operator said.",
            ),
            Heading("A timetable for commuters", "A timetable for commuters"),
            Quote(
                "We built the timetable around the first shift at the hospital.",
                "We built the timetable around the <em>first shift</em> at the hospital.",
                "Dana Pike, operations manager",
            ),
            ListBlock(
                ("East pier to Old Town every 20 minutes", "Night crossings on Fridays"),
                ("East pier to Old Town every 20 minutes", "Night crossings on <b>Fridays</b>"),
            ),
            Figure("The old ticket office, closed since 2019", "Example Desk archive"),
            Paragraph(
                "Tickets cost the same as last year.",
                'Tickets cost the same as last year; details are on the <a href="https://'
                'transit.example.org/ferries/fares-and-passes-for-the-2026-season">'
                "operator's fares page</a>.",
            ),
        ),
        newsletter="The Harbour Letter",
    )
    return article.with_changes(**changes) if changes else article


def site_settings(site: Path, **overrides: object) -> Settings:
    """Load the test site's settings, with a sender so headers are predictable."""
    values: dict[str, object] = {"newsletter_from": "newsletter@news.example.com"}
    values.update(overrides)
    return load_settings(site, environ={}, **values)


def parse(raw: bytes) -> EmailMessage:
    """Parse MIME bytes the way a mail client would."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_text(message: EmailMessage, subtype: str = "plain") -> str:
    """Return the text/`subtype` body a mail client would show; the message must have one."""
    body = message.get_body((subtype,))
    assert body is not None, f"no text/{subtype} body"
    text: str = body.get_content()
    return text


def parts(message: EmailMessage) -> tuple[str, ...]:
    """Return the decoded text and HTML parts of a newsletter email, with \\n line ends."""
    text_part, html_part = message.iter_parts()
    return tuple(part.get_content().replace("\r\n", "\n") for part in (text_part, html_part))

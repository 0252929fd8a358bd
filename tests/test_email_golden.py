"""A golden file of one rendered email: any change to its bytes is a change on purpose.

Regenerate with `UPDATE_GOLDEN=1 pytest tests/test_email_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from email_samples import DATE, sample_article, site_settings

from syndicate.newsletter.message import Recipient, build_template
from syndicate.newsletter.render import render_issue
from syndicate.newsletter.splice import personalize

GOLDEN = Path(__file__).resolve().parent / "golden" / "email_article.eml"
READER = Recipient(
    "reader@example.net",
    "Sam “Sandy” Reader",
    "https://news.example.com/unsubscribe/abc.def?x=1&y=2",
    "<issue1.sub1.0123456789ab@news.example.com>",
    "https://news.example.com/manage/ghi.jkl?a=1&b=2",
)


def normalise(raw: bytes) -> bytes:
    """Blank the volatile parts: Date, Message-ID and the MIME boundary."""
    raw = re.sub(rb"^Date: [^\r\n]*", b"Date: <DATE>", raw, count=1, flags=re.MULTILINE)
    raw = re.sub(rb"^Message-ID: [^\r\n]*", b"Message-ID: <ID>", raw, count=1, flags=re.MULTILINE)
    return re.sub(rb"syndicate-[0-9a-f]{32}", b"<BOUNDARY>", raw)


def test_rendered_email_matches_the_golden_file(site: Path) -> None:
    settings = site_settings(site, newsletter_from="Harbour Desk <letters@news.example.com>")
    template = build_template(settings, render_issue(settings, sample_article()), date=DATE)
    actual = normalise(personalize(template, READER))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_bytes(actual)
    assert actual == GOLDEN.read_bytes()
    assert b"Date: <DATE>" in actual and b"<BOUNDARY>" in actual

"""Outside judges of the email: html-validate (npm) and SpamAssassin (Debian), both offline."""

from __future__ import annotations

import mailbox
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from email_samples import DATE, parse, parts, sample_article, site_settings

from syndicate.model import Article
from syndicate.newsletter.message import Recipient, build_message
from syndicate.newsletter.render import render_issue
from syndicate.readers import read_article

ROOT = Path(__file__).resolve().parent.parent
HTML_VALIDATE = ROOT / "node_modules" / ".bin" / "html-validate"
SPAMASSASSIN_RULES = Path("/usr/share/spamassassin")
READER = Recipient(
    "reader@example.net",
    "Sam Reader",
    "https://news.example.com/unsubscribe/InR5cGUiOiJ1bnN1YiJ9.aBcD",
    "<issue3.sub9.0a1b2c3d4e5f@news.example.com>",
    "https://news.example.com/manage/InR5cGUiOiJtYW5hZ2UifQ.eFgH",
)


def _email(site: Path, seed: Path, source: str) -> bytes:
    settings = site_settings(site, newsletter_from="The Example Desk <newsletter@news.example.com>")
    readers: dict[str, Callable[[], Article]] = {
        "own": sample_article,
        "seed": lambda: read_article(seed, settings),
        "example": lambda: read_article(ROOT / "examples" / "library-reopening.md", settings),
    }
    article = readers[source]()
    return build_message(settings, render_issue(settings, article), READER, date=DATE)


def validate_html(*pages: Path) -> None:
    """Run html-validate, with the email's rules, over `pages`; fail with its report."""
    if not HTML_VALIDATE.exists():
        pytest.fail("run `npm install` in the checkout for html-validate")
    # One run for all pages: node's start-up is most of html-validate's time.
    result = subprocess.run(
        [str(HTML_VALIDATE), "--config", str(ROOT / ".htmlvalidate.json"), *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_html_passes_html_validate(site: Path, seed: Path, tmp_path: Path) -> None:
    pages = []
    for source in ("own", "seed", "example"):
        _, html = parts(parse(_email(site, seed, source)))
        pages.append(tmp_path / f"{source}.html")
        pages[-1].write_text(html, encoding="utf-8")
    validate_html(*pages)


def test_html_validate_config_turns_off_only_what_email_must_break() -> None:
    import json

    config = json.loads((ROOT / ".htmlvalidate.json").read_text(encoding="utf-8"))
    assert config["extends"] == ["html-validate:recommended"]
    assert config["rules"] == {
        "no-inline-style": "off",
        "no-deprecated-attr": "off",
        "no-conditional-comment": "off",
    }


def _spam_reports(tmp_path: Path, *messages: bytes) -> list[tuple[float, set[str]]]:
    """Score messages with SpamAssassin offline (-L), all in one run: each start takes seconds."""
    box = mailbox.mbox(tmp_path / "mail.mbox")
    for message in messages:
        box.add(message.replace(b"\r\n", b"\n"))
    box.close()
    with (tmp_path / "mail.mbox").open("rb") as handle:
        result = subprocess.run(
            ["spamassassin", "-L", "-t", "--mbox"], stdin=handle, capture_output=True, timeout=120
        )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    (tmp_path / "scored.mbox").write_bytes(result.stdout)
    reports: dict[str, tuple[float, set[str]]] = {}
    scored_box = mailbox.mbox(tmp_path / "scored.mbox")
    for mbox_message in scored_box:
        scored = parse(mbox_message.as_bytes())
        status = " ".join(str(scored["X-Spam-Status"]).split()).replace(", ", ",")
        found = re.search(r"score=(-?[\d.]+) .*tests=([A-Z0-9_,]*)", status)
        assert found, status
        reports[str(scored["Subject"])] = (float(found[1]), set(found[2].split(",")))
    scored_box.close()
    # SpamAssassin may not keep the mailbox's order: match reports by subject.
    subjects = [str(parse(message)["Subject"]) for message in messages]
    assert sorted(reports) == sorted(subjects)
    return [reports[subject] for subject in subjects]


# An HTML-only message without Date or Message-ID: proof that the judge is awake.
BAD = (
    b"From: someone@example.org\r\nTo: reader@example.net\r\nSubject: hi\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><body><p>Buy now</p></body></html>\r\n"
)


@pytest.mark.spamassassin
def test_spamassassin_scores_the_email_low(site: Path, seed: Path, tmp_path: Path) -> None:
    assert (SPAMASSASSIN_RULES / "50_scores.cf").is_file(), "Debian's SpamAssassin rules"
    *ours, (_, bad_rules) = _spam_reports(
        tmp_path, _email(site, seed, "own"), _email(site, seed, "seed"), BAD
    )
    assert {"MIME_HTML_ONLY", "MISSING_DATE", "MISSING_MID"} <= bad_rules
    for score, rules in ours:
        assert score < 3, (score, rules)
        assert not rules & {"MPART_ALT_DIFF", "MIME_HTML_ONLY", "MISSING_DATE", "MISSING_MID"}
        assert not rules & {"MIME_QP_LONG_LINE", "HTML_FONT_LOW_CONTRAST"}

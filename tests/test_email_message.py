"""The per-recipient splice: it must give the message EmailMessage builds for that recipient."""

from __future__ import annotations

import re
import string
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from email_samples import DATE, parse, parts, sample_article, site_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from syndicate.config import Settings
from syndicate.errors import AddressError
from syndicate.newsletter.account_mail import confirmation_message
from syndicate.newsletter.message import (
    Recipient,
    build_message,
    build_template,
    message_id,
)
from syndicate.newsletter.render import RenderedIssue, render_issue
from syndicate.newsletter.splice import personalize

LOCAL = string.ascii_letters + string.digits + "._+-"
local_parts = st.text(LOCAL, min_size=1, max_size=64).filter(
    lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s
)
labels = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=30)
domains = st.lists(labels, min_size=1, max_size=5).map(lambda parts: ".".join([*parts, "example"]))
addresses = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)
names = st.one_of(
    st.none(),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('"\\<>(),;:@. \r\n\t'),
        max_size=80,
    ),
)
url_tails = st.text(string.ascii_letters + string.digits + "=&%?;-_.~/+:@!$'()*,", max_size=120)
urls = st.builds(lambda tail: f"https://news.example.com/unsubscribe/{tail}", url_tails)
message_ids = st.builds(lambda left, domain: f"<{left}@{domain}>", local_parts, domains)
manage_urls = st.builds(lambda tail: f"https://news.example.com/manage/{tail}", url_tails)
# The Date of each copy is the moment it is made: any moment, in any zone.
zones = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones
)
# The List-Unsubscribe mailto with its per-recipient token, as the sender signs it (VERP
# on: `unsubscribe+<token>@`; off: the token in the subject), or None for the bare one.
tokens = st.text("abcdefghijklmnopqrstuvwxyz234567", min_size=40, max_size=40)
mailtos = st.one_of(
    st.none(),
    st.builds(lambda t, d: f"mailto:unsubscribe+{t}@{d}?subject=unsubscribe", tokens, domains),
    st.builds(lambda t, d: f"mailto:unsubscribe@{d}?subject=unsubscribe%20{t}", tokens, domains),
)
recipients = st.builds(
    Recipient, addresses, names, urls, message_ids, manage_urls, moments, mailtos
)

# The issue every test here sends: its settings, its rendering and its message template.
Issue = tuple[Settings, RenderedIssue, bytes]


@pytest.fixture(scope="module")
def issue(tmp_path_factory: pytest.TempPathFactory) -> Issue:
    site = tmp_path_factory.mktemp("site")
    (site / "syndicate.toml").write_text(
        '[site]\ntitle = "The Example Desk"\nbase_url = "https://news.example.com"\n',
        encoding="utf-8",
    )
    settings = site_settings(site, reply_to="Desk <editors@news.example.com>")
    # A non-ASCII headline and dek, so both parts carry quoted-printable escapes.
    article = sample_article(title="Ferries return to Zürich’s lake — «finally»")
    rendered = render_issue(settings, article)
    return settings, rendered, build_template(settings, rendered, date=DATE)


@hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipient=recipients)
def test_spliced_message_equals_the_directly_built_one(issue: Issue, recipient: Recipient) -> None:
    settings, rendered, template = issue
    spliced = personalize(template, recipient)
    assert recipient.date is not None
    direct = build_message(settings, rendered, recipient, date=recipient.date)
    ours, theirs = parse(spliced), parse(direct)
    assert list(ours.items()) == list(theirs.items())
    assert parts(ours) == parts(theirs)
    for a, b in zip(ours.iter_parts(), theirs.iter_parts(), strict=True):
        assert list(a.items()) == list(b.items())
    # Stronger still: the very bytes, and no line past the limits.
    assert spliced == direct
    lines = spliced.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    body = spliced.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    # The values arrived: in the headers, escaped in the HTML, whole in the text.
    text, html = parts(ours)
    assert recipient.unsubscribe_url in text.split()
    assert f'href="{recipient.unsubscribe_url.replace("&", "&amp;")}"'.replace("'", "&#39;") in html
    assert ours["To"].addresses[0].addr_spec == recipient.address
    assert ours["Message-ID"].strip() == recipient.message_id
    assert ours["Date"].datetime == recipient.date.replace(microsecond=0)
    assert ours["List-Unsubscribe"].strip().startswith(f"<{recipient.unsubscribe_url}>, <mailto:")
    assert recipient.manage_url in text.split()
    assert f'href="{recipient.manage_url.replace("&", "&amp;")}"'.replace("'", "&#39;") in html
    mailto = recipient.unsubscribe_mailto or "mailto:unsubscribe@news.example.com?subject="
    assert f"<{mailto}" in ours["List-Unsubscribe"]


def test_a_name_with_line_breaks_cannot_add_a_header(issue: Issue) -> None:
    _, _, template = issue
    recipient = Recipient(
        "reader@example.net",
        "Sam\r\nBcc: everyone@example.org",
        "https://news.example.com/unsubscribe/x",
        "<1@news.example.com>",
        "https://news.example.com/manage/x",
    )
    raw = personalize(template, recipient)
    message = parse(raw)
    assert message["Bcc"] is None
    assert message["To"].addresses[0].display_name == "Sam Bcc: everyone@example.org"
    assert not re.search(rb"^Bcc:", raw, re.MULTILINE)


@pytest.mark.parametrize(
    "address",
    ["reader@example.net\r\nBcc: x@example.org", "two words@example.net", "zoë@example.net"],
)
def test_unusable_addresses_are_refused(issue: Issue, address: str) -> None:
    _, _, template = issue
    recipient = Recipient(
        address, None, "https://news.example.com/u/x", "<1@news.example.com>", "https://m.example/x"
    )
    with pytest.raises(AddressError):
        personalize(template, recipient)


@pytest.mark.parametrize(
    "manage", ["https://m.example/x\r\nBcc: x@example.org", "https://m.example/a b", ""]
)
def test_an_unusable_manage_url_is_refused_by_both_builds(issue: Issue, manage: str) -> None:
    settings, rendered, template = issue
    recipient = Recipient(
        "reader@example.net", None, "https://news.example.com/u/x", "<1@news.example.com>", manage
    )
    with pytest.raises(ValueError, match="manage URL"):
        personalize(template, recipient)
    with pytest.raises(ValueError, match="manage URL"):
        build_message(settings, rendered, recipient, date=DATE)


def test_template_keeps_placeholders_and_the_issue_headers(issue: Issue) -> None:
    _, _, template = issue
    message = parse(template)
    assert message["Subject"] == "Ferries return to Zürich’s lake — «finally»"
    assert message["Reply-To"] == "Desk <editors@news.example.com>"
    text, html = parts(message)
    assert "syndicate-placeholder-unsubscribe-url" in text
    assert 'href="syndicate-placeholder-unsubscribe-url"' in html
    assert "syndicate-placeholder-manage-url" in text
    assert 'href="syndicate-placeholder-manage-url"' in html


def test_message_id_is_stable_per_issue_and_subscriber(site: Path) -> None:
    settings = site_settings(site)
    first = message_id(settings, 7, 42)
    assert first == message_id(settings, 7, 42)
    assert len({first, message_id(settings, 7, 43), message_id(settings, 8, 42)}) == 3
    assert re.fullmatch(r"<[^<>@\s]+@news\.example\.com>", first)


def test_no_one_click_header_without_https(site: Path) -> None:
    settings = site_settings(site, web_url="http://localhost:8000")
    rendered = render_issue(settings, sample_article())
    recipient = Recipient(
        "reader@example.net",
        None,
        "http://localhost:8000/unsubscribe/x",
        "<1@news.example.com>",
        "http://localhost:8000/manage/x",
    )
    message = parse(build_message(settings, rendered, recipient, date=DATE))
    assert message["List-Unsubscribe-Post"] is None
    assert message["List-Unsubscribe"].startswith("<http://localhost:8000/unsubscribe/x>")


def test_confirmation_message(site: Path) -> None:
    settings = site_settings(site, newsletter_name="Morning Tides")
    url = "https://news.example.com/confirm/abc.def=ghi"
    message = parse(confirmation_message(settings, "new@example.net", url))
    assert message["To"] == "new@example.net"
    assert message["From"] == "Morning Tides <newsletter@news.example.com>"
    assert message["Subject"] == "Confirm your subscription to Morning Tides"
    assert message["Date"] and message["Message-ID"].endswith("@news.example.com>")
    assert message["List-Unsubscribe"] is None
    text, html = parts(message)
    assert url in text.split()
    assert f'href="{url}"' in html
    assert "new@example.net" in text and "Someone, hopefully you" in html
    assert 'style="' in html and "<style>" in html


def test_a_long_unsubscribe_url_stays_whole_and_unencoded(issue: Issue) -> None:
    # Mail clients read List-Unsubscribe as raw URIs: RFC 2047 words there break one-click.
    settings, rendered, template = issue
    url = "https://news.example.com/unsubscribe/" + "Ab9-_" * 30
    recipient = Recipient(
        "reader@example.com", None, url, "<issue1.sub1.x@news.example.com>", url + "/manage"
    )
    for raw in (
        personalize(template, recipient),
        build_message(settings, rendered, recipient, date=DATE),
    ):
        head = raw.partition(b"\r\n\r\n")[0].decode("ascii")
        field = re.search(r"^List-Unsubscribe: .*?(?=\r\n(?! ))", head, re.M | re.S)
        assert field is not None
        assert "=?" not in field.group(0)
        assert f"<{url}>," in field.group(0)
        assert (
            parse(raw)["List-Unsubscribe"]
            == f"<{url}>, <mailto:unsubscribe@news.example.com?subject=unsubscribe>"
        )

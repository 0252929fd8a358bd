"""The newsletter email as a reader's mail client sees it: headers, parts, inlined HTML, text."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import lxml.html
import premailer
import pytest
from email_samples import DATE, parse, parts, sample_article, site_settings

from syndicate.model import Paragraph
from syndicate.newsletter.message import Recipient, build_message, build_template
from syndicate.newsletter.render import HTML_LIMIT, render_issue
from syndicate.newsletter.splice import personalize
from syndicate.readers import read_article

READER = Recipient(
    address="reader@example.net",
    name="Sam Reader",
    unsubscribe_url="https://news.example.com/unsubscribe/tok-123",
    message_id="<issue7.sub42.abc@news.example.com>",
    manage_url="https://news.example.com/manage/tok-456",
)


def email_for(settings, article, recipient=READER):  # type: ignore[no-untyped-def]
    return parse(build_message(settings, render_issue(settings, article), recipient, date=DATE))


def test_headers_and_part_structure(site: Path) -> None:
    settings = site_settings(
        site,
        newsletter_from="Harbour Desk <letters@news.example.com>",
        reply_to="editors@news.example.com",
    )
    message = email_for(settings, sample_article())

    assert message["From"] == "Harbour Desk <letters@news.example.com>"
    assert message["To"] == "Sam Reader <reader@example.net>"
    assert message["Subject"] == "Harbour ferries return after a quiet winter"
    assert message["Date"] == "Mon, 02 Mar 2026 07:30:00 +0000"
    assert message["Message-ID"] == "<issue7.sub42.abc@news.example.com>"
    assert message["Reply-To"] == "editors@news.example.com"
    assert message["List-Id"] == "The Example Desk <the-example-desk.news.example.com>"
    assert message["List-Unsubscribe"] == (
        "<https://news.example.com/unsubscribe/tok-123>, "
        "<mailto:unsubscribe@news.example.com?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert [text_part.get_content_type(), html_part.get_content_type()] == [
        "text/plain",
        "text/html",
    ]
    for part in (text_part, html_part):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"


def test_sender_without_display_name_uses_the_newsletter_name(site: Path) -> None:
    message = email_for(site_settings(site), sample_article())
    assert message["From"] == "The Example Desk <newsletter@news.example.com>"
    assert message["Reply-To"] is None


def test_newsletter_name_is_the_setting_else_the_title_never_the_article(site: Path) -> None:
    named = site_settings(site, newsletter_name="Morning Tides")
    assert render_issue(named, sample_article()).newsletter_name == "Morning Tides"
    plain = site_settings(site)
    # The article's signup line never renames the newsletter: the site title does.
    assert render_issue(plain, sample_article()).newsletter_name == "The Example Desk"
    untitled = sample_article(newsletter=None)
    assert render_issue(plain, untitled).newsletter_name == "The Example Desk"


def test_non_ascii_headline_round_trips_through_the_subject(site: Path) -> None:
    title = "Zürich’s café owners meet «the new rules» — 東京 too"
    settings = site_settings(site)
    raw = build_message(
        settings, render_issue(settings, sample_article(title=title)), READER, date=DATE
    )
    head = raw.split(b"\r\n\r\n")[0]
    assert head.isascii()
    assert b"Subject: =?utf-8?" in head
    assert parse(raw)["Subject"] == title


def test_headline_with_line_breaks_cannot_add_a_header(site: Path) -> None:
    settings = site_settings(site)
    article = sample_article(title="Ferries are back\r\nBcc: everyone@example.org\nX-Evil: 1")
    raw = build_message(settings, render_issue(settings, article), READER, date=DATE)
    message = parse(raw)
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert message["Subject"] == "Ferries are back Bcc: everyone@example.org X-Evil: 1"
    assert not re.search(rb"^(Bcc|X-Evil):", raw, re.MULTILINE)


def test_every_text_element_carries_an_inlined_style(site: Path) -> None:
    _, html = parts(email_for(site_settings(site), sample_article()))
    body = lxml.html.document_fromstring(html).body
    elements = body.xpath("//p | //h1 | //a | //td")
    assert {element.tag for element in elements} == {"p", "h1", "a", "td"}
    unstyled = [lxml.html.tostring(e)[:80] for e in elements if not e.get("style", "").strip()]
    assert unstyled == []


def test_media_and_dark_mode_rules_stay_in_style_blocks(site: Path) -> None:
    _, html = parts(email_for(site_settings(site), sample_article()))
    document = lxml.html.document_fromstring(html)
    styles = "\n".join(style.text or "" for style in document.xpath("//style"))
    assert re.search(r"@media screen and \(max-width: ?620px\)[^@]*!important", styles)
    assert re.search(r"@media \(prefers-color-scheme: ?dark\)[^@]*!important", styles)
    assert re.search(r"\[data-ogsc\] [^{]+\{[^}]*!important", styles)
    assert document.xpath("//table[@width='600']")
    assert document.xpath("//table[@role='presentation']")
    assert document.get("lang") == "en"
    assert document.find(".//title").text == "The Example Desk"


def test_images_have_alt_and_nothing_loads_code_or_styles(site: Path) -> None:
    _, html = parts(email_for(site_settings(site), sample_article()))
    document = lxml.html.document_fromstring(html)
    images = document.xpath("//img")
    assert images and all(image.get("alt", "").strip() for image in images)
    assert images[0].get("alt") == "A blue ferry leaving a stone pier at dawn"
    assert not document.xpath("//script | //link | //iframe | //*[@onclick] | //*[@onload]")


def test_links_are_absolute_and_the_web_and_unsubscribe_links_show(site: Path) -> None:
    _, html = parts(email_for(site_settings(site), sample_article()))
    links = {a.text_content(): a.get("href") for a in lxml.html.fromstring(html).xpath("//a")}
    assert links["six in the morning"] == "https://news.example.com/timetable?day=1&route=east"
    assert links["Read it on the web"] == sample_article().url
    assert links["Unsubscribe"] == READER.unsubscribe_url
    assert "continue reading" not in links


def test_figure_without_image_keeps_caption_and_credit(site: Path) -> None:
    text, html = parts(email_for(site_settings(site), sample_article()))
    assert "The old ticket office, closed since 2019 (Example Desk archive)" in " ".join(
        lxml.html.fromstring(html).text_content().split()
    )
    assert "The old ticket office, closed since 2019 (Example Desk archive)" in text


def _paragraphs(html: str) -> list[str]:
    body = lxml.html.document_fromstring(html).body
    return [" ".join(p.text_content().split()) for p in body.xpath("//p")]


def _flat(text: str) -> str:
    unquoted = re.sub(r"^> ?", "", text, flags=re.MULTILINE)
    return re.sub(r" \[\d+\]", "", " ".join(unquoted.split()))


@pytest.mark.parametrize("source", ["own", "seed", "example"])
def test_text_part_holds_every_paragraph_and_every_url_whole(
    site: Path, seed: Path, source: str
) -> None:
    settings = site_settings(site)
    examples = Path(__file__).resolve().parent.parent / "examples"
    article = {
        "own": sample_article,
        "seed": lambda: read_article(seed, settings),
        "example": lambda: read_article(examples / "library-reopening.md", settings),
    }[source]()
    text, html = parts(email_for(settings, article))
    flat = _flat(text)
    missing = [p for p in _paragraphs(html) if _flat(p) not in flat]
    # The footer is laid out for plain text (address and links on lines of their own).
    footer = ("because reader@example.net", "with one click")
    assert [p for p in missing if not any(f in p for f in footer)] == []
    words = text.split()
    for href in lxml.html.fromstring(html).xpath("//a/@href"):
        assert href in words, href
    for line in text.splitlines():
        assert len(line) <= 78 or len(line.split()) <= 2, line


def test_seed_email_keeps_the_sites_identity_and_stays_under_gmails_limit(
    site: Path, seed: Path
) -> None:
    settings = site_settings(site)
    article = read_article(seed, settings)
    assert article.newsletter == "The Jerusalem Post Newsletter"  # kept, for routing only
    raw = build_message(settings, render_issue(settings, article), READER, date=DATE)
    message = parse(raw)
    assert message["List-Id"] == "The Example Desk <the-example-desk.news.example.com>"
    html_part = list(message.iter_parts())[1]
    assert len(html_part.get_payload().encode("ascii")) < HTML_LIMIT


def _huge(**changes: object):  # type: ignore[no-untyped-def]
    filler = "The harbour committee met again to discuss the mooring fees for the season. " * 4
    blocks = tuple(
        Paragraph(f"Paragraph {n}. {filler}", f"Paragraph {n}. {filler}") for n in range(900)
    )
    return sample_article(blocks=blocks, **changes)


def test_a_huge_article_is_cut_with_a_link_to_the_rest(site: Path) -> None:
    settings = site_settings(site)
    rendered = render_issue(settings, _huge())
    assert rendered.truncated
    message = parse(build_message(settings, rendered, READER, date=DATE))
    html_part = list(message.iter_parts())[1]
    assert len(html_part.get_payload().encode("ascii")) < HTML_LIMIT
    text, html = parts(message)
    links = {a.text_content(): a.get("href") for a in lxml.html.fromstring(html).xpath("//a")}
    assert links["continue reading"] == _huge().url
    assert "Paragraph 0." in html and "Paragraph 899." not in html
    kept = len(re.findall(r"Paragraph \d+\.", html))
    assert 10 < kept < 900
    # The text part stops at the same block, so both parts tell the same story.
    assert len(re.findall(r"Paragraph \d+\.", text)) == kept
    assert "continue reading at\n" + _huge().url in text
    assert "Unsubscribe" in html and READER.unsubscribe_url in text


def test_a_huge_article_without_url_is_cut_with_a_note(site: Path) -> None:
    settings = site_settings(site)
    rendered = render_issue(settings, _huge(url=None))
    assert rendered.truncated
    assert "too long for one email and has been shortened" in rendered.html
    assert "too long for one email and has been shortened" in rendered.text
    assert "continue reading" not in rendered.html


def test_ten_thousand_recipients_from_one_render(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    transform = premailer.Premailer.transform

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return transform(self, *args, **kwargs)

    monkeypatch.setattr(premailer.Premailer, "transform", counting)
    settings = site_settings(site)
    template = build_template(settings, render_issue(settings, sample_article()), date=DATE)
    urls = set()
    for n in range(10_000):
        recipient = Recipient(
            f"reader{n}@example.net",
            None,
            f"https://news.example.com/unsubscribe/t{n}",
            f"<issue1.sub{n}@news.example.com>",
            f"https://news.example.com/manage/m{n}",
        )
        raw = personalize(template, recipient)
        header = re.search(rb"^List-Unsubscribe: <([^>]+)>", raw, re.MULTILINE)
        assert header is not None
        # The header, the HTML link and the text part (quoted-printable soft breaks removed).
        assert raw.replace(b"=\r\n", b"").count(header[1]) == 3
        urls.add(header[1])
    assert len(urls) == 10_000
    assert len(calls) == 1


def test_site_templates_override_the_packaged_ones(site: Path) -> None:
    folder = site / "templates" / "email" / "partials"
    folder.mkdir(parents=True)
    (folder / "figure.html.j2").write_text(
        '<p class="caption">Site figure: {{ figure.caption }}</p>\n', encoding="utf-8"
    )
    rendered = render_issue(site_settings(site), sample_article())
    assert "Site figure: The first ferry of the season" in rendered.html


def test_right_to_left_language_sets_dir(site: Path) -> None:
    rendered = render_issue(site_settings(site), sample_article(language="he"))
    assert '<html lang="he" dir="rtl">' in rendered.html


def test_inlining_keeps_layout_attributes_and_fetches_no_stylesheet(site: Path) -> None:
    # Two premailer options seen from outside: attributes written in the template stay as
    # written, whatever the CSS says; a <link> stylesheet is never fetched from the network.
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red; }")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stylesheet = f"http://127.0.0.1:{server.server_port}/remote.css"
    template = site / "templates" / "email" / "article.html.j2"
    template.parent.mkdir(parents=True)
    template.write_text(
        f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{stylesheet}">'
        "<style>td.cell { width: 300px; height: 20px; text-align: left; "
        "background-color: #000000; }</style></head><body>"
        '<table role="presentation" width="600"><tr><td class="cell" width="580" '
        'height="10" align="center" bgcolor="#ffffff"><p>Body</p></td></tr></table>'
        "</body></html>\n",
        encoding="utf-8",
    )
    try:
        rendered = render_issue(site_settings(site), sample_article())
    finally:
        server.shutdown()
        server.server_close()
    cell = lxml.html.document_fromstring(rendered.html).xpath("//td")[0]
    assert (cell.get("width"), cell.get("height")) == ("580", "10")
    assert (cell.get("align"), cell.get("bgcolor")) == ("center", "#ffffff")
    assert "width:300px" in cell.get("style").replace(" ", "")  # the CSS itself is inlined
    assert requests == []
    assert "color:red" not in rendered.html.replace(" ", "")

"""A French newsletter speaks French everywhere a reader looks: no English string of the
catalogue (its msgids) in its confirmation email, welcome email, pages, or issue footer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from email_samples import DATE, sample_article
from flask import Flask
from flask.testing import FlaskClient
from smtp_server import SMTPServer

from syndicate.config import Settings, load_settings
from syndicate.i18n import catalogue_path, direction, local_date
from syndicate.newsletter.catalog import load_newsletters
from syndicate.newsletter.message import Recipient, build_template
from syndicate.newsletter.render import render_issue
from syndicate.newsletter.splice import personalize
from syndicate.store import open_store, utcnow
from syndicate.web import create_app

ROOT = Path(__file__).resolve().parent.parent
WEB_URL = "https://news.example.com"
FRENCH = """
[[newsletters]]
slug = "port"
name = "La Lettre du Port"
language = "fr"
"""


def english_fragments() -> list[str]:
    """Return the English pieces of every msgid: the text between placeholders and tags."""
    path = catalogue_path("fr")
    assert path is not None
    with path.open("rb") as po:
        catalog = read_po(po)
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        for piece in re.split(r"%\(\w+\)s|<[^>]+>", str(message.id)):
            piece = piece.strip(" .,:;?()")
            if len(piece) >= 4:
                pieces.add(piece)
    return sorted(pieces)


def assert_no_english(where: str, text: str) -> None:
    text = re.sub(r"https?://\S+", " ", text)  # link paths are not words a reader reads
    found = [p for p in english_fragments() if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]
    assert found == [], f"{where} still says: {found}\n{text}"


def readable(html: str) -> str:
    return str(lxml.html.document_fromstring(html).text_content())


@pytest.fixture
def settings(site: Path, smtp_server: SMTPServer) -> Settings:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[web]\nurl = "{WEB_URL}"\n{FRENCH}')
    return load_settings(site, environ=smtp_server.env())


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    app: Flask = create_app(settings)
    yield app.test_client()
    app.extensions["syndicate.confirmations"].close()
    app.extensions["syndicate.engine"].dispose()


def mail_texts(received: SMTPServer, index: int) -> tuple[str, str, str]:
    message = received.messages[index].message
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return str(message["Subject"]), plain, html


def test_a_french_newsletter_says_nothing_in_english(
    settings: Settings, client: FlaskClient, smtp_server: SMTPServer
) -> None:
    sender = client.application.extensions["syndicate.confirmations"]
    signup = client.get("/").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in signup and "S’abonner à La Lettre du Port" in signup
    pages = {"signup": signup}
    pages["check inbox"] = client.post(
        "/embed/subscribe", data={"email": "ada@example.net"}, follow_redirects=True
    ).get_data(as_text=True)
    sender.wait(30)
    subject, plain, html = mail_texts(smtp_server, 0)
    assert subject == "Confirmez votre abonnement à La Lettre du Port"
    assert_no_english("the confirmation email", "\n".join((subject, plain, readable(html))))
    confirm = re.search(rf"{WEB_URL}(/confirm/\S+)", plain)
    assert confirm
    pages["confirm"] = client.get(confirm.group(1)).get_data(as_text=True)
    pages["confirmed"] = client.post(confirm.group(1)).get_data(as_text=True)
    sender.wait(30)
    subject, plain, html = mail_texts(smtp_server, 1)
    assert subject == "Bienvenue à La Lettre du Port"
    assert f"Confirmé le {local_date(utcnow(), 'fr')}." in plain  # "Confirmé le 3 mars 2026."
    assert_no_english("the welcome email", "\n".join((subject, plain, readable(html))))
    manage = re.search(rf"{WEB_URL}(/manage/\S+)", plain)
    unsubscribe = re.search(rf"{WEB_URL}(/unsubscribe/\S+)", plain)
    assert manage and unsubscribe
    pages["manage"] = client.get(manage.group(1)).get_data(as_text=True)
    pages["manage ask"] = client.get("/manage").get_data(as_text=True)
    pages["unsubscribe"] = client.get(unsubscribe.group(1)).get_data(as_text=True)
    pages["unsubscribed"] = client.post(unsubscribe.group(1)).get_data(as_text=True)
    pages["not found"] = client.get("/nowhere").get_data(as_text=True)
    for name, html in pages.items():
        assert 'lang="fr"' in html, name
        assert_no_english(f"the {name} page", readable(html))
    assert "Vous êtes désabonné" in pages["unsubscribed"]


def test_a_french_issue_footer_is_french(settings: Settings) -> None:
    engine = open_store(settings)
    try:
        [newsletter] = load_newsletters(engine, settings)
    finally:
        engine.dispose()
    rendered = render_issue(settings, sample_article(), newsletter)
    recipient = Recipient(
        "ada@example.net",
        None,
        f"{WEB_URL}/unsubscribe/port/t",
        "<a@b.example>",
        f"{WEB_URL}/manage/t",
    )
    message = personalize(build_template(settings, rendered, date=DATE), recipient)
    text = message.decode("ascii", "replace")
    assert "G=C3=A9rer vos abonnements" in text  # "Gérer", quoted-printable
    plain = rendered.text.split("\n--\n")[-1]
    footer = lxml.html.document_fromstring(rendered.html).xpath("//td[@class='footer']")[0]
    assert_no_english("the issue's footer", plain + "\n" + str(footer.text_content()))


def test_the_check_finds_english_where_there_is_some() -> None:
    with pytest.raises(AssertionError, match="Check your inbox"):
        assert_no_english("an English page", "Check your inbox, Ada.")
    assert local_date(DATE, "fr") == "2 mars 2026" and local_date(DATE, "en") == "March 2, 2026"


def test_every_string_in_the_code_and_templates_is_in_both_catalogues() -> None:
    extracted = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT),
            method_map=[("syndicate/**.py", "python"), ("templates/**.j2", "jinja2")],
            options_map={"templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "translate": None},
        )
    }
    for language in ("en", "fr"):
        path = catalogue_path(language)
        assert path is not None
        with path.open("rb") as po:
            catalog = read_po(po)
        translated = {m.id for m in catalog if m.id and m.string}
        assert extracted - translated == set(), language


def test_right_to_left_languages_get_dir_rtl(site: Path) -> None:
    assert (direction("ar"), direction("he-IL"), direction("fr"), direction("xx")) == (
        "rtl",
        "rtl",
        "ltr",
        "ltr",
    )
    settings = load_settings(site, environ={"SYNDICATE_LANGUAGE": "he"})
    app = create_app(settings)
    try:
        html = app.test_client().get("/").get_data(as_text=True)
    finally:
        app.extensions["syndicate.confirmations"].close()
        app.extensions["syndicate.engine"].dispose()
    assert '<html lang="he" dir="rtl">' in html

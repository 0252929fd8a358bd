"""HTTP tests of the web app through Flask's test client, on the suite's real store."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import sqlalchemy as sa
from email_samples import body_text
from flask import Flask, Response
from flask.testing import FlaskClient
from site_helpers import add_settings, store
from smtp_server import free_port
from werkzeug.test import TestResponse

from syndicate import subscribers
from syndicate.config import Settings, load_settings
from syndicate.newsletter.catalog import load_newsletters
from syndicate.newsletter.definitions import Newsletter
from syndicate.store import deliveries, utcnow
from syndicate.store import subscribers as subscribers_table
from syndicate.subscribers.tokens import make_token
from syndicate.web import create_app, mount_path, pages
from syndicate.web.pages import EMAIL_POLICY, content_policy, page

WEB_URL = "https://news.example.com/newsletter"


def configure(site: Path, **web: Any) -> Settings:
    """Add a [newsletter] name and [web] settings to the site and load it."""
    add_settings(site, "newsletter", 'name = "The Harbour Letter"')
    lines = ["", "[web]", f'url = "{WEB_URL}"']
    lines += [
        f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}"
        for key, value in web.items()
    ]
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return load_settings(site)


@pytest.fixture
def settings(site: Path) -> Settings:
    return configure(site, signup_limit=3)


PREFIX = "/newsletter"  # WEB_URL's path: serve mounts every page under it


class PrefixedClient(FlaskClient):
    """A test client that asks for `/subscribe` where the app answers: under WEB_URL's path."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if args and isinstance(args[0], str) and args[0].startswith("/"):
            args = (PREFIX + args[0], *args[1:])
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app() -> Iterator[Callable[[Settings], Flask]]:
    """Build apps, and close their database connections when the test ends."""
    apps: list[Flask] = []

    def build(settings: Settings) -> Flask:
        apps.append(create_app(settings))
        if mount_path(settings):
            apps[-1].test_client_class = PrefixedClient
        return apps[-1]

    yield build
    for built in apps:
        built.extensions["syndicate.confirmations"].close()
        built.extensions["syndicate.engine"].dispose()


@pytest.fixture
def app(settings: Settings, make_app: Callable[[Settings], Flask]) -> Flask:
    return make_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_up(client: FlaskClient, address: str, **extra: Any) -> TestResponse:
    headers = extra.pop("headers", {})
    form = {"csrf_token": csrf_token(client), "email": address, "name": "", "website": ""}
    form.update(extra)
    response = client.post("/subscribe", data=form, headers=headers)
    # The confirmation goes out in the background, after the answer: wait for it.
    client.application.extensions["syndicate.confirmations"].wait(30)
    return response


def state_of(settings: Settings, address: str) -> dict[str, Any] | None:
    with store(settings) as engine, engine.connect() as conn:
        row = conn.execute(
            sa.select(subscribers_table).where(subscribers_table.c.email_key == address.lower())
        ).first()
    return dict(row._mapping) if row else None


def outbox(settings: Settings) -> list[email.message.EmailMessage]:
    folder = settings.outbox_path
    files = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files
    ]


def same_page(response: TestResponse, local_part: str) -> str:
    """Return a page with its nonce and the address's local part blanked out."""
    text = response.get_data(as_text=True).replace(local_part, "X@")
    return re.sub(r'nonce="[^"]+"', 'nonce=""', text)


def active_subscriber(settings: Settings, address: str) -> int:
    with store(settings) as engine:
        subscribers.add_confirmed(engine, settings, address)
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(subscribers_table.c.id).where(
                        subscribers_table.c.email_key == address.lower()
                    )
                ).scalar_one()
            )


# --- the signup form -----------------------------------------------------------------------


def test_signup_page_names_the_newsletter_and_sends_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/subscribe"):
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<h1>Subscribe to The Harbour Letter</h1>" in page
        assert 'name="csrf_token"' in page
        assert 'name="website"' in page  # the honeypot
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce and f'<style nonce="{nonce.group(1)}">' in page
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_signup_sends_one_confirmation_and_records_web_consent(
    client: FlaskClient, settings: Settings
) -> None:
    response = sign_up(client, "reader@example.net", name="Ada Reader")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    row = state_of(settings, "reader@example.net")
    assert row is not None
    assert (row["state"], row["signup_method"], row["signup_client"]) == (
        "pending",
        "web",
        "127.0.0.1",
    )
    assert row["name"] == "Ada Reader"
    messages = outbox(settings)
    assert [m["To"].addresses[0].addr_spec for m in messages] == ["reader@example.net"]
    assert f"{WEB_URL}/confirm/" in body_text(messages[0])


def test_signing_up_again_looks_the_same_and_changes_nothing(
    client: FlaskClient, settings: Settings
) -> None:
    active_subscriber(settings, "known@example.net")
    known = sign_up(client, "known@example.net")
    fresh = sign_up(client, "stranger@example.net")
    assert known.status_code == fresh.status_code == 200
    assert same_page(known, "known@") == same_page(fresh, "stranger@")
    row = state_of(settings, "known@example.net")
    assert row is not None and row["state"] == "active"


def test_an_unreachable_mail_server_queues_the_confirmation_and_says_the_same(
    site: Path, make_app: Callable[[Settings], Flask]
) -> None:
    configure(site)
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[smtp]\nurl = "smtp://127.0.0.1:{free_port()}"\ntimeout = 2\n')
    settings = load_settings(site)
    response = sign_up(make_app(settings).test_client(), "patient@example.net")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    row = state_of(settings, "patient@example.net")
    assert row is not None and row["state"] == "pending"
    with store(settings) as engine, engine.connect() as conn:
        queued = conn.execute(
            sa.select(deliveries.c.kind, deliveries.c.state).where(
                deliveries.c.subscriber_id == row["id"]
            )
        ).all()
    assert [tuple(r) for r in queued] == [("confirm", "due")]


def test_signup_without_csrf_token_is_refused(client: FlaskClient, settings: Settings) -> None:
    client.get("/")  # a session cookie alone is not enough
    response = client.post("/subscribe", data={"email": "forged@example.net"})
    assert response.status_code == 400
    forged = client.post(
        "/subscribe", data={"email": "forged@example.net", "csrf_token": "made-up"}
    )
    assert forged.status_code == 400
    for refused in (response, forged):
        assert "The form expired. Please submit it again." in refused.get_data(as_text=True)
    assert state_of(settings, "forged@example.net") is None
    assert outbox(settings) == []


def test_a_page_reads_the_newsletters_once_per_request(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page, its language and each sentence translated for it all ask for them.
    reads: list[int] = []

    def counted(*args: Any) -> list[Newsletter]:
        reads.append(1)
        return load_newsletters(*args)

    monkeypatch.setattr(pages, "load_newsletters", counted)
    client.get("/")
    refused = client.post("/subscribe", data={"email": "ada@example.net"})
    assert "The form expired. Please submit it again." in refused.get_data(as_text=True)
    assert len(reads) == 2  # one per request: not kept from one request to the next


def test_honeypot_answers_like_a_signup_but_does_nothing(
    client: FlaskClient, settings: Settings
) -> None:
    response = sign_up(client, "bot-target@example.net", website="http://spam.example")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert state_of(settings, "bot-target@example.net") is None
    assert outbox(settings) == []


def test_a_bad_address_is_explained_and_escaped(client: FlaskClient, settings: Settings) -> None:
    response = sign_up(client, "<script>alert(1)</script>@example.net")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    assert "is not a valid email address" in page
    assert outbox(settings) == []


def test_signup_limit_per_address_holds_across_clients(
    site: Path, make_app: Callable[[Settings], Flask]
) -> None:
    settings = configure(site, signup_limit=2, trusted_proxies=1)
    client = make_app(settings).test_client()
    codes = [
        sign_up(client, "victim@example.net", headers={"X-Forwarded-For": f"198.51.100.{n}"})
        for n in range(1, 6)
    ]
    assert [r.status_code for r in codes] == [200, 200, 429, 429, 429]
    assert "try again later" in codes[2].get_data(as_text=True)
    assert len(outbox(settings)) == 2


def test_signup_limit_per_client_holds_across_addresses(
    client: FlaskClient, settings: Settings
) -> None:
    codes = [sign_up(client, f"person{n}@example.net").status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert state_of(settings, "person3@example.net") is None
    assert len(outbox(settings)) == 3


def test_bad_addresses_do_not_use_up_the_limit(client: FlaskClient, settings: Settings) -> None:
    for _ in range(4):
        assert sign_up(client, "not an address").status_code == 400
    assert sign_up(client, "typo-fixed@example.net").status_code == 200


def test_x_forwarded_for_is_ignored_without_trusted_proxies(
    client: FlaskClient, settings: Settings
) -> None:
    # Each request claims another client; with no trusted proxy they all count as one.
    codes = [
        sign_up(
            client, f"spoof{n}@example.net", headers={"X-Forwarded-For": f"203.0.113.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    row = state_of(settings, "spoof0@example.net")
    assert row is not None and row["signup_client"] == "127.0.0.1"


def test_x_forwarded_for_names_the_client_behind_trusted_proxies(
    site: Path, make_app: Callable[[Settings], Flask]
) -> None:
    settings = configure(site, signup_limit=1, trusted_proxies=1)
    client = make_app(settings).test_client()
    first = sign_up(client, "a@example.net", headers={"X-Forwarded-For": "203.0.113.7"})
    second = sign_up(client, "b@example.net", headers={"X-Forwarded-For": "203.0.113.8"})
    again = sign_up(client, "c@example.net", headers={"X-Forwarded-For": "203.0.113.8"})
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)
    row = state_of(settings, "b@example.net")
    assert row is not None and row["signup_client"] == "203.0.113.8"


# --- confirm and unsubscribe links -----------------------------------------------------------


def pending_subscriber(client: FlaskClient, settings: Settings, address: str) -> int:
    assert sign_up(client, address).status_code == 200
    row = state_of(settings, address)
    assert row is not None and row["state"] == "pending"
    return int(row["id"])


def test_confirm_link_get_changes_nothing_and_its_button_activates(
    app: Flask, settings: Settings
) -> None:
    subscriber_id = pending_subscriber(app.test_client(), settings, "confirm-me@example.net")
    token = make_token(settings, "confirm", subscriber_id)
    scanner = app.test_client()  # a mail scanner: no cookie, follows every link
    for _ in range(2):
        page = scanner.get(f"/confirm/{token}")
        assert page.status_code == 200
        assert "confirm-me@example.net" in page.get_data(as_text=True)
        assert ">Confirm</button>" in page.get_data(as_text=True)
    row = state_of(settings, "confirm-me@example.net")
    assert row is not None and row["state"] == "pending"

    confirmed = app.test_client().post(f"/confirm/{token}")
    assert confirmed.status_code == 200
    assert "You're subscribed" in confirmed.get_data(as_text=True)
    row = state_of(settings, "confirm-me@example.net")
    assert row is not None
    assert (row["state"], row["confirm_method"], row["confirm_client"]) == (
        "active",
        "web",
        "127.0.0.1",
    )
    assert "Already confirmed" in scanner.get(f"/confirm/{token}").get_data(as_text=True)


def test_one_click_unsubscribe_form_encoded(app: Flask, settings: Settings) -> None:
    token = make_token(settings, "unsubscribe", active_subscriber(settings, "one@example.net"))
    response = app.test_client().post(
        f"/unsubscribe/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "You're unsubscribed" in response.get_data(as_text=True)
    row = state_of(settings, "one@example.net")
    assert row is not None and row["state"] == "unsubscribed"
    # Providers may post twice; the second changes nothing and still answers 200.
    again = app.test_client().post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert state_of(settings, "one@example.net") == row


def test_one_click_unsubscribe_multipart(app: Flask, settings: Settings) -> None:
    token = make_token(settings, "unsubscribe", active_subscriber(settings, "two@example.net"))
    boundary = "----syndicate-test"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    )
    response = app.test_client().post(
        f"/unsubscribe/{token}",
        data=body.encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    row = state_of(settings, "two@example.net")
    assert row is not None and row["state"] == "unsubscribed"


def test_unsubscribe_link_get_shows_the_address_and_changes_nothing(
    client: FlaskClient, settings: Settings
) -> None:
    token = make_token(settings, "unsubscribe", active_subscriber(settings, "stay@example.net"))
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "stay@example.net" in text and ">Unsubscribe</button>" in text
    assert page.headers["Cache-Control"] == "no-store"
    row = state_of(settings, "stay@example.net")
    assert row is not None and row["state"] == "active"


def test_one_click_unsubscribe_for_a_removed_address_is_done(
    app: Flask, settings: Settings
) -> None:
    token = make_token(settings, "unsubscribe", active_subscriber(settings, "gone@example.net"))
    with store(settings) as engine:
        subscribers.remove(engine, settings, "gone@example.net")
    for _ in range(2):  # providers may post twice
        response = app.test_client().post(
            f"/unsubscribe/{token}",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert "Location" not in response.headers
        text = response.get_data(as_text=True)
        assert "You're unsubscribed" in text and "no longer on the list" in text
    page = app.test_client().get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert "no longer on the list" in page.get_data(as_text=True)
    assert ">Unsubscribe</button>" not in page.get_data(as_text=True)
    assert state_of(settings, "gone@example.net") is None  # removing left no row to revive
    # A confirmation link for a removed address still does not work.
    confirm = make_token(settings, "confirm", 1)
    assert app.test_client().post(f"/confirm/{confirm}").status_code == 400


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", ["confirm", "unsubscribe"])
def test_bad_tokens_get_a_400_page_and_change_nothing(
    client: FlaskClient, settings: Settings, page: str, method: str
) -> None:
    subscriber_id = active_subscriber(settings, "safe@example.net")
    good = make_token(settings, page, subscriber_id)
    other = "unsubscribe" if page == "confirm" else "confirm"
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    wrong_purpose = make_token(settings, other, subscriber_id)
    by_address = "safe@example.net"
    for token in (tampered, wrong_purpose, by_address, "x"):
        response = getattr(client, method)(f"/{page}/{token}")
        assert response.status_code == 400, token
        assert "This link does not work" in response.get_data(as_text=True)
    row = state_of(settings, "safe@example.net")
    assert row is not None and row["state"] == "active"


def test_an_expired_confirmation_link_gets_a_400(app: Flask, settings: Settings) -> None:
    subscriber_id = pending_subscriber(app.test_client(), settings, "late@example.net")
    token = make_token(settings, "confirm", subscriber_id, now=utcnow() - timedelta(days=8))
    assert app.test_client().post(f"/confirm/{token}").status_code == 400
    row = state_of(settings, "late@example.net")
    assert row is not None and row["state"] == "pending"


def test_pages_escape_the_newsletter_name(
    site: Path, make_app: Callable[[Settings], Flask]
) -> None:
    (site / "syndicate.toml").write_text(
        (site / "syndicate.toml")
        .read_text(encoding="utf-8")
        .replace('title = "The Example Desk"', 'title = "Fish & <b>Chips</b>"'),
        encoding="utf-8",
    )
    settings = load_settings(site)
    page = make_app(settings).test_client().get("/").get_data(as_text=True)
    assert "<b>Chips</b>" not in page
    assert "Subscribe to Fish &amp; &lt;b&gt;Chips&lt;/b&gt;" in page


def test_a_site_template_overrides_the_packaged_one(
    site: Path, make_app: Callable[[Settings], Flask]
) -> None:
    settings = configure(site)
    ours = site / "templates" / "web"
    ours.mkdir(parents=True)
    (ours / "check_inbox.html.j2").write_text(
        '{% extends "web/base.html.j2" %}{% block content %}<h1>Look for {{ address }}</h1>'
        "{% endblock %}",
        encoding="utf-8",
    )
    client = make_app(settings).test_client()
    page = sign_up(client, "o'neill&co@example.net").get_data(as_text=True)
    assert "<h1>Look for o&#39;neill&amp;co@example.net</h1>" in page
    assert "<h1>Subscribe to The Harbour Letter</h1>" in client.get("/").get_data(as_text=True)


def test_each_route_chooses_its_content_security_policy(
    settings: Settings, make_app: Callable[[Settings], Flask]
) -> None:
    app = make_app(settings)

    @app.get("/email-like")
    @content_policy(EMAIL_POLICY)
    def email_like() -> Response:
        return page("error", title="An issue", message="Rendered email HTML goes here.")

    client = app.test_client()
    email_csp = client.get("/email-like").headers["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in email_csp and "https:" in email_csp
    assert "nonce-" not in email_csp  # a nonce would switch 'unsafe-inline' off
    for path in ("/", "/nowhere"):  # a form, and a page whose route chose none
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "style-src 'nonce-" in csp, path


def test_unknown_pages_get_a_404_page(client: FlaskClient) -> None:
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "The Harbour Letter" in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- feeds ------------------------------------------------------------------------------------


@pytest.fixture
def feeds(settings: Settings) -> Path:
    folder = settings.feeds_path
    (folder / "tags" / "harbour-news").mkdir(parents=True)
    (folder / "atom.xml").write_text('<feed xmlns="http://www.w3.org/2005/Atom"/>')
    (folder / "rss.xml").write_text('<rss version="2.0"/>')
    (folder / "feed.json").write_text('{"version": "https://jsonfeed.org/version/1.1"}')
    (folder / "tags" / "harbour-news" / "atom.xml").write_text("<feed/>")
    (folder / ".atom.xml.tmp").write_text("<feed><!-- half written")
    return folder


def fetch(client: FlaskClient, path: str, **headers: str) -> TestResponse:
    """GET a path and close the response (a served file stays open until then)."""
    response = client.get(path, headers=headers)
    response.get_data()
    response.close()
    return response


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("atom.xml", "application/atom+xml"),
        ("rss.xml", "application/rss+xml"),
        ("feed.json", "application/feed+json"),
        ("tags/harbour-news/atom.xml", "application/atom+xml"),
    ],
)
def test_feeds_have_their_media_types_and_answer_conditional_requests(
    client: FlaskClient, feeds: Path, path: str, media_type: str
) -> None:
    response = fetch(client, f"/feeds/{path}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.get_data() == (feeds / path).read_bytes()
    etag = response.headers["ETag"]
    modified = response.headers["Last-Modified"]
    assert fetch(client, f"/feeds/{path}", **{"If-None-Match": etag}).status_code == 304
    assert fetch(client, f"/feeds/{path}", **{"If-Modified-Since": modified}).status_code == 304
    # A changed feed is a new representation: the old validator no longer matches.
    (feeds / path).write_text((feeds / path).read_text() + "\n")
    stamp = (feeds / path).stat().st_mtime + 5
    os.utime(feeds / path, (stamp, stamp))
    again = fetch(client, f"/feeds/{path}", **{"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_feeds_stay_inside_their_folder(client: FlaskClient, feeds: Path, site: Path) -> None:
    assert (site / "syndicate.toml").is_file()
    for path in (
        "/feeds/../syndicate.toml",
        "/feeds/%2e%2e/syndicate.toml",
        "/feeds/tags/../../syndicate.toml",
        "/feeds/..%2fsyndicate.toml",
        "/feeds/missing.xml",
        "/feeds/.atom.xml.tmp",
    ):
        response = fetch(client, path)
        assert response.status_code == 404, path
        assert b"base_url" not in response.get_data()


# --- the pages' HTML --------------------------------------------------------------------------


def test_every_page_passes_html_validate(app: Flask, settings: Settings, tmp_path: Path) -> None:
    validator = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "html-validate"
    assert validator.exists(), "run `npm install` in the checkout for html-validate"
    client = app.test_client()
    subscriber_id = active_subscriber(settings, "valid@example.net")
    unsubscribe = f"/unsubscribe/{make_token(settings, 'unsubscribe', subscriber_id)}"
    pending_id = pending_subscriber(client, settings, "pending@example.net")
    confirm = f"/confirm/{make_token(settings, 'confirm', pending_id)}"
    pages = {
        "signup": client.get("/"),
        "signup-error": sign_up(client, "no-at-sign"),
        "check-inbox": sign_up(client, "another@example.net"),
        "confirm": client.get(confirm),
        "confirmed": client.post(confirm),
        "unsubscribe": client.get(unsubscribe),
        "unsubscribed": client.post(unsubscribe),
        "already-unsubscribed": client.get(unsubscribe),
        "bad-link": client.get("/confirm/nonsense"),
        "not-found": client.get("/nowhere"),
    }
    assert sign_up(client, "third@example.net").status_code == 200  # the limit is 3 an hour
    pages["limit"] = sign_up(client, "one-too-many@example.net")
    assert pages["limit"].status_code == 429
    files = []
    for name, response in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.get_data())
    # The plain recommended rules: unlike the email, a web page has no excuse to bend them.
    config = tmp_path / "htmlvalidate.json"
    config.write_text('{"extends": ["html-validate:recommended"]}', encoding="utf-8")
    result = subprocess.run(
        [str(validator), "--config", str(config), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_page_names_the_feeds_for_autodiscovery(app: Flask, settings: Settings) -> None:
    client = app.test_client()
    for path in ("/", "/confirm/nonsense", "/nowhere"):
        page = lxml.html.fromstring(client.get(path).get_data())
        links = [
            (link.get("type"), link.get("href"))
            for link in page.xpath("//head/link[@rel='alternate']")
        ]
        assert links == [
            ("application/atom+xml", f"{settings.base_url}/feeds/atom.xml"),
            ("application/rss+xml", f"{settings.base_url}/feeds/rss.xml"),
            ("application/feed+json", f"{settings.base_url}/feeds/feed.json"),
        ], path


def test_the_request_log_names_routes_not_their_tokens(
    client: FlaskClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = make_token(settings, "unsubscribe", active_subscriber(settings, "one@example.net"))
    with caplog.at_level("INFO", logger="syndicate.web.requests"):
        client.get(f"/unsubscribe/{token}")
        client.get("/no-such-page/ada@example.net")
    lines = [r.getMessage() for r in caplog.records if r.name == "syndicate.web.requests"]
    assert [line.rsplit(" ", 2)[0] for line in lines] == [
        "GET /newsletter/unsubscribe/… 200",  # web.url is mounted at /newsletter
        "GET /newsletter/no-such-page/… 404",
    ]
    assert token not in caplog.text and "ada@" not in caplog.text

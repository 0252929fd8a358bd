"""What readers see around the emails, through Flask's test client and a real SMTP server:
the preferences page, the manage link by email, the embeddable form, welcome emails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from email_samples import body_text
from flask import Flask
from flask.testing import FlaskClient
from site_helpers import cli, store
from smtp_server import SMTPServer

from syndicate import subscribers
from syndicate.config import Settings, load_settings
from syndicate.states import SubscriberState
from syndicate.store import memberships, newsletters
from syndicate.store import subscribers as subscribers_table
from syndicate.subscribers.tokens import make_token
from syndicate.web import create_app

WEB_URL = "https://news.example.com"
NEWSLETTERS = """
[[newsletters]]
slug = "harbour"
name = "The Harbour Letter"

[[newsletters]]
slug = "markets"
name = "Market Day"

[[newsletters]]
slug = "quiet"
name = "The Quiet One"
subscribe_on_signup = false
welcome = false
"""


@pytest.fixture
def settings(site: Path, smtp_server: SMTPServer) -> Settings:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[web]\nurl = "{WEB_URL}"\nconfirmation_cap = 2\n{NEWSLETTERS}')
    return load_settings(site, environ=smtp_server.env())


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    built = create_app(settings)
    yield built
    built.extensions["syndicate.confirmations"].close()
    built.extensions["syndicate.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def settle(client: FlaskClient) -> None:
    """Wait for the emails the app sends after its answers."""
    client.application.extensions["syndicate.confirmations"].wait(30)


def states(settings: Settings, address: str) -> dict[str, str]:
    """Return the address's memberships: newsletter slug -> state."""
    query = (
        sa.select(newsletters.c.slug, memberships.c.state)
        .join(newsletters, newsletters.c.id == memberships.c.newsletter_id)
        .where(memberships.c.subscriber_id == subscriber_id(settings, address))
    )
    with store(settings) as engine, engine.connect() as conn:
        return {slug: state for slug, state in conn.execute(query)}


def subscriber_id(settings: Settings, address: str) -> int:
    with store(settings) as engine:
        found = subscribers.find_subscriber(engine, address)
    assert found is not None
    return found.id


def csrf(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def link(message_text: str, page: str) -> str:
    found = re.search(re.escape(f"{WEB_URL}/{page}/") + r"[A-Za-z0-9_.\-/]+", message_text)
    assert found, message_text
    return found.group(0).removeprefix(WEB_URL)


def add_reader(site: Path, settings: Settings, address: str, *slugs: str) -> int:
    flags = [arg for slug in slugs for arg in ("--newsletter", slug)]
    result = cli(site, "subscribers", "add", address, "--confirmed", *flags)
    assert result.exit_code == 0, result.output
    return subscriber_id(settings, address)


def test_the_preferences_page_keeps_one_newsletter_and_leaves_another(
    site: Path, settings: Settings, client: FlaskClient, smtp_server: SMTPServer
) -> None:
    sid = add_reader(site, settings, "ada@example.net", "harbour", "markets")
    assert smtp_server.messages == []  # `add --confirmed` sends no welcome
    path = f"/manage/{make_token(settings, 'manage', sid)}"
    html = client.get(path).get_data(as_text=True)
    assert 'value="harbour" checked' in html and 'value="markets" checked' in html
    assert 'value="quiet">' in html  # public, not joined: offered unticked
    assert states(settings, "ada@example.net") == {"harbour": "active", "markets": "active"}

    # Without the page's CSRF token nothing changes.
    refused = client.post(path, data={"newsletters": ["harbour"], "name": "Ada"})
    assert refused.status_code == 400
    assert "The form expired. Please submit it again." in refused.get_data(as_text=True)
    assert states(settings, "ada@example.net")["markets"] == "active"

    form = {"csrf_token": csrf(client, path), "newsletters": ["harbour"], "name": "Ada L."}
    saved = client.post(path, data=form).get_data(as_text=True)
    assert "Your choices are saved." in saved
    assert 'value="markets">' in saved and 'value="harbour" checked' in saved
    assert states(settings, "ada@example.net") == {"harbour": "active", "markets": "unsubscribed"}
    with store(settings) as engine:
        found = subscribers.find_subscriber(engine, "ada@example.net")
    assert found is not None and found.name == "Ada L." and found.state == "active"

    everything = {"csrf_token": csrf(client, path), "action": "everything", "newsletters": []}
    client.post(path, data=everything)
    assert set(states(settings, "ada@example.net").values()) == {"unsubscribed"}


def test_a_manage_link_of_another_purpose_or_tampered_does_not_open_the_page(
    site: Path, settings: Settings, client: FlaskClient
) -> None:
    sid = add_reader(site, settings, "ada@example.net", "harbour")
    unsubscribe_token = make_token(settings, "unsubscribe", sid)
    wrong = client.get(f"/manage/{unsubscribe_token}")
    assert wrong.status_code == 400
    assert "This is an unsubscribe link, not a manage link." in wrong.get_data(as_text=True)
    assert client.get(f"/manage/{make_token(settings, 'manage', sid)}x").status_code == 400


def test_manage_without_a_token_mails_a_link_and_answers_the_same_for_strangers(
    site: Path, settings: Settings, client: FlaskClient, smtp_server: SMTPServer
) -> None:
    add_reader(site, settings, "ada@example.net", "harbour")
    answers = []
    for address in ("ada@example.net", "nobody@example.net"):
        response = client.post(
            "/manage", data={"csrf_token": csrf(client, "/manage"), "email": address}
        )
        answers.append(
            (response.status_code, "Check your inbox" in response.get_data(as_text=True))
        )
    settle(client)
    assert answers == [(200, True), (200, True)]
    assert [m.recipients for m in smtp_server.messages] == [("ada@example.net",)]
    mail = smtp_server.messages[0].message
    assert mail["Subject"] == "Your link to manage your subscriptions to The Example Desk"
    path = link(body_text(mail), "manage")
    assert "ada@example.net" in client.get(path).get_data(as_text=True)


def test_manage_requests_are_limited_like_signups(settings: Settings, client: FlaskClient) -> None:
    codes = []
    for _ in range(6):  # web.signup_limit defaults to 5 an hour
        form = {"csrf_token": csrf(client, "/manage"), "email": "ada@example.net"}
        codes.append(client.post("/manage", data=form).status_code)
    assert codes == [200] * 5 + [429]


def test_a_newsletters_own_unsubscribe_link_still_leaves_only_that_newsletter(
    site: Path, settings: Settings, client: FlaskClient
) -> None:
    sid = add_reader(site, settings, "ada@example.net", "harbour", "markets")
    token = make_token(settings, "unsubscribe", sid)
    one_click = client.post(f"/unsubscribe/markets/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert states(settings, "ada@example.net") == {"harbour": "active", "markets": "unsubscribed"}


def test_confirming_through_the_web_sends_one_welcome_per_newsletter_joined(
    settings: Settings, client: FlaskClient, smtp_server: SMTPServer
) -> None:
    form = {"email": "ada@example.net", "newsletters": ["harbour", "quiet"]}
    client.post("/embed/subscribe", data=form)
    settle(client)
    [confirmation] = smtp_server.messages
    path = link(body_text(confirmation.message), "confirm")
    client.post(path)
    client.post(path)  # a second press joins nothing, so welcomes nobody again
    settle(client)
    welcomes = [m.message for m in smtp_server.messages[1:]]
    # "quiet" has welcome = false: only The Harbour Letter says hello.
    assert [m["Subject"] for m in welcomes] == ["Welcome to The Harbour Letter"]
    text = body_text(welcomes[0])
    assert f"{WEB_URL}/manage/" in text and f"{WEB_URL}/unsubscribe/harbour/" in text
    assert states(settings, "ada@example.net") == {"harbour": "active", "quiet": "active"}


def test_import_and_add_confirmed_send_no_welcome(
    site: Path, settings: Settings, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("email\nbo@example.net\n", encoding="utf-8")
    env = smtp_server.env()
    assert cli(site, "subscribers", "import", str(listing), "--confirmed", env=env).exit_code == 0
    assert cli(site, "subscribers", "add", "cy@example.net", "--confirmed", env=env).exit_code == 0
    assert smtp_server.messages == []


def test_the_embedded_form_posts_without_a_cookie_and_is_capped_per_day(
    settings: Settings, app: Flask, smtp_server: SMTPServer
) -> None:
    codes = []
    for _ in range(3):  # web.confirmation_cap = 2 here
        stranger = app.test_client(use_cookies=False)
        response = stranger.post(
            "/embed/subscribe",
            data={"email": "ada@example.net", "website": ""},
            headers={"Origin": "https://blog.example.org"},
        )
        codes.append((response.status_code, response.headers.get("Location")))
        app.extensions["syndicate.confirmations"].wait(30)
    assert codes == [(303, "/check-inbox")] * 3
    assert [m.recipients for m in smtp_server.messages] == [("ada@example.net",)] * 2


def test_the_embedded_form_answers_json_to_scripts_and_ignores_the_honeypot(
    settings: Settings, app: Flask, smtp_server: SMTPServer
) -> None:
    stranger = app.test_client(use_cookies=False)
    asked = {"Accept": "application/json", "Origin": "https://blog.example.org"}
    trapped = stranger.post(
        "/embed/subscribe", data={"email": "bot@example.net", "website": "x"}, headers=asked
    )
    good = stranger.post("/embed/subscribe", data={"email": "ada@example.net"}, headers=asked)
    bad = stranger.post("/embed/subscribe", data={"email": "not an address"}, headers=asked)
    app.extensions["syndicate.confirmations"].wait(30)
    assert (trapped.status_code, good.status_code, bad.status_code) == (200, 200, 400)
    assert good.json is not None and good.json["status"] == "ok"
    for response in (trapped, good, bad):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert [m.recipients for m in smtp_server.messages] == [("ada@example.net",)]
    # The page-served form still needs its CSRF token.
    assert stranger.post("/subscribe", data={"email": "cy@example.net"}).status_code == 400


def test_embed_prints_a_plain_form_under_web_url(site: Path, settings: Settings) -> None:
    result = cli(site, "embed", "--newsletter", "markets", env={"SYNDICATE_WEB_URL": WEB_URL})
    assert result.exit_code == 0, result.output
    html = result.output
    assert f'action="{WEB_URL}/embed/subscribe"' in html
    assert 'name="email"' in html and 'name="website"' in html
    assert '<input type="hidden" name="newsletters" value="markets">' in html
    assert "<script" not in html and "'" not in re.sub(r">[^<]*<", "><", html)
    assert "Subscribe to Market Day" in html
    wrong = cli(site, "embed", "--newsletter", "nope")
    assert wrong.exit_code == 1
    assert wrong.output.strip().splitlines()[-1] == (
        "Error: no newsletter 'nope' on this site (it has: harbour, markets, quiet)"
    )


def test_a_bounced_address_may_leave_on_the_preferences_page_but_join_nothing(
    site: Path, settings: Settings, client: FlaskClient
) -> None:
    sid = add_reader(site, settings, "ada@example.net", "harbour", "markets")
    with store(settings) as engine, engine.begin() as conn:
        conn.execute(
            subscribers_table.update()
            .where(subscribers_table.c.id == sid)
            .values(state=SubscriberState.BOUNCED)
        )
    path = f"/manage/{make_token(settings, 'manage', sid)}"
    form = {"csrf_token": csrf(client, path), "newsletters": ["harbour", "quiet"], "name": ""}
    assert client.post(path, data=form).status_code == 200
    assert states(settings, "ada@example.net") == {"harbour": "active", "markets": "unsubscribed"}


def test_the_embedded_form_cannot_join_a_private_newsletter(
    site: Path, smtp_server: SMTPServer
) -> None:
    private = '\n[[newsletters]]\nslug = "staff"\nname = "Staff Notes"\npublic = false\n'
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[web]\nurl = "{WEB_URL}"\n{NEWSLETTERS}{private}')
    app = create_app(load_settings(site, environ=smtp_server.env()))
    try:
        response = app.test_client(use_cookies=False).post(
            "/embed/subscribe",
            data={"email": "ada@example.net", "newsletters": "staff"},
            headers={"Accept": "application/json"},
        )
        app.extensions["syndicate.confirmations"].wait(30)
        assert response.status_code == 400
        assert response.json == {
            "status": "invalid",
            "message": "This site has no such newsletter.",
        }
        with store(site) as engine:
            assert subscribers.find_subscriber(engine, "ada@example.net") is None
        assert smtp_server.messages == []
    finally:
        app.extensions["syndicate.confirmations"].close()
        app.extensions["syndicate.engine"].dispose()

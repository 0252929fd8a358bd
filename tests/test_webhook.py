"""POST /webhooks/bounce: signed reports from a provider bounce, count or suppress a subscriber."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

import pytest
import sqlalchemy as sa
from delivery_helpers import write_article
from flask.testing import FlaskClient
from site_helpers import add_settings, cli, store
from smtp_server import SMTPServer
from werkzeug.test import TestResponse

from syndicate import subscribers
from syndicate.config import load_settings
from syndicate.store import memberships, suppressions
from syndicate.store import subscribers as subscribers_table
from syndicate.subscribers import unsubscribe_url
from syndicate.web import create_app
from syndicate.webhooks import sign

SECRET = "kV3pQ9zR-w2Lm8Xa7Tn4Yb6Hc1Jd5Ge0Fs"


@pytest.fixture
def client(site: Path) -> Iterator[FlaskClient]:
    add_settings(site, "webhooks", f'secret = "{SECRET}"')
    add_settings(site, "send", "bounce_threshold = 2")
    for address in ("gone@example.net", "full@example.net", "angry@example.net"):
        assert cli(site, "subscribers", "add", address, "--confirmed").exit_code == 0
    app = create_app(load_settings(site, environ={}))
    yield app.test_client()
    app.extensions["syndicate.engine"].dispose()


def post(
    client: FlaskClient, report: dict[str, str], *, at: float | None = None, secret: str = SECRET
) -> TestResponse:
    body = json.dumps(report).encode()
    header = sign(secret, body, int(time.time() if at is None else at))
    return client.post(
        "/webhooks/bounce",
        data=body,
        headers={"X-Syndicate-Signature": header, "Content-Type": "application/json"},
    )


def state_of(site: Path, address: str) -> str:
    with store(site) as engine, engine.connect() as conn:
        query = sa.select(subscribers_table.c.state, subscribers_table.c.bounce_reply)
        row = conn.execute(query.where(subscribers_table.c.email == address)).one()
    return f"{row.state} {row.bounce_reply or ''}".strip()


def test_a_signed_hard_bounce_bounces_the_subscriber(site: Path, client: FlaskClient) -> None:
    report = {"email": "gone@example.net", "type": "hard", "detail": "550 5.1.1 no such user"}
    response = post(client, report)
    assert (response.status_code, response.json) == (200, {"result": "bounced"})
    assert state_of(site, "gone@example.net") == "bounced 550 5.1.1 no such user"
    assert state_of(site, "full@example.net") == "active"


def test_soft_bounces_count_up_to_the_threshold(
    site: Path, client: FlaskClient, smtp_server: SMTPServer
) -> None:
    # Two issues went out to everyone: each soft report counts against one of them.
    for number in (1, 2):
        write_article(site, f"story{number}.md", key=f"story-{number}", title=f"Story {number}")
        assert cli(site, "run", env=smtp_server.env()).exit_code == 0
    first = post(client, {"email": "full@example.net", "type": "soft", "detail": "mailbox full"})
    assert first.json == {"result": "active"}
    second = post(client, {"email": "full@example.net", "type": "soft", "detail": "still full"})
    assert second.json == {"result": "bounced"}


def test_a_complaint_by_token_unsubscribes_and_suppresses(site: Path, client: FlaskClient) -> None:
    settings = load_settings(site, environ={})
    angry = subscribers.find_subscriber(
        client.application.extensions["syndicate.engine"], "angry@example.net"
    )
    assert angry is not None
    token = unsubscribe_url(settings, angry.id).rsplit("/", 1)[1]
    response = post(client, {"token": token, "type": "complaint", "detail": "abuse report"})
    assert response.json == {"result": "unsubscribed"}
    with store(site) as engine, engine.connect() as conn:
        assert conn.execute(sa.select(suppressions.c.reason)).scalars().all() == ["complaint"]
        left = sa.select(memberships.c.state, memberships.c.unsubscribe_method)
        rows = conn.execute(left.where(memberships.c.subscriber_id == angry.id)).all()
        assert rows and set(rows) == {("unsubscribed", "complaint")}
    added = cli(site, "subscribers", "add", "angry@example.net", "--confirmed")
    assert state_of(site, "angry@example.net") == "unsubscribed", added.output


class Change(TypedDict, total=False):
    """What a test changes in `post`: the signing secret or the timestamp."""

    at: float
    secret: str


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"secret": "another-secret-of-enough-length-1234"}, "the signature does not match"),
        ({"at": time.time() - 301}, "old: more than 5 minutes either way"),
    ],
)
def test_a_bad_signature_or_an_old_timestamp_is_refused(
    site: Path, client: FlaskClient, change: Change, error: str
) -> None:
    response = post(client, {"email": "gone@example.net", "type": "hard"}, **change)
    assert response.status_code == 401
    assert response.json is not None and error in response.json["error"]
    assert state_of(site, "gone@example.net") == "active"


def test_a_replay_is_refused(site: Path, client: FlaskClient) -> None:
    body = json.dumps({"email": "full@example.net", "type": "soft"}).encode()
    headers = {"X-Syndicate-Signature": sign(SECRET, body, int(time.time()))}
    assert client.post("/webhooks/bounce", data=body, headers=headers).status_code == 200
    again = client.post("/webhooks/bounce", data=body, headers=headers)
    assert again.status_code == 401
    assert again.json == {"error": "this signed call was received before: a replay is refused"}
    with store(site) as engine, engine.connect() as conn:
        query = sa.select(subscribers_table.c.soft_bounces)
        count = conn.execute(query.where(subscribers_table.c.email == "full@example.net"))
        assert count.scalar_one() == 1


def test_an_unsigned_call_or_a_bad_body(client: FlaskClient) -> None:
    unsigned = client.post("/webhooks/bounce", json={"email": "gone@example.net", "type": "hard"})
    assert unsigned.status_code == 401
    bad = post(client, {"email": "gone@example.net", "type": "bounced"})
    assert (bad.status_code, bad.json) == (
        400,
        {"error": '"type" must be "hard", "soft" or "complaint"'},
    )
    stranger = post(client, {"email": "stranger@example.net", "type": "hard"})
    assert (stranger.status_code, stranger.json) == (200, {"result": "not listed"})


def test_no_secret_no_webhook(site: Path) -> None:
    app = create_app(load_settings(site, environ={}))
    response = app.test_client().post("/webhooks/bounce", data=b"{}")
    assert response.status_code == 404
    app.extensions["syndicate.engine"].dispose()

"""What the publisher sees: test copies marked as such, their links on a real server."""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from delivery_helpers import add_active, write_article
from serve_helpers import served
from site_helpers import cli
from smtp_server import SMTPServer


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def test_a_test_copy_says_so_in_its_subject_and_its_links(
    site: Path, smtp_server: SMTPServer
) -> None:
    add_active(site, 1)
    assert cli(site, "publish", str(write_article(site))).exit_code == 0
    with served(site) as server:
        env = {**smtp_server.env(), "SYNDICATE_WEB_URL": server.root}
        result = cli(site, "newsletter", "test", "1", "--to", "editor@example.org", env=env)
        assert result.exit_code == 0, result.output
        (received,) = smtp_server.messages
        assert received.message["Subject"] == "[Test] Harbour ferry doubles its crossings"
        link = received.message["List-Unsubscribe"].split(",")[0].strip("<> ")
        assert link == f"{server.root}/test-copy/unsubscribe"
        assert link in received.data.decode("ascii", "replace").replace("=\r\n", "")
        status, page = fetch(link)
        assert status == 200 and "This was a test copy" in page
        status, page = fetch(link, data=b"List-Unsubscribe=One-Click")  # a provider's POST
        assert status == 200 and "unsubscribes nobody" in page
    assert cli(site, "subscribers", "count").stdout.startswith("pending      0\nactive       1")


def test_the_test_prefix_keeps_an_encoded_subject_readable() -> None:
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    from syndicate.newsletter.test_copy import mark_test_subject

    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = "Café on the north pier reopens with a longer menu for the summer season"
    message.set_content("Body {placeholder}")
    marked = message_from_bytes(mark_test_subject(message.as_bytes()), policy=policy.default)
    assert marked["Subject"] == (
        "[Test] Café on the north pier reopens with a longer menu for the summer season"
    )
    assert mark_test_subject(message.as_bytes()).endswith(b"\r\n\r\nBody {placeholder}\r\n")


def test_an_unknown_key_one_edit_away_gets_a_suggestion(site: Path) -> None:
    config = site / "syndicate.toml"
    cases = {
        "[site]\nbaseurl = 'https://news.example.com'\n": "site.baseurl (did you mean `site.base_url`?)",
        "[site]\ntitel = 'x'\n": "site.titel",  # two edits from title: no guess
        "[sit]\ntitle = 'x'\n": "[sit] (did you mean `[site]`?)",
    }
    for text, shown in cases.items():
        config.write_text(text, encoding="utf-8")
        result = cli(site, "articles")
        assert result.exit_code == 1
        assert result.stderr == f"Error: {config}: unknown setting {shown}\n"


def test_serve_logs_one_line_per_request_without_tokens_or_addresses(site: Path) -> None:
    assert cli(site, "publish", str(write_article(site))).exit_code == 0
    token = "eyJzIjoxfQ.secret-token-part"
    with served(site) as server:
        for path in (
            "/",
            f"/confirm/{token}",
            f"/unsubscribe/{token}",
            "/feeds/atom.xml",
            f"/nowhere/{token}?email=ada@example.com",
        ):
            with contextlib.suppress(urllib.error.HTTPError):
                fetch(server.root + path)
    lines = [line.split(" ", 1)[1] for line in server.lines() if " GET " in f" {line}"]
    shapes = [line.rsplit(" ", 2)[0] for line in lines]
    assert shapes == [
        "GET / 200",
        "GET /confirm/… 400",
        "GET /unsubscribe/… 400",
        "GET /feeds/atom.xml 200",
        "GET /nowhere/… 404",
    ]
    assert all(line.endswith(" ms") for line in lines)
    log = server.log.read_text()
    assert token not in log and "ada@example.com" not in log


def test_a_web_url_with_a_path_serves_and_links_everything_under_it(
    site: Path, smtp_server: SMTPServer
) -> None:
    import http.cookiejar
    import re
    import urllib.parse

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def open_page(url: str, form: dict[str, str] | None = None) -> str:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
            assert response.status == 200
            return response.read().decode("utf-8")

    with served(site, smtp_server.env(), web_path="/newsletter") as server:
        form = open_page(f"{server.root}/")
        assert 'action="/newsletter/subscribe"' in form
        with pytest.raises(urllib.error.HTTPError) as outside:
            fetch(f"{server.origin}/subscribe")
        assert outside.value.code == 404
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        assert csrf is not None
        fields = {
            "csrf_token": csrf.group(1),
            "email": "ada@example.com",
            "name": "",
            "website": "",
        }
        open_page(f"{server.root}/subscribe", fields)

        # The confirmation goes from a background thread just after the answer.
        deadline = time.monotonic() + 30
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        (email,) = smtp_server.messages
        body = email.message.get_body(("plain",)).get_content()
        link = re.search(r"http://\S+/confirm/\S+", body)
        assert link is not None and link.group(0).startswith(f"{server.root}/confirm/")
        page = open_page(link.group(0))
        token = link.group(0).rsplit("/", 1)[1]
        assert f'action="/newsletter/confirm/{token}"' in page
        open_page(link.group(0), {})
        assert any("POST /newsletter/confirm/… 200" in line for line in server.lines())
    assert cli(site, "subscribers", "list").stdout == "active       ada@example.com\n"

"""Fetching pages by URL from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import main
from syndicate.config import Settings
from syndicate.errors import FetchError
from syndicate.model import Figure
from syndicate.readers import read_source
from syndicate.readers.fetch import MAX_BYTES, fetch, user_agent

BODY = " ".join(["The ferry timetable changes on Monday for the whole summer season."] * 3)
PAGE = (
    "<!doctype html><html lang='fr'><head><title>Le ferry part plus t\u00f4t</title></head><body>"
    f"<article><h1>Le ferry part plus t\u00f4t</h1><p>{BODY} Caf\u00e9.</p>"
    "<figure><img src='img/quay.jpg'><figcaption>The quay. Photo: Ann Lee</figcaption></figure>"
    f"<p>{BODY} Encore.</p></article></body></html>"
)
CANONICAL = PAGE.replace("<head>", "<head><link rel='canonical' href='/stories/ferry'>")


class Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/page":
            self._send(200, PAGE.encode("windows-1252"), "text/html; charset=windows-1252")
        elif path == "/canonical":
            self._send(200, CANONICAL.encode(), "text/html")
        elif path == "/moved":
            self._send(301, b"", "text/html", Location="/page")
        elif path == "/moved-twice":
            self._send(308, b"", "text/html", Location="/moved")
        elif path == "/moved-then-found":
            self._send(301, b"", "text/html", Location="/found")
        elif path == "/found":
            self._send(302, b"", "text/html", Location="/page")
        elif path == "/found-then-moved":
            self._send(307, b"", "text/html", Location="/moved")
        elif path.startswith("/loop"):
            self._send(302, b"", "text/html", Location=f"/loop{len(path)}")
        elif path == "/ftp":
            self._send(302, b"", "text/html", Location="ftp://127.0.0.1/x")
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no length: the fetcher must stop reading by itself
            chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
            try:
                for _ in range(20):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/paper.pdf":
            self._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf")
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, b"", "text/html", ETag='"v1"')
            else:
                self._send(200, PAGE.encode(), "text/html", ETag='"v1"')
        else:
            self._send(404, b"<h1>Not found</h1>", "text/html")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_page_is_fetched_and_read(server: str, conf: Settings) -> None:
    article = read_source(f"{server}/page", conf)
    assert article.title == "Le ferry part plus t\u00f4t"  # windows-1252 from the header
    assert article.url == f"{server}/page"
    assert article.path is None
    figures = [b for b in article.blocks if isinstance(b, Figure)]
    assert [f.src for f in figures] == [f"{server}/img/quay.jpg"]  # made absolute
    assert Handler.seen_agents[-1] == user_agent()
    assert user_agent().startswith("syndicate/")


def test_the_final_url_after_a_redirect_is_the_articles(server: str, conf: Settings) -> None:
    assert read_source(f"{server}/moved", conf).url == f"{server}/page"


@pytest.mark.parametrize(
    ("path", "moved_to"),
    [
        ("/page", None),
        ("/moved", "/page"),
        ("/moved-twice", "/page"),  # 308 then 301: both permanent
        ("/moved-then-found", "/found"),  # a temporary redirect ends what counts
        ("/found", None),
        ("/found-then-moved", None),  # the address asked for is still the one to ask
    ],
)
def test_only_the_leading_permanent_redirects_give_a_new_address(
    server: str, path: str, moved_to: str | None
) -> None:
    fetched = fetch(f"{server}{path}")
    assert fetched.url == f"{server}/page"
    assert fetched.moved_to == (f"{server}{moved_to}" if moved_to else None)


def test_the_canonical_link_beats_the_address(server: str, conf: Settings) -> None:
    assert read_source(f"{server}/canonical", conf).url == f"{server}/stories/ferry"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "/missing: the server answered 404 Not Found"),
        ("/huge", "/huge: the page is larger than 10 MB"),
        ("/paper.pdf", "/paper.pdf: is not an HTML page (application/pdf)"),
        ("/loop", "/loop: more than 5 redirects"),
        ("/ftp", "/ftp: redirected to a URL that is not http:// or https://"),
    ],
)
def test_each_failure_is_one_error_line(
    server: str, path: str, message: str, conf: Settings
) -> None:
    with pytest.raises(FetchError) as caught:
        read_source(f"{server}{path}", conf)
    assert str(caught.value) == f"{server}{message}"


def test_a_refused_connection_is_one_error_line(conf: Settings) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(
        FetchError, match=rf"^http://127.0.0.1:{port}/x: cannot be fetched \(ConnectError"
    ):
        read_source(f"http://127.0.0.1:{port}/x", conf)


def test_conditional_get_returns_304_with_no_body(server: str) -> None:
    first = fetch(f"{server}/etag")
    assert first.status == 200 and first.headers["etag"] == '"v1"'
    again = fetch(f"{server}/etag", headers={"If-None-Match": '"v1"'})
    assert (again.status, again.content) == (304, b"")


def test_other_schemes_are_refused(conf: Settings) -> None:
    with pytest.raises(FetchError, match=r"^ftp://example.com/a: only http:// and https://"):
        read_source("ftp://example.com/a", conf)


def test_max_bytes_is_ten_megabytes() -> None:
    assert MAX_BYTES == 10 * 1024 * 1024


def test_parse_url_on_the_command_line(server: str, tmp_path: Path) -> None:
    runner = CliRunner()
    site = ["--site", str(tmp_path / "site")]
    ok = runner.invoke(main, [*site, "parse", f"{server}/moved", "--json"])
    assert ok.exit_code == 0, ok.output
    assert f'"url": "{server}/page"' in ok.output
    bad = runner.invoke(main, [*site, "parse", f"{server}/paper.pdf"])
    assert bad.exit_code != 0
    assert bad.output.strip().splitlines() == [
        f"Error: {server}/paper.pdf: is not an HTML page (application/pdf)"
    ]


def test_parse_warns_about_an_empty_body(server: str, tmp_path: Path) -> None:
    page = tmp_path / "figure-only.html"
    page.write_text(
        "<html><head><title>Only a picture</title></head><body><article><h1>Only a picture</h1>"
        f"<p>{BODY}</p></article></body></html>".replace(f"<p>{BODY}</p>", f"<h2>{BODY}</h2>")
    )
    result = CliRunner().invoke(main, ["--site", str(tmp_path / "site"), "parse", str(page)])
    assert "warning: " in result.output and "no body text was found" in result.output

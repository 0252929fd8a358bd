"""A real HTTP server on 127.0.0.1 that serves feeds the tests write, and logs each request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers: a feed with validators, an error, a stall, a flood."""

    body: bytes = b""
    kind: str = "application/atom+xml"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before answering (a timeout)
    flood: int = 0  # bytes of filler to send instead of the body, with no length given
    location: str | None = None


@dataclass
class FeedServer:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: str | bytes, kind: str = "application/atom+xml") -> Route:
        """Serve `body` at `path` with an ETag and a Last-Modified derived from it."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        stamp = format_datetime(datetime(2025, 3, 1, 8, 0, len(data) % 60, tzinfo=UTC), usegmt=True)
        route = Route(data, kind, etag=f'"{hash(data) & 0xFFFFFFFF:x}"', last_modified=stamp)
        self.routes[path] = route
        return route

    def requests(self, path: str) -> list[dict[str, str]]:
        return [headers for logged, headers in self.log if logged == path]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            server.log.append((self.path, {k: v for k, v in self.headers.items()}))
            route = server.routes.get(self.path) or Route(b"<h1>Not found</h1>", "text/html", 404)
            if route.delay:
                time.sleep(route.delay)
            with suppress(BrokenPipeError, ConnectionResetError):
                self._answer(route)

        def _answer(self, route: Route) -> None:
            fresh = route.etag is not None and self.headers.get("If-None-Match") == route.etag
            if fresh and route.status == 200:
                self.send_response(304)
                self.send_header("ETag", route.etag or "")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.kind)
            for name, value in (
                ("ETag", route.etag),
                ("Last-Modified", route.last_modified),
                ("Location", route.location),
            ):
                if value:
                    self.send_header(name, value)
            if route.flood:
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<item>" + b"x" * (1024 * 1024 - 6)
                for _ in range(route.flood // len(chunk)):
                    self.wfile.write(chunk)
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve `handler` on a free port of 127.0.0.1 from a thread; yield the port; stop after."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    """Start a FeedServer on a free port of 127.0.0.1; stop it after."""
    state = FeedServer()
    with serving(_handler(state)) as port:
        state.port = port
        yield state


@dataclass(frozen=True)
class Item:
    """One entry of a test feed."""

    id: str
    title: str
    html: str
    link: str
    published: datetime


def atom(items: list[Item], *, title: str = "Harbour notes") -> str:
    entries = "".join(
        f"<entry><id>{escape(i.id)}</id><title>{escape(i.title)}</title>"
        f'<link rel="alternate" href="{escape(i.link)}"/>'
        f"<published>{i.published.isoformat()}</published><updated>{i.published.isoformat()}"
        f"</updated><author><name>Rowan Pike</name></author>"
        f'<content type="html">{escape(i.html)}</content></entry>'
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:test:harbour</id><updated>2025-03-01T08:00:00Z</updated>"
        f"{entries}</feed>"
    )


def rss2(items: list[Item], *, title: str = "Harbour notes") -> str:
    entries = "".join(
        f"<item><guid>{escape(i.id)}</guid><title>{escape(i.title)}</title>"
        f"<link>{escape(i.link)}</link><pubDate>{format_datetime(i.published)}</pubDate>"
        f"<description>{escape(i.html)}</description></item>"
        for i in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://127.0.0.1/</link><description>Notes</description>{entries}"
        "</channel></rss>"
    )


def rss1(items: list[Item]) -> str:
    entries = "".join(
        f'<item rdf:about="{escape(i.link)}"><title>{escape(i.title)}</title>'
        f"<link>{escape(i.link)}</link><description>{escape(i.html)}</description>"
        f"<dc:date>{i.published.isoformat()}</dc:date></item>"
        for i in items
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="http://127.0.0.1/"><title>Harbour notes</title>'
        f"<link>http://127.0.0.1/</link><description>Notes</description></channel>{entries}"
        "</rdf:RDF>"
    )


def rss091(items: list[Item]) -> str:
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        f"<description>{escape(i.html)}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0"?><rss version="0.91"><channel><title>Harbour notes</title>'
        f"<link>http://127.0.0.1/</link><description>Notes</description>"
        f"<language>en</language>{entries}</channel></rss>"
    )


def json_feed(items: list[Item], version: str = "1.1") -> str:
    import json

    return json.dumps(
        {
            "version": f"https://jsonfeed.org/version/{version}",
            "title": "Harbour notes",
            "items": [
                {
                    "id": i.id,
                    "url": i.link,
                    "title": i.title,
                    "content_html": i.html,
                    "date_published": i.published.isoformat(),
                    "authors" if version == "1.1" else "author": (
                        [{"name": "Rowan Pike"}] if version == "1.1" else {"name": "Rowan Pike"}
                    ),
                }
                for i in items
            ],
        }
    )

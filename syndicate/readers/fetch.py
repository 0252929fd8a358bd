"""Fetching pages by URL: one careful HTTP GET, shared by `parse URL` and followed feeds.

`fetch` returns the final address, the status, the headers and the body, and refuses
(with one FetchError line) what no reader should see: another scheme, a network failure,
an error status, more than MAX_REDIRECTS redirects, a body over MAX_BYTES. Extra request
headers (`If-None-Match`, `If-Modified-Since`) make a conditional GET; a 304 comes back
as it is, with an empty body.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from syndicate.config import Settings
from syndicate.errors import FetchError
from syndicate.model import Article

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
HTML_TYPES = {"text/html", "application/xhtml+xml"}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@functools.cache
def user_agent() -> str:
    """`syndicate/<version>`, as installed."""
    try:
        return f"syndicate/{version('syndicate')}"
    except PackageNotFoundError:
        return "syndicate/0+unknown"


def is_url(ref: str) -> bool:
    """Tell whether a command-line argument is a URL rather than a file name."""
    return bool(_URL.match(ref.strip()))


@dataclass(frozen=True)
class Fetched:
    """One response: where it ended up, its status and headers, and its body."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    # Where the leading permanent redirects (301, 308) led, when there were any: the
    # address to ask next time.
    moved_to: str | None = None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*\"?([\w.:\-]+)", self.headers.get("content-type", ""))
        return match.group(1) if match else None


def _check_scheme(url: str) -> None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise FetchError(f"{url}: is not a valid URL") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise FetchError(f"{url}: only http:// and https:// URLs can be fetched")


def _read_body(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    too_large = FetchError(f"{url}: the page is larger than {max_bytes // 1024 // 1024} MB")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


def _moved_to(response: httpx.Response) -> str | None:
    """Return where the redirects that began the chain, all permanent, led."""
    moved = None
    hops = response.history
    for hop, after in zip(hops, [*hops[1:], response][: len(hops)], strict=True):
        if hop.status_code not in {301, 308}:
            break
        moved = str(after.url)
    return moved


def http_client(timeout: httpx.Timeout = TIMEOUT, *, connections: int = 10) -> httpx.Client:
    """Return a client as `fetch` uses it; one shared by many fetches reuses connections."""
    return httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=timeout,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


def fetch(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    timeout: httpx.Timeout = TIMEOUT,
    client: httpx.Client | None = None,
) -> Fetched:
    """GET `url`, following at most MAX_REDIRECTS redirects; raise FetchError on failure.

    With `client` (from `http_client`), its connections and timeout serve this fetch.
    """
    _check_scheme(url)
    request_headers = {"User-Agent": user_agent(), **(headers or {})}
    try:
        with ExitStack() as stack:
            if client is None:
                client = stack.enter_context(http_client(timeout))
            response = stack.enter_context(
                client.stream("GET", url.strip(), headers=request_headers)
            )
            final = str(response.url)
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                raise FetchError(f"{url}: the server answered {response.status_code} {reason}")
            if response.status_code == 304:
                content = response.read()  # (empty) read to the end: the connection is reused
            else:
                content = _read_body(url, response, max_bytes)
            answered = dict(response.headers)
            return Fetched(final, response.status_code, answered, content, _moved_to(response))
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.UnsupportedProtocol:
        raise FetchError(f"{url}: redirected to a URL that is not http:// or https://") from None
    except httpx.TimeoutException:
        raise FetchError(f"{url}: timed out") from None
    except httpx.HTTPError as e:
        raise FetchError(f"{url}: cannot be fetched ({type(e).__name__}: {e})") from None


def read_url(url: str, settings: Settings) -> Article:
    """Fetch a page and read it with the HTML reader; its address becomes the article's URL
    unless the page names a canonical one."""
    from syndicate.readers import html  # trafilatura is slow to import: only here
    from syndicate.readers.assemble import Source

    fetched = fetch(url, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"})
    if fetched.media_type and fetched.media_type not in HTML_TYPES:
        raise FetchError(f"{url}: is not an HTML page ({fetched.media_type})")
    if not fetched.content.strip():
        raise FetchError(f"{url}: the page is empty")
    source = Source(
        path=Path(urlsplit(fetched.url).path or "/"), settings=settings, url=fetched.url
    )
    article = html.read(source, fetched.content, charset=fetched.charset)
    if not article.title:
        raise source.problem("no recognisable title")
    return article

"""One log line per request: method, path with its tokens cut, status, time taken.

The path logged is the route's pattern (`/confirm/…`), never the path as requested: a
confirmation or unsubscribe token in a log would work for whoever reads the log, and a
query string may carry an address. Only the names of feed files served are kept, as they
hold no secret. A path no route answers is cut to its first segment.
"""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, Response, g, request

log = logging.getLogger("syndicate.web.requests")

_VARIABLE = re.compile(r"<[^>]+>")
_SHOWN_IN_FULL = {"feeds.feed"}  # endpoints whose variable parts are no secret


def _shown_path(status: int) -> str:
    rule = request.url_rule
    if rule is not None and request.endpoint in _SHOWN_IN_FULL and status < 400:
        return request.script_root + request.path
    if rule is not None:
        return request.script_root + _VARIABLE.sub("…", rule.rule)
    first, _, rest = request.path.lstrip("/").partition("/")
    return f"{request.script_root}/{first[:40]}{'/…' if rest else ''}"


def _start() -> None:
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    took = f"{(time.perf_counter() - started) * 1000:.0f} ms" if started is not None else "-"
    log.info(
        "%s %s %s %s", request.method, _shown_path(response.status_code), response.status_code, took
    )
    return response


def log_requests(app: Flask) -> None:
    """Log one line for each request `app` answers."""
    app.before_request(_start)
    app.after_request(_finish)

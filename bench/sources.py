"""Time one run's polling of 500 followed feeds (490 answering 304) against httpx alone.

A feed server runs in a process of its own on 127.0.0.1: /feed/N answers an Atom feed
with an ETag, and 304 when the ETag comes back, except the first 10 feeds, which send no
validators and answer 200 with the whole feed every time (parsed, nothing new). The site
follows all 500; a first poll records their ETags (not measured). Then:

- syndicate: one run's polling (`check_sources`, then `record_check` keeping the state),
- httpx: the same 500 conditional GETs, made directly with one httpx.Client over a thread
  pool of the same size (`sources.pool`, 8), bodies read.

Target: syndicate's time <= 1.3x httpx's. Then the same polling in fresh processes with 50
and with 500 sources: peak memory (max RSS) at 500 <= 1.2x that at 50.

Usage: python bench/sources.py [SOURCES]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, make_site, serve_in_child, temp_folder  # noqa: E402

CHANGING = 10
POOL = 8


def _feed(number: int, version: int) -> bytes:
    entries = "".join(
        f"<entry><id>urn:bench:{number}:{n}</id><title>Bench entry {number}-{n}</title>"
        f'<link href="http://127.0.0.1/{number}/{n}"/><updated>2025-03-01T08:00:00Z</updated>'
        f'<content type="html">&lt;p&gt;Entry {n} of feed {number}.&lt;/p&gt;</content></entry>'
        for n in range(max(0, version - 5), version + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Bench {number}</title><id>urn:bench:{number}</id>"
        f"<updated>2025-03-01T08:00:00Z</updated>{entries}</feed>"
    ).encode()


def _serve(port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            number = int(self.path.rsplit("/", 1)[1])
            etag = f'"{number}-1"'
            if number >= CHANGING and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = _feed(number, 5)
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            if number >= CHANGING:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def _site(folder: Path, base: str, count: int):  # type: ignore[no-untyped-def]
    from syndicate.config import load_settings
    from syndicate.sources.checking import check_sources
    from syndicate.sources.following import record_check
    from syndicate.sources.records import add_source
    from syndicate.store import open_store, utcnow, write_transaction

    make_site(folder)
    settings = load_settings(folder, environ={})
    engine = open_store(settings)
    with write_transaction(engine) as conn:
        for number in range(count):
            add_source(conn, f"{base}/feed/{number}", name=f"feed{number}", now=utcnow())
    record_check(engine, check_sources(engine, settings))  # the first poll: ETags kept
    return settings, engine


def _poll_once(settings, engine) -> float:  # type: ignore[no-untyped-def]
    from syndicate.sources.checking import check_sources
    from syndicate.sources.following import record_check
    from syndicate.sources.tables import sources

    with engine.begin() as conn:  # every source due again (as at the next cron run)
        conn.execute(sources.update().values(next_check=None))
    start = time.perf_counter()
    check = check_sources(engine, settings)
    assert not check.articles and not check.warnings  # nothing new, nothing failing
    record_check(engine, check)
    return time.perf_counter() - start


def _direct(base: str, count: int, etags: dict[str, str]) -> float:
    def get(client: httpx.Client, number: int) -> int:
        url = f"{base}/feed/{number}"
        headers = {"If-None-Match": etags[url]} if etags.get(url) else {}
        response = client.get(url, headers=headers)
        response.read()
        return response.status_code

    start = time.perf_counter()
    limits = httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL)
    with httpx.Client(limits=limits) as client, ThreadPoolExecutor(POOL) as workers:
        statuses = list(workers.map(lambda n: get(client, n), range(count)))
    assert statuses.count(304) == count - CHANGING, statuses.count(304)
    return time.perf_counter() - start


def _memory(base: str, count: int) -> None:
    """(child) Follow `count` feeds, poll once, print the process's peak RSS in KB."""
    with temp_folder("syndicate-bench-sources-") as folder:
        settings, engine = _site(folder, base, count)
        _poll_once(settings, engine)
        engine.dispose()
    print(json.dumps({"max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def _peak(base: str, count: int) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "memory", base, str(count)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return int(json.loads(out.strip().splitlines()[-1])["max_rss_kb"])


def main(count: int) -> None:
    from syndicate.sources.tables import sources

    port = free_port()
    with serve_in_child([sys.executable, __file__, "serve", str(port)], port):
        base = f"http://127.0.0.1:{port}"
        with temp_folder("syndicate-bench-sources-") as folder:
            settings, engine = _site(folder, base, count)
            ours, direct = [], []
            for _ in range(5):
                with engine.connect() as conn:
                    etags = dict(conn.execute(sources.select().with_only_columns(
                        sources.c.url, sources.c.etag)).all())  # fmt: skip
                direct.append(_direct(base, count, etags))
                ours.append(_poll_once(settings, engine))
            engine.dispose()
        best_ours, best_direct = min(ours), min(direct)
        ratio = best_ours / best_direct
        print(f"polling {count} sources ({count - CHANGING} answering 304), best of 5:")
        print(f"  syndicate run's polling: {best_ours * 1000:,.1f} ms")
        print(f"  httpx directly (pool {POOL}): {best_direct * 1000:,.1f} ms")
        verdict = "met" if ratio <= 1.3 else "MISSED"
        print(f"  time ratio {ratio:.2f}x (target <= 1.3: {verdict})")
        small, large = _peak(base, 50), _peak(base, count)
        memory = large / small
        verdict = "met" if memory <= 1.2 else "MISSED"
        print(
            f"  peak memory: {small / 1024:.1f} MB at 50 sources, {large / 1024:.1f} MB at {count}"
        )
        print(f"  memory ratio {memory:.2f}x (target <= 1.2: {verdict})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        _serve(int(sys.argv[2]))
    elif sys.argv[1:2] == ["memory"]:
        _memory(sys.argv[2], int(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)

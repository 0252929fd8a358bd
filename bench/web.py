"""One-click unsubscribes against `syndicate serve`: 2,000 RFC 8058 POSTs from 50 clients at
once on loopback, beside the same server answering a static file (a feed) as often.

Every POST must answer 200 and every one must be recorded (2,000 memberships left); the
p50/p99 latencies of both are printed, with their ratio.

    .venv/bin/python bench/web.py [--requests 2000] [--clients 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from common import (
    ROOT,
    bulk_subscribers,
    figure,
    free_port,
    make_site,
    serve_in_child,
    temp_folder,
)

from syndicate.config import load_settings
from syndicate.newsletter.catalog import load_newsletters
from syndicate.store import memberships, open_store, subscribers
from syndicate.subscribers import unsubscribe_url


def prepare(site: Path, count: int, web_url: str) -> list[str]:
    """Give the site `count` active members of its newsletter; return their one-click URLs."""
    settings = load_settings(site, environ={"SYNDICATE_WEB_URL": web_url})
    engine = open_store(settings)
    try:
        bulk_subscribers(engine, settings, count)
        [newsletter] = load_newsletters(engine, settings)
        with engine.connect() as conn:
            ids = list(conn.execute(sa.select(subscribers.c.id)).scalars())
        return [unsubscribe_url(settings, sid, newsletter.slug) for sid in ids]
    finally:
        engine.dispose()


def left(site: Path) -> int:
    """Count the memberships that ended."""
    engine = open_store(load_settings(site, environ={}))
    try:
        with engine.connect() as conn:
            query = sa.select(sa.func.count()).where(memberships.c.state == "unsubscribed")
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def hammer(jobs: list[tuple[str, str]], clients: int) -> tuple[list[float], list[int]]:
    """Send (method, url) jobs from `clients` threads, each on its own keep-alive connection."""
    # No queue.Queue: run from bench/, `import queue` would find bench/queue.py.
    pending = iter(jobs)
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while True:
                with lock:
                    job = next(pending, None)
                if job is None:
                    return
                method, url = job
                body = {"List-Unsubscribe": "One-Click"} if method == "POST" else None
                started = time.perf_counter()
                try:
                    status = http.request(method, url, data=body).status_code
                except httpx.HTTPError:
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses.append(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with temp_folder("syndicate-bench-web-") as folder:
        site = make_site(folder / "site")
        port = free_port()
        web_url = f"http://127.0.0.1:{port}"
        urls = prepare(site, args.requests, web_url)
        (site / "feeds").mkdir(exist_ok=True)
        static = site / "feeds" / "atom.xml"
        static.write_text((ROOT / "README.md").read_text(encoding="utf-8")[:8000], "utf-8")
        argv = [
            sys.executable,
            "-m",
            "syndicate",
            "--site",
            str(site),
            "serve",
            "--port",
            str(port),
        ]
        env_argv = ["env", f"SYNDICATE_WEB_URL={web_url}", *argv]
        with serve_in_child(env_argv, port):
            hammer([("GET", f"{web_url}/feeds/atom.xml")] * 50, args.clients)  # warm up
            files, file_codes = hammer(
                [("GET", f"{web_url}/feeds/atom.xml")] * args.requests, args.clients
            )
            posts, post_codes = hammer([("POST", url) for url in urls], args.clients)
        recorded = left(site)
    errors = [code for code in post_codes if code != 200]
    print(
        f"one-click POSTs: {len(posts)}, answered 200: {len(posts) - len(errors)}, recorded: {recorded}"
    )
    for name, values in (("static file", files), ("one-click unsubscribe", posts)):
        p50, p99 = percentile(values, 0.50) * 1000, percentile(values, 0.99) * 1000
        print(f"{name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    figure(
        "one-click p50",
        percentile(posts, 0.5) * 1000,
        "ms",
        baseline=("static file p50", percentile(files, 0.5) * 1000),
        lower_is_better=True,
    )
    ok = not errors and recorded == args.requests and all(c == 200 for c in file_codes)
    print("every one recorded, no error response" if ok else "FAILED: errors or lost unsubscribes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

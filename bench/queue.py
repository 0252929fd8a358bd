"""Benchmark: queueing one issue for 1,000,000 subscribers, then sending with flat memory.

One SQLite database is prepared (not timed): a million active subscribers, each a member
of the site's newsletter, and one held issue of it. Two copies of it are then queued, each
in a process of its own so the memory peaks do not mix: (a) syndicate's `queue_issue`;
(b) the baseline, the single raw `INSERT ... SELECT` over the membership join that makes
the same rows. Targets: (a) <= 2x the time of (b), and a
peak RSS under 300 MB. Then `send_due` runs over syndicate's copy against an SMTP sink on
127.0.0.1, in a process of its own with `limit` 200,000, noting the peak RSS after 20,000 and
after 200,000: the two must be about the same (memory flat in the number sent).

    .venv/bin/python bench/queue.py [--subscribers 1000000] [--send 20000,200000]
"""

from __future__ import annotations

import sys

if __name__ == "queue":
    # This file shares its name with the standard library's `queue`, and scripts run from
    # bench/ find it first: imported under that name, it hands over the real module.
    import importlib
    import os

    _here = os.path.dirname(os.path.abspath(__file__))
    _saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    try:
        sys.modules.pop(__name__, None)
        sys.modules[__name__] = importlib.import_module("queue")
    finally:
        sys.path[:] = _saved

import argparse
import asyncio
import json
import resource
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syndicate.config import Settings

# The project's modules are imported inside the functions: when this file stands in for
# the standard `queue` (above), nothing else of it may run.
BENCH = Path(__file__).resolve().parent
MEMORY_TARGET_MB = 300
TIME_TARGET = 2.0
# Naive UTC, as the store writes moments on SQLite.
MOMENT = "2026-01-05 06:00:00.000000"

ARTICLE = """\
---
id: queue-bench
title: The library opens on Sundays from March
dek: Longer hours at the main branch, paid for by the new culture budget.
author: [Tomas Berg]
date: 2026-01-05
url: https://news.example.com/2026/01/05/library-sundays
tags: [Libraries]
---

The main library will open on Sundays from the first week of March.

## Hours

Doors open at ten and close at four; the reading room stays open until six.
"""

# The baseline: the plain INSERT ... SELECT over the membership join (schema version 3).
RAW_QUEUE = """
INSERT INTO deliveries (kind, issue_id, subscriber_id, state, attempts, due_at)
SELECT 'issue', ?, m.subscriber_id, 'due', 0, ?
FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
WHERE m.newsletter_id = (SELECT newsletter_id FROM issues WHERE id = ?)
  AND m.state = 'active' AND s.state = 'active'
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _settings(site: Path, **overrides: object) -> Settings:
    from syndicate.config import load_settings

    return load_settings(site, environ={}, **overrides)


def prepare(site: Path, count: int) -> int:
    """Make the database: `count` active subscribers and one held issue; return its id."""
    from syndicate.publishing import publish_files
    from syndicate.store import open_store

    settings = _settings(site, hold=True)
    path = site / "content" / "library.md"
    path.write_text(ARTICLE, encoding="utf-8")
    [result] = publish_files(settings, [path])
    assert result.issue is not None and result.issue.action == "held", result
    engine = open_store(settings)
    try:
        with engine.begin() as conn:
            # One statement generates every row inside SQLite: the fastest bulk insert.
            conn.exec_driver_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "INSERT INTO subscribers (email, email_key, name, state, created_at, "
                "signup_method, confirmed_at, soft_bounces) "
                "SELECT 'reader' || i || '@example.net', 'reader' || i || '@example.net', "
                "CASE WHEN i % 2 THEN 'Reader ' || i END, 'active', ?, 'import', ?, 0 FROM n",
                (count, MOMENT, MOMENT),
            )
            # Every one a member of the site's newsletter, the one the issue is for.
            conn.exec_driver_sql(
                "INSERT INTO memberships (newsletter_id, subscriber_id, state, created_at, "
                "signup_method, confirmed_at) SELECT (SELECT newsletter_id FROM issues "
                "WHERE id = ?), id, 'active', ?, 'import', ? FROM subscribers",
                (result.issue.issue_id, MOMENT, MOMENT),
            )
    finally:
        engine.dispose()  # the last connection checkpoints the WAL into the file
    return result.issue.issue_id


def child_queue(site: Path, issue_id: int) -> dict[str, float]:
    """Queue the issue with syndicate's own function (in a fresh process)."""
    from syndicate.newsletter.queueing import queue_issue
    from syndicate.store import open_store, write_transaction

    engine = open_store(_settings(site))
    started = time.perf_counter()
    with write_transaction(engine) as conn:
        rows = queue_issue(conn, issue_id)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"seconds": elapsed, "rows": rows, "peak_mb": _peak_mb()}


def child_raw(site: Path, issue_id: int) -> dict[str, float]:
    """Queue the issue with the single raw INSERT ... SELECT (in a fresh process)."""
    db = sqlite3.connect(site / "syndicate.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    rows = db.execute(RAW_QUEUE, (issue_id, MOMENT, issue_id)).rowcount
    db.execute("UPDATE issues SET state = 'queued', queued_at = ? WHERE id = ?", (MOMENT, issue_id))
    db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return {"seconds": elapsed, "rows": rows, "peak_mb": _peak_mb()}


def child_send(site: Path, smtp_url: str, limits: list[int]) -> dict[str, float]:
    """Send up to the last of `limits` deliveries; note the peak RSS as each is reached."""
    from syndicate.delivery import send_due
    from syndicate.store import open_store

    settings = _settings(site, smtp_url=smtp_url)
    engine = open_store(settings)
    result: dict[str, float] = {}
    sent = 0

    def progress(step: int) -> None:
        nonlocal sent
        sent += step
        # Progress comes in steps of any size: note each limit as the count passes it.
        for limit in limits:
            if sent >= limit and f"peak_mb_{limit}" not in result:
                result[f"peak_mb_{limit}"] = _peak_mb()

    started = time.perf_counter()
    # One sender process: its own memory is what is measured (several would leave this
    # process only watching them).
    summary = send_due(engine, settings, limit=limits[-1], processes=1, progress=progress)
    result["seconds"] = time.perf_counter() - started
    result["rows"] = summary.sent
    engine.dispose()
    return result


class _SinkProtocol(asyncio.Protocol):
    """Just enough SMTP to accept and discard messages as fast as a socket carries them.

    Hand-written on purpose: aiosmtpd reads DATA a line at a time in Python, so at a few
    hundred messages a second it, not the sender, set the pace of a 200,000-message run.
    This one scans for the end of DATA with bytes.find and parses nothing.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""
        self.in_data = False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                self.transport.write(b"250 2.0.0 accepted\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.buffer = b"\r\n" + self.buffer  # so a message of no lines still ends
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")


def serve_sink(port: int) -> None:
    """Run the fast accept-and-discard SMTP server on 127.0.0.1:`port` until killed."""

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_SinkProtocol, "127.0.0.1", port, backlog=512)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


@contextmanager
def fast_sink() -> Iterator[str]:
    """Run the fast sink in a process of its own; yield its smtp:// URL."""
    from common import free_port, serve_in_child

    port = free_port()
    with serve_in_child([sys.executable, __file__, "child", "sink", str(port)], port) as url:
        yield url


def _run_child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "child", *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _copy(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


def main() -> int:
    """Run both sides and print one line per figure with the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--send", default="20000,200000", help="the two send limits")
    args = parser.parse_args()
    limits = [int(n) for n in args.send.split(",")]
    sys.path.insert(0, str(BENCH))
    from common import make_site, temp_folder

    with temp_folder("syndicate-bench-queue-") as root:
        template = make_site(root / "template")
        started = time.perf_counter()
        issue_id = prepare(template, args.subscribers)
        print(
            f"  (prepared {args.subscribers:,} subscribers in "
            f"{time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        ours_site = _copy(template, root / "ours")
        raw_site = _copy(template, root / "raw")
        shutil.rmtree(template)
        raw = _run_child("raw", str(raw_site), str(issue_id))
        ours = _run_child("queue", str(ours_site), str(issue_id))
        shutil.rmtree(raw_site)
        assert ours["rows"] == raw["rows"] == args.subscribers, (ours, raw)
        ratio = ours["seconds"] / raw["seconds"]
        print(
            f"queue {args.subscribers:,} (raw INSERT ... SELECT): {raw['seconds']:.2f} s, "
            f"peak {raw['peak_mb']:.0f} MB"
        )
        verdict = "met" if ratio <= TIME_TARGET else "MISSED"
        print(
            f"queue {args.subscribers:,} (syndicate queue_issue): {ours['seconds']:.2f} s "
            f"(ratio {ratio:.2f}x vs raw, target <= {TIME_TARGET:g}: {verdict})"
        )
        verdict = "met" if ours["peak_mb"] < MEMORY_TARGET_MB else "MISSED"
        print(
            f"queue {args.subscribers:,} peak memory (syndicate): {ours['peak_mb']:.0f} MB "
            f"(target < {MEMORY_TARGET_MB} MB: {verdict})",
            flush=True,
        )

        with fast_sink() as smtp_url:
            sent = _run_child("send", str(ours_site), smtp_url, ",".join(map(str, limits)))
        assert sent["rows"] == limits[-1], sent
        rate = sent["rows"] / sent["seconds"]
        for limit in limits:
            print(
                f"send to the sink, peak memory after {limit:,}: {sent[f'peak_mb_{limit}']:.0f} MB"
            )
        growth = sent[f"peak_mb_{limits[-1]}"] / sent[f"peak_mb_{limits[0]}"]
        verdict = "flat" if growth <= 1.1 else "GROWS"
        print(
            f"send memory {limits[-1]:,} / {limits[0]:,}: {growth:.2f}x ({verdict}; "
            f"{rate:,.0f} messages/s over {limits[-1]:,})"
        )
    return 0


def child(argv: list[str]) -> int:
    """Run one measured side in this process and print its figures as JSON."""
    kind, site = argv[0], Path(argv[1])
    if kind == "sink":
        serve_sink(int(argv[1]))
        return 0
    if kind == "queue":
        result = child_queue(site, int(argv[2]))
    elif kind == "raw":
        result = child_raw(site, int(argv[2]))
    else:
        result = child_send(site, argv[2], [int(n) for n in argv[3].split(",")])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(child(sys.argv[2:]) if sys.argv[1:2] == ["child"] else main())

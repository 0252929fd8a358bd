"""Benchmark 2: sending to an accept-and-discard SMTP sink, syndicate against smtplib loops.

The sink is Postfix's `smtp-sink` when it is installed (a C server that is never the
bottleneck), else an aiosmtpd sink in a process of its own (which is, and says so).
Baselines, on the same prebuilt messages and the same sink: (c) smtplib opening a new
connection per message (how rss2email sends), (d) one smtplib connection sending prebuilt
bytes in a loop, no database, and (e) Postfix's `smtp-source` (a C client, one connection,
messages of the same size): the practical ceiling. syndicate runs `send_due` on a real
store (20,000 confirmed subscribers, one queued issue) with one connection and with the
default settings (processes and connections). Each line gives the client's CPU per message.
`--workers 1,2,4 --db URL` also runs that many `syndicate send` processes at once against
one database (a database of its own is created on a PostgreSQL server, and dropped after).

Example: .venv/bin/python bench/send.py --deliveries 5000 --workers 1,2,4 --db postgresql+psycopg://postgres@127.0.0.1:55432/postgres
`--dkim` instead prints syndicate's send rate with DKIM signing off and on (dkimpy's RSA is
pure Python): .venv/bin/python bench/send.py --dkim --deliveries 2000
"""

from __future__ import annotations

import argparse
import os
import resource
import smtplib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from common import (
    EXAMPLE_ARTICLE,
    SENDER,
    bulk_subscribers,
    fastest_sink,
    figure,
    make_site,
    postfix_tool,
    temp_folder,
)

from syndicate.config import Settings, load_settings
from syndicate.delivery import default_processes, send_due
from syndicate.newsletter.message import Recipient, build_template, message_id
from syndicate.newsletter.render import render_issue
from syndicate.newsletter.splice import personalize
from syndicate.publishing import publish_files
from syndicate.readers import read_article
from syndicate.store import deliveries, open_store, utcnow
from syndicate.subscribers import manage_url, unsubscribe_url


def prebuilt_messages(settings: Settings, count: int) -> list[tuple[str, bytes]]:
    """Build every recipient's message up front (not timed): what the baselines send."""
    article = read_article(EXAMPLE_ARTICLE, settings)
    template = build_template(settings, render_issue(settings, article), date=utcnow())
    messages = []
    for n in range(count):
        address = f"reader{n:06d}@example.net"
        recipient = Recipient(
            address=address,
            name=f"Reader {n}" if n % 2 else None,  # as bulk_subscribers names them
            unsubscribe_url=unsubscribe_url(settings, n + 1),
            message_id=message_id(settings, 1, n + 1),
            manage_url=manage_url(settings, n + 1),
        )
        messages.append((address, personalize(template, recipient)))
    return messages


def _host_port(smtp_url: str) -> tuple[str, int]:
    parts = urlsplit(smtp_url)
    return parts.hostname or "127.0.0.1", parts.port or 25


def new_connection_each(smtp_url: str, messages: list[tuple[str, bytes]]) -> float:
    """Send each message over a connection of its own; return seconds."""
    host, port = _host_port(smtp_url)
    started = time.perf_counter()
    for address, message in messages:
        with smtplib.SMTP(host, port) as smtp:
            smtp.sendmail(SENDER, [address], message)
    return time.perf_counter() - started


def one_connection(smtp_url: str, messages: list[tuple[str, bytes]]) -> tuple[float, float]:
    """Send every message over one connection; return seconds and this process's CPU seconds."""
    host, port = _host_port(smtp_url)
    started, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP(host, port) as smtp:
        for address, message in messages:
            smtp.sendmail(SENDER, [address], message)
    return time.perf_counter() - started, time.process_time() - cpu


def children_cpu() -> float:
    """Return the CPU seconds (user + system) of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def smtp_source(smtp_url: str, count: int, size: int) -> tuple[float, float] | None:
    """Send `count` messages of `size` bytes with Postfix's smtp-source over one connection.

    Returns seconds and the client's CPU seconds, or None when smtp-source is not installed.
    """
    program = postfix_tool("smtp-source")
    if program is None:
        return None
    host, port = _host_port(smtp_url)
    command = [program, "-d", "-s", "1", "-m", str(count), "-l", str(size)]
    command += ["-f", SENDER, "-t", "reader@example.net", f"{host}:{port}"]
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, check=True)
    return time.perf_counter() - started, children_cpu() - cpu


@contextmanager
def own_database(folder: Path, server: str | None) -> Iterator[str]:
    """Yield the URL of a new empty database: a SQLite file, or one made on `server`."""
    if server is None or server.startswith("sqlite"):
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def prepared_site(folder: Path, smtp_url: str, count: int, db_url: str | None) -> Settings:
    """Make a site with `count` active subscribers and one queued issue (not timed)."""
    site = make_site(folder, db_url=db_url, smtp_url=smtp_url)
    settings = load_settings(site, environ={})
    engine = open_store(settings)
    try:
        bulk_subscribers(engine, settings, count)
    finally:
        engine.dispose()
    (result,) = publish_files(settings, [EXAMPLE_ARTICLE])
    assert result.issue is not None and result.issue.deliveries == count, result.issue
    return settings


def sent_window(settings: Settings) -> tuple[int, float]:
    """Count the sent deliveries and the seconds from the first claim to the last send."""
    engine = open_store(settings)
    try:
        with engine.connect() as conn:
            query = sa.select(
                sa.func.count(),
                sa.func.min(deliveries.c.claimed_at),
                sa.func.max(deliveries.c.sent_at),
            ).where(deliveries.c.state == "sent")
            count, first, last = conn.execute(query).one()
    finally:
        engine.dispose()
    return int(count), (last - first).total_seconds()


def syndicate_in_process(
    folder: Path, smtp_url: str, count: int, connections: int | None, db: str | None = None
) -> tuple[float, float]:
    """Run `send_due` over a prepared store; return seconds and the client's CPU seconds.

    `connections` None runs the defaults (processes and connections); the CPU then counts
    the sender processes `send_due` started as well as this one.
    """
    with own_database(folder, db) as db_url:
        settings = prepared_site(folder, smtp_url, count, db_url)
        engine = open_store(settings)
        try:
            started = time.perf_counter()
            cpu = time.process_time() + children_cpu()
            processes = 1 if connections == 1 else None
            summary = send_due(
                engine, settings, rate=0, connections=connections, processes=processes
            )
            seconds = time.perf_counter() - started
            cpu = time.process_time() + children_cpu() - cpu
        finally:
            engine.dispose()
        assert summary.sent == count, summary.describe()
    return seconds, cpu


def syndicate_processes(
    folder: Path, smtp_url: str, count: int, workers: int, connections: int, db: str | None
) -> tuple[float, float]:
    """Run `workers` `syndicate send` processes at once on one database.

    Returns the wall time (start-up included) and the time from the first claim to the
    last message sent, as the database recorded them.
    """
    with own_database(folder, db) as db_url:
        settings = prepared_site(folder, smtp_url, count, db_url)
        command = [sys.executable, "-m", "syndicate", "--site", str(settings.site), "send"]
        command += ["--quiet", "--connections", str(connections), "--processes", "1"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
        started = time.perf_counter()
        senders = [subprocess.Popen(command, env=env) for _ in range(workers)]
        codes = [sender.wait() for sender in senders]
        seconds = time.perf_counter() - started
        assert codes == [0] * workers, codes
        sent, window = sent_window(settings)
        assert sent == count, f"{sent} of {count} sent"
    return seconds, window


def dkim_rates(count: int) -> None:
    """Print `send_due`'s rate over one connection with DKIM signing off, then on."""
    from dataclasses import replace

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    rates = {}
    with temp_folder("bench-dkim-") as folder, fastest_sink() as (smtp_url, _sink):
        print(f"send: {count:,} deliveries, DKIM off and on, one connection to {_sink}")
        for signed in (False, True):
            settings = prepared_site(folder / f"dkim-{signed}", smtp_url, count, None)
            if signed:
                settings = replace(
                    settings, dkim_domain="news.example.com", dkim_selector="bench", dkim_key=pem
                )
            engine = open_store(settings)
            try:
                started = time.perf_counter()
                summary = send_due(engine, settings, rate=0, connections=1)
                rates[signed] = count / (time.perf_counter() - started)
            finally:
                engine.dispose()
            assert summary.sent == count, summary.describe()
    figure("syndicate send --connections 1, unsigned", rates[False], "msg/s")
    figure(
        "syndicate send --connections 1, DKIM-signed (rsa-sha256, 2048 bits)",
        rates[True],
        "msg/s",
        baseline=("unsigned", rates[False]),
    )


def per_message(cpu: float, count: int) -> str:
    return f"client CPU {cpu / count * 1e6:,.0f} us/msg"


def main() -> None:
    """Run the baselines and syndicate against one sink and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--workers", help="comma-separated sender process counts, e.g. 1,2,4")
    parser.add_argument("--db", help="database server for --workers (default: SQLite file)")
    parser.add_argument("--worker-connections", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="turns of (d) and syndicate")
    parser.add_argument("--dkim", action="store_true", help="only: the rate signed and unsigned")
    options = parser.parse_args()
    count = options.deliveries
    if options.dkim:
        dkim_rates(count)
        return

    with temp_folder("bench-send-") as folder, fastest_sink() as (smtp_url, sink):
        print(f"send: {count:,} deliveries to {sink} on 127.0.0.1", flush=True)
        load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
        print(f"load average before: {load} ({os.cpu_count()} cores)", flush=True)
        settings = load_settings(make_site(folder / "build"), environ={})
        messages = prebuilt_messages(settings, count)
        size = sum(len(m) for _, m in messages) // count

        rate_c = count / new_connection_each(smtp_url, messages)
        # (d) and syndicate take turns, best round of each: a busy machine slows whichever
        # side happens to run at the time, and the ratio is what the target is about.
        rate_d = rate_1 = 0.0
        cpu_d = cpu_1 = float("inf")
        for round_ in range(options.rounds):
            seconds, cpu = one_connection(smtp_url, messages)
            rate_d, cpu_d = max(rate_d, count / seconds), min(cpu_d, cpu)
            seconds, cpu = syndicate_in_process(folder / f"one{round_}", smtp_url, count, 1)
            rate_1, cpu_1 = max(rate_1, count / seconds), min(cpu_1, cpu)
        seconds, cpu_default = syndicate_in_process(folder / "default", smtp_url, count, None)
        rate_default = count / seconds
        source = smtp_source(smtp_url, count, size)

        figure("(c) smtplib, new connection per message", rate_c, "msg/s")
        figure(
            f"(d) smtplib, one connection, prebuilt bytes, no database, best of {options.rounds}"
            f"; {per_message(cpu_d, count)}",
            rate_d,
            "msg/s",
        )
        if source is None:
            print("(e) smtp-source: not installed (`apt-get install postfix`), skipped")
        else:
            figure(
                f"(e) Postfix smtp-source, one connection, {size:,}-byte messages"
                f"; {per_message(source[1], count)}",
                count / source[0],
                "msg/s",
                baseline=("(d)", rate_d),
            )
        figure(
            f"syndicate send --connections 1, best of {options.rounds}; {per_message(cpu_1, count)}",
            rate_1,
            "msg/s",
            baseline=("(d)", rate_d),
            target=0.6,
        )
        figure("syndicate send --connections 1", rate_1, "msg/s", baseline=("(c)", rate_c))
        figure(
            f"syndicate send (default: {default_processes()} processes, "
            f"{settings.connections} connections); {per_message(cpu_default, count)}",
            rate_default,
            "msg/s",
            baseline=("(d)", rate_d),
            target=1.0,
        )
        load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
        print(f"load average after: {load}", flush=True)

        if options.workers:
            backend = sa.make_url(options.db).get_backend_name() if options.db else "sqlite"
            for workers in [int(w) for w in options.workers.split(",")]:
                seconds, window = syndicate_processes(
                    folder / f"workers{workers}",
                    smtp_url,
                    count,
                    workers,
                    options.worker_connections,
                    options.db,
                )
                label = f"syndicate send x{workers} processes ({backend}, "
                label += f"{options.worker_connections} connection each"
                figure(
                    f"{label}, first claim to last send)",
                    count / window,
                    "msg/s",
                    baseline=("(d)", rate_d),
                )
                figure(f"{label}, wall time with start-up)", count / seconds, "msg/s")


if __name__ == "__main__":
    main()

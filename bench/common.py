"""Shared pieces of the benchmarks: a temporary site, an SMTP sink, and the figure line.

The sink runs in a process of its own (this file run as a script), so the side being
measured never shares a GIL with the server: every side talks to the same sink the same way.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ARTICLE = ROOT / "examples" / "library-reopening.md"
BASE_URL = "https://news.example.com"
SENDER = "newsletter@news.example.com"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_site(folder: Path, *, db_url: str | None = None, smtp_url: str | None = None) -> Path:
    """Write a site folder with a real base URL (and a database or SMTP server) into `folder`."""
    (folder / "content").mkdir(parents=True, exist_ok=True)
    config = f'[site]\ntitle = "The Bench Desk"\nbase_url = "{BASE_URL}"\n'
    # The example article is dated months back: without this the age guard holds its email.
    config += "\n[newsletter]\nmax_age = 0\n"
    if db_url:
        config += f'\n[database]\nurl = "{db_url}"\n'
    if smtp_url:
        config += f'\n[smtp]\nurl = "{smtp_url}"\n'
    (folder / "syndicate.toml").write_text(config, encoding="utf-8")
    return folder


@contextmanager
def temp_folder(prefix: str) -> Iterator[Path]:
    """Yield a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def bulk_subscribers(engine: object, settings: object, count: int, prefix: str = "reader") -> None:
    """Insert `count` subscribers, each a member of the site's newsletter (setup, not measured)."""
    import sqlalchemy as sa

    from syndicate.config import Settings
    from syndicate.newsletter.catalog import load_newsletters
    from syndicate.store import UTCDateTime, memberships, subscribers, utcnow

    assert isinstance(engine, sa.Engine) and isinstance(settings, Settings)
    [newsletter] = load_newsletters(engine, settings)
    now = utcnow()
    rows = [
        {
            "email": f"{prefix}{n:06d}@example.net",
            "email_key": f"{prefix}{n:06d}@example.net",
            "name": f"Reader {n}" if n % 2 else None,
            "state": "active",
            "created_at": now,
            "confirmed_at": now,
            "signup_method": "import",
            "soft_bounces": 0,
        }
        for n in range(count)
    ]
    members = sa.select(
        sa.literal(newsletter.id),
        subscribers.c.id,
        sa.literal("active"),
        sa.literal(now, UTCDateTime()),
        sa.literal("import"),
    )
    columns = ["newsletter_id", "subscriber_id", "state", "created_at", "signup_method"]
    with engine.begin() as conn:
        conn.execute(subscribers.insert(), rows)
        conn.execute(memberships.insert().from_select(columns, members))


class _Discard:
    """An aiosmtpd handler that accepts every message and keeps nothing."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 2.0.0 accepted"


def _serve(port: int) -> None:
    from aiosmtpd.smtp import SMTP

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(_Discard(), hostname="sink.bench", data_size_limit=None),
            "127.0.0.1",
            port,
            backlog=512,
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


@contextmanager
def smtp_sink() -> Iterator[str]:
    """Run an accept-and-discard SMTP server on 127.0.0.1 in its own process; yield its URL."""
    port = free_port()
    with serve_in_child([sys.executable, __file__, "sink", str(port)], port) as url:
        yield url


def postfix_tool(name: str) -> str | None:
    """Return the path of one of Postfix's test programs (smtp-sink, smtp-source), if installed."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/lib/postfix/sbin")


@contextmanager
def fastest_sink() -> Iterator[tuple[str, str]]:
    """Yield the URL and name of the quickest accept-and-discard sink this machine has.

    Postfix's `smtp-sink` (C, one process, no Postfix daemon involved) keeps up with any
    Python client; the aiosmtpd sink is the fallback, and is itself the bottleneck then.
    """
    program = postfix_tool("smtp-sink")
    if program is None:
        with smtp_sink() as url:
            yield url, "an aiosmtpd sink (smtp-sink not installed: `apt-get install postfix`)"
        return
    port = free_port()
    # It refuses to run as root without a user to drop to; `nobody` owns nothing here.
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with serve_in_child([program, *user, f"127.0.0.1:{port}", "512"], port) as url:
        yield url, f"Postfix's smtp-sink ({program})"


@contextmanager
def serve_in_child(argv: list[str], port: int) -> Iterator[str]:
    """Start `argv` (a server listening on 127.0.0.1:`port`), wait for it; yield its URL."""
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONWARNINGS": "ignore"}
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the SMTP sink did not start") from None
                time.sleep(0.05)
        yield f"smtp://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: tuple[str, float] | None = None,
    target: float | None = None,
    lower_is_better: bool = False,
) -> str:
    """Print and return one figure line, with its ratio to a baseline and the target."""
    line = f"{name}: {value:,.1f} {unit}"
    if baseline is not None:
        base_name, base_value = baseline
        ratio = base_value / value if lower_is_better else value / base_value
        line += f" (ratio {ratio:.3g}x vs {base_name}"
        if target is not None:
            sign = "<=" if lower_is_better else ">="
            met = ratio <= target if lower_is_better else ratio >= target
            line += f", target {sign} {target:g}: {'met' if met else 'MISSED'}"
        line += ")"
    print(line, flush=True)
    return line


if __name__ == "__main__" and sys.argv[1:2] == ["sink"]:
    _serve(int(sys.argv[2]))

"""`syndicate serve` on a real port: a child process, its address, and what it logged."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Served:
    root: str  # http://127.0.0.1:PORT, with the web path when one is given
    origin: str  # http://127.0.0.1:PORT
    log: Path  # the server's stderr

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    site: Path, env: Mapping[str, str] | None = None, *, web_path: str | None = None
) -> Iterator[Served]:
    """Run `syndicate --site SITE serve` on a free loopback port until the block ends.

    With `web_path`, web.url is set to that path on the server (e.g. "/newsletter").
    """
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    log = site / f"serve-{port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
    environment.update(env or {})
    if web_path is not None:
        environment["SYNDICATE_WEB_URL"] = origin + web_path
    with log.open("wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "syndicate", "--site", str(site), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=environment,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.1)
        yield Served(origin + (web_path or ""), origin, log)
    finally:
        child.terminate()
        child.wait(10)

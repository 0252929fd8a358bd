"""`syndicate serve` from the command line: where it listens and what it says when it cannot."""

from __future__ import annotations

import socket
from pathlib import Path

from site_helpers import cli


def test_serve_reports_a_busy_port_in_one_line(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli(site, "serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert "Traceback" not in result.output
    assert "web.url is not set" in result.output  # links in emails would point elsewhere


def test_serve_refuses_a_port_out_of_range(site: Path) -> None:
    result = cli(site, "serve", "--port", "70000")
    assert result.exit_code == 2
    assert "70000 is not in the range 1<=x<=65535" in result.output

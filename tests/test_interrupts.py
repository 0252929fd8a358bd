"""Ctrl-C and SIGTERM during a send: one line on where it stopped, exit 130 / 143, nothing lost.

The SMTP server holds one message's reply until the test has sent the signal, so the
signal lands mid-send every time (no sleep race); the counts are checked against what the
server received.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from delivery_helpers import bulk_active, delivery_states, write_article
from site_helpers import cli
from smtp_server import SMTPServer

LINE = re.compile(r"interrupted: (\d+) sent, (\d+) left; the next send continues\n")


def start(site: Path, server: SMTPServer, *command: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        **server.env(),
        "SYNDICATE_CONNECTIONS": "1",  # one message on the wire at a time
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "syndicate", "--site", str(site), *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("command", "signum", "code"),
    [(("run", "--quiet"), signal.SIGINT, 130), (("send",), signal.SIGTERM, 143)],
)
def test_a_signal_mid_send_stops_cleanly_and_the_next_send_finishes(
    site: Path,
    smtp_server: SMTPServer,
    command: tuple[str, ...],
    signum: signal.Signals,
    code: int,
) -> None:
    readers = bulk_active(site, 300)
    write_article(site)
    if command[0] == "send":  # publish first; the send alone is interrupted
        assert cli(site, "run", "--no-email").exit_code == 0
        assert cli(site, "publish", str(site / "content" / "ferry.md"), "--resend").exit_code == 0
    smtp_server.hold_at(65)
    sender = start(site, smtp_server, *command)
    try:
        assert smtp_server.holding.wait(60), "the sender never reached the 65th message"
        sender.send_signal(signum)
    finally:
        smtp_server.release()
    out, err = sender.communicate(timeout=60)
    assert sender.returncode == code, err
    assert out == "" and "Traceback" not in err
    match = LINE.fullmatch(err)
    assert match is not None, err
    sent, left = int(match.group(1)), int(match.group(2))
    assert sent == len(smtp_server.messages) >= 65  # the held message went out and counts
    assert sent + left == 300
    assert set(delivery_states(site)) <= {"sent", "due"}  # nothing stranded in `sending`

    finished = cli(site, "send", env=smtp_server.env())
    assert finished.exit_code == 0, finished.output
    assert smtp_server.recipients() == dict.fromkeys(readers, 1)


def test_ctrl_c_stops_every_sender_process_and_says_it_once(
    site: Path, smtp_server: SMTPServer
) -> None:
    readers = bulk_active(site, 1200)  # enough for two processes (one per 500 due)
    assert cli(site, "publish", str(write_article(site))).exit_code == 0
    smtp_server.hold_at(65)
    sender = start(site, smtp_server, "send", "--processes", "2", "--connections", "2")
    try:
        assert smtp_server.holding.wait(60), "the senders never reached the 65th message"
        assert len(Path(f"/proc/{sender.pid}/task/{sender.pid}/children").read_text().split()) == 2
        sender.send_signal(signal.SIGINT)  # the command's process only, as `kill -INT` does
    finally:
        smtp_server.release()
    out, err = sender.communicate(timeout=60)
    assert sender.returncode == 130, err
    assert out == "" and "Traceback" not in err
    match = LINE.fullmatch(err)  # one line for the two processes
    assert match is not None, err
    sent, left = int(match.group(1)), int(match.group(2))
    assert sent == len(smtp_server.messages) >= 65
    assert sent + left == 1200
    assert set(delivery_states(site)) <= {"sent", "due"}

    finished = cli(site, "send", env=smtp_server.env())
    assert finished.exit_code == 0, finished.output
    assert f"sent {left}," in finished.output
    assert smtp_server.recipients() == dict.fromkeys(readers, 1)

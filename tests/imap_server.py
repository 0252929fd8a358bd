"""A real IMAP server for the bounce mailbox tests: pymap's in-memory backend on 127.0.0.1.

STARTTLS with a certificate from a throwaway CA (trustme); `tls=False` starts it without
TLS, to show the password is never sent in clear.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import trustme
from smtp_server import free_port

USER, PASSWORD = "bounces", "mailbox-test-password"


class IMAPServer:
    """pymap, started as a process of its own, and a client to look into it."""

    def __init__(self, tmp: Path, *, tls: bool = True) -> None:
        self.port = free_port()
        self.ca_file = tmp / "imap-ca.pem"
        self.tls = tls
        command = [str(Path(sys.executable).with_name("pymap")), "--host", "127.0.0.1"]
        command += ["--port", str(self.port)]
        if tls:
            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1")
            ca.cert_pem.write_to_path(str(self.ca_file))
            cert.cert_chain_pems[0].write_to_path(str(tmp / "imap-cert.pem"))
            cert.private_key_pem.write_to_path(str(tmp / "imap-key.pem"))
            command += ["--cert", str(tmp / "imap-cert.pem"), "--key", str(tmp / "imap-key.pem")]
        else:
            command.append("--no-tls")
        command += ["dict", "--demo-user", USER, "--demo-password", PASSWORD]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("pymap did not start") from None
                time.sleep(0.1)

    def env(self) -> dict[str, str]:
        env = {
            "SYNDICATE_INBOUND_URL": f"imap://{USER}@127.0.0.1:{self.port}/INBOX",
            "SYNDICATE_INBOUND_PASSWORD": PASSWORD,
        }
        if self.tls:
            env["SYNDICATE_INBOUND_CA_FILE"] = str(self.ca_file)
        return env

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port)
        imap.starttls(ssl.create_default_context(cafile=str(self.ca_file)))
        imap.login(USER, PASSWORD)
        return imap

    def deliver(self, messages: list[bytes]) -> None:
        """Put messages into INBOX, unread, as the mail server would."""
        imap = self.client()
        for raw in messages:
            assert imap.append("INBOX", None, None, raw)[0] == "OK"
        imap.logout()

    def folder(self, name: str) -> list[tuple[bytes, bool]]:
        """Return each message of a folder and whether it is marked read (\\Seen)."""
        imap = self.client()
        found: list[tuple[bytes, bool]] = []
        if imap.select(name, readonly=True)[0] == "OK":
            _, (uids,) = imap.uid("SEARCH", "ALL")
            for uid in (uids or b"").split():
                _, data = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, body = data[0]
                found.append((body, b"\\Seen" in head))
        imap.logout()
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def running(tmp: Path, *, tls: bool = True) -> Iterator[IMAPServer]:
    server = IMAPServer(tmp, tls=tls)
    try:
        yield server
    finally:
        server.stop()

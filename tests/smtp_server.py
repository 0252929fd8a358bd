"""A real SMTP server (aiosmtpd) on 127.0.0.1 that tests can steer and inspect.

It records every accepted message; it can answer 451 to chosen recipients a number of
times, 550 to others, any reply at RCPT or after DATA (to chosen recipients or to all),
421 to a throttled domain, hold a message at DATA until the test lets it go, hold every
message after a number of them until released (so a test knows a sender is mid-send), drop
the connection after a number of messages, be stopped, and speak STARTTLS (a certificate
made in the test by trustme) with AUTH. Import the fixtures
(`smtp_server`, `tls_smtp_server`) through tests/conftest.py; the class is `SMTPServer`.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USERNAME = "sender"
PASSWORD = "correct horse"


@dataclass(frozen=True)
class Received:
    """One message the server accepted: envelope and raw bytes."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Rules:
    defer: dict[str, int] = field(default_factory=dict)
    reject: set[str] = field(default_factory=set)
    drop_after: int | None = None
    hold_after: int | None = None  # hold every message from this count on
    hold_at: int | None = None  # hold only the message of this count
    # address ("*" for everyone) -> (phase, reply): RCPT answers at RCPT, DATA after DATA
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    throttle: dict[str, int] = field(default_factory=dict)  # domain -> 421s left
    gate: tuple[threading.Event, threading.Event] | None = None  # (reached, go)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_EHLO(
        self,
        smtp: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        # aiosmtpd reads pipelined commands fine but does not say so; Postfix does.
        session.host_name = hostname
        if self.server.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self,
        smtp: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        verdict = self.server._verdict(address)
        if verdict is None:
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"
        return verdict

    async def handle_DATA(self, smtp: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        if self.server._should_hold():
            # Keep the client waiting for the reply, off the event loop, until released.
            self.server.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.server.released.wait)
        gate = self.server._take_gate()
        if gate is not None:
            reached, go = gate
            reached.set()
            await asyncio.get_running_loop().run_in_executor(None, go.wait, 10)
        refusal = self.server._data_verdict(envelope.rcpt_tos)
        if refusal is not None:
            return refusal
        if self.server._should_drop():
            assert smtp.transport is not None
            smtp.transport.close()
            return "421 4.3.0 dropped on purpose"
        login = session.auth_data if session.authenticated else None
        data = envelope.original_content or b""
        self.server._record(
            Received(
                sender=str(envelope.mail_from),
                recipients=tuple(envelope.rcpt_tos),
                data=data,
                tls=session.ssl is not None,
                login=login.decode() if isinstance(login, bytes) else None,
            )
        )
        return "250 2.0.0 queued"


def _authenticate(
    server: SMTPProtocol, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


class SMTPServer:
    """A controllable aiosmtpd server on 127.0.0.1."""

    def __init__(
        self, tmp: Path, *, tls: bool = False, auth: bool = False, pipelining: bool = True
    ) -> None:
        self.port = free_port()
        self.pipelining = pipelining  # offer RFC 2920 PIPELINING in the EHLO reply
        self.tls = tls
        self.auth = auth
        self.ca_file: Path | None = None
        self._lock = threading.Lock()
        self._rules = _Rules()
        self._delivered = 0
        self.messages: list[Received] = []
        self.holding = threading.Event()  # set while a message waits for `release()`
        self.released = threading.Event()
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port}
        if tls:
            ca = trustme.CA()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            self.ca_file = tmp / "smtp-ca.pem"
            ca.cert_pem.write_to_path(str(self.ca_file))
            kwargs["tls_context"] = context
        if auth:
            kwargs["authenticator"] = _authenticate
            # Offer AUTH even without TLS, so tests prove the client refuses to use it.
            kwargs["auth_require_tls"] = False
        self.controller = Controller(_Handler(self), **kwargs)
        self.running = False

    @property
    def url(self) -> str:
        user = f"{USERNAME}@" if self.auth else ""
        return f"smtp://{user}127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Return the SYNDICATE_* variables that point syndicate at this server."""
        values = {"SYNDICATE_SMTP_URL": self.url, "SYNDICATE_SMTP_TIMEOUT": "10"}
        if self.auth:
            values["SYNDICATE_SMTP_PASSWORD"] = PASSWORD
        if self.ca_file:
            values["SYNDICATE_SMTP_CA_FILE"] = str(self.ca_file)
        return values

    def start(self) -> SMTPServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def defer(self, address: str, times: int = 1) -> None:
        """Answer 451 to `address` the next `times` times, then accept it."""
        with self._lock:
            self._rules.defer[address.lower()] = times

    def reject(self, address: str) -> None:
        """Answer 550 to `address` every time."""
        with self._lock:
            self._rules.reject.add(address.lower())

    def drop_after(self, messages: int | None) -> None:
        """Close the connection instead of accepting the message after `messages` more."""
        with self._lock:
            self._rules.drop_after = None if messages is None else self._delivered + messages

    def hold_after(self, messages: int) -> None:
        """Keep every message after `messages` more waiting for its reply until `release`."""
        with self._lock:
            self._rules.hold_after = self._delivered + messages
        self.holding.clear()
        self.released.clear()

    def hold_at(self, number: int) -> None:
        """Keep the `number`th message from now waiting for its reply until `release()`."""
        with self._lock:
            self._rules.hold_at = self._delivered + number
        self.holding.clear()
        self.released.clear()

    def release(self) -> None:
        """Answer the held messages (and all later ones) again."""
        with self._lock:
            self._rules.hold_after = None
        self.released.set()

    def answer(self, address: str, reply: str, *, at: str = "RCPT") -> None:
        """Answer `reply` to `address` ("*": everyone) every time, at RCPT or after DATA."""
        with self._lock:
            self._rules.answers[address.lower()] = (at, reply)

    def accept_all(self) -> None:
        """Forget every answer set with `answer` and `reject`."""
        with self._lock:
            self._rules.answers.clear()
            self._rules.reject.clear()

    def throttle(self, domain: str, times: int = 1) -> None:
        """Answer 421 4.7.0 to the next `times` recipients at `domain`, then accept them."""
        with self._lock:
            self._rules.throttle[domain.lower()] = times

    def hold_next(self) -> tuple[threading.Event, threading.Event]:
        """Hold the next message at DATA; return (reached, go): set go to let it through."""
        gate = (threading.Event(), threading.Event())
        with self._lock:
            self._rules.gate = gate
        return gate

    def recipients(self) -> Counter[str]:
        """Count the messages received per recipient address."""
        with self._lock:
            return Counter(r.lower() for m in self.messages for r in m.recipients)

    def _verdict(self, address: str) -> str | None:
        key = address.lower()
        with self._lock:
            if key in self._rules.reject:
                return "550 5.1.1 no such mailbox here"
            phase, reply = self._rules.answers.get(key) or self._rules.answers.get("*", ("", ""))
            if phase == "RCPT":
                return reply
            domain = key.rpartition("@")[2]
            if self._rules.throttle.get(domain, 0) > 0:
                self._rules.throttle[domain] -= 1
                return "421 4.7.0 too many messages from you, slow down"
            left = self._rules.defer.get(key, 0)
            if left > 0:
                self._rules.defer[key] = left - 1
                return "451 4.7.1 greylisted, try again later"
        return None

    def _should_hold(self) -> bool:
        with self._lock:
            if self._rules.hold_after is not None and self._delivered >= self._rules.hold_after:
                return True
            if self._rules.hold_at is not None and self._delivered + 1 >= self._rules.hold_at:
                self._rules.hold_at = None
                return True
            return False

    def _data_verdict(self, recipients: list[str]) -> str | None:
        with self._lock:
            for address in [*(r.lower() for r in recipients), "*"]:
                phase, reply = self._rules.answers.get(address, ("", ""))
                if phase == "DATA":
                    return reply
        return None

    def _take_gate(self) -> tuple[threading.Event, threading.Event] | None:
        with self._lock:
            gate, self._rules.gate = self._rules.gate, None
        return gate

    def _should_drop(self) -> bool:
        with self._lock:
            if self._rules.drop_after is not None and self._delivered >= self._rules.drop_after:
                self._rules.drop_after = None
                return True
            return False

    def _record(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)
            self._delivered += 1


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SMTPServer]:
    """A plain SMTP server on 127.0.0.1 (no TLS, no AUTH)."""
    server = SMTPServer(tmp_path).start()
    yield server
    server.release()  # a held message must not keep the server from stopping
    server.stop()


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[SMTPServer]:
    """An SMTP server offering STARTTLS (certificate from a test CA) and AUTH."""
    server = SMTPServer(tmp_path, tls=True, auth=True).start()
    yield server
    server.stop()

"""ESMTP PIPELINING (RFC 2920): MAIL, RCPT and DATA in one write when the server offers it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.errors import Refused
from syndicate.mailer import SMTPTransport, open_transport

SENDER = "bounces@news.example.com"


def _message(to: str) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "desk@news.example.com"
    message["To"] = to
    message["Subject"] = "Pipelined or not"
    message.set_content("A short note.\n.\nThe line above is a lone dot.\n")
    return message.as_bytes()


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "no-pipelining"])
def test_a_refused_recipient_between_two_accepted_ones(
    site: Path, tmp_path: Path, pipelining: bool
) -> None:
    server = SMTPServer(tmp_path, pipelining=pipelining).start()
    try:
        server.reject("gone@example.net")
        transport = open_transport(load_settings(site, environ=server.env()))
        assert isinstance(transport, SMTPTransport)
        try:
            assert transport.pipelining is pipelining
            first = transport.send(SENDER, "one@example.net", _message("one@example.net"))
            with pytest.raises(Refused) as refused:
                transport.send(SENDER, "gone@example.net", _message("gone@example.net"))
            # The same connection goes on: the refusal was reset, not left half-open.
            last = transport.send(SENDER, "two@example.net", _message("two@example.net"))
        finally:
            transport.close()
    finally:
        server.stop()
    assert (refused.value.code, refused.value.phase) == (550, "RCPT")
    assert "no such mailbox" in refused.value.reply
    assert first.startswith("250 ") and last.startswith("250 ")
    assert [m.recipients for m in server.messages] == [("one@example.net",), ("two@example.net",)]
    assert "The line above is a lone dot." in server.messages[1].message.get_content()


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "no-pipelining"])
def test_a_failed_ready_withdraws_the_message(site: Path, tmp_path: Path, pipelining: bool) -> None:
    # `ready` is where the worker commits the previous message's record: when that fails,
    # this message must never be accepted, and the transport must still be usable.
    server = SMTPServer(tmp_path, pipelining=pipelining).start()

    def record_fails() -> None:
        raise RuntimeError("the database is gone")

    try:
        transport = open_transport(load_settings(site, environ=server.env()))
        try:
            with pytest.raises(RuntimeError):
                transport.send(SENDER, "one@example.net", _message("one@example.net"), record_fails)
            reply = transport.send(SENDER, "two@example.net", _message("two@example.net"))
        finally:
            transport.close()
    finally:
        server.stop()
    assert reply.startswith("250 ")
    assert [m.recipients for m in server.messages] == [("two@example.net",)]
    assert "The line above is a lone dot." in server.messages[0].message.get_content()


def test_a_refusal_after_data_under_pipelining(site: Path, smtp_server: SMTPServer) -> None:
    smtp_server.answer("spam@example.net", "554 5.7.1 looks like spam", at="DATA")
    transport = open_transport(load_settings(site, environ=smtp_server.env()))
    try:
        with pytest.raises(Refused) as refused:
            transport.send(SENDER, "spam@example.net", _message("spam@example.net"))
        reply = transport.send(SENDER, "fine@example.net", _message("fine@example.net"))
    finally:
        transport.close()
    assert (refused.value.code, refused.value.phase) == (554, "DATA")
    assert reply.startswith("250 ")
    assert [m.recipients for m in smtp_server.messages] == [("fine@example.net",)]


Script = Callable[[socket.socket], None]


@contextmanager
def scripted_server(script: Script) -> Iterator[str]:
    """Serve one connection on 127.0.0.1: greet, offer PIPELINING, then run `script`."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        peer, _ = listener.accept()
        with peer:
            peer.settimeout(5)
            peer.sendall(b"220 scripted ESMTP\r\n")
            _read_until(peer, b"\r\n")
            peer.sendall(b"250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            script(peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        thread.join(10)
        listener.close()


def _read_until(peer: socket.socket, end: bytes, data: bytes = b"") -> bytes:
    while not data.endswith(end):
        chunk = peer.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_mail_rcpt_and_data_arrive_before_any_reply(site: Path) -> None:
    notes: list[bytes] = []

    def script(peer: socket.socket) -> None:
        # No reply until DATA is in: a client waiting for MAIL's reply would time out here.
        try:
            commands = _read_until(peer, b"DATA\r\n")
        except TimeoutError:
            notes.append(b"timed out before DATA")
            return
        notes.append(commands)
        peer.sendall(b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with .\r\n")
        notes.append(_read_until(peer, b"\r\n.\r\n"))
        peer.sendall(b"250 2.0.0 Ok: queued as SCRIPT\r\n")
        _read_until(peer, b"\r\n")  # QUIT
        peer.sendall(b"221 Bye\r\n")

    with scripted_server(script) as url:
        settings = load_settings(site, environ={"SYNDICATE_SMTP_URL": url})
        transport = open_transport(settings)
        try:
            reply = transport.send(SENDER, "one@example.net", _message("one@example.net"))
        finally:
            transport.close()
    assert reply == "250 2.0.0 Ok: queued as SCRIPT"
    commands, content = notes
    assert commands == (
        b"MAIL FROM:<bounces@news.example.com>\r\nRCPT TO:<one@example.net>\r\nDATA\r\n"
    )
    assert b"\r\n..\r\nThe line above is a lone dot." in content  # dot-stuffed


def test_data_taken_after_a_refused_recipient_drops_the_connection(site: Path) -> None:
    notes: list[bytes] = []

    def script(peer: socket.socket) -> None:
        # A broken server: refuses the recipient, then takes DATA all the same.
        _read_until(peer, b"DATA\r\n")
        peer.sendall(b"250 Ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n")
        notes.append(_read_until(peer, b"\r\n.\r\n"))  # b"" when the client hangs up

    with scripted_server(script) as url:
        settings = load_settings(site, environ={"SYNDICATE_SMTP_URL": url})
        transport = open_transport(settings)
        try:
            with pytest.raises(Refused) as refused:
                transport.send(SENDER, "gone@example.net", _message("gone@example.net"))
        finally:
            transport.close()
    assert (refused.value.code, refused.value.phase) == (550, "RCPT")
    assert notes == [b""]  # not a byte of the message, and no final dot

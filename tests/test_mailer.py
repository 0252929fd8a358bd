"""The transports: SMTP against a real aiosmtpd server, and the outbox."""

from __future__ import annotations

import stat
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.errors import ConfigError, ConnectionLost, DeliveryError, Refused
from syndicate.mailer import OutboxTransport, open_transport, send_now


def _message(to: str = "reader@example.net") -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "desk@news.example.com"
    message["To"] = to
    message["Subject"] = "A test of the wire"
    message.set_content("Plain words for a plain test.\n.\nA line that is only a dot above.\n")
    return message.as_bytes()


def _settings(site: Path, server: SMTPServer, **extra: str) -> object:
    return load_settings(site, environ={**server.env(), **extra})


def test_smtp_send_returns_the_reply_and_the_server_gets_the_bytes(
    site: Path, smtp_server: SMTPServer
) -> None:
    settings = load_settings(site, environ=smtp_server.env())
    reply = send_now(settings, "reader@example.net", _message())
    assert reply.startswith("250 ")
    (received,) = smtp_server.messages
    assert received.recipients == ("reader@example.net",)
    assert received.sender == settings.envelope_sender
    assert "A line that is only a dot above." in received.message.get_content()
    assert received.message.get_content().splitlines()[1] == "."
    assert not received.tls


def test_starttls_is_used_when_offered_and_auth_goes_over_it(
    site: Path, tls_smtp_server: SMTPServer
) -> None:
    settings = load_settings(site, environ=tls_smtp_server.env())
    transport = open_transport(settings)
    try:
        transport.send("b@news.example.com", "one@example.net", _message("one@example.net"))
        transport.send("b@news.example.com", "two@example.net", _message("two@example.net"))
    finally:
        transport.close()
    assert [m.recipients for m in tls_smtp_server.messages] == [
        ("one@example.net",),
        ("two@example.net",),
    ]
    assert all(m.tls and m.login == "sender" for m in tls_smtp_server.messages)


def test_wrong_password_is_one_clear_error(site: Path, tls_smtp_server: SMTPServer) -> None:
    env = {**tls_smtp_server.env(), "SYNDICATE_SMTP_PASSWORD": "wrong"}
    with pytest.raises(DeliveryError, match="refused the login for 'sender'"):
        open_transport(load_settings(site, environ=env))


def test_no_password_without_tls(site: Path, tmp_path: Path) -> None:
    server = SMTPServer(tmp_path, auth=True).start()
    try:
        settings = load_settings(site, environ=server.env())
        with pytest.raises(DeliveryError, match="refusing to send the password in clear text"):
            open_transport(settings)
    finally:
        server.stop()
    assert server.messages == []


def test_untrusted_certificate_is_refused(site: Path, tls_smtp_server: SMTPServer) -> None:
    env = {k: v for k, v in tls_smtp_server.env().items() if k != "SYNDICATE_SMTP_CA_FILE"}
    with pytest.raises(DeliveryError, match="TLS with the SMTP server"):
        open_transport(load_settings(site, environ=env))


def test_user_without_password_is_a_config_error(site: Path) -> None:
    settings = load_settings(site, environ={"SYNDICATE_SMTP_URL": "smtp://who@127.0.0.1:2525"})
    with pytest.raises(ConfigError, match="no password is set"):
        open_transport(settings)


def test_unreachable_server(site: Path, smtp_server: SMTPServer) -> None:
    settings = load_settings(site, environ=smtp_server.env())
    smtp_server.stop()
    with pytest.raises(DeliveryError, match=r"cannot reach the SMTP server 127\.0\.0\.1:\d+"):
        send_now(settings, "reader@example.net", _message())


def test_refusals_carry_code_and_reply(site: Path, smtp_server: SMTPServer) -> None:
    smtp_server.defer("later@example.net")
    smtp_server.reject("gone@example.net")
    transport = open_transport(load_settings(site, environ=smtp_server.env()))
    try:
        with pytest.raises(Refused) as soft:
            transport.send("b@news.example.com", "later@example.net", _message())
        with pytest.raises(Refused) as hard:
            transport.send("b@news.example.com", "gone@example.net", _message())
        # The same connection still works after both refusals.
        transport.send("b@news.example.com", "later@example.net", _message())
    finally:
        transport.close()
    assert (soft.value.code, soft.value.permanent) == (451, False)
    assert (hard.value.code, hard.value.permanent) == (550, True)
    assert "no such mailbox" in hard.value.reply
    assert smtp_server.recipients() == {"later@example.net": 1}


def test_dropped_connection_is_reported_then_reopened(site: Path, smtp_server: SMTPServer) -> None:
    transport = open_transport(load_settings(site, environ=smtp_server.env()))
    smtp_server.drop_after(0)
    try:
        with pytest.raises(ConnectionLost):
            transport.send("b@news.example.com", "a@example.net", _message())
        transport.send("b@news.example.com", "a@example.net", _message())
    finally:
        transport.close()
    assert smtp_server.recipients() == {"a@example.net": 1}


def test_outbox_writes_one_file_per_message_without_clobbering(site: Path) -> None:
    settings = load_settings(site, environ={})
    transport = open_transport(settings)
    assert isinstance(transport, OutboxTransport)
    first = transport.send("b@news.example.com", "reader@example.net", _message())
    second = transport.send("b@news.example.com", "reader@example.net", _message())
    files = sorted(settings.outbox_path.glob("*.eml"))
    assert len(files) == 2 and first != second
    assert all(f.read_bytes() == _message() for f in files)
    assert not list(settings.outbox_path.glob(".*.tmp"))


def test_outbox_mail_is_readable_by_the_owner_alone(site: Path) -> None:
    """Outbox mail holds addresses and unsubscribe tokens: 0600 files in a 0700 folder."""
    settings = load_settings(site, environ={})
    settings.outbox_path.mkdir(exist_ok=True)
    settings.outbox_path.chmod(0o755)  # an outbox made before it was private
    transport = open_transport(settings)
    transport.send("b@news.example.com", "reader@example.net", _message())
    (written,) = settings.outbox_path.glob("*.eml")
    assert stat.S_IMODE(settings.outbox_path.stat().st_mode) == 0o700
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "message",
    [
        b"Subject: x\r\n\r\n.starts\r\n..two\r\nmid . dot\r\n.\r\n.",
        b".first line\r\nno end",
        b"plain\r\n",
        b"\r\n.\n.\r\r\n.",
    ],
)
def test_data_is_dot_stuffed_exactly_as_smtplib_does_it(message: bytes) -> None:
    import smtplib

    from syndicate.mailer import _data_bytes

    # typeshed leaves out smtplib's private _quote_periods, the very function compared with.
    expected: bytes = smtplib._quote_periods(message)  # type: ignore[attr-defined]
    expected += b"" if expected.endswith(b"\r\n") else b"\r\n"
    assert _data_bytes(message) == expected

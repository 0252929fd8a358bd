"""Transports that hand finished messages over: an SMTP connection, or the site's outbox/.

`open_transport(settings)` picks one: SMTP when `smtp.url` is set, else an outbox that writes
one `.eml` file per message so the whole pipeline runs on a machine with no mail server.
With a DKIM key configured, either one is wrapped so that every message it takes is signed.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, Protocol
from urllib.parse import unquote, urlsplit

from syndicate.atomic import write_atomic
from syndicate.config import Settings
from syndicate.domain.signing import Signer, signer_for
from syndicate.errors import ConfigError, ConnectionLost, DeliveryError, Refused
from syndicate.permissions import private_folder
from syndicate.safetext import one_line
from syndicate.store import utcnow

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
OUTBOX_FOLDER_MODE = 0o700
OUTBOX_FILE_MODE = 0o600


Ready = Callable[[], None]


class Transport(Protocol):
    """Something that takes a finished message for one recipient."""

    def send(self, sender: str, recipient: str, message: bytes, ready: Ready | None = None) -> str:
        """Hand `message` over for `recipient`; return the server's reply.

        `ready` is called at the last moment the message can still be withdrawn (before
        the end of DATA); when it raises, the message is dropped, never delivered.
        """
        ...

    def close(self) -> None:
        """Let go of the connection, if any."""
        ...


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return one_line(text)


# A plain ASCII address with nothing to quote or strip. smtplib's mail() and rcpt() run
# every address through email.utils.parseaddr, which costs more per message than the rest
# of a send's own work; a plain one is written as `<address>` directly, which is exactly
# what parseaddr would give back for it. Anything else still takes smtplib's path.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


def _path(address: str) -> str:
    """Return `address` as a MAIL FROM or RCPT TO path, as smtplib's mail() and rcpt() write it."""
    if "\r" in address or "\n" in address:
        raise ValueError("an address with CR or LF cannot be sent as an SMTP command")
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


# The replies MAIL, RCPT and DATA each want before the next step.
_WANTED = ((250,), (250, 251), (354,))


def _data_bytes(message: bytes) -> bytes:
    """Return `message` as DATA carries it, as smtplib's data() writes it, dot excluded.

    A line starting with a dot gets a second one. smtplib does that with the regex
    `(?m)^\\.` (about 0.1 ms on a newsletter); a line starts at the beginning or after LF,
    so a plain replace does the same several times faster (a test holds them equal).
    """
    message = message.replace(b"\n.", b"\n..")
    if message.startswith(b"."):
        message = b"." + message
    return message if message.endswith(b"\r\n") else message + b"\r\n"


class SMTPTransport:
    """One reused SMTP connection: STARTTLS whenever offered, AUTH only over TLS."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_url, "SMTPTransport needs smtp.url"
        parts = urlsplit(settings.smtp_url)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = settings.smtp_password or (
            unquote(parts.password) if parts.password else None
        )
        if self.username and not self.password:
            raise ConfigError(
                f"smtp.url names the user {self.username!r} but no password is set "
                "(set SYNDICATE_SMTP_PASSWORD)"
            )
        self.timeout = settings.smtp_timeout or 30.0
        self.context = ssl.create_default_context()
        if settings.smtp_ca_file:
            try:
                self.context.load_verify_locations(cafile=settings.smtp_ca_file)
            except (OSError, ssl.SSLError) as e:
                raise ConfigError(f"smtp.ca_file: cannot load {settings.smtp_ca_file}: {e}") from e
        self._smtp: smtplib.SMTP | None = None
        self.pipelining = False  # the server offers RFC 2920 PIPELINING (known once connected)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self) -> None:
        """Open the connection, upgrade it to TLS when offered, and log in when configured."""
        self.close()
        try:
            smtp: smtplib.SMTP
            if self.implicit_tls:
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                smtp.ehlo()
                secure = self.implicit_tls
                if not secure and smtp.has_extn("starttls"):
                    smtp.starttls(context=self.context)
                    smtp.ehlo()
                    secure = True
                if self.username:
                    if not secure:
                        raise DeliveryError(
                            f"the SMTP server {self.where} does not offer STARTTLS: refusing "
                            "to send the password in clear text (use smtps:// or a server "
                            "with TLS)"
                        )
                    smtp.login(self.username, self.password or "")
                if smtp.sock is not None and smtp.sock.family != socket.AF_UNIX:
                    # The end of DATA is a small write after a large one: without this,
                    # Nagle's algorithm holds it until the server's delayed ACK (40 ms).
                    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPAuthenticationError as e:
            raise DeliveryError(
                f"the SMTP server {self.where} refused the login for {self.username!r}: "
                f"{e.smtp_code} {_reply_text(e.smtp_error)}"
            ) from e
        except ssl.SSLError as e:
            raise DeliveryError(f"TLS with the SMTP server {self.where} failed: {e}") from e
        except smtplib.SMTPResponseException as e:
            raise DeliveryError(
                f"the SMTP server {self.where} answered {e.smtp_code} {_reply_text(e.smtp_error)}"
            ) from e
        except (OSError, smtplib.SMTPException) as e:
            reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
            raise DeliveryError(f"cannot reach the SMTP server {self.where}: {reason}") from e
        self.pipelining = smtp.has_extn("pipelining")
        self._smtp = smtp

    def send(self, sender: str, recipient: str, message: bytes, ready: Ready | None = None) -> str:
        """Send one message over the open connection (opening it first when needed)."""
        if self._smtp is None:
            self.connect()
        smtp = self._smtp
        assert smtp is not None
        try:
            self._envelope(smtp, sender, recipient, ready)
            code, reply = self._content(smtp, message, None if self.pipelining else ready)
            if code != 250:
                self._after_refusal(code)
                raise Refused(code, _reply_text(reply), recipient, "DATA")
        except (smtplib.SMTPServerDisconnected, OSError) as e:
            self.close()
            raise ConnectionLost(f"lost the connection to the SMTP server {self.where}") from e
        return f"{code} {_reply_text(reply)}"

    def _envelope(
        self, smtp: smtplib.SMTP, sender: str, recipient: str, ready: Ready | None
    ) -> None:
        """Send MAIL, RCPT and DATA and read their replies; raise what a refusal means.

        smtplib cannot pipeline, so the commands are written with its send() and the
        replies read with its getreply(). When the server offers PIPELINING (RFC 2920;
        Postfix does), the three go in one write and the three replies are read after: one
        round trip instead of three, as bulk senders do. Acceptance is still only the
        reply to the end of DATA, so nothing changes about what counts as sent. `ready`
        is called while the server reads the three (the caller's own work overlaps the
        wait); without PIPELINING, once DATA is accepted.
        """
        commands = [f"MAIL FROM:{_path(sender)}\r\n", f"RCPT TO:{_path(recipient)}\r\n", "DATA\r\n"]
        if self.pipelining:
            smtp.send("".join(commands))
            self._ready(smtp, ready)
        replies: list[tuple[int, bytes]] = []
        for command, wanted in zip(commands, _WANTED, strict=True):
            if not self.pipelining:
                smtp.send(command)
            replies.append(smtp.getreply())
            code = replies[-1][0]
            if code == 421 or (code not in wanted and not self.pipelining):
                break  # 421: the server is closing the channel and answers nothing more
        if len(replies) == len(commands) and all(
            reply[0] in wanted for reply, wanted in zip(replies, _WANTED, strict=True)
        ):
            return
        if replies[-1][0] == 354:
            # A server that takes DATA after refusing MAIL or RCPT: mid-DATA only a dropped
            # connection withdraws the (empty) message.
            self._drop(smtp)
        self._refused(sender, recipient, replies)

    def _refused(self, sender: str, recipient: str, replies: list[tuple[int, bytes]]) -> NoReturn:
        """Raise what the first refused command of MAIL, RCPT and DATA means."""
        for (code, reply), wanted, phase in zip(
            replies, _WANTED, ("MAIL", "RCPT", "DATA"), strict=False
        ):
            if code in wanted:
                continue
            self._after_refusal(code)
            if phase == "MAIL" and code >= 500:
                raise DeliveryError(
                    f"the SMTP server {self.where} refuses the sender {sender}: "
                    f"{code} {_reply_text(reply)}"
                )
            raise Refused(code, _reply_text(reply), recipient, phase)
        raise AssertionError(f"no refusal among {replies}")

    def _content(
        self, smtp: smtplib.SMTP, message: bytes, ready: Ready | None
    ) -> tuple[int, bytes]:
        """Send the message and the dot that commits it; call `ready` first.

        `ready` waits for the previous message's record: once the dot is on its way the
        message can no longer be withdrawn. Message and dot go in one write, as smtplib's
        data() does.
        """
        self._ready(smtp, ready)
        smtp.send(_data_bytes(message) + b".\r\n")
        return smtp.getreply()

    def _ready(self, smtp: smtplib.SMTP, ready: Ready | None) -> None:
        """Call `ready`; when it raises, withdraw the message by dropping the connection."""
        if ready is None:
            return
        try:
            ready()
        except BaseException:
            self._drop(smtp)
            raise

    def _drop(self, smtp: smtplib.SMTP) -> None:
        """Close the connection without QUIT: mid-DATA a QUIT would be read as more text."""
        self._smtp = None
        smtp.close()

    def _after_refusal(self, code: int) -> None:
        if code == 421:  # the server is closing the channel: start afresh next time
            self.close()
            return
        try:
            self._smtp.rset() if self._smtp else None
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        """Say QUIT when the connection is still up, and forget it."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class OutboxTransport:
    """Write each message to outbox/ as its own .eml file instead of sending it.

    Outbox mail holds subscribers' addresses and their unsubscribe tokens: the folder is
    the owner's alone (0700) and each file is 0600.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, sender: str, recipient: str, message: bytes, ready: Ready | None = None) -> str:
        """Write the message to a new file; a re-send gets a new name, never a clobber."""
        if ready is not None:
            ready()
        try:
            private_folder(self.folder)
            safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", recipient)[:100]
            name = f"{utcnow():%Y%m%dT%H%M%S}-{safe}-{uuid.uuid4().hex[:8]}.eml"
            # Written to a temporary name (mode 0600) and renamed, so a reader never sees
            # half a file; a failed write (a full disk) leaves no truncated message behind.
            write_atomic(self.folder / name, message, mode=OUTBOX_FILE_MODE)
        except OSError as e:
            raise DeliveryError(f"cannot write to the outbox {self.folder}: {e.strerror}") from e
        return f"250 written to {self.folder.name}/{name}"

    def close(self) -> None:
        """Nothing to let go of."""


class SigningTransport:
    """Sign each message with DKIM, then hand it to the transport underneath."""

    def __init__(self, signer: Signer, inner: Transport) -> None:
        self.signer = signer
        self.inner = inner

    def send(self, sender: str, recipient: str, message: bytes, ready: Ready | None = None) -> str:
        """Sign the finished message and send it through the transport underneath."""
        return self.inner.send(sender, recipient, self.signer.sign(message), ready)

    def close(self) -> None:
        """Close the transport underneath."""
        self.inner.close()


def open_transport(settings: Settings) -> Transport:
    """Return a ready transport: a connected SMTP session, or the outbox when none is set.

    With a DKIM key configured, the transport signs every message it takes.
    """
    signer = signer_for(settings)  # a bad key is refused before any connection is made
    transport: Transport
    if settings.uses_outbox:
        transport = OutboxTransport(settings.outbox_path)
    else:
        transport = SMTPTransport(settings)
        transport.connect()
    return SigningTransport(signer, transport) if signer else transport


def send_now(settings: Settings, recipient: str, message: bytes) -> str:
    """Send one message at once over a connection of its own; return the server's reply."""
    transport = open_transport(settings)
    try:
        return transport.send(settings.envelope_sender, recipient, message)
    finally:
        transport.close()

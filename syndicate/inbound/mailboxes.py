"""The bounce mailbox: read every message without marking it read, file the recognised ones.

`inbound.url` names it: `imaps://user@host[:993]/INBOX` (TLS from the first byte),
`imap://user@host[:143]/INBOX` (STARTTLS, required: the password is never sent in clear),
or `maildir:///path/to/Maildir` (a site whose own MTA delivers there). The password
comes from SYNDICATE_INBOUND_PASSWORD. Recognised messages move to the folder
`syndicate-processed` (IMAP) or the Maildir++ folder `.syndicate-processed`; a message
is fetched with BODY.PEEK and a Maildir file is never renamed in place, so whatever is
left behind stays exactly as it was, unread.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import ssl
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from syndicate.config import Settings
from syndicate.errors import ConfigError, MailboxError

PROCESSED = "syndicate-processed"


class Mailbox(Protocol):
    """A mailbox the messages are read from and filed in."""

    def messages(self) -> Iterator[tuple[str, bytes]]:
        """Yield each message's key and bytes, leaving it unread."""
        ...

    def file_processed(self, key: str) -> None:
        """Move one message out of the way, into the processed folder."""
        ...

    def close(self) -> None: ...


class Maildir:
    """A Maildir; processed messages go to its Maildir++ folder `.syndicate-processed`."""

    def __init__(self, path: Path) -> None:
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise MailboxError(f"{path} is not a Maildir (it needs cur/ and new/)")
        self.path = path
        self.target = path / f".{PROCESSED}"

    def messages(self) -> Iterator[tuple[str, bytes]]:
        for sub in ("new", "cur"):
            for entry in sorted((self.path / sub).iterdir()):
                if entry.is_file() and not entry.name.startswith("."):
                    yield f"{sub}/{entry.name}", entry.read_bytes()

    def file_processed(self, key: str) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.target / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.target / "maildirfolder").touch()
        # A rename within one file system: the file keeps its name (and so its flags).
        os.replace(self.path / key, self.target / key)

    def close(self) -> None:
        pass


def _tls_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.inbound_ca_file:
        try:
            context.load_verify_locations(cafile=settings.inbound_ca_file)
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(
                f"inbound.ca_file: cannot load {settings.inbound_ca_file}: {e}"
            ) from e
    return context


IMAP_PORTS = {"imaps": 993, "imap": 143}


def imap_address(url: str) -> tuple[str, int]:
    """Return the host and port an imaps:// or imap:// inbound.url names."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or IMAP_PORTS[parts.scheme]


def maildir_path(url: str) -> Path:
    """Return the folder a maildir:/// inbound.url names."""
    return Path(unquote(urlsplit(url).path))


class Imap:
    """An IMAP folder over TLS; processed messages are moved to `syndicate-processed`."""

    def __init__(self, settings: Settings, url: str) -> None:
        parts = urlsplit(url)
        host, port = imap_address(url)
        self.where = f"{host}:{port}"
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        if not settings.inbound_password:
            raise ConfigError(f"inbound.url names {url}: set SYNDICATE_INBOUND_PASSWORD")
        context = _tls_context(settings)
        user = unquote(parts.username or "")
        try:
            if parts.scheme == "imaps":
                self.imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    host, port, ssl_context=context, timeout=30
                )
            else:
                self.imap = imaplib.IMAP4(host, port, timeout=30)
                if "STARTTLS" not in self.imap.capabilities:
                    self.imap.shutdown()
                    raise MailboxError(
                        f"the IMAP server {self.where} does not offer STARTTLS, and the "
                        "password is never sent in clear: use imaps://"
                    )
                self.imap.starttls(context)
            self.imap.login(user, settings.inbound_password)
            self._ok(self.imap.select(self._quoted(self.folder)), f"open {self.folder}")
            self.capabilities = self._capabilities()
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError(f"cannot read the bounce mailbox at {self.where}: {e}") from e
        self.created = False

    @staticmethod
    def _quoted(name: str) -> str:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def _ok(self, answer: tuple[str, Sequence[object]], what: str) -> Sequence[object]:
        status, data = answer
        if status != "OK":
            raise MailboxError(f"the IMAP server {self.where} would not {what}: {data!r}")
        return data

    def _capabilities(self) -> set[str]:
        data = self._ok(self.imap.capability(), "list its capabilities")
        words = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
        return {word.upper() for word in words.split()}

    def messages(self) -> Iterator[tuple[str, bytes]]:
        try:
            (found,) = self._ok(self.imap.uid("SEARCH", "ALL"), "search the folder")
            uids = found.decode("ascii").split() if isinstance(found, bytes) else []
            for uid in uids:
                data = self._ok(self.imap.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch a message")
                body = next((item[1] for item in data if isinstance(item, tuple)), None)
                if isinstance(body, bytes):
                    yield uid, body
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError(f"cannot read the bounce mailbox at {self.where}: {e}") from e

    def file_processed(self, key: str) -> None:
        target = self._quoted(PROCESSED)
        try:
            if not self.created:
                self.imap.create(target)  # answers NO when it exists, which is fine
                self.created = True
            if "MOVE" in self.capabilities:
                self._ok(self.imap.uid("MOVE", key, target), "move a processed message")
                return
            self._ok(self.imap.uid("COPY", key, target), "copy a processed message")
            self._ok(self.imap.uid("STORE", key, "+FLAGS.SILENT", r"(\Deleted)"), "flag it")
            if "UIDPLUS" in self.capabilities:  # expunge only this message, never others
                self._ok(self.imap.uid("EXPUNGE", key), "expunge it")
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError(f"cannot file a message at {self.where}: {e}") from e

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.imap.logout()


def open_mailbox(settings: Settings) -> Mailbox:
    """Open the mailbox `inbound.url` names."""
    url = settings.inbound_url
    if not url:
        raise ConfigError("no bounce mailbox is set: set inbound.url (or SYNDICATE_INBOUND_URL)")
    if url.startswith("maildir:"):
        return Maildir(maildir_path(url))
    return Imap(settings, url)

"""One recipient's newsletter email, spliced into the issue's template bytes.

`personalize` turns the bytes `message.build_template` made into one recipient's message
without building a message again. The splice works like this, and `message.build_message`
(the direct build for one recipient) is the reference it is tested against:

* Headers. The personal header fields (To, Date, Message-ID, List-Unsubscribe with its
  URL and its tokened mailto) are
  regenerated whole, through the same policy calls the generator makes
  (`header_store_parse` then `fold_binary`), so folding, the 998-octet limit and RFC 2047
  for non-ASCII names come out exactly as `EmailMessage` writes them, and a CR or LF can
  never reach the output. The everyday plain shapes (a bare address, a short id) skip
  the policy's slow parser and are written directly, to the same bytes.
* Bodies (the address, the unsubscribe URL and the manage URL). Both parts are forced
  to quoted-printable. The placeholders are made of letters and hyphens, which QP never escapes, so a placeholder always reads as itself once the
  soft line breaks are removed; but a soft break may fall inside it, and a real value
  changes the line's length. So the splice never edits encoded text in place: the hard
  line (all the physical lines up to the next real line break) holding a placeholder is
  decoded, filled in, and encoded again with the same encoder `EmailMessage` uses. The
  stdlib encodes each hard line on its own, so the result is byte for byte what encoding
  the whole part would give, with `=` in a URL written `=3D` and lines kept to 76.
  Values spliced into the HTML part are HTML-escaped, as Jinja would have escaped them.

Finding the personal lines costs one pass over the template; it is done once per
template bytes (cached), so each further recipient costs a few small encodings.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import quoprimime
from email.headerregistry import Address
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from functools import lru_cache

from syndicate.newsletter.message import (
    POLICY,
    Recipient,
    fill_with,
    fillings,
    fold_list_unsubscribe,
    single_token,
    to_address,
)
from syndicate.newsletter.render import (
    PLACEHOLDER_ADDRESS,
    PLACEHOLDER_MANAGE_URL,
    PLACEHOLDER_UNSUBSCRIBE_URL,
    QP_LINE_LENGTH,
)

CRLF = b"\r\n"
PERSONAL_HEADERS = {"to", "date", "message-id", "list-unsubscribe"}


@dataclass(frozen=True)
class _Header:
    name: str
    template_value: str


@dataclass(frozen=True)
class _Line:
    decoded: str  # one hard line: the part's UTF-8 bytes read as latin-1, as the encoder wants
    html: bool


_Segment = bytes | _Header | _Line
_PLACEHOLDERS = (
    PLACEHOLDER_UNSUBSCRIBE_URL.encode(),
    PLACEHOLDER_ADDRESS.encode(),
    PLACEHOLDER_MANAGE_URL.encode(),
)


def _unfold(field: bytes) -> str:
    return re.sub(rb"\r\n(?=[ \t])", b"", field).decode("ascii").strip()


def _body_segments(body: bytes, boundary: bytes) -> list[_Segment]:
    segments: list[_Segment] = []
    lines = body.split(CRLF)
    in_headers, quoted, html = False, False, False
    pending: list[bytes] = []  # the physical lines of the hard line being read
    for number, line in enumerate(lines):
        ending = CRLF if number < len(lines) - 1 else b""
        if line.startswith(b"--" + boundary):
            in_headers, quoted, html = True, False, False
        elif in_headers:
            lowered = line.lower()
            if lowered.startswith(b"content-type:"):
                html = b"text/html" in lowered
            elif lowered.startswith(b"content-transfer-encoding:"):
                quoted = b"quoted-printable" in lowered
            elif not line:
                in_headers = False
        elif quoted:
            pending.append(line)
            if line.endswith(b"="):
                continue
            joined = b"".join(part[:-1] for part in pending[:-1]) + pending[-1]
            if any(placeholder in joined for placeholder in _PLACEHOLDERS):
                segments.append(_Line(binascii.a2b_qp(joined).decode("latin-1"), html))
            else:
                segments.append(CRLF.join(pending) + ending)
            pending = []
            continue
        segments.append(line + ending)
    return segments


@lru_cache(maxsize=8)
def _plan(template: bytes) -> tuple[_Segment, ...]:
    """Split a template into static bytes and the pieces each recipient changes."""
    head, _, body = template.partition(CRLF + CRLF)
    segments: list[_Segment] = []
    for field in re.split(rb"\r\n(?![ \t])", head):
        name, _, value = field.partition(b":")
        if name.decode("ascii").lower() in PERSONAL_HEADERS:
            segments.append(_Header(name.decode("ascii"), _unfold(value)))
        else:
            segments.append(field + CRLF)
    segments.append(CRLF)
    boundary = BytesHeaderParser(policy=POLICY).parsebytes(head + CRLF + CRLF).get_boundary()
    if boundary is None:
        raise ValueError("not a newsletter template: the message has no MIME boundary")
    segments.extend(_body_segments(body, boundary.encode("ascii")))
    return tuple(_merged(segments))


def _merged(segments: list[_Segment]) -> list[_Segment]:
    """Join each run of static bytes into one piece, so a splice copies a few large pieces."""
    merged: list[_Segment] = []
    for segment in segments:
        if isinstance(segment, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += segment
        else:
            merged.append(segment)
    return merged


# Plain ASCII tokens the header folder copies unchanged: no quoting, encoding or comments.
_DOT_ATOM = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
_PLAIN_ADDRESS = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
_PLAIN_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
# A display name of plain words (letters, digits, hyphens, apostrophes, one space apart):
# the folder writes `Name <address>` for it with no quoting or encoding.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*")
_PLAIN_NAME_ADDRESS = re.compile(rf"{_PLAIN_NAME.pattern} <{_DOT_ATOM}@{_DOT_ATOM}>")


def _header(name: str, value: object) -> bytes:
    """Fold one header field exactly as the generator would.

    The policy's parser and folder cost most of a splice, so the everyday shapes (a bare
    address, plain words and an address, a plain Message-ID) are written directly when
    they fit on a line; the property test holds them equal to it.
    """
    if isinstance(value, Address) and not value.display_name:
        value = value.addr_spec
    if isinstance(value, str) and value.isascii():
        line = f"{name}: {value}"
        plain = (
            name == "To"
            and (_PLAIN_ADDRESS.fullmatch(value) or _PLAIN_NAME_ADDRESS.fullmatch(value))
            or name == "Message-ID"
            and _PLAIN_MESSAGE_ID.fullmatch(value)
        )
        if plain and len(line) <= QP_LINE_LENGTH:
            return (line + "\r\n").encode("ascii")
    return POLICY.fold_binary(name, POLICY.header_store_parse(name, value)[1])


@lru_cache(maxsize=4)
def _date_header(moment: datetime) -> bytes:
    """Write the Date field as the generator does (a formatted date always fits a line).

    Cached: the sender asks for the same second's field many times over.
    """
    return f"Date: {format_datetime(moment)}\r\n".encode("ascii")


def personalize(template: bytes, recipient: Recipient) -> bytes:
    """Return one recipient's message, spliced into the issue's template bytes."""
    to: Address | str
    address, name = recipient.address, recipient.name
    if _PLAIN_ADDRESS.fullmatch(address) and (not name or _PLAIN_NAME.fullmatch(name)):
        to = f"{name} <{address}>" if name else address  # what str(to_address(...)) gives them
    else:
        to = to_address(address, name)
    url = single_token("unsubscribe URL", recipient.unsubscribe_url)
    mid = single_token("Message-ID", recipient.message_id)
    single_token("manage URL", recipient.manage_url)
    mailto = recipient.unsubscribe_mailto
    if mailto is not None:
        mailto = f"<{single_token('unsubscribe mailto', mailto)}>"
    out: list[bytes] = []
    values: dict[bool, tuple[str, str, str]] = {}  # escaped once per part, not once per line
    for segment in _plan(template):
        if isinstance(segment, bytes):
            out.append(segment)
        elif isinstance(segment, _Header):
            lowered = segment.name.lower()
            if lowered == "to":
                out.append(_header(segment.name, to))
            elif lowered == "date":
                moment = recipient.date or datetime.now(UTC).replace(microsecond=0)
                out.append(_date_header(moment))
            elif lowered == "message-id":
                out.append(_header(segment.name, mid))
            else:  # List-Unsubscribe: "<url>, <mailto:...>", written raw as _assemble does
                mailto_part = mailto or segment.template_value.partition(", ")[2]
                value = fold_list_unsubscribe(f"<{url}>,", mailto_part)
                out.append(f"{segment.name}: {value}\r\n".encode("ascii"))
        else:
            # Spliced values are ASCII (checked above), so they read the same as latin-1.
            if segment.html not in values:
                values[segment.html] = fillings(recipient, html=segment.html)
            filled = fill_with(segment.decoded, values[segment.html])
            out.append(quoprimime.body_encode(filled + "\n", QP_LINE_LENGTH, "\r\n").encode())
    return b"".join(out)

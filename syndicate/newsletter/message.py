"""The newsletter email as MIME bytes: built once per issue, personalised by splicing.

`build_template` builds the issue's complete message once with the standard library
(`EmailMessage`, a `policy.SMTP` variant) around the placeholders `render_issue` left in
the HTML and text. `personalize` turns those bytes into one recipient's message without
building a message again. The splice works like this, and `build_message` (the direct
build for one recipient) is the reference it is tested against:

* Headers. The three personal header fields (To, Message-ID, List-Unsubscribe) are
  regenerated whole, through the same policy calls the generator makes
  (`header_store_parse` then `fold_binary`), so folding, the 998-octet limit and RFC 2047
  for non-ASCII names come out exactly as `EmailMessage` writes them, and a CR or LF can
  never reach the output. The everyday plain shapes (a bare address, a short id) skip
  the policy's slow parser and are written directly, to the same bytes.
* Bodies. Both parts are forced to quoted-printable. The placeholders are made of letters
  and hyphens, which QP never escapes, so a placeholder always reads as itself once the
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
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy, quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import make_msgid, parseaddr
from functools import lru_cache

from markupsafe import escape
from slugify import slugify

from syndicate.config import Settings
from syndicate.errors import AddressError
from syndicate.newsletter import text
from syndicate.newsletter.render import (
    PLACEHOLDER_ADDRESS,
    PLACEHOLDER_UNSUBSCRIBE_URL,
    QP_LINE_LENGTH,
    RenderedIssue,
    inline_css,
    one_line,
)
from syndicate.templating import template_environment

# RFC 2045 caps quoted-printable lines at 76 characters; policy.SMTP's default of 78 would
# let the encoder write 78 (SpamAssassin: MIME_QP_LONG_LINE). Headers fold at 76 as well.
# refold_source="none": a value set raw (List-Unsubscribe, encoded Subject) is written as
# given; left to the folder, a long List-Unsubscribe would come out RFC 2047-encoded, which
# no mail client decodes in that field, and one-click unsubscribe would break.
POLICY = policy.SMTP.clone(max_line_length=QP_LINE_LENGTH, refold_source="none")
CRLF = b"\r\n"

PLACEHOLDER_TO = "syndicate-placeholder-to@placeholder.invalid"
PLACEHOLDER_MESSAGE_ID = "<syndicate-placeholder-message-id@placeholder.invalid>"
PERSONAL_HEADERS = {"to", "message-id", "list-unsubscribe"}


@dataclass(frozen=True)
class Recipient:
    """The personal parts of one subscriber's copy of an issue."""

    address: str
    name: str | None
    unsubscribe_url: str
    message_id: str


def message_id(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """Return the Message-ID of one issue for one subscriber, the same on every try."""
    site = hashlib.sha256(settings.base_url.encode("utf-8")).hexdigest()[:12]
    return f"<issue{issue_id}.sub{subscriber_id}.{site}@{settings.host}>"


def list_id(settings: Settings, name: str, slug: str | None = None) -> str:
    """Return the List-Id value (RFC 2919): the newsletter's name and `<slug.host>`."""
    label = slug or slugify(name) or "newsletter"
    return f"{one_line(name)} <{label}.{settings.host}>"


def unsubscribe_mailto(settings: Settings) -> str:
    """Return the mailto URI of List-Unsubscribe."""
    return f"mailto:{settings.unsubscribe_address}?subject=unsubscribe"


def one_click_ready(settings: Settings) -> bool:
    """Tell whether unsubscribe links are https, which RFC 8058 one-click requires."""
    return settings.public_web_url.startswith("https://")


def _sender(settings: Settings, name: str, override: str | None = None) -> Address:
    """Return From: the newsletter's own `from` if set, else the site's; named after the
    newsletter unless that address carries a display name."""
    display, address = parseaddr(override or settings.sender)
    return Address(display_name=one_line(display or name), addr_spec=address)


def _to(address: str, name: str | None) -> Address:
    if not address or address != "".join(address.split()) or not address.isascii():
        raise AddressError(f"{address!r} cannot be used as a recipient address")
    try:
        return Address(display_name=one_line(name or ""), addr_spec=address)
    except (ValueError, IndexError) as e:
        raise AddressError(f"{address!r} is not a usable address: {e}") from None


def _single_token(label: str, value: str) -> str:
    if not value or value != "".join(value.split()) or not value.isascii():
        raise ValueError(f"{label} must be ASCII without spaces or line breaks: {value!r}")
    return value


def _list_unsubscribe(settings: Settings, url: str) -> str:
    """Return the List-Unsubscribe value as it goes on the wire, folded by hand.

    RFC 2369 values are URIs in angle brackets: they must stay whole and unencoded, so a
    long field folds only at the space after the comma (a URL line may pass 78 octets;
    the hard limit is 998, far beyond any URL built here).
    """
    return _fold_list_unsubscribe(f"<{url}>,", f"<{unsubscribe_mailto(settings)}>")


def _fold_list_unsubscribe(url_part: str, mailto_part: str) -> str:
    if len(f"List-Unsubscribe: {url_part} {mailto_part}") <= QP_LINE_LENGTH:
        return f"{url_part} {mailto_part}"
    return f"{url_part}\r\n {mailto_part}"


def fill(content: str, recipient: Recipient, *, html: bool) -> str:
    """Put a recipient's values where the placeholders are, HTML-escaped for the HTML part."""
    url, address = recipient.unsubscribe_url, recipient.address
    if html:
        url, address = str(escape(url)), str(escape(address))
    return content.replace(PLACEHOLDER_UNSUBSCRIBE_URL, url).replace(PLACEHOLDER_ADDRESS, address)


def _text_header(message: EmailMessage, name: str, value: str) -> None:
    """Set a free-text header; RFC 2047 encoding for non-ASCII text done by email.header.

    CPython 3.11's modern folder drops the space between two encoded words when it folds
    a long non-ASCII Subject ("the new rules" reads "the newrules"); the older encoder
    keeps spaces inside the encoded words. The value is one line already (no CR/LF).
    """
    if value.isascii():
        message[name] = value
        return
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n", maxlinelen=76)
    message.set_raw(name, encoded)


def _assemble(
    settings: Settings,
    rendered: RenderedIssue,
    *,
    to: Address,
    message_id: str,
    unsubscribe_url: str,
    plain: str,
    html: str,
    date: datetime,
) -> bytes:
    """Build the message: the one place headers and parts are laid out."""
    message = EmailMessage(policy=POLICY)
    message["From"] = _sender(settings, rendered.newsletter_name, rendered.sender)
    message["To"] = to
    _text_header(message, "Subject", one_line(rendered.subject))
    message["Date"] = date
    message["Message-ID"] = message_id
    if rendered.reply_to or settings.reply_to:
        message["Reply-To"] = rendered.reply_to or settings.reply_to
    name, slug = rendered.newsletter_name, rendered.newsletter_slug
    _text_header(message, "List-Id", list_id(settings, name, slug))
    message.set_raw("List-Unsubscribe", _list_unsubscribe(settings, unsubscribe_url))
    if one_click_ready(settings):
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(plain, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in message.iter_parts():
        del part["MIME-Version"]  # add_alternative copies it into the part it makes
    message.set_boundary(_boundary(rendered))
    return message.as_bytes(policy=POLICY)


def _boundary(rendered: RenderedIssue) -> str:
    """Return a MIME boundary fixed by the issue's content, so every copy shares it.

    A hash cannot occur in the quoted-printable parts by accident, and a fixed boundary
    keeps the template and each directly built message comparable byte for byte.
    """
    digest = hashlib.sha256((rendered.text + "\0" + rendered.html).encode("utf-8"))
    return "syndicate-" + digest.hexdigest()[:32]


def build_template(settings: Settings, rendered: RenderedIssue, *, date: datetime) -> bytes:
    """Build the issue's complete message once, with the personal parts as placeholders."""
    return _assemble(
        settings,
        rendered,
        to=Address(addr_spec=PLACEHOLDER_TO),
        message_id=PLACEHOLDER_MESSAGE_ID,
        unsubscribe_url=PLACEHOLDER_UNSUBSCRIBE_URL,
        plain=rendered.text,
        html=rendered.html,
        date=date,
    )


def build_message(
    settings: Settings, rendered: RenderedIssue, recipient: Recipient, *, date: datetime
) -> bytes:
    """Build one recipient's message directly: what `personalize` must reproduce."""
    return _assemble(
        settings,
        rendered,
        to=_to(recipient.address, recipient.name),
        message_id=_single_token("Message-ID", recipient.message_id),
        unsubscribe_url=_single_token("unsubscribe URL", recipient.unsubscribe_url),
        plain=fill(rendered.text, recipient, html=False),
        html=fill(rendered.html, recipient, html=True),
        date=date,
    )


# The splice ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    name: str
    template_value: str


@dataclass(frozen=True)
class _Line:
    decoded: str  # one hard line: the part's UTF-8 bytes read as latin-1, as the encoder wants
    html: bool


_Segment = bytes | _Header | _Line
_PLACEHOLDERS = (PLACEHOLDER_UNSUBSCRIBE_URL.encode(), PLACEHOLDER_ADDRESS.encode())


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


def personalize(template: bytes, recipient: Recipient) -> bytes:
    """Return one recipient's message, spliced into the issue's template bytes."""
    to: Address | str
    address, name = recipient.address, recipient.name
    if _PLAIN_ADDRESS.fullmatch(address) and (not name or _PLAIN_NAME.fullmatch(name)):
        to = f"{name} <{address}>" if name else address  # what str(_to(...)) gives them
    else:
        to = _to(address, name)
    url = _single_token("unsubscribe URL", recipient.unsubscribe_url)
    mid = _single_token("Message-ID", recipient.message_id)
    out: list[bytes] = []
    for segment in _plan(template):
        if isinstance(segment, bytes):
            out.append(segment)
        elif isinstance(segment, _Header):
            lowered = segment.name.lower()
            if lowered == "to":
                out.append(_header(segment.name, to))
            elif lowered == "message-id":
                out.append(_header(segment.name, mid))
            else:  # List-Unsubscribe: "<url>, <mailto:...>", written raw as _assemble does
                mailto_part = segment.template_value.partition(", ")[2]
                value = _fold_list_unsubscribe(f"<{url}>,", mailto_part)
                out.append(f"{segment.name}: {value}\r\n".encode("ascii"))
        else:
            # Spliced values are ASCII (checked above), so they read the same as latin-1.
            filled = fill(segment.decoded, recipient, html=segment.html)
            out.append(quoprimime.body_encode(filled + "\n", QP_LINE_LENGTH, "\r\n").encode())
    return b"".join(out)


# The confirmation email -------------------------------------------------------------------


def confirmation_message(
    settings: Settings, address: str, name: str | None, confirm_url: str
) -> bytes:
    """Build the double opt-in email that asks `address` to confirm its subscription."""
    newsletter = settings.newsletter_name or settings.title
    context = {
        "newsletter_name": newsletter,
        "site_title": settings.title,
        "site_url": settings.base_url,
        "confirm_url": _single_token("confirmation URL", confirm_url),
        "name": one_line(name or ""),
        "address": address,
        "language": settings.language,
    }
    html = inline_css(
        template_environment(settings).get_template("email/confirm.html.j2").render(context)
    )
    plain_environment = template_environment(settings, autoescape=False)
    plain_environment.filters["wrap"] = text.wrap
    plain = text.tidy(plain_environment.get_template("email/confirm.txt.j2").render(context))

    message = EmailMessage(policy=POLICY)
    message["From"] = _sender(settings, newsletter)
    message["To"] = _to(address, name)
    _text_header(message, "Subject", f"Confirm your subscription to {one_line(newsletter)}")
    message["Date"] = datetime.now(UTC)
    message["Message-ID"] = make_msgid(domain=settings.host)
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes(policy=POLICY)

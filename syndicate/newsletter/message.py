"""The newsletter email as MIME bytes: built once per issue, with placeholders.

`build_template` builds the issue's complete message once with the standard library
(`EmailMessage`, a `policy.SMTP` variant) around the placeholders `render_issue` left in
the HTML and text; `splice.personalize` turns those bytes into one recipient's message.
`build_message`, the direct build for one recipient, is the reference the splice is
tested against. The emails about a subscription (confirm, welcome, manage) are in
`account_mail`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

from markupsafe import escape

from syndicate.config import Settings
from syndicate.errors import AddressError
from syndicate.newsletter.list_id import list_id_header
from syndicate.newsletter.render import (
    PLACEHOLDER_ADDRESS,
    PLACEHOLDER_MANAGE_URL,
    PLACEHOLDER_UNSUBSCRIBE_URL,
    QP_LINE_LENGTH,
    RenderedIssue,
)
from syndicate.safetext import one_line

# RFC 2045 caps quoted-printable lines at 76 characters; policy.SMTP's default of 78 would
# let the encoder write 78 (SpamAssassin: MIME_QP_LONG_LINE). Headers fold at 76 as well.
# refold_source="none": a value set raw (List-Unsubscribe, encoded Subject) is written as
# given; left to the folder, a long List-Unsubscribe would come out RFC 2047-encoded, which
# no mail client decodes in that field, and one-click unsubscribe would break.
POLICY = policy.SMTP.clone(max_line_length=QP_LINE_LENGTH, refold_source="none")

PLACEHOLDER_TO = "syndicate-placeholder-to@placeholder.invalid"
PLACEHOLDER_MESSAGE_ID = "<syndicate-placeholder-message-id@placeholder.invalid>"


@dataclass(frozen=True)
class Recipient:
    """The personal parts of one subscriber's copy of an issue."""

    address: str
    name: str | None
    unsubscribe_url: str
    message_id: str
    manage_url: str  # the preferences page (/manage/<token>) the footer links to
    # The Date header: the moment the copy is made (sent), unless a test fixes it.
    date: datetime | None = None
    # The List-Unsubscribe mailto with its per-recipient token (inbound.addresses);
    # None: the bare unsubscribe address.
    unsubscribe_mailto: str | None = None


def _site_mark(settings: Settings) -> str:
    return hashlib.sha256(settings.base_url.encode("utf-8")).hexdigest()[:12]


def message_id(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """Return the Message-ID of one issue for one subscriber, the same on every try."""
    return f"<issue{issue_id}.sub{subscriber_id}.{_site_mark(settings)}@{settings.host}>"


def find_message_ids(settings: Settings, text: str) -> list[tuple[int, int]]:
    """Return the (issue id, subscriber id) of each of this site's Message-IDs in `text`."""
    pattern = (
        rf"<issue(\d{{1,18}})\.sub(\d{{1,18}})\.{_site_mark(settings)}@{re.escape(settings.host)}>"
    )
    return [(int(i), int(s)) for i, s in re.findall(pattern, text, flags=re.IGNORECASE)]


def unsubscribe_mailto(settings: Settings) -> str:
    """Return the mailto URI of List-Unsubscribe."""
    return f"mailto:{settings.unsubscribe_address}?subject=unsubscribe"


def one_click_ready(settings: Settings) -> bool:
    """Tell whether unsubscribe links are https, which RFC 8058 one-click requires."""
    return settings.public_web_url.startswith("https://")


def from_address(settings: Settings, name: str, override: str | None = None) -> Address:
    """Return From: the newsletter's own `from` if set, else the site's; named after the
    newsletter unless that address carries a display name."""
    display, address = parseaddr(override or settings.sender)
    return Address(display_name=one_line(display or name), addr_spec=address)


def to_address(address: str, name: str | None) -> Address:
    if not address or address != "".join(address.split()) or not address.isascii():
        raise AddressError(f"{address!r} cannot be used as a recipient address")
    try:
        return Address(display_name=one_line(name or ""), addr_spec=address)
    except (ValueError, IndexError) as e:
        raise AddressError(f"{address!r} is not a usable address: {e}") from None


def single_token(label: str, value: str) -> str:
    if not value or value != "".join(value.split()) or not value.isascii():
        raise ValueError(f"{label} must be ASCII without spaces or line breaks: {value!r}")
    return value


def _list_unsubscribe(settings: Settings, url: str, mailto: str | None) -> str:
    """Return the List-Unsubscribe value as it goes on the wire, folded by hand.

    RFC 2369 values are URIs in angle brackets: they must stay whole and unencoded, so a
    long field folds only at the space after the comma (a URL line may pass 78 octets;
    the hard limit is 998, far beyond any URL built here).
    """
    return fold_list_unsubscribe(f"<{url}>,", f"<{mailto or unsubscribe_mailto(settings)}>")


def fold_list_unsubscribe(url_part: str, mailto_part: str) -> str:
    if len(f"List-Unsubscribe: {url_part} {mailto_part}") <= QP_LINE_LENGTH:
        return f"{url_part} {mailto_part}"
    return f"{url_part}\r\n {mailto_part}"


def fill(content: str, recipient: Recipient, *, html: bool) -> str:
    """Put a recipient's values where the placeholders are, HTML-escaped for the HTML part."""
    return fill_with(content, fillings(recipient, html=html))


def fillings(recipient: Recipient, *, html: bool) -> tuple[str, str, str]:
    """Return the unsubscribe URL, manage URL and address as `fill` puts them in a part."""
    url, address, manage = recipient.unsubscribe_url, recipient.address, recipient.manage_url
    if html:
        url, address, manage = str(escape(url)), str(escape(address)), str(escape(manage))
    return url, manage, address


def fill_with(content: str, values: tuple[str, str, str]) -> str:
    """Put `fillings` where the placeholders are (the splice reuses them line by line)."""
    url, manage, address = values
    return (
        content.replace(PLACEHOLDER_UNSUBSCRIBE_URL, url)
        .replace(PLACEHOLDER_MANAGE_URL, manage)
        .replace(PLACEHOLDER_ADDRESS, address)
    )


def text_header(message: EmailMessage, name: str, value: str) -> None:
    """Set a free-text header; RFC 2047 encoding for non-ASCII text done by email.header.

    CPython 3.11's modern folder drops the space between two encoded words when it folds
    a long non-ASCII Subject ("the new rules" reads "the newrules"); the older encoder
    keeps spaces inside the encoded words. The value is one line already (no CR/LF).
    """
    if value.isascii() and len(f"{name}: {value}") <= QP_LINE_LENGTH:
        message[name] = value
        return
    # A long ASCII value too: the modern folder would break it before its first word,
    # and a client reads the leading space back as part of the subject.
    charset = "us-ascii" if value.isascii() else "utf-8"
    encoded = Header(value, charset, header_name=name).encode(linesep="\r\n", maxlinelen=76)
    message.set_raw(name, encoded)


def _assemble(
    settings: Settings,
    rendered: RenderedIssue,
    *,
    to: Address,
    message_id: str,
    unsubscribe_url: str,
    mailto: str | None,
    plain: str,
    html: str,
    date: datetime,
) -> bytes:
    """Build the message: the one place headers and parts are laid out."""
    message = EmailMessage(policy=POLICY)
    message["From"] = from_address(settings, rendered.newsletter_name, rendered.sender)
    message["To"] = to
    text_header(message, "Subject", one_line(rendered.subject))
    message["Date"] = date
    message["Message-ID"] = message_id
    if rendered.reply_to or settings.reply_to:
        message["Reply-To"] = rendered.reply_to or settings.reply_to
    name, slug = rendered.newsletter_name, rendered.newsletter_slug
    message.set_raw("List-Id", list_id_header(settings, name, slug))
    message.set_raw("List-Unsubscribe", _list_unsubscribe(settings, unsubscribe_url, mailto))
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
        mailto=None,
        plain=rendered.text,
        html=rendered.html,
        date=date,
    )


def _mailto(recipient: Recipient) -> str | None:
    mailto = recipient.unsubscribe_mailto
    return None if mailto is None else single_token("unsubscribe mailto", mailto)


def build_message(
    settings: Settings, rendered: RenderedIssue, recipient: Recipient, *, date: datetime
) -> bytes:
    """Build one recipient's message directly: what `personalize` must reproduce."""
    single_token("manage URL", recipient.manage_url)  # spliced into both parts, as in personalize
    return _assemble(
        settings,
        rendered,
        to=to_address(recipient.address, recipient.name),
        message_id=single_token("Message-ID", recipient.message_id),
        unsubscribe_url=single_token("unsubscribe URL", recipient.unsubscribe_url),
        mailto=_mailto(recipient),
        plain=fill(rendered.text, recipient, html=False),
        html=fill(rendered.html, recipient, html=True),
        date=date,
    )

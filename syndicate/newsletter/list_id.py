"""The List-Id header (RFC 2919): `phrase <id>`, the id raw whatever the name's length.

Mail filters key on the `<id>`: left to the email package's folder, a long name turned the
whole value into RFC 2047 encoded words and the id vanished inside them. Here only the
phrase is ever encoded (when it is not ASCII) or quoted (when it holds specials), and the
value folds at spaces alone.
"""

from __future__ import annotations

import re
import textwrap
from email.header import Header

from slugify import slugify

from syndicate.config import Settings
from syndicate.newsletter.render import QP_LINE_LENGTH, one_line

LINE_LENGTH = QP_LINE_LENGTH  # headers fold where the body's lines do
# RFC 5322 atext plus the spaces between words: a phrase of these needs no quotes.
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")


def list_id(settings: Settings, name: str, slug: str | None = None) -> str:
    """Return the List-Id value as a reader sees it: the newsletter's name and `<slug.host>`."""
    return f"{one_line(name)} <{list_label(settings, name, slug)}>"


def list_label(settings: Settings, name: str, slug: str | None = None) -> str:
    """Return the list's identifier, the part in angle brackets: the newsletter's slug."""
    return f"{slug or slugify(name) or 'newsletter'}.{settings.host}"


def _phrase(name: str) -> str:
    if not name.isascii():
        encoded = Header(name, "utf-8", header_name="List-Id")
        return encoded.encode(linesep="\r\n", maxlinelen=LINE_LENGTH)
    if not _ATOMS.fullmatch(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = textwrap.wrap(
        name, LINE_LENGTH - len(" "), break_long_words=False, break_on_hyphens=False
    )
    return "\r\n ".join(lines)


def list_id_header(settings: Settings, name: str, slug: str | None = None) -> str:
    """Return the List-Id value as it goes on the wire, folded by hand before the `<id>`."""
    phrase = _phrase(one_line(name))
    label = f"<{list_label(settings, name, slug)}>"
    last = phrase.rsplit("\r\n", 1)[-1]
    first_line = "\r\n" not in phrase
    width = len(last) + len(" ") + len(label) + (len("List-Id: ") if first_line else 0)
    if not phrase:
        return label
    return f"{phrase} {label}" if width <= LINE_LENGTH else f"{phrase}\r\n {label}"

"""Text made safe to carry anywhere: only the characters XML 1.0 allows, and one-line values.

Readers clean what they read with these, the archive stores what they leave, and feeds and
mail headers put it on one line; one definition of each keeps them agreeing.
"""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (NUL among them, which PostgreSQL text cannot hold either):
# it allows tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000 up.
XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry."""
    return XML_ILLEGAL.sub("", text)


def one_line(text: str) -> str:
    """Collapse every run of whitespace, CR and LF included, into one space, and trim."""
    return " ".join(text.split())

"""Turn raw article bytes into clean text, and inline markup into sanitized HTML."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata

import lxml.html
import nh3

from syndicate.errors import DecodeProblem
from syndicate.safetext import xml_text

# Invisible characters that pasted pages leave at the edges of lines.
_EDGE = "\u00a0\u200b\ufeff"
_EDGE_SPACE = " \t\n\r\f\v" + _EDGE
_SPACES = re.compile(r"[ \t\n\r\f\v]+")

INLINE_TAGS = {"a", "em", "strong", "code", "b", "i", "br", "sup", "sub"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(data: bytes) -> str | None:
    """Return the encoding a byte-order mark announces, if the data starts with one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode article bytes: a BOM first, then the declared charset, then UTF-8."""
    encoding = bom_encoding(data)
    if encoding is None and b"\x00" in data[:8192]:
        raise DecodeProblem("looks like a binary file, not text")
    candidates = [encoding] if encoding else [e for e in (declared, "utf-8") if e]
    problem = ""
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except LookupError:
            continue  # an unknown declared charset: fall back to UTF-8
        except UnicodeDecodeError as e:
            problem = (
                f"is not valid {candidate.upper()} text (byte 0x{data[e.start]:02x} "
                f"at offset {e.start}); save it as UTF-8"
            )
    raise DecodeProblem(problem)


def clean_text(text: str) -> str:
    """Return text in NFC with XML-illegal characters gone, LF line ends and trimmed line edges."""
    text = xml_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return "\n".join(line.strip(_EDGE_SPACE) for line in text.split("\n"))


def clean_line(text: str) -> str:
    """Return one line of text: cleaned, with runs of whitespace as single spaces."""
    return _SPACES.sub(" ", clean_text(text)).strip(_EDGE_SPACE)


def sanitize_inline(markup: str) -> str:
    """Keep only inline tags and safe links (http, https, mailto, relative) in a fragment."""
    cleaned = nh3.clean(
        xml_text(markup),
        tags=INLINE_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )
    return unicodedata.normalize("NFC", _SPACES.sub(" ", cleaned).strip())


def markup_to_text(markup: str) -> str:
    """Return what a reader sees of a sanitized fragment, as plain text."""
    if not markup.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    for br in fragment.iter("br"):
        br.tail = " " + (br.tail or "")
    return clean_line(fragment.text_content())


def inline(markup: str) -> tuple[str, str]:
    """Return (plain text, sanitized HTML) for an inline fragment."""
    safe = sanitize_inline(markup)
    return markup_to_text(safe), safe


def plain(text: str) -> tuple[str, str]:
    """Return (plain text, escaped HTML) for text that carries no markup."""
    line = clean_line(text)
    return line, html.escape(line, quote=False)

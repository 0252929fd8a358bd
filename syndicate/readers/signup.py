"""Newsletter signup boilerplate: recognise it, drop it, keep the newsletter's name."""

from __future__ import annotations

import re

from syndicate.model import Block, Heading, Paragraph

_SUBSCRIBE = re.compile(
    r"^(?:subscribe|sign up|sign-up|signup|join|register)(?: now| today| free)?"
    r"(?: (?:to|for))?(?: (?:our|my|this|a)(?: free)?)?(?: free)? (?P<name>.+?)[.!]?$",
    re.IGNORECASE,
)
_MAILING = re.compile(r"newsletter|briefing|digest|bulletin|mailing list|updates", re.IGNORECASE)
_TEASER = re.compile(
    r"stay (?:updated|informed|in the loop|up to date)|latest news|don'?t miss|never miss"
    r"|in your inbox|straight to your inbox|get the (?:latest|best)|keep up with",
    re.IGNORECASE,
)
_FINE_PRINT = re.compile(
    r"^(?:by (?:subscribing|signing up)|you can unsubscribe|enter your e-?mail|privacy policy)",
    re.IGNORECASE,
)
_SHORT = 14  # words: signup lines are short; a longer paragraph that mentions one is content


def _words(text: str) -> int:
    return len(text.split())


def newsletter_name(text: str) -> str | None:
    """Return the newsletter a signup line names ("" when it names none), else None."""
    match = _SUBSCRIBE.match(text.strip())
    if not match or _words(text) > _SHORT or not _MAILING.search(text):
        return None
    name = match.group("name").strip()
    return name if name[:1].isupper() else ""


def is_teaser(text: str) -> bool:
    """Tell whether a short line is the call to action that precedes a signup line."""
    return _words(text) <= 10 and bool(_TEASER.search(text) or text.rstrip().endswith("!"))


def drop_signup(blocks: list[Block]) -> tuple[list[Block], str | None]:
    """Remove signup boilerplate from the blocks; return what is left and the newsletter's name."""
    kept: list[Block] = []
    name: str | None = None
    skip_fine_print = False
    for block in blocks:
        text = block.text if isinstance(block, Paragraph | Heading) else None
        if text is None:
            kept.append(block)
            skip_fine_print = False
            continue
        found = newsletter_name(text)
        if found is not None:
            name = name or found or None
            previous = kept[-1] if kept else None
            if isinstance(previous, Paragraph | Heading) and is_teaser(previous.text):
                kept.pop()
            skip_fine_print = True
            continue
        if skip_fine_print and _FINE_PRINT.match(text):
            continue
        skip_fine_print = False
        kept.append(block)
    return kept, name

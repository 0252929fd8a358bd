"""Photo captions and their credits, as pasted pages and HTML pages write them."""

from __future__ import annotations

import re

from syndicate.model import Figure

_WHO = r"(?:photo(?:graph)?|image|picture|illustration|video)"
# "(photo credit: X)", "(credit: X)", "(Photo: X)" at the end of a caption line.
_PAREN = re.compile(
    rf"\(\s*(?:{_WHO}\s+credits?|credits?|{_WHO}|courtesy(?: of)?)\s*:\s*(?P<credit>[^()]*?)\s*\)$",
    re.IGNORECASE,
)
# "... the harbour. Photo: Jane Doe" after a full sentence; HTML captions write it so.
_TRAILING = re.compile(
    rf"(?:^|(?<=[.!?\"”]))\s*(?:{_WHO}\s+credits?|credits?|{_WHO})\s*:\s*(?P<credit>[^.:]{{1,80}})$",
    re.IGNORECASE,
)


# What web pages write before a credit, in the languages the reader meets.
_LABEL = (
    r"(?:photo(?:graph)?s?|image|picture|illustration|video|credits?|foto(?:grafía|grafie)?"
    r"|фото(?:графия)?|bild|imagen|crédits?|crédito|source)"
)
# "... a bar.Credit Ed Murray/NJ Advance Media", "... the quay. Фото Anna Petrova": a label
# right after the sentence, with or without a colon (screen-reader text glues it on).
_GLUED = re.compile(
    rf"(?<=[.!?\"”)])\s*{_LABEL}(?:\b|(?-i:(?=[A-ZА-Я])))\s*(?:[:.…]+\s*)?(?P<credit>[^.:]{{2,80}})$",
    re.IGNORECASE,
)
_AGENCIES = r"(?:Getty Images|AFP|Reuters|AP Photo|AP|EPA|Shutterstock|Alamy|PA Images|PA|Bloomberg|dpa|Xinhua)"
# "... the harbour. Getty Images", "... the harbour. Jane Doe/Reuters", "... Ed Murray/NJ Advance Media".
_TRAILING_NAME = re.compile(
    rf"(?<=[.!?\"”)])\s*(?P<credit>(?:[\w.'’\- ]{{2,40}}\s?/\s?)?{_AGENCIES}(?: via [\w .]+)?"
    rf"|[A-Z][\w.'’\-]+(?: [A-Z][\w.'’\-]+){{0,3}} ?/ ?[A-Z][\w.&'’\- ]{{1,40}})$"
)
_LOOSE = (_PAREN, _TRAILING, _GLUED, _TRAILING_NAME)


_LABEL_PREFIX = re.compile(
    rf"^(?:{_LABEL}\s*){{1,2}}(?:by\s*)?(?:[:.…]+\s*|\s+(?=\S))", re.IGNORECASE
)


def clean_credit(credit: str) -> str | None:
    """Strip the label and brackets from a credit written in an element of its own."""
    return _LABEL_PREFIX.sub("", credit.strip("()[] ")).strip() or None


def split_credit(line: str, *, loose: bool = False) -> tuple[str, str | None]:
    """Split a caption line into its caption and the credit written after it, if any.

    `loose` (HTML captions) also takes labels without brackets, glued-on credits, agency
    names and a trailing `Name/Agency`; a pasted page's captions need the brackets.
    """
    for pattern in _LOOSE if loose else (_PAREN,):
        match = pattern.search(line)
        if match and match.group("credit"):
            return line[: match.start()].rstrip(), match.group("credit").strip()
    return line, None


def credit_only(line: str) -> str | None:
    """Return the credit when the whole line is a credit such as `(photo credit: X)`."""
    caption, credit = split_credit(line)
    return credit if credit and not caption else None


def read_captions(lines: list[str]) -> list[Figure] | None:
    """Return the figures a group of lines describes, or None when they are not captions.

    A pasted page writes each caption twice: once with its credit inline, then again
    with the credit on a line of its own (or on two identical lines); each comes out once.
    """
    figures: list[Figure] = []
    pending: str | None = None
    for line in lines:
        credit = credit_only(line)
        if credit is not None:
            if pending is None:
                return None
            figures.append(Figure(caption=pending, credit=credit))
            pending = None
            continue
        caption, credit = split_credit(line)
        if pending is not None or not caption:
            return None
        if credit is None:
            pending = caption
        else:
            figures.append(Figure(caption=caption, credit=credit))
    if pending is not None or not figures:
        return None
    return list(dict.fromkeys(figures))

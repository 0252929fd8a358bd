"""Page furniture that is not the story: recognised in the DOM and in the blocks.

News pages wrap a story in "Most read" boxes, "Read more" teasers, app and newsletter
prompts, video and gallery widgets. The DOM pass removes the boxes whose class says what
they are; the block pass removes the short lines that say it in words, in English, French,
German and Spanish. The seed's own signup lines are left to `signup`, which keeps the
newsletter's name.
"""

from __future__ import annotations

import re

import lxml.html

from syndicate.model import Block, Heading, ListBlock, Paragraph
from syndicate.readers.signup import is_teaser as is_signup_teaser
from syndicate.readers.signup import newsletter_name

# Class or id words of boxes that hold other stories, prompts or widgets.
_BOX_CLASS = re.compile(
    r"(?:^|[\s_-])(?:related|most-?read|most-?popular|mostread|popular|trending|teasers?"
    r"|recommend\w*|promo\w*|outbrain|taboola|read-?more|more-?stories|top-?stories"
    r"|sidebar|side-?bar|rail|video-?player|media-?player|video-?widget|gallery-?widget"
    r"|share|sharing|social|comments?|advert\w*|ad|ads|ad-?slot|sponsor\w*|supported-?by"
    r"|app-?promo|download-?app|paywall|subscribe|newsletter-?signup|inline-?newsletter"
    r"|lire-?aussi|a-?lire|weiterlesen|mehr-?zum-?thema|leer-?mas|tambien"
    r"|kicker|eyebrow|overline|rubrique|dachzeile|antetitulo)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Class words that name the story's own text: a layout's "sidebar-grid__content" holding
# "article__content" is the story, whatever its grid is called.
_STORY_CLASS = re.compile(
    r"(?:article|story|post|entry)[-_]*(?:body|content|text)|__content\b", re.IGNORECASE
)
_BOX_TAGS = ("aside", "div", "section", "ul", "ol", "nav", "form", "figure", "p")
_BOX_WORDS = 150  # a box longer than this may well be the story itself

# Short lines that announce furniture, whatever follows them on the line.
_LINE = re.compile(
    r"^(?:"
    # English
    r"most (?:read|popular|viewed|shared)|related(?: (?:stories|articles|content|coverage|topics))?"
    r"|read more|read also|also read|more from|more on this|more stories|recommended"
    r"|supported by|continue reading|advertisement|sponsored|skip advertisement"
    r"|(?:watch|video|gallery|listen|photos?)\s*:|share this|share on|follow us|download (?:our|the) app"
    r"|get (?:the|our) .{0,60}(?:app|newsletter|by email)|sign up|comments?\b|top stories|you may also like"
    r"|image \d+ of \d+|\d+ of \d+ photos"
    # French
    r"|lire aussi|à lire aussi|lire la suite|voir aussi|publicité|les plus lus|sur le même sujet"
    r"|abonnez-vous|inscrivez-vous|téléchargez l'application|partager"
    # German
    r"|lesen sie auch|lesen sie mehr|mehr zum thema|weiterlesen|anzeige|meistgelesen|auch interessant"
    r"|newsletter abonnieren|jetzt abonnieren|teilen|zur startseite|das könnte sie auch interessieren"
    # Spanish
    r"|lee también|lea también|leer más|te puede interesar|publicidad|lo más leído|más noticias"
    r"|suscríbete|descarga la app|compartir|relacionad[oa]s?"
    r")\b",
    re.IGNORECASE,
)
# Prompts to sign up, whatever their first words.
_PROMPT = re.compile(
    r"never miss|free sign up|sign up for|in your inbox|by email|newsletter|download the app"
    r"|get the app|abonnez|inscrivez|abonnieren|suscríb",
    re.IGNORECASE,
)
_SHORT = 25  # words


def _holds(element: lxml.html.HtmlElement, keep: list[lxml.html.HtmlElement]) -> bool:
    """Tell whether `element` is or holds one of the elements to keep."""
    return any(node is element or element in node.iterancestors() for node in keep)


def drop_boxes(tree: lxml.html.HtmlElement, keep: list[lxml.html.HtmlElement]) -> None:
    """Remove short boxes whose class or id names them as furniture (never the story's own)."""
    boxes = []
    for el in tree.iter(*_BOX_TAGS):
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        furniture = _BOX_CLASS.search(marks) and not _STORY_CLASS.search(marks)
        if furniture and len(el.text_content().split()) <= _BOX_WORDS:
            boxes.append(el)
    for box in boxes:
        if box.getparent() is None or _holds(box, keep):
            continue
        box.drop_tree()


def is_furniture(text: str) -> bool:
    """Tell whether a short line announces furniture rather than telling the story."""
    words = len(text.split())
    if words > _SHORT:
        return False
    line = text.strip(" \t•›»>-–—:|")
    if match := _LINE.match(line):
        rest = line[match.end() :].lstrip()
        # "Related: ..." or a short label is furniture; "Related documents were seized." is not.
        if not rest or rest[:1] in ":|»›-–—…" or (words <= 8 and not line.endswith(".")):
            return True
    return words <= 20 and bool(_PROMPT.search(text))


def _is_teaser(block: Paragraph) -> bool:
    """A line that is one link and no sentence: another story's headline."""
    match = re.fullmatch(r'\s*<a href="[^"]*">(?P<inner>.*)</a>\s*', block.html, re.DOTALL)
    return (
        match is not None
        and "<a " not in match.group("inner")
        and len(block.text.split()) <= 20
        and not block.text.rstrip().endswith((".", "!", "?", ".\u201d", '."'))
    )


def drop_furniture(blocks: list[Block]) -> list[Block]:
    """Remove furniture lines, link-only teasers and lists made of teasers."""
    kept: list[Block] = []
    for block in blocks:
        text = block.text if isinstance(block, Paragraph | Heading) else ""
        if text and (newsletter_name(text) is not None or is_signup_teaser(text)):
            kept.append(block)  # the signup pass reads these for the newsletter's name
            continue
        if text and is_furniture(text):
            continue
        if isinstance(block, Paragraph) and _is_teaser(block):
            continue
        if isinstance(block, ListBlock) and all(
            _is_teaser(Paragraph(text, markup))
            for text, markup in zip(block.items, block.items_html, strict=True)
        ):
            continue
        kept.append(block)
    return kept

"""The reader's language: Babel catalogues shipped as .po files, compiled in memory at first use.

Every string a subscriber sees goes through gettext. The catalogues live in the package
(`syndicate/locale/<lang>/LC_MESSAGES/messages.po`), so a checkout and an installed wheel
read the same files; there is no compile step to forget: the first use of a language reads
its .po with Babel and turns it into a `GNUTranslations` in memory. A language with no
catalogue (or English, the language of the msgids) reads the msgids themselves.
"""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

_lock = threading.Lock()
_compiled: dict[str, gettext.NullTranslations] = {}


def _candidates(language: str) -> list[str]:
    """Return the catalogue folders to try for a language tag: `pt-BR` -> pt_BR, pt."""
    tag = language.strip().replace("-", "_")
    primary = tag.split("_")[0].lower()
    return [tag, primary] if tag != primary else [primary]


def catalogue_path(language: str) -> Path | None:
    """Return the .po file that serves `language`, or None when none is shipped."""
    for candidate in _candidates(language):
        path = LOCALE_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            return path
    return None


def _compile(path: Path) -> gettext.GNUTranslations:
    with path.open("rb") as po:
        catalog = read_po(po)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(language: str) -> gettext.NullTranslations:
    """Return the translations for `language`, compiling its catalogue once per process."""
    path = catalogue_path(language)
    key = str(path)
    with _lock:
        found = _compiled.get(key)
        if found is None:
            found = _compile(path) if path is not None else gettext.NullTranslations()
            _compiled[key] = found
    return found


def translator(language: str) -> Callable[[str], str]:
    """Return gettext for `language`: `_ = translator("fr"); _("Unsubscribe")`."""
    return translations(language).gettext


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def direction(language: str) -> str:
    """Return "rtl" for a right-to-left language, else "ltr" (the `dir` of pages and emails)."""
    return "rtl" if _locale(language).text_direction == "rtl" else "ltr"


def local_date(moment: date | datetime, language: str) -> str:
    """Return a date as the reader's language writes it ("3 mars 2026", "March 3, 2026")."""
    return format_date(moment, format="long", locale=_locale(language))


def html_lang(language: str) -> str:
    """Return a language tag as `lang` attributes write it: `pt-BR`, not `pt_BR`."""
    return language.strip().replace("_", "-") or "en"

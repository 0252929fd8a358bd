"""Dates as readers find them: metadata values, dates written in the text, file times."""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from syndicate.errors import DateProblem

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
# A written-out date ("February 18, 2025", "18 February 2025", "2025-02-18"). A regex
# rather than a date-search library: those also match "May" or bare numbers in prose.
_WRITTEN = re.compile(
    rf"\b(?:(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\.?,? \d{{4}}"
    r"|\d{4}-\d{2}-\d{2})\b"
)


# Publication dates outside this range are typos; the far ends would also overflow
# when a feed converts them to UTC.
_YEARS = range(1000, 9999)


def _parse(text: str) -> datetime:
    """Parse free-form date text with dateutil, its unknown-timezone warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dateparser.parse(text)


def checked(moment: datetime) -> datetime:
    """Return `moment`, or raise DateProblem when its year cannot be a publication date."""
    if moment.year not in _YEARS:
        raise DateProblem(f"the year {moment.year} is out of range")
    return moment


def at_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return midnight of `day` in the site's timezone."""
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def to_datetime(value: object, tz: ZoneInfo) -> datetime:
    """Read a metadata date (YAML date or datetime, ISO 8601 or written text) as aware datetime."""
    return checked(_to_datetime(value, tz))


def _to_datetime(value: object, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return at_midnight(value, tz)
    if not isinstance(value, str) or not value.strip():
        raise DateProblem(f"cannot read {value!r} as a date")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            moment = _parse(text)
        except (ValueError, OverflowError):
            raise DateProblem(
                f"cannot read {text!r} as a date (use 2025-02-18 or 2025-02-18T09:30:00+02:00)"
            ) from None
    has_time = bool(re.search(r"\d:\d", text))
    if not has_time:
        return at_midnight(moment.date(), tz)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def find_date(text: str) -> date | None:
    """Return the first date written out in `text`, if any."""
    for match in _WRITTEN.finditer(text):
        try:
            day = _parse(match.group(0).replace(".", "")).date()
        except (ValueError, OverflowError):
            continue
        if 1900 <= day.year <= 2200:
            return day
    return None


def file_time(path: Path, tz: ZoneInfo) -> datetime:
    """Return the file's modification time in the site's timezone."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz)

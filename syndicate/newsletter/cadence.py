"""A newsletter's cadence: `immediate`, or the slots at which its digest goes out.

`daily HH:MM`, `weekly DAY HH:MM`, `monthly N HH:MM` (N = 1..28 or `last`) and
`monthly first|second|third|fourth|last DAY HH:MM`, in the site's timezone. A local time
the spring change skips fires at the first instant after the gap; one the autumn change
repeats fires once, at its first occurrence. The clock is always passed in (`now`), so a
test can stand anywhere in the calendar.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syndicate.config import Settings
from syndicate.errors import ConfigError

IMMEDIATE = "immediate"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = ("first", "second", "third", "fourth")
LAST = "last"
FORMS = (
    "immediate, daily HH:MM, weekly DAY HH:MM, monthly N HH:MM (N 1 to 28 or last), "
    "monthly first|second|third|fourth|last DAY HH:MM"
)
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# The longest stretch between two slots of any cadence (a monthly one on the 1st, or on
# the fifth weekday): searching this far finds one for certain.
_SEARCH_DAYS = 63


@dataclass(frozen=True)
class Cadence:
    """A parsed cadence; `kind` is immediate, daily, weekly or monthly."""

    kind: str
    at: time = time(0, 0)
    weekday: int | None = None  # 0 = Monday: weekly, and monthly by weekday
    day: int | None = None  # monthly: 1..28, or -1 for the last day
    nth: int | None = None  # monthly by weekday: 1..4, or -1 for the last one

    @property
    def is_digest(self) -> bool:
        return self.kind != IMMEDIATE

    def falls_on(self, day: date) -> bool:
        """Tell whether this cadence has a slot on the local date `day`."""
        if self.kind == "daily":
            return True
        if self.kind == "weekly":
            return day.weekday() == self.weekday
        length = calendar.monthrange(day.year, day.month)[1]
        if self.weekday is None:
            return day.day == (length if self.day == -1 else self.day)
        if day.weekday() != self.weekday:
            return False
        if self.nth == -1:
            return day.day + 7 > length
        return (day.day - 1) // 7 + 1 == self.nth


def _day(word: str, text: str) -> int:
    found = [i for i, name in enumerate(DAYS) if word in (name, name[:3])]
    if not found:
        raise ConfigError(f"cadence {text!r}: {word!r} is not a day (mon..sun or the full name)")
    return found[0]


def _time(word: str, text: str) -> time:
    match = _TIME.fullmatch(word)
    if match is None:
        raise ConfigError(f"cadence {text!r}: {word!r} is not a time of day such as 07:00")
    return time(int(match[1]), int(match[2]))


def _monthly(words: list[str], text: str) -> Cadence:
    if len(words) == 2:
        when, at = words
        if when == LAST:
            return Cadence("monthly", _time(at, text), day=-1)
        if not when.isdigit() or not 1 <= int(when) <= 28:
            raise ConfigError(
                f"cadence {text!r}: the day of the month is 1 to 28 or `last` "
                f"(not every month has a day {when}; `monthly last` is the month's last day)"
            )
        return Cadence("monthly", _time(at, text), day=int(when))
    which, weekday, at = words
    if which not in (*ORDINALS, LAST):
        raise ConfigError(
            f"cadence {text!r}: {which!r} is not first, second, third, fourth or last"
        )
    nth = -1 if which == LAST else ORDINALS.index(which) + 1
    return Cadence("monthly", _time(at, text), weekday=_day(weekday, text), nth=nth)


def parse_cadence(text: str) -> Cadence:
    """Read a cadence as syndicate.toml writes it; any case, spaces between the words."""
    words = text.strip().lower().split()
    kind, rest = (words[0], words[1:]) if words else ("", [])
    shapes = {IMMEDIATE: (0,), "daily": (1,), "weekly": (2,), "monthly": (2, 3)}
    if kind not in shapes or len(rest) not in shapes[kind]:
        raise ConfigError(f"unknown cadence {text!r} (known: {FORMS})")
    if kind == IMMEDIATE:
        return Cadence(IMMEDIATE)
    if kind == "daily":
        return Cadence("daily", _time(rest[0], text))
    if kind == "weekly":
        return Cadence("weekly", _time(rest[1], text), weekday=_day(rest[0], text))
    return _monthly(rest, text)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the moment (UTC) the wall clock in `zone` shows `at` on `day`.

    A time the clocks skip gives the first instant after the gap; a time they repeat
    gives its first occurrence.
    """
    first = datetime.combine(day, at, zone)  # fold=0: the offset before a change
    second = first.replace(fold=1)  # the offset after it
    before, after = first.utcoffset(), second.utcoffset()
    if before is None or after is None or before >= after:
        return first.astimezone(UTC)  # an ordinary time, or the first of a repeated one
    # Skipped: between these two instants the clocks jump; find the jump to the second.
    low, high = second.astimezone(UTC), first.astimezone(UTC)
    wall = datetime.combine(day, at)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def previous_slot(cadence: Cadence, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Return the newest slot at or before `now` (UTC), or None for `immediate`."""
    if not cadence.is_digest:
        return None
    today = now.astimezone(zone).date()
    for back in range(-1, _SEARCH_DAYS):
        day = today - timedelta(days=back)
        if cadence.falls_on(day):
            slot = local_instant(day, cadence.at, zone)
            if slot <= now:
                return slot
    raise AssertionError(f"no slot of {cadence} in {_SEARCH_DAYS} days")  # pragma: no cover


def next_slot(cadence: Cadence, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Return the first slot after `now` (UTC), or None for `immediate`."""
    if not cadence.is_digest:
        return None
    today = now.astimezone(zone).date()
    for ahead in range(-1, _SEARCH_DAYS):
        day = today + timedelta(days=ahead)
        if cadence.falls_on(day):
            slot = local_instant(day, cadence.at, zone)
            if slot > now:
                return slot
    raise AssertionError(f"no slot of {cadence} in {_SEARCH_DAYS} days")  # pragma: no cover


def slot_text(settings: Settings, slot: datetime) -> str:
    """Return a slot as the publisher reads it: the site's wall clock and its timezone."""
    return f"{slot.astimezone(settings.tz):%Y-%m-%d %H:%M} {settings.timezone}"

"""Cadences: parsing, and the slots they give in a timezone with clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syndicate.errors import ConfigError
from syndicate.newsletter.cadence import Cadence, next_slot, parse_cadence, previous_slot

LONDON = ZoneInfo("Europe/London")


def slots(text: str, start: datetime, count: int) -> list[datetime]:
    cadence, found, now = parse_cadence(text), [], start
    for _ in range(count):
        now = next_slot(cadence, now, LONDON)  # type: ignore[assignment]
        found.append(now)
    return found


def test_every_form_parses_in_any_case() -> None:
    assert parse_cadence("Immediate") == Cadence("immediate")
    assert parse_cadence("daily 7:00").at.hour == 7
    assert parse_cadence("WEEKLY Tue 18:30").weekday == 1
    assert parse_cadence("weekly sunday 08:00").weekday == 6
    assert parse_cadence("monthly 1 06:00").day == 1
    assert parse_cadence("monthly last 06:00").day == -1
    assert parse_cadence("monthly second wednesday 06:00") == Cadence(
        "monthly", parse_cadence("daily 06:00").at, weekday=2, nth=2
    )
    assert parse_cadence("monthly LAST fri 07:00").nth == -1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("hourly", "unknown cadence 'hourly'"),
        ("daily", "unknown cadence 'daily'"),
        ("daily 24:00", "cadence 'daily 24:00': '24:00' is not a time of day such as 07:00"),
        ("weekly someday 07:00", "'someday' is not a day (mon..sun or the full name)"),
        ("monthly 0 07:00", "the day of the month is 1 to 28 or `last`"),
        ("monthly 31 07:00", "(not every month has a day 31; `monthly last` is"),
        ("monthly fifth mon 07:00", "'fifth' is not first, second, third, fourth or last"),
    ],
)
def test_a_bad_cadence_says_what_is_wrong(text: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse_cadence(text)


def test_daily_07_00_is_07_00_london_time_on_both_sides_of_each_change() -> None:
    found = slots("daily 07:00", datetime(2025, 3, 28, 12, tzinfo=UTC), 4)
    assert [s.astimezone(LONDON).strftime("%d %H:%M %Z") for s in found] == [
        "29 07:00 GMT",
        "30 07:00 BST",
        "31 07:00 BST",
        "01 07:00 BST",
    ]
    found = slots("daily 07:00", datetime(2025, 10, 24, 12, tzinfo=UTC), 4)
    assert [s.astimezone(UTC).strftime("%d %H:%M") for s in found] == [
        "25 06:00",
        "26 07:00",
        "27 07:00",
        "28 07:00",
    ]


def test_a_skipped_time_fires_at_the_first_instant_after_the_gap() -> None:
    (spring,) = slots("daily 01:30", datetime(2025, 3, 29, 12, tzinfo=UTC), 1)
    assert spring == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 02:00 BST, when clocks jump
    assert spring.astimezone(LONDON).strftime("%H:%M %Z") == "02:00 BST"


def test_a_repeated_time_fires_once_at_its_first_occurrence() -> None:
    cadence = parse_cadence("daily 01:30")
    first, after = slots("daily 01:30", datetime(2025, 10, 25, 12, tzinfo=UTC), 2)
    assert first == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert after.date().isoformat() == "2025-10-27"  # not 01:30 GMT an hour later
    second_occurrence = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    assert previous_slot(cadence, second_occurrence, LONDON) == first


def test_monthly_last_friday_and_last_day() -> None:
    found = slots("monthly last fri 07:00", datetime(2025, 1, 1, tzinfo=UTC), 12)
    assert [s.astimezone(LONDON).strftime("%m-%d %H:%M") for s in found] == [
        "01-31 07:00",
        "02-28 07:00",
        "03-28 07:00",
        "04-25 07:00",
        "05-30 07:00",
        "06-27 07:00",
        "07-25 07:00",
        "08-29 07:00",
        "09-26 07:00",
        "10-31 07:00",
        "11-28 07:00",
        "12-26 07:00",
    ]
    assert all(s.astimezone(LONDON).weekday() == 4 for s in found)
    ends = slots("monthly last 07:00", datetime(2024, 1, 1, tzinfo=UTC), 3)
    assert [s.astimezone(LONDON).day for s in ends] == [31, 29, 31]  # 2024 is a leap year


def test_previous_slot_is_at_or_before_now_and_next_strictly_after() -> None:
    cadence = parse_cadence("weekly mon 09:00")
    monday = datetime(2025, 6, 9, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert previous_slot(cadence, monday, LONDON) == monday
    assert next_slot(cadence, monday, LONDON) == monday + timedelta(days=7)
    assert previous_slot(parse_cadence("immediate"), monday, LONDON) is None


def test_monthly_by_ordinal_weekday_and_by_day_of_the_month() -> None:
    found = slots("monthly second wed 06:00", datetime(2025, 1, 1, tzinfo=UTC), 4)
    assert [s.astimezone(LONDON).strftime("%m-%d %H:%M") for s in found] == [
        "01-08 06:00",
        "02-12 06:00",
        "03-12 06:00",
        "04-09 06:00",
    ]
    found = slots("monthly first mon 06:00", datetime(2025, 8, 31, tzinfo=UTC), 2)
    assert [s.astimezone(LONDON).strftime("%m-%d") for s in found] == ["09-01", "10-06"]
    # The 7th and the 14th: the last days an ordinal's week holds.
    found = slots("monthly first mon 06:00", datetime(2025, 3, 31, tzinfo=UTC), 1)
    assert found[0].astimezone(LONDON).strftime("%m-%d") == "04-07"
    found = slots("monthly second fri 06:00", datetime(2025, 3, 1, tzinfo=UTC), 1)
    assert found[0].astimezone(LONDON).strftime("%m-%d") == "03-14"
    found = slots("monthly 15 06:00", datetime(2025, 1, 15, 7, tzinfo=UTC), 3)
    assert [s.astimezone(LONDON).strftime("%m-%d") for s in found] == ["02-15", "03-15", "04-15"]

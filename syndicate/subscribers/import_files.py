"""Reading a subscriber file: another service's export, a CSV of our own, or one address a line.

The columns are found by name, in the spellings the common services export (the README has
the table): Mailchimp's `Email Address`, `First Name`, `Last Name`; Substack's `email`,
`name`, `email_disabled`; Buttondown's `email` or `email_address` and `subscriber_type`;
listmonk's `email`, `name`, `status`; syndicate's own `email`, `name`, `state`. A status
column saying the person left (unsubscribed, blocklisted, cleaned...) skips that line: an
import never brings back someone who left the previous service.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from syndicate.errors import InputError
from syndicate.states import SubscriberState

EMAIL_COLUMNS = ("email", "email address", "email_address", "e-mail", "e-mail address")
NAME_COLUMNS = ("name", "full name", "full_name")
FIRST_NAME_COLUMNS = ("first name", "first_name", "fname")
LAST_NAME_COLUMNS = ("last name", "last_name", "lname")
STATUS_COLUMNS = ("status", "state", "subscriber_type", "type")
LEFT_STATES = frozenset(
    {
        SubscriberState.UNSUBSCRIBED.value,
        "blocklisted",
        SubscriberState.BOUNCED.value,
        "cleaned",
        "complained",
        "removed",
        "undeliverable",
        "spammy",
    }
)
DISABLED_COLUMNS = ("email_disabled",)  # Substack: the reader turned email off
# Mailchimp's unsubscribed and cleaned exports: a time here means the person left.
LEFT_AT_COLUMNS = {"unsub_time": SubscriberState.UNSUBSCRIBED.value, "clean_time": "cleaned"}
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Entry:
    """One line of a subscriber file: its number, the address as written, and what else it says."""

    line: int
    email: str
    name: str | None = None
    left: str | None = None  # why the export says this person left, or None


@dataclass(frozen=True)
class _Columns:
    email: int
    names: tuple[int, ...]
    status: int | None
    disabled: int | None
    left_at: tuple[tuple[int, str], ...] = ()


def _first(columns: list[str], wanted: tuple[str, ...]) -> int | None:
    for name in wanted:
        if name in columns:
            return columns.index(name)
    return None


def _columns(path: Path, header: list[str]) -> _Columns:
    columns = [cell.strip().lower() for cell in header]
    at_email = _first(columns, EMAIL_COLUMNS)
    if at_email is None:
        found = ", ".join(c for c in columns if c) or "nothing"
        raise InputError(
            f"{path}: the first line must be a header with an email column (`email`, "
            f"`Email Address`, `email_address`) or an address; found {found}"
        )
    whole = _first(columns, NAME_COLUMNS)
    parts = (_first(columns, FIRST_NAME_COLUMNS), _first(columns, LAST_NAME_COLUMNS))
    names = (whole,) if whole is not None else tuple(i for i in parts if i is not None)
    left_at = tuple((columns.index(c), why) for c, why in LEFT_AT_COLUMNS.items() if c in columns)
    return _Columns(
        at_email,
        names,
        _first(columns, STATUS_COLUMNS),
        _first(columns, DISABLED_COLUMNS),
        left_at,
    )


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"): export puts a "'" before it, and before a leading "'" too, so that import
# can take exactly one off again and a round trip is lossless.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise_cell(value: str) -> str:
    """Return `value` as a spreadsheet shows it as text, never as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def restore_cell(value: str) -> str:
    """Undo `neutralise_cell`: drop the "'" export put before a formula character."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


def _entry(line: int, cells: list[str], columns: _Columns) -> Entry:
    cells = [restore_cell(cell) for cell in cells]  # what `subscribers export` neutralised
    name = " ".join(part for part in (_cell(cells, i) for i in columns.names) if part)
    status = _cell(cells, columns.status).lower()
    left = None
    if status in LEFT_STATES:
        left = f"{status} in the export"
    elif _cell(cells, columns.disabled).lower() in ("true", "yes", "1"):
        left = "email disabled in the export"
    for index, why in columns.left_at:
        if _cell(cells, index):
            left = f"{why} in the export"
    return Entry(line, cells[columns.email] if columns.email < len(cells) else "", name, left)


def delimiter(first_line: str) -> str:
    """Return the delimiter a header line uses: the candidate it holds most of ("," if none)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_line(handle: TextIO) -> str:
    """Return the first non-blank line, leaving the file at its start again."""
    while True:
        line = handle.readline()
        if not line or line.strip():
            handle.seek(0)
            return line


def read_entries(path: Path) -> Iterator[Entry]:
    """Yield each non-blank line of a subscriber file as an Entry.

    A file whose first line is an address (and has no delimiter) is one address per line.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    with handle:
        reader = None
        try:
            first = _first_line(handle)
            reader = csv.reader(handle, delimiter=delimiter(first))
            columns = _Columns(0, (), None, None)
            if "@" not in first or any(d in first for d in DELIMITERS):
                header = next(reader, None)
                columns = _columns(path, header or [])
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1
                if any(cell.strip() for cell in cells):
                    yield _entry(line, cells, columns)
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text (save the file as UTF-8)") from None
        except csv.Error as e:
            at = reader.line_num if reader is not None else 1
            raise InputError(f"{path}, line {at}: not valid CSV: {e}") from None
        except OSError as e:
            raise InputError(f"{path}: cannot read: {e.strerror or e}") from e

"""The publisher's own changes to the list: add, remove, import and export."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy.engine import Connection, Engine

from syndicate.config import Settings
from syndicate.errors import AddressError
from syndicate.model import Subscriber, SubscriberState
from syndicate.newsletter.catalog import choose
from syndicate.store import (
    deliveries,
    insert_ignoring_duplicates,
    subscribers,
    suppressions,
    utcnow,
    write_transaction,
)
from syndicate.subscribers.addresses import normalize_address, suppression_hash
from syndicate.subscribers.import_files import Entry, neutralise_cell, read_entries
from syndicate.subscribers.memberships import (
    ACTIVE,
    LEFT,
    PENDING,
    join,
    membership_states,
    refresh_state,
)
from syndicate.subscribers.records import (
    GONE,
    as_subscriber,
    cancel_due,
    clean_name,
    insert_subscriber,
    is_suppressed,
    list_subscribers,
    queue_confirmation,
    row_by_address,
)

AddOutcome = Literal["added", "joined", "activated", "existing", "suppressed"]


def _join_existing(
    conn: Connection, row: Any, newsletter_ids: Sequence[int], *, confirmed: bool, **consent: Any
) -> AddOutcome:
    """Add memberships to a subscriber already on the list; say what that did."""
    states = membership_states(conn, row.id)
    wanted = [n for n in newsletter_ids if states.get(n) != LEFT]  # a left one needs a signup
    if not wanted:
        return "suppressed"
    state = ACTIVE if confirmed else PENDING
    joined = join(conn, row.id, [n for n in wanted if n not in states], state=state, **consent)
    if joined:
        return "joined"
    if confirmed and any(states[n] == PENDING for n in wanted):
        join(conn, row.id, wanted, state=ACTIVE, **consent)
        return "activated"
    return "existing"


def _add(
    conn: Connection,
    email: str,
    name: str | None,
    *,
    newsletter_ids: Sequence[int],
    confirmed: bool,
    method: str,
    client: str | None,
    now: datetime,
) -> tuple[AddOutcome, int | None]:
    """Add one normalised address in an open transaction to newsletters.

    Return what happened and, when a confirmation is now wanted, the subscriber's id.
    """
    consent: dict[str, Any] = {"method": method, "client": client, "now": now}
    row = row_by_address(conn, email)
    if row is not None:
        if row.state in GONE:
            return "suppressed", None
        outcome = _join_existing(conn, row, newsletter_ids, confirmed=confirmed, **consent)
        refresh_state(conn, row.id, method=method, now=now)
        return outcome, row.id if outcome == "joined" and not confirmed else None
    if is_suppressed(conn, email):
        return "suppressed", None
    state = ACTIVE if confirmed else PENDING
    new_id = insert_subscriber(
        conn, email, name, state=state, method=method, client=client, now=now
    )
    if new_id is None:
        return "existing", None
    join(conn, new_id, newsletter_ids, state=state, **consent)
    return "added", None if confirmed else new_id


def add_confirmed(
    engine: Engine,
    settings: Settings,
    address: str,
    name: str | None = None,
    *,
    method: str = "cli",
    client: str | None = None,
    newsletters: Sequence[str] | None = None,
) -> AddOutcome:
    """Add an address whose consent the publisher already has, as active, to newsletters
    (by slug; default: the `subscribe_on_signup` ones).

    A pending membership becomes active; another newsletter is joined ("joined"); an
    address that unsubscribed, bounced or was removed (or left that newsletter) is left
    alone and reported as "suppressed".
    """
    email = normalize_address(address)
    display = clean_name(name)
    with write_transaction(engine) as conn:
        ids = [n.id for n in choose(conn, settings, newsletters)]
        outcome, _ = _add(
            conn,
            email,
            display,
            newsletter_ids=ids,
            confirmed=True,
            method=method,
            client=client,
            now=utcnow(),
        )
    return outcome


def remove(engine: Engine, settings: Settings, address: str) -> Subscriber:
    """Delete a subscriber and its deliveries, keeping a hash so no import brings it back."""
    email = normalize_address(address)
    with write_transaction(engine) as conn:
        row = row_by_address(conn, email)
        if row is None:
            raise AddressError(f"{email} is not on the list")
        conn.execute(deliveries.delete().where(deliveries.c.subscriber_id == row.id))
        conn.execute(subscribers.delete().where(subscribers.c.id == row.id))
        conn.execute(
            insert_ignoring_duplicates(conn, suppressions).values(
                email_hash=suppression_hash(row.email), reason="removed", created_at=utcnow()
            )
        )
    return as_subscriber(row)


# Import and export -------------------------------------------------------------------------


@dataclass(frozen=True)
class SkippedLine:
    """One line of an imported file that was not imported, and why."""

    line: int
    text: str
    reason: str
    invalid: bool = False  # an unusable address (not someone who left)


@dataclass(frozen=True)
class ImportReport:
    """What an import did, line by line counted."""

    added: int
    activated: int
    existing: int
    suppressed: int  # left earlier, here or in the export: not imported
    skipped: tuple[SkippedLine, ...]
    queued: int  # confirmation emails queued for `syndicate send`

    @property
    def invalid(self) -> int:
        return sum(1 for s in self.skipped if s.invalid)


def _checked(entry: Entry) -> tuple[str, str | None] | SkippedLine:
    """Return an entry's normalised address and name, or why its line is skipped."""
    try:
        return normalize_address(entry.email), clean_name(entry.name)
    except AddressError as e:
        return SkippedLine(entry.line, entry.email, str(e), invalid=True)


def import_csv(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    confirmed: bool = False,
    newsletters: Sequence[str] | None = None,
) -> ImportReport:
    """Import a subscriber file (see import_files); one bad line never stops it.

    Without `confirmed`, new addresses are pending and their confirmation emails are queued
    for `syndicate send`, which sends them under the rate limit.
    """
    entries = list(read_entries(path))  # read it all first: a broken file changes nothing
    counts = {"added": 0, "activated": 0, "existing": 0, "suppressed": 0}
    skipped: list[SkippedLine] = []
    queued = 0
    now = utcnow()
    with write_transaction(engine) as conn:
        ids = [n.id for n in choose(conn, settings, newsletters)]
        for entry in entries:
            checked = _checked(entry)
            if isinstance(checked, SkippedLine):
                skipped.append(checked)
                continue
            email, display = checked
            if entry.left is not None:
                counts["suppressed"] += 1
                skipped.append(SkippedLine(entry.line, email, f"{email}: {entry.left}"))
                continue
            outcome, waiting = _add(
                conn,
                email,
                display,
                newsletter_ids=ids,
                confirmed=confirmed,
                method="import",
                client=None,
                now=now,
            )
            counts["added" if outcome == "joined" else outcome] += 1
            if outcome == "suppressed":
                reason = f"{email} unsubscribed, bounced or was removed earlier"
                skipped.append(SkippedLine(entry.line, email, reason))
            if waiting is not None:
                queue_confirmation(conn, waiting, now)
                queued += 1
    return ImportReport(skipped=tuple(skipped), queued=queued, **counts)


@dataclass(frozen=True)
class SuppressReport:
    """What importing a suppression file did."""

    added: int  # addresses new to the suppression list
    unsubscribed: int  # subscribers on the list who now count as unsubscribed
    existing: int  # already suppressed, unsubscribed or bounced
    skipped: tuple[SkippedLine, ...]

    @property
    def invalid(self) -> int:
        return len(self.skipped)


def _suppress(conn: Connection, email: str, now: datetime) -> str:
    row = row_by_address(conn, email)
    if row is not None:
        if row.state in GONE:
            return "existing"
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == row.id)
            .values(
                state=SubscriberState.UNSUBSCRIBED, unsubscribed_at=now, unsubscribe_method="import"
            )
        )
        cancel_due(conn, row.id)
        return SubscriberState.UNSUBSCRIBED.value
    inserted = conn.execute(
        insert_ignoring_duplicates(conn, suppressions).values(
            email_hash=suppression_hash(email), reason="imported", created_at=now
        )
    )
    return "added" if inserted.rowcount else "existing"


def import_suppressions(engine: Engine, path: Path) -> SuppressReport:
    """Put every address of a file (a previous service's unsubscribed, cleaned or bounced
    export) on the suppression list; a subscriber among them is unsubscribed."""
    entries = list(read_entries(path))
    counts = {"added": 0, SubscriberState.UNSUBSCRIBED.value: 0, "existing": 0}
    skipped: list[SkippedLine] = []
    now = utcnow()
    with write_transaction(engine) as conn:
        for entry in entries:
            checked = _checked(entry)
            if isinstance(checked, SkippedLine):
                skipped.append(checked)
                continue
            counts[_suppress(conn, checked[0], now)] += 1
    return SuppressReport(skipped=tuple(skipped), **counts)


EXPORT_COLUMNS = ("email", "name", "state", "created", "confirmed", "unsubscribed")


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def export_rows(engine: Engine, newsletter_ids: Sequence[int] = ()) -> Iterable[tuple[str, ...]]:
    """Yield the export's header, then one row per subscriber, oldest first (with
    `newsletter_ids`, their members only, in their state there)."""
    yield EXPORT_COLUMNS
    for s in list_subscribers(engine, newsletter_ids=newsletter_ids):
        yield (
            s.email,
            s.name or "",
            s.state,
            _iso(s.created_at),
            _iso(s.confirmed_at),
            _iso(s.unsubscribed_at),
        )


def export_csv(engine: Engine, out: TextIO, newsletter_ids: Sequence[int] = ()) -> int:
    """Write every subscriber (or the members of some newsletters) as CSV to `out`; return how many."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for row in export_rows(engine, newsletter_ids):
        writer.writerow([neutralise_cell(cell) for cell in row])
        count += 1
    return count

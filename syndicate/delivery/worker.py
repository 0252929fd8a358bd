"""One SMTP connection and the loop that feeds it claimed deliveries, one at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from syndicate.delivery.claims import BATCH, LEASE, Claimed, owned_by, worker_name
from syndicate.delivery.outcomes import not_a_bounce, record_refusal
from syndicate.delivery.recorder import Recorder
from syndicate.delivery.run import Outcome, Run
from syndicate.errors import ConnectionLost, DeliveryError, Refused, StoreError
from syndicate.inbound.addresses import MembershipRef, envelope_sender, unsubscribe_mailto
from syndicate.mailer import Transport
from syndicate.model import DeliveryKind, DeliveryState, IssueState, SubscriberState
from syndicate.newsletter.message import Recipient, message_id
from syndicate.newsletter.splice import personalize
from syndicate.store import deliveries, utcnow
from syndicate.subscribers import manage_url, unsubscribe_url
from syndicate.subscribers.addresses import domain_of
from syndicate.subscribers.letters import confirmation_for

RECONNECTS = 3  # connections lost in a row before a worker gives up


class Worker:
    """One SMTP connection and the loop that feeds it claimed deliveries."""

    def __init__(self, run: Run, transport: Transport) -> None:
        self.run = run
        self.transport = transport
        self.name = worker_name()
        self.lost_in_a_row = 0
        self.conn: Connection | None = None  # the worker's own, open while loop() runs
        self.recorder = Recorder(run, self.statements)  # writes message N while N+1 is sent
        # Set when loop() is over. Waited on instead of Thread.join: a join interrupted by
        # Ctrl-C marks the thread finished while it still runs (CPython before 3.13).
        self.finished = threading.Event()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """Open a write transaction on the worker's connection (BEGIN IMMEDIATE on SQLite).

        Each worker keeps one connection for its whole run: checking one out of the pool
        for each of a message's two transactions cost about a third of the database time.
        """
        conn = self.conn
        assert conn is not None
        self.recorder.settle()  # the last accepted message is recorded before anything else
        with self.run.sqlite_writes or nullcontext():
            conn.execution_options(sqlite_begin="IMMEDIATE")  # changes `conn` in place
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.execution_options(sqlite_begin="")

    def claim(self, size: int) -> list[Claimed]:
        """Claim up to `size` deliveries for this worker, lowest id first."""
        now = utcnow()
        claimed: list[Claimed] = []
        with self.writing() as conn:
            for statement in self.run.claims:
                if len(claimed) >= size:
                    break
                params = {
                    "stale_before": now - LEASE,
                    "due_by": self.run.started,
                    "size": size - len(claimed),
                    "worker": self.name,
                    "now": now,
                }
                claimed.extend(Claimed(*row) for row in conn.execute(statement, params).all())
        return sorted(claimed, key=lambda c: c.id)

    def release(self, rows: Sequence[Claimed]) -> None:
        """Give claimed rows back, due again, for this or a later run."""
        if not rows:
            return
        with self.writing() as conn:
            conn.execute(
                deliveries.update()
                .where(owned_by(self.name, deliveries.c.id.in_([r.id for r in rows])))
                .values(state=DeliveryState.DUE, claimed_by=None, claimed_at=None)
            )

    def record(self, row: Claimed, **values: object) -> None:
        """Write `values` onto one row this worker holds."""
        with self.writing() as conn:
            conn.execute(self.update(row).values(**values))

    def update(self, row: Claimed) -> sa.Update:
        """Return an UPDATE of one row, matching only while this worker holds it."""
        return deliveries.update().where(owned_by(self.name, deliveries.c.id == row.id))

    def loop(self) -> None:
        """Claim and send batches until nothing is due, the budget is spent or the run stops."""
        try:
            with self.run.engine.connect() as self.conn:
                try:
                    self.claim_and_send()
                finally:
                    self.recorder.settle()  # the last message sent is recorded before the end
        except SQLAlchemyError as e:
            self.run.fail(StoreError(f"database error: {e}"))
        except BaseException as e:  # handed to the main thread, which raises it
            self.run.fail(e)
        finally:
            self.conn = None
            self.transport.close()
            self.finished.set()

    def claim_and_send(self) -> None:
        """Claim a batch and send it, until there is nothing more to do."""
        while not self.run.stop.is_set():
            size = self.run.budget.take(BATCH)
            if size == 0:
                return
            rows = self.claim(size)
            self.run.budget.give_back(size - len(rows))
            if not rows:
                return
            self.work_through(rows)

    def work_through(self, rows: list[Claimed]) -> None:
        """Deliver a claimed batch; give back what is left when stopping or reconnecting."""
        for index, row in enumerate(rows):
            if self.run.stop.is_set():
                self.release(rows[index:])
                return
            try:
                self.deliver(row)
                self.lost_in_a_row = 0
            except ConnectionLost as e:
                self.release(rows[index:])
                self.lost_in_a_row += 1
                if self.lost_in_a_row >= RECONNECTS:
                    raise DeliveryError(f"{e} {RECONNECTS} times in a row; stopping") from e
                return
            except BaseException:
                self.release(rows[index:])
                raise

    @contextmanager
    def statements(self) -> Iterator[Any]:
        """Yield the DBAPI connection for the per-message statements, held for their turn.

        On SQLite the process's workers share one (`turns.SharedConnection`); elsewhere
        it is the one under the worker's own connection.
        """
        shared = self.run.shared
        if shared is not None:
            with shared.lock:
                yield shared.dbapi()
            return
        assert self.conn is not None
        yield self.conn.connection.dbapi_connection

    def deliver(self, row: Claimed) -> None:
        """Send one claimed delivery, or skip or give it back when it should not go now."""
        run = self.run
        with self.statements() as dbapi:
            recipient = run.direct.read(dbapi, row.id)
        if recipient is None:  # removed (`subscribers remove`) since the claim
            run.tally(Outcome.SKIPPED)
            return
        email, name, state, issue_state = recipient
        if row.kind == DeliveryKind.ISSUE and issue_state == IssueState.HELD:
            self.release([row])  # waits for `newsletter release`
            return
        wanted = (
            SubscriberState.PENDING if row.kind == DeliveryKind.CONFIRM else SubscriberState.ACTIVE
        )
        if state != wanted or (row.kind == DeliveryKind.ISSUE and issue_state != IssueState.QUEUED):
            self.record(row, state=DeliveryState.CANCELLED, claimed_by=None)
            run.tally(Outcome.SKIPPED)
            return
        if self.throttled(row, email):
            return
        message = self.build(row, email, name)
        if run.rate.interval:
            self.recorder.settle()  # not left waiting with the rate limit
        run.rate.wait(run.stop)
        if run.stop.is_set():
            self.release([row])
            return
        try:
            # The previous message's record must be committed before this one can be
            # accepted: at most one accepted-but-unrecorded message on this connection.
            reply = self.transport.send(
                self.envelope_sender(row), email, message, ready=self.recorder.settle
            )
        except Refused as e:
            record_refusal(self, row, email, e)
            return
        self.sent(row, reply)
        run.streak.accepted()
        not_a_bounce(self)

    def envelope_sender(self, row: Claimed) -> str:
        """Return the bounce address of one delivery: VERP names it for an issue."""
        if row.kind == DeliveryKind.ISSUE:
            return envelope_sender(self.run.settings, row.id)
        return self.run.envelope_sender

    def throttled(self, row: Claimed, address: str) -> bool:
        """Put a delivery off, untried, while its receiving domain asks us to slow down."""
        until = self.run.domains.waiting(domain_of(address))
        if until is None:
            return False
        self.record(row, state=DeliveryState.DUE, due_at=until, claimed_by=None, claimed_at=None)
        self.run.tally(Outcome.DEFERRED)
        return True

    def sent(self, row: Claimed, reply: str) -> None:
        """Hand an accepted message to the recorder: one commit, while the next one goes."""
        self.recorder.settle()  # already done, unless the transport never asked
        self.recorder.record_sent(
            {
                "delivery_id": row.id,
                "worker": self.name,
                "when": self.run.direct.when(utcnow()),
                "text": reply[:2000],
                "tries": row.attempts + 1,
                "done": (
                    DeliveryState.WRITTEN if self.run.settings.uses_outbox else DeliveryState.SENT
                ).value,
            }
        )
        # Counted when the server accepted it (that is what went out), in this thread,
        # so progress hears of message N before message N+1's state check.
        self.run.tally(Outcome.SENT)

    def build(self, row: Claimed, address: str, name: str | None) -> bytes:
        """Return the finished message for one delivery."""
        settings = self.run.settings
        if row.kind == DeliveryKind.CONFIRM:
            return confirmation_for(self.run.engine, settings, row.subscriber_id, address)
        assert row.issue_id is not None
        template = self.run.template(row.issue_id)
        recipient = Recipient(
            address=address,
            name=name,
            unsubscribe_url=unsubscribe_url(settings, row.subscriber_id, template.slug),
            message_id=message_id(settings, row.issue_id, row.subscriber_id),
            manage_url=manage_url(settings, row.subscriber_id),
            unsubscribe_mailto=unsubscribe_mailto(
                settings, MembershipRef(row.subscriber_id, template.newsletter_id)
            ),
        )
        return personalize(template.message, recipient)

"""What a worker writes when the server refuses a delivery, by what the refusal means.

`refusals.classify` says who is at fault; the guards (`guards`) say whether this run can
trust the relay's verdicts yet. Every write of a claimed row matches it only while the
worker still holds it (`Worker.update`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndicate.delivery.claims import Claimed
from syndicate.delivery.guards import Decision, Refusal
from syndicate.delivery.pacing import backoff
from syndicate.delivery.refusals import Verdict, classify
from syndicate.delivery.run import Outcome, Run
from syndicate.errors import DeliveryError, Refused
from syndicate.model import DeliveryState, IssueState
from syndicate.store import deliveries, issues, utcnow
from syndicate.subscribers import mark_bounced
from syndicate.subscribers.addresses import domain_of
from syndicate.subscribers.feedback import soft_bounce

if TYPE_CHECKING:
    from syndicate.delivery.worker import Worker


def record_refusal(worker: Worker, row: Claimed, address: str, refused: Refused) -> None:
    """Record one refusal as its verdict says."""
    refusal = Refusal(row, address, f"{refused.code} {refused.reply}"[:2000])
    verdict = classify(refused.code, refused.reply, refused.phase)
    if verdict is Verdict.MAILBOX:
        _hard_bounce(worker, refusal)
        return
    not_a_bounce(worker)
    if verdict is Verdict.MESSAGE:
        _message_refused(worker, refusal)
    elif verdict is Verdict.RECIPIENT:
        _failed(worker, refusal, f"refused: {address}: {refusal.reply}")
    else:
        _deferred(worker, refusal, throttled=verdict is Verdict.THROTTLE)


def not_a_bounce(worker: Worker) -> None:
    """Note a recipient who did not hard-bounce: the bounces kept back can now be trusted."""
    kept_back = worker.run.first.other()
    if kept_back:
        with worker.writing() as conn:
            apply_bounces(worker.run, conn, kept_back)


def apply_bounces(run: Run, conn: Connection, refusals: Sequence[Refusal]) -> None:
    """Mark the subscribers of these hard bounces bounced, and count them."""
    for refusal in refusals:
        mark_bounced(conn, refusal.row.subscriber_id, refusal.reply)
        run.tally(Outcome.BOUNCED, f"bounced: {refusal.address}: {refusal.reply}")


def _failed_values(worker: Worker, refusal: Refusal) -> sa.Update:
    return worker.update(refusal.row).values(
        state=DeliveryState.FAILED,
        reply=refusal.reply,
        attempts=refusal.row.attempts + 1,
        claimed_by=None,
    )


def _hard_bounce(worker: Worker, refusal: Refusal) -> None:
    run = worker.run
    with worker.writing() as conn:
        conn.execute(_failed_values(worker, refusal))
    decision, refusals = run.first.bounced(refusal)
    if decision is Decision.WAIT:
        return
    if decision is Decision.APPLY:
        with worker.writing() as conn:
            apply_bounces(run, conn, refusals)
        return
    domains = len({domain_of(r.address) for r in refusals})
    reason = (
        f"the relay refused each of the first {len(refusals)} recipients as unknown, at "
        f"{domains} domains (last: {refusal.reply}); nobody was bounced"
    )
    _give_back_and_hold(worker, refusals, reason)


def _message_refused(worker: Worker, refusal: Refusal) -> None:
    with worker.writing() as conn:
        conn.execute(_failed_values(worker, refusal))
    streak = worker.run.streak.refused(refusal)
    if streak is None:
        worker.run.tally(Outcome.FAILED, f"refused: {refusal.address}: {refusal.reply}")
        return
    reason = f"the relay refuses the message itself: {refusal.reply}; nobody was bounced"
    _give_back_and_hold(worker, streak, reason)


def _give_back_and_hold(worker: Worker, refusals: Sequence[Refusal], reason: str) -> None:
    """Make these refused deliveries due again, hold their issues, and stop the run."""
    ids = [r.row.id for r in refusals]
    issue_ids = sorted({r.row.issue_id for r in refusals if r.row.issue_id is not None})
    with worker.writing() as conn:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id.in_(ids), deliveries.c.state == DeliveryState.FAILED)
            .values(state=DeliveryState.DUE, due_at=utcnow(), claimed_by=None, claimed_at=None)
        )
        conn.execute(
            issues.update()
            .where(issues.c.id.in_(issue_ids), issues.c.state == IssueState.QUEUED)
            .values(state=IssueState.HELD)
        )
    held = "".join(
        f"; issue {n} is held: once that is fixed, `syndicate newsletter release {n}` sends it"
        for n in issue_ids
    )
    worker.run.fail(DeliveryError(f"{reason}{held}"))


def _failed(worker: Worker, refusal: Refusal, problem: str) -> None:
    run = worker.run
    with worker.writing() as conn:
        conn.execute(_failed_values(worker, refusal))
        soft_bounce(
            conn,
            refusal.row.subscriber_id,
            refusal.row.id,
            refusal.reply,
            limit=run.settings.soft_bounces_to_stop,
            window=run.settings.soft_bounce_window,
        )
    run.tally(Outcome.FAILED, problem)


def _deferred(worker: Worker, refusal: Refusal, *, throttled: bool) -> None:
    run = worker.run
    attempts = refusal.row.attempts + 1
    if attempts >= run.settings.max_attempts:
        _failed(
            worker, refusal, f"failed after {attempts} attempts: {refusal.address}: {refusal.reply}"
        )
        return
    due_at = utcnow() + backoff(run.settings, attempts)
    if throttled:
        due_at = max(due_at, run.domains.throttled(domain_of(refusal.address)))
    worker.record(
        refusal.row,
        state=DeliveryState.DUE,
        reply=refusal.reply,
        attempts=attempts,
        due_at=due_at,
        claimed_by=None,
        claimed_at=None,
    )
    run.tally(Outcome.DEFERRED)

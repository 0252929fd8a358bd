"""`send_due`: the one entry to the sender, which starts the workers and reports the run."""

from __future__ import annotations

import os
import threading

from sqlalchemy.engine import Engine

from syndicate.atomic import remove_stale_temporaries
from syndicate.config import Settings
from syndicate.delivery.claims import count_due, release_dead_claims
from syndicate.delivery.outcomes import apply_bounces
from syndicate.delivery.processes import process_count, send_in_processes, shares
from syndicate.delivery.run import Outcome, Progress, Run, SendSummary
from syndicate.delivery.worker import Worker
from syndicate.errors import DeliveryError, StoreError, SyndicateError
from syndicate.interrupts import stopped
from syndicate.mailer import Transport, open_transport
from syndicate.store import write_transaction


def default_processes() -> int:
    """Return how many sender processes `send` runs by default: the cores, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def send_due(
    engine: Engine,
    settings: Settings,
    *,
    rate: float | None = None,
    connections: int | None = None,
    limit: int | None = None,
    processes: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SendSummary:
    """Send every due delivery (up to `limit`) and return what happened.

    `connections` is the total over `processes` sender processes (default: the cores, at
    most 4; fewer for a small send, see `processes.process_count`). Raises DeliveryError,
    with every unsent delivery still due, when the server cannot be reached or refuses the
    login.
    """
    release_dead_claims(engine)
    if settings.uses_outbox:  # what a killed run left half-written in outbox/
        remove_stale_temporaries(settings.outbox_path, recursive=False)
    due = count_due(engine)
    if limit is not None:
        due = min(due, limit)
    if dry_run or due == 0:
        return SendSummary(due=due, dry_run=dry_run)
    pace = settings.rate if rate is None else rate
    wanted = min(max(1, connections or settings.connections), due)
    count = process_count(processes or default_processes(), wanted, due)
    if count > 1:
        return send_in_processes(
            engine, settings, shares(count, wanted, pace, limit), due, progress
        )
    run = Run(engine, settings, pace, limit, progress)
    try:
        _run_workers(run, [Worker(run, t) for t in _open_transports(settings, wanted)])
    finally:
        try:
            _settle_bounces(engine, run)
        finally:
            run.close()
    _raise_failure(run)
    return run.summary(due)


def _open_transports(settings: Settings, count: int) -> list[Transport]:
    """Open `count` connections, or none: a failure closes those already open."""
    transports: list[Transport] = []
    try:
        for _ in range(count):
            transports.append(open_transport(settings))
    except DeliveryError:
        for transport in transports:
            transport.close()
        raise
    return transports


def _run_workers(run: Run, workers: list[Worker]) -> None:
    """Run each worker in a thread of its own until all are done (or Ctrl-C stops them)."""
    threads = [threading.Thread(target=w.loop, name=w.name, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for worker in workers:
            while not worker.finished.wait(0.2):
                pass
    except KeyboardInterrupt as interrupt:
        run.stop.set()  # each worker finishes its message on the wire and gives back the rest
        for worker in workers:
            worker.finished.wait()
        raise stopped(interrupt, sent=run.counts[Outcome.SENT]) from interrupt


def _settle_bounces(engine: Engine, run: Run) -> None:
    """Apply the hard bounces kept back when the run had fewer recipients than the guard."""
    kept_back = run.first.settle()
    if kept_back:
        with write_transaction(engine) as conn:
            apply_bounces(run, conn, kept_back)


def _raise_failure(run: Run) -> None:
    """Raise the error that stopped a worker, if any, saying how far the run got."""
    error = run.error
    if error is None:
        return
    if not isinstance(error, SyndicateError):
        raise error  # a bug, not a user's problem: let the traceback show
    message = f"{error} (sent {run.counts[Outcome.SENT]} before stopping; the rest stay due)"
    if isinstance(error, StoreError):
        raise StoreError(message) from error
    raise DeliveryError(message) from error

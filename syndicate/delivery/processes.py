"""`send --processes N`: one command, N sender processes sharing the claims, one summary.

Each child runs `send_due` as a separate `syndicate send` would: it claims its own batches
(claims never share a row), so the processes need no coordination beyond what two cron
runs already have. The parent splits the connections, the rate and `--limit` between
them, adds up their summaries, and drives the progress bar from a shared counter.

Signals. The children ignore SIGINT (a terminal's Ctrl-C reaches the whole process
group): the parent hears it and sends each child one SIGTERM, on which the child stops as
a lone sender does on Ctrl-C (the message on the wire finishes, the rest is given back)
and reports how many it sent. If the parent dies (SIGKILL), Linux sends the children
SIGTERM too (PR_SET_PDEATHSIG), so a killed command stops all of its senders.

The children share no database connection with the parent: it lets go of its own before
they start, and each opens one of its own.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.sharedctypes import Synchronized
from types import FrameType
from typing import Any

from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.delivery.run import Progress, SendSummary
from syndicate.errors import DeliveryError, Interrupted, SyndicateError
from syndicate.interrupts import stopped

PER_PROCESS = 500  # deliveries that make starting another process (about 0.5 s) worth it
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Share:
    """One child's part of the send."""

    connections: int
    rate: float  # messages per second; 0: no limit
    limit: int | None


def split(total: int, parts: int) -> list[int]:
    """Split `total` into `parts` whole numbers as even as can be, larger ones first."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def process_count(requested: int, connections: int, due: int) -> int:
    """Return how many processes to run: never more than connections, nor one per few rows."""
    return max(1, min(requested, connections, due // PER_PROCESS or 1))


def shares(count: int, connections: int, rate: float, limit: int | None) -> list[Share]:
    """Split one send's connections, rate and limit between `count` processes."""
    limits: list[int | None] = list(split(limit, count)) if limit is not None else [None] * count
    return [
        Share(connections=c, rate=rate / count, limit=n)
        for c, n in zip(split(connections, count), limits, strict=True)
    ]


def _context() -> ForkContext | SpawnContext:
    """Fork when it is safe, else spawn.

    A forked child starts at once with everything imported; a spawned one imports
    syndicate again, which took seconds per child on a busy 2-core machine. Forking is
    only safe from a process running no other thread (the CLI's case): a thread's locks
    would be copied held, with no thread left to release them.
    """
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def send_in_processes(
    engine: Engine, settings: Settings, parts: list[Share], due: int, progress: Progress | None
) -> SendSummary:
    """Run one sender process per share; return their summaries added up.

    Raises Interrupted (with every child's sent messages counted) on SIGINT or SIGTERM,
    and the first child's error when one failed.
    """
    engine.dispose()  # no open database connection is copied into a child; each opens its own
    context = _context()
    counter: Synchronized[int] = context.Value("q", 0)
    children, pipes = [], []
    for share in parts:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_child, args=(settings, share, counter, sender, os.getpid()), daemon=True
        )
        child.start()
        sender.close()
        children.append(child)
        pipes.append(receiver)
    try:
        _watch(children, counter, progress)
    except KeyboardInterrupt as interrupt:
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)
        sent = sum(_sent(result) for result in _collect(children, pipes))
        raise stopped(interrupt, sent=sent) from interrupt
    return _added_up(_collect(children, pipes), due)


def _watch(children: list[Any], counter: Synchronized[int], progress: Progress | None) -> None:
    """Wait for every child to end, passing their progress on."""
    shown = 0
    running = True
    while running:
        running = any(child.is_alive() for child in children)
        if running:
            wait([child.sentinel for child in children if child.is_alive()], timeout=0.2)
        # Once more after the last child ended: the messages it sent since the last look.
        if progress is not None and counter.value > shown:
            progress(counter.value - shown)
            shown = counter.value


def _collect(children: list[Any], pipes: list[Connection]) -> list[Any]:
    """Read each child's result (-1 for a child that ended without one) and reap it."""
    results = []
    for child, pipe in zip(children, pipes, strict=True):
        try:
            results.append(pipe.recv())
        except EOFError:
            results.append(-1)
        child.join()
    return results


def _sent(result: Any) -> int:
    """Return how many messages a child got out, whatever it ended with."""
    if isinstance(result, SendSummary):
        return result.sent
    return result if isinstance(result, int) and result > 0 else 0


def _added_up(results: list[Any], due: int) -> SendSummary:
    """Add the children's summaries up; raise the first child's error, if any."""
    for result in results:
        if isinstance(result, BaseException):
            raise result
        if result == -1:
            raise DeliveryError(
                "a sender process ended without a word; the rows it held are given back "
                "by the next send"
            )
    summaries = [r for r in results if isinstance(r, SendSummary)]
    return SendSummary(
        sent=sum(s.sent for s in summaries),
        deferred=sum(s.deferred for s in summaries),
        bounced=sum(s.bounced for s in summaries),
        failed=sum(s.failed for s in summaries),
        skipped=sum(s.skipped for s in summaries),
        due=due,
        problems=tuple(p for s in summaries for p in s.problems),
        to_outbox=any(s.to_outbox for s in summaries),  # the children share one settings
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one stop; a second would cut it short
    raise Interrupted(signum)


def _child(
    settings: Settings, share: Share, counter: Synchronized[int], pipe: Connection, parent: int
) -> None:
    """Run one sender process's part; send back its summary, its sent count or its error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    result: Any = 0
    try:
        _die_with(parent)
        result = _send_share(settings, share, counter)
    except Interrupted as e:
        if not isinstance(result, SendSummary):  # else the stop came after the send ended
            result = e.sent
    except SyndicateError as e:
        result = e if _picklable(e) else DeliveryError(str(e))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pipe.send(result)
    pipe.close()


def _send_share(settings: Settings, share: Share, counter: Synchronized[int]) -> SendSummary:
    from syndicate.delivery.send import send_due  # imports this module
    from syndicate.store import create_db_engine

    def step(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    engine = create_db_engine(settings.db_url)
    try:
        return send_due(
            engine,
            settings,
            rate=share.rate,
            connections=share.connections,
            limit=share.limit,
            processes=1,
            progress=step,
        )
    finally:
        engine.dispose()


def _picklable(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True


def _die_with(parent: int) -> None:
    """Ask Linux for a SIGTERM when the parent dies; stop at once if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: a killed parent leaves its children going
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)

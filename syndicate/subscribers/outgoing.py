"""Confirmation emails sent in the background, so a signup's answer says nothing by its timing.

Answering only after the SMTP server took the confirmation made an unknown address wait
seconds while an active one (which gets no email) was answered at once: anyone could tell
who is subscribed. The web app records the signup, answers, and hands the email to this
sender, which sends it within a moment; when no server can be reached it is queued for the
next `syndicate send`, as the command line does.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.errors import SyndicateError
from syndicate.model import Subscriber
from syndicate.subscribers.optin import deliver_confirmation

log = logging.getLogger(__name__)


class ConfirmationSender:
    """A few worker threads that send confirmation emails after the answer has gone out."""

    def __init__(self, engine: Engine, settings: Settings, workers: int = 2) -> None:
        self.engine = engine
        self.settings = settings
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="syndicate-confirm")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, subscriber: Subscriber) -> None:
        """Send `subscriber`'s confirmation soon, on a worker thread."""
        future = self._pool.submit(self._send, subscriber)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _send(self, subscriber: Subscriber) -> None:
        try:
            deliver_confirmation(self.engine, self.settings, subscriber)
        except SyndicateError as e:  # refused, or queued for `send`: nobody waits to hear it
            log.warning("confirmation for subscriber %s: %s", subscriber.id, e)

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every confirmation handed over so far has been sent or queued."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout)

    def close(self) -> None:
        """Finish what was handed over, then stop the threads."""
        self._pool.shutdown(wait=True)

"""The web app's emails, sent in the background, so an answer says nothing by its timing.

Answering only after the SMTP server took the confirmation made an unknown address wait
seconds while an active one (which gets no email) was answered at once: anyone could tell
who is subscribed. The web app records what happened, answers, and hands the email to this
sender, which sends it within a moment: a confirmation (queued for the next `syndicate
send` when no server can be reached, as the command line does, and at most
`web.confirmation_cap` a day per address), the welcome emails after a confirmation, and
the link to the preferences page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.errors import SyndicateError
from syndicate.model import Subscriber
from syndicate.subscribers.letters import send_manage_link, send_welcomes
from syndicate.subscribers.limits import reserve_confirmation
from syndicate.subscribers.optin import deliver_confirmation

log = logging.getLogger(__name__)


class BackgroundMail:
    """A few worker threads that send the web app's emails after the answer has gone out."""

    def __init__(self, engine: Engine, settings: Settings, workers: int = 2) -> None:
        self.engine = engine
        self.settings = settings
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="syndicate-mail")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def _submit(self, what: str, job: Callable[[], object]) -> None:
        future = self._pool.submit(self._run, what, job)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def submit(self, subscriber: Subscriber) -> None:
        """Send `subscriber`'s confirmation soon, unless today's cap for the address is reached."""

        def confirm() -> None:
            if not reserve_confirmation(self.engine, self.settings, subscriber.email):
                log.warning("confirmation for subscriber %s: today's cap reached", subscriber.id)
                return
            deliver_confirmation(self.engine, self.settings, subscriber)

        self._submit(f"confirmation for subscriber {subscriber.id}", confirm)

    def submit_welcome(self, subscriber: Subscriber, newsletter_ids: Sequence[int]) -> None:
        """Send the welcome emails of the newsletters a confirmation just joined."""
        ids = list(newsletter_ids)
        if ids:
            self._submit(
                f"welcome for subscriber {subscriber.id}",
                lambda: send_welcomes(self.engine, self.settings, subscriber, ids),
            )

    def submit_manage_link(self, address: str) -> None:
        """Email the preferences link to `address` if it is on the list."""
        self._submit("manage link", lambda: send_manage_link(self.engine, self.settings, address))

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, what: str, job: Callable[[], object]) -> None:
        try:
            job()
        except SyndicateError as e:  # refused, unreachable, or queued: nobody waits to hear it
            log.warning("%s: %s", what, e)

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every email handed over so far has been sent, queued or dropped."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout)

    def close(self) -> None:
        """Finish what was handed over, then stop the threads."""
        self._pool.shutdown(wait=True)

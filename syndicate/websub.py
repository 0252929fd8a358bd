"""WebSub: tell the hub which feeds changed, once the new files are in place.

With feeds.websub_hub set, every feed names the hub (rel="hub") and itself (rel="self"),
and after a publish each changed feed is announced to the hub with a publish ping
(`hub.mode=publish`, `hub.url=<feed>`), one request per feed, as most hubs expect. The
publish is done by then: a hub that is down or refuses costs one warning (logged on
"syndicate.websub", which the CLI prints), never the publish. Archive pages are not
announced: nobody subscribes to a page that never changes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import httpx

from syndicate.config import Settings
from syndicate.feed_model import ARCHIVE_FOLDER

log = logging.getLogger(__name__)
TIMEOUT = 10.0  # seconds per ping: a hung hub must not hold up cron for long


def changed_topics(settings: Settings, written: Iterable[Path]) -> list[str]:
    """Return the URLs of the feeds among `written` that readers subscribe to."""
    topics = []
    for path in written:
        relative = path.relative_to(settings.feeds_path)
        if relative.parts[0] != ARCHIVE_FOLDER:
            topics.append(f"{settings.base_url}/feeds/{relative.as_posix()}")
    return topics


def _ping(client: httpx.Client, hub: str, topic: str) -> str | None:
    """Send one publish ping; return what went wrong, or None."""
    response = client.post(hub, data={"hub.mode": "publish", "hub.url": topic})
    if response.is_success:
        return None
    return f"HTTP {response.status_code}"


def ping_hub(settings: Settings, written: Iterable[Path]) -> int:
    """Announce the changed feeds to the WebSub hub, if one is set; return the pings it took.

    A failure is logged once, as a warning, for the whole publish. After a transport error
    (the hub is down), the remaining feeds are not tried: each would wait for the timeout.
    """
    hub = settings.websub_hub
    topics = changed_topics(settings, written)
    if not hub or not topics:
        return 0
    taken, problem = 0, None
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for topic in topics:
            try:
                failure = _ping(client, hub, topic)
            except httpx.HTTPError as e:
                problem = problem or (str(e) or type(e).__name__)
                break
            if failure is None:
                taken += 1
            else:
                problem = problem or failure
    if problem is not None:
        log.warning(
            "the WebSub hub %s took %d of %d update pings (%s): feed readers see the change "
            "at their next poll",
            hub,
            taken,
            len(topics),
            problem,
        )
    return taken

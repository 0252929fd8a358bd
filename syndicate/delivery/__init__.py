"""The sender: claim due deliveries, send them over a pool of SMTP connections, record each.

Crash safety comes from the claim (`claims`): a worker marks a batch `sending` in one
atomic statement, then commits once per message sent (`direct`). A process killed
mid-batch leaves rows in `sending` that become claimable again when the lease runs out, or
at once when the dead process ran on this machine. So only the messages on the wire at the
kill, at most one per connection, can go out twice (a worker records message N while the
server answers N+1's MAIL, RCPT and DATA, always before N+1's end of DATA: `recorder`);
two senders at once never share a row.

    claims     which rows are claimable, the claim statements, dead claims given back, counts
    direct     the two per-message statements run on the DBAPI cursor for speed
    recorder   a worker's sent message committed while the next one's envelope is answered
    turns      the senders' turns at SQLite's write lock (threads and processes)
    pacing     the rate limit, the `--limit` budget, retry delays
    run        what one send's workers share; SendSummary
    worker     one SMTP connection and its loop
    processes  `--processes N`: N sender processes sharing the claims, one summary
    send       send_due, the one entry
"""

from syndicate.delivery.claims import LEASE, count_due, release_dead_claims
from syndicate.delivery.run import SendSummary
from syndicate.delivery.send import default_processes, send_due

__all__ = [
    "LEASE",
    "SendSummary",
    "count_due",
    "default_processes",
    "release_dead_claims",
    "send_due",
]

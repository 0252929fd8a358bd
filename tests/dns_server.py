"""A DNS server on 127.0.0.1 for tests (dnslib): it answers from a zone given as text.

It listens on UDP and TCP at one port (a long TXT record may come over TCP), answers
NXDOMAIN for names it does not hold, and is stopped after the test. `unreachable()` gives
an address where nothing answers.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSServer


# dnslib ships no type information, so BaseResolver is Any to mypy.
class ZoneResolver(BaseResolver):  # type: ignore[misc]
    """Answer from resource records parsed from zone-file text; NXDOMAIN for the rest."""

    def __init__(self, zone: str) -> None:
        self.records = RR.fromZone(zone)

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name, qtype = request.q.qname, QTYPE[request.q.qtype]
        matching = [rr for rr in self.records if rr.rname == name]
        for rr in matching:
            if qtype in (QTYPE[rr.rtype], "ANY"):
                reply.add_answer(rr)
        if not matching:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def _free_port() -> int:
    """Return a port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


@contextmanager
def dns_server(zone: str) -> Iterator[str]:
    """Serve `zone` on 127.0.0.1; yield its `host:port` (what SYNDICATE_NAMESERVER takes)."""
    port = _free_port()
    resolver = ZoneResolver(zone)
    servers = [
        DNSServer(resolver, address="127.0.0.1", port=port, tcp=tcp, logger=_Quiet())
        for tcp in (False, True)
    ]
    for server in servers:
        server.start_thread()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for server in servers:
            server.stop()
            server.server.server_close()


def unreachable() -> str:
    """Return a `host:port` on 127.0.0.1 where no DNS server answers."""
    return f"127.0.0.1:{_free_port()}"


class _Quiet:
    """A dnslib logger that logs nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None

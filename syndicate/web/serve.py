"""Run the web app on waitress: `syndicate serve`."""

from __future__ import annotations

import socket
from collections.abc import Callable

from syndicate.config import Settings
from syndicate.errors import ListenError
from syndicate.web import create_app, mount_path
from syndicate.web.pages import ENGINE


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    threads: int = 4,
    announce: Callable[[str], None] = print,
) -> None:
    """Run the web app on waitress until interrupted, announcing its address first."""
    from waitress.server import create_server

    # Bound here, not by waitress: a refused address then leaves no half-built server
    # (waitress would already have started its threads and its wake-up pipe).
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except OSError as e:
        listener.close()
        raise ListenError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    app = create_app(settings)
    try:
        server = create_server(app, sockets=[listener], threads=threads, ident="syndicate")
        shown = f"[{host}]" if ":" in host else host
        announce(f"http://{shown}:{port}{mount_path(settings)}/")
        server.run()  # waitress closes its sockets itself on Ctrl-C
    finally:
        listener.close()
        app.extensions[ENGINE].dispose()

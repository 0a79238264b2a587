"""Running the app with uvicorn: ``aube serve``, and whatever embeds it (``aube up``).

It listens on loopback unless told otherwise twice (a non-loopback ``--host`` and
``--public``): Aube holds private data, and a public server belongs behind a TLS reverse
proxy. Behind one on the same machine, uvicorn trusts its ``X-Forwarded-For`` and
``X-Forwarded-Proto`` (``FORWARDED_ALLOW_IPS``, default 127.0.0.1), so log-in throttling
sees the reader's address and cookies are marked Secure over https."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import uvicorn

from aube.clock import Clock, system_clock
from aube.config import Settings
from aube.errors import ConfigError
from aube.store import Store
from aube.web.app import BackgroundTask, create_app


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, public: bool) -> None:
    if not public and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host}: that exposes Aube beyond this machine. Put a TLS "
            "reverse proxy in front and pass --public to mean it (or keep 127.0.0.1)."
        )


def server(
    settings: Settings,
    *,
    host: str,
    port: int,
    store: Store | None = None,
    clock: Clock = system_clock,
    background: Sequence[BackgroundTask] = (),
    public: bool = False,
    log_level: str = "info",
) -> uvicorn.Server:
    """A configured uvicorn server for the app (``.run()`` it, or ``.run(sockets=[…])``)."""
    check_host(host, public=public)
    app = create_app(settings, store=store, clock=clock, background=background)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        server_header=False,
        log_level=log_level,
        access_log=log_level == "debug",
    )
    return uvicorn.Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: a free one), for tests and benchmarks that need the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every keep-alive response waits ~40 ms on delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock

"""The real app, served by uvicorn on 127.0.0.1 (a free port) in a thread, and Debian's
Chromium driven by Playwright (its own browser download does not work offline)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from aube.clock import Clock
from aube.config import Settings
from aube.store import Store
from aube.web.server import bind, server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@contextmanager
def live_app(settings: Settings, store: Store, clock: Clock) -> Iterator[str]:
    """Yields the base URL; stops the server (and waits for its thread) afterwards."""
    srv = server(settings, host="127.0.0.1", port=0, store=store, clock=clock, log_level="warning")
    sock = bind("127.0.0.1", 0)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(timeout=30)
        sock.close()

"""A real HTTP server on 127.0.0.1 for the fetcher tests, and fetcher settings to reach it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from aube.config import Settings, load_settings


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A fresh server per test: a slow handler left over from one test (a timeout test's
    sleeping request) must not land in the next test's request log."""
    # Bound to 127.0.0.1 explicitly: "localhost" may also resolve to ::1, which the guard
    # (rightly) refuses unless it is allowed too. Threaded: some handlers sleep on purpose.
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


@pytest.fixture
def fetch_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a Fetcher that may reach 127.0.0.0/8 and does not wait long."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "fetch_allow_networks": ["127.0.0.0/8"],
            "fetch_timeout": 2.0,
            "fetch_retries": 2,
            "fetch_backoff": 0.5,
            "fetch_max_bytes": 1_000_000,
        }
        values.update(overrides)
        return load_settings(**values)

    return make


class FakeSleep:
    """Records the delays the fetcher asks for, without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()

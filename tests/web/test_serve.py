"""``aube serve``: loopback unless told twice, the app answering over real HTTP, and the
background tasks (the scheduler's seat) living and dying with the app."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from support import REPO
from typer.testing import CliRunner
from web.client import Browser
from web.world import World

from aube.cli import app as cli
from aube.config import load_settings
from aube.errors import ConfigError
from aube.web import create_app
from aube.web.server import bind, check_host

AUBE = [sys.executable, "-c", "from aube.cli import main; main()"]


def test_only_loopback_unless_public_is_asked() -> None:
    for host in ("127.0.0.1", "127.0.0.53", "::1", "localhost"):
        check_host(host, public=False)
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        with pytest.raises(ConfigError, match="--public"):
            check_host(host, public=False)
        check_host(host, public=True)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUBE_")}
    return env | {
        "AUBE_DATA_DIR": str(tmp_path / "data"),
        "AUBE_EMBED_BACKEND": "hashing",
        "PYTHONPATH": str(REPO / "src"),
    }


def test_serve_refuses_a_public_address_with_a_reason(tmp_path: Path) -> None:
    done = subprocess.run(
        [*AUBE, "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 2 and "refusing to listen on 0.0.0.0" in done.stderr


def test_serve_answers_on_loopback_and_says_where_to_log_in(tmp_path: Path) -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(
        [*AUBE, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(tmp_path),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    "aube serve did not start"
                )
                time.sleep(0.2)
        assert answer.status_code == 200 and "Log in" in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"Log in at http://127.0.0.1:{port}/login" in out
    assert f"http://127.0.0.1:{port}/signup" in out  # no administrator yet: sign up first


def test_background_tasks_run_with_the_app_and_stop_with_it(tmp_path: Path) -> None:
    started, stopped = [], []

    async def scheduler() -> None:
        started.append(True)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            stopped.append(True)
            raise

    app = create_app(load_settings(data_dir=tmp_path / "data"), background=[scheduler])
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert started == [True]
    assert stopped == [True]


def test_aube_password_sets_a_password_and_ends_the_sessions(app: FastAPI, world: World) -> None:
    phone = Browser(app)
    phone.login("ana")
    done = CliRunner().invoke(
        cli,
        ["--data-dir", str(world.settings.data_dir), "password", "ana"],
        input="a brand new secret\na brand new secret\n",
    )
    assert done.exit_code == 0, done.output
    assert "Password of ana set; 1 session(s) ended." in done.output
    assert phone.get("/profile").url.path == "/login"
    assert Browser(app).login("ana", "a brand new secret").url.path == "/"

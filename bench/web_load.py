"""Load on the web app: many readers opening their Today page, and programs reading today's
edition from the JSON API, at once, against a real uvicorn on 127.0.0.1 (SQLite).

The app runs in a child process (as ``aube serve`` runs it: one process); this process is
the load: ``--clients`` concurrent keep-alive connections, each a different reader with
their own session cookie or API token, for ``--seconds`` after a short warm-up. It prints
the machine, then requests per second and latency percentiles for each target.

The news is the real orx365 archive (its last three days, embedded with MiniLM); the
readers get topics from a list and their editions are built in one batch, as at night.

    .venv/bin/python bench/web_load.py [--users 500] [--clients 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_world import ITEMS, cpu_name, ingest_records, newest, orx365_records

TOPICS = [
    "central banks and interest rates",
    "trade and tariffs",
    "China's economy",
    "oil and energy prices",
    "gold and commodities",
    "stock markets",
    "the war in Ukraine",
    "US politics",
    "artificial intelligence",
    "inflation",
    "jobs and wages",
    "Europe's economy",
    "housing market",
    "banks and finance",
    "Middle East",
    "technology companies",
    "UK economy",
    "Russia",
    "emerging markets",
    "elections",
]


def build(folder: Path, users: int) -> tuple[datetime, list[tuple[str, str]]]:
    """A store with three days of real news and ``users`` readers with today's edition;
    returns (the morning, [(session secret, API token)] one per reader)."""
    from aube.clock import fixed_clock
    from aube.config import load_settings
    from aube.enrich.factory import embedder_for
    from aube.pipeline.editions import editions
    from aube.pipeline.shared import process
    from aube.signals import service
    from aube.store import Store
    from aube.web.tokens import digest, new_api_token, new_secret

    settings = load_settings(data_dir=folder, embed_backend="minilm")
    store = Store.open(settings)
    records = orx365_records()
    morning = newest(records).replace(
        hour=7, minute=0, second=0, microsecond=0
    )  # the last full news day
    start = morning - timedelta(days=3)
    new = ingest_records(
        store,
        [r for r in records if start <= datetime.fromisoformat(r["pub_date"]) < morning],
        now=morning,
    )
    process(store, settings, clock=fixed_clock(morning))
    embedder = embedder_for(settings)
    credentials = []
    for n in range(users):
        user = store.add_user(f"reader{n}", now=morning, timezone="UTC")
        topics = sorted({TOPICS[(n * k + k) % len(TOPICS)] for k in (1, 2, 3, 5, 7, 11)})
        service.add_topics(store, embedder, user, topics, now=morning)
        # Logged in and holding a token, as each reader would be after Settings → API tokens.
        session, token = new_secret(), new_api_token()
        store.add_session(
            user.id,
            session_id=digest(session),
            csrf=new_secret(),
            now=morning,
            expires_at=morning + timedelta(days=30),
        )
        store.add_api_token(
            user.id, name="bench", prefix=token[:9], token_hash=digest(token), now=morning
        )
        credentials.append((session, token))
    report = editions(store, settings, clock=fixed_clock(morning))
    print(
        f"world: {len(new)} items, {store.count_stories()} stories, {users} readers, "
        f"{report.cards} cards ({report.cards / max(users, 1):.1f} per edition)",
        flush=True,
    )
    store.close()
    return morning, credentials


def serve(folder: str, morning: str) -> None:
    """The child: the app as ``aube serve`` runs it, on a free port it prints."""
    from aube.clock import fixed_clock
    from aube.config import load_settings
    from aube.web.server import bind, server

    settings = load_settings(data_dir=Path(folder), embed_backend="minilm")
    srv = server(
        settings,
        host="127.0.0.1",
        port=0,
        clock=fixed_clock(datetime.fromisoformat(morning)),
        log_level="warning",
    )
    sock = bind("127.0.0.1", 0)
    print(sock.getsockname()[1], flush=True)
    srv.run(sockets=[sock])


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


async def hammer(
    url: str,
    path: str,
    headers: list[dict[str, str]],
    clients: int,
    seconds: float,
    warmup: float,
    check: str,
) -> tuple[Result, float]:
    """``clients`` keep-alive connections, each asking for ``path`` as one reader, again and
    again. A bare HTTP/1.1 loop on asyncio streams: a full client library costs more CPU
    per request than the app does, and would measure itself."""
    host, port = url.removeprefix("http://").split(":")
    result = Result()
    start = time.perf_counter()
    measure_from, stop = start + warmup, start + warmup + seconds
    wanted = check.encode()

    async def reader(n: int) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers[n % len(headers)].items())
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()
        stream_in, stream_out = await asyncio.open_connection(host, int(port))
        stream_out.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while (began := time.perf_counter()) < stop:
                stream_out.write(request)
                head = await stream_in.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                body = await stream_in.readexactly(int(length.group(1)) if length else 0)
                done = time.perf_counter()
                if began >= measure_from:
                    if not head.startswith(b"HTTP/1.1 200") or wanted not in body:
                        result.errors += 1
                    else:
                        result.latencies.append(done - began)
        finally:
            stream_out.close()

    await asyncio.gather(*(reader(n) for n in range(clients)))
    return result, seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def machine() -> str:
    import psutil

    return (
        f"machine: {cpu_name()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "MORNING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    if not ITEMS.is_file():
        sys.exit(f"{ITEMS} is absent: this benchmark needs ../shared/data")
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="aube-web-load-") as folder:
        morning, credentials = build(Path(folder), args.users)
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", folder, morning.isoformat()],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ | {"HF_HUB_OFFLINE": "1"},
        )
        try:
            assert child.stdout is not None
            url = f"http://127.0.0.1:{child.stdout.readline().strip()}"
            for _ in range(300):
                try:
                    if httpx.get(url + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            targets = [
                (
                    "Today page   GET /",
                    "/",
                    [{"Cookie": f"aube_session={s}"} for s, _ in credentials],
                    'class="edition-head"',
                ),
                (
                    "Edition API  GET /api/v1/editions/today",
                    "/api/v1/editions/today",
                    [{"Authorization": f"Bearer {t}"} for _, t in credentials],
                    '"cards"',
                ),
            ]
            print(
                f"load: {args.clients} concurrent clients (each a different reader, keep-alive), "
                f"{args.seconds:.0f} s measured after {args.warmup:.0f} s warm-up; one uvicorn "
                "process; client and server share the machine",
                flush=True,
            )
            import psutil

            server_proc, me = psutil.Process(child.pid), psutil.Process()
            for name, path, headers, check in targets:
                for clients in (1, args.clients):
                    cpu0 = (server_proc.cpu_times(), me.cpu_times())
                    result, seconds = asyncio.run(
                        hammer(url, path, headers, clients, args.seconds, args.warmup, check)
                    )
                    cpu1 = (server_proc.cpu_times(), me.cpu_times())
                    busy = [
                        (b.user + b.system - a.user - a.system) / (seconds + args.warmup)
                        for a, b in zip(cpu0, cpu1, strict=True)
                    ]
                    lat = result.latencies
                    if not lat:
                        print(f"{name}: no successful request ({result.errors} errors)")
                        continue
                    print(
                        f"{name:<42} {clients:>3} client(s): {len(lat) / seconds:7.1f} req/s   "
                        f"p50 {1000 * statistics.median(lat):6.1f} ms   "
                        f"p90 {1000 * percentile(lat, 0.90):6.1f} ms   "
                        f"p99 {1000 * percentile(lat, 0.99):6.1f} ms   "
                        f"({len(lat)} requests, {result.errors} errors; CPU server {busy[0]:.0%}, "
                        f"load {busy[1]:.0%})",
                        flush=True,
                    )
        finally:
            child.terminate()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()

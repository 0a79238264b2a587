"""Model serving over several replicas: are requests really concurrent, up to each replica's
limit, and what does spreading them over replicas give?

Two parts, each a median of --runs runs:

1. The client (the openai backend and its replica pool) against scripted OpenAI-compatible
   servers on 127.0.0.1 that answer every request after a fixed delay (--delay, standing
   in for a model server's latency under load, with unlimited parallelism): wall time and
   requests/s of a batch for 1 replica × 1 slot (one request at a time), 1 × 4, 2 × 4,
   4 × 4 and 4 × 16 against the ideal (slots / delay). This measures the backend, not a model.
2. Real llama.cpp servers (SmolLM2-135M through llama_cpp.server, the same GGUF as the
   tests): one server with every core against two servers of one core each, one slot per
   server, the same batch of short requests: aggregate generated tokens/s. On a CPU the
   cores are the limit; replicas pay off where each has its own GPU.

    .venv/bin/python bench/llm_replicas.py [--runs 3] [--requests 64] [--delay 0.1] [--llama]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _requests(n: int, max_tokens: int = 8):  # type: ignore[no-untyped-def]
    from aube.llm.base import ChatRequest, Message

    return [
        ChatRequest(
            (
                Message("system", "Answer in a few words."),
                Message("user", f"Name a colour, number {i}."),
            ),
            max_tokens=max_tokens,
        )
        for i in range(n)
    ]


def client_part(runs: int, n: int, delay: float) -> None:
    from scripted_llm import ScriptedServer

    from aube.llm.openai_compat import OpenAICompatBackend

    print(
        f"\n1. the client against scripted servers ({delay * 1000:.0f} ms an answer), {n} requests"
    )
    print("   replicas × slots | median wall | requests/s | ideal requests/s | peak in flight")
    for replicas, slots in ((1, 1), (1, 4), (2, 4), (4, 4), (4, 16)):
        walls, peaks = [], []
        for _ in range(runs):
            servers = [ScriptedServer(delay=delay).__enter__() for _ in range(replicas)]
            try:
                backend = OpenAICompatBackend(
                    [(s.url, slots) for s in servers], model="m", timeout=30
                )
                backend.pool.check_unchecked()  # the health checks are not the batch's time
                start = time.perf_counter()
                results = backend.complete(_requests(n))
                walls.append(time.perf_counter() - start)
                assert all(r.ok for r in results)
                peaks.append(sum(s.peak for s in servers))
                backend.close()
            finally:
                for s in servers:
                    s.__exit__()
        wall = statistics.median(walls)
        ideal = replicas * slots / delay
        print(
            f"   {replicas} × {slots:<2}           | {wall:8.2f} s  | {n / wall:9.1f}  | "
            f"{ideal:12.1f}     | {max(peaks)}"
        )


def _llama(threads: int, folder: Path):  # type: ignore[no-untyped-def]
    from scripted_llm import free_port

    from aube.llm.llamacpp import default_model_path

    port = free_port()
    log = (folder / f"llama-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aube.llm.server", "--model", str(default_model_path())]
        + ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
        + ["--n_threads", str(threads), "--n_threads_batch", str(threads)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/models", timeout=2):
                return url, proc, log
        except OSError:
            time.sleep(0.3)
    proc.kill()
    sys.exit(f"llama_cpp.server did not start: see {log.name}")


def llama_part(runs: int, n: int) -> None:
    import tempfile

    from aube.llm.openai_compat import OpenAICompatBackend

    cores = os.cpu_count() or 1
    print(f"\n2. real llama.cpp servers (SmolLM2-135M), {n} requests of up to 24 tokens")
    print("   servers × threads | median wall | generated tokens/s (aggregate) | split")
    with tempfile.TemporaryDirectory() as tmp:
        for servers, threads in ((1, cores), (cores, 1)):
            started = [_llama(threads, Path(tmp)) for _ in range(servers)]
            try:
                backend = OpenAICompatBackend([(u, 1) for u, _, _ in started], timeout=120)
                backend.pool.check_unchecked()
                backend.complete(_requests(2, 24))  # warm-up
                walls, rates, split = [], [], ""
                for _ in range(runs):
                    start = time.perf_counter()
                    results = backend.complete(_requests(n, 24))
                    wall = time.perf_counter() - start
                    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
                    walls.append(wall)
                    rates.append(sum(r.completion_tokens for r in results) / wall)
                    by = [sum(r.meta["replica"] == u for r in results) for u, _, _ in started]
                    split = "/".join(str(x) for x in by)
                backend.close()
            finally:
                for _, proc, log in started:
                    proc.terminate()
                    proc.wait(10)
                    log.close()
            print(
                f"   {servers} × {threads}             | {statistics.median(walls):8.2f} s  | "
                f"{statistics.median(rates):10.1f}                     | {split}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--llama", action="store_true", help="also part 2 (real llama.cpp)")
    parser.add_argument("--llama-requests", type=int, default=16)
    args = parser.parse_args()

    from bench_world import cpu_name

    from aube.enrich.embed import cpu_has_bf16

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, bf16: {cpu_has_bf16()}")
    client_part(args.runs, args.requests, args.delay)
    if args.llama:
        llama_part(args.runs, args.llama_requests)


if __name__ == "__main__":
    main()

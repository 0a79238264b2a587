"""What Ray costs on this machine, before any of Aube's work runs on it: the ground under the
Ray executor of the per-user stage (issue 13).

Each run is a fresh process that starts a local Ray instance (2 CPUs, 256 MiB object
store, no dashboard) and measures:

- start-up: ``import ray`` and ``ray.init`` (the GCS, the raylet, the first workers);
- memory: of the driver and every process Ray started (psutil; RSS summed, an upper
  bound, and USS summed, a lower bound), after start-up and once two workers ran tasks;
- the object store: ``ray.put`` and ``ray.get`` of the day's story matrix, 2,000 × 384
  float32 (2.9 MiB; the shape of 2,000 candidate stories embedded with MiniLM), medians of
  20 (a get of a numpy array is a zero-copy read-only view);
- tasks: the round trip of one empty task (median of 100, one after the other), 1,000
  empty tasks submitted at once (tasks/s on the 2 CPUs), and a task reading the matrix by
  reference (once in the store) against one given the matrix by value (copied per task);
- shutdown.

The figures printed are medians over --runs runs.

    .venv/bin/python bench/ray_overhead.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SHAPE = (2000, 384)


def _memory_mib(root_pid: int) -> tuple[float, float]:
    """(RSS, USS) summed over the driver and every process under it. RSS counts pages that
    processes share (the libraries, the object store's mapping) once per process, so it is
    an upper bound; USS, the memory only each process holds, summed, is the lower bound."""
    import psutil

    root = psutil.Process(root_pid)
    rss = uss = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        uss += info.uss
    return rss / 2**20, uss / 2**20


def _median_seconds(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child(temp: str) -> dict[str, float]:
    """One run, in this process: the figures as a dict."""
    os.environ["HOME"] = temp  # Ray writes its token under ~/.ray
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    out: dict[str, float] = {}
    start = time.perf_counter()
    import numpy as np
    import ray

    out["import_s"] = time.perf_counter() - start
    start = time.perf_counter()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=256 * 2**20,
        _temp_dir=temp,
    )
    out["init_s"] = time.perf_counter() - start
    out["rss_after_init_mib"], out["uss_after_init_mib"] = _memory_mib(os.getpid())

    @ray.remote
    def noop() -> None:
        return None

    @ray.remote
    def total(matrix: np.ndarray) -> float:
        return float(matrix[0, 0])

    start = time.perf_counter()
    ray.get([noop.remote() for _ in range(2)])
    out["first_tasks_s"] = time.perf_counter() - start

    matrix = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    refs = []
    out["put_ms"] = 1000 * _median_seconds(lambda: refs.append(ray.put(matrix)), 20)
    ref = refs[-1]
    out["get_ms"] = 1000 * _median_seconds(lambda: ray.get(ref), 20)
    assert np.array_equal(ray.get(ref), matrix)
    refs.clear()  # the other 19 copies leave the store

    out["task_round_trip_ms"] = 1000 * _median_seconds(lambda: ray.get(noop.remote()), 100)
    start = time.perf_counter()
    ray.get([noop.remote() for _ in range(1000)])
    out["tasks_per_s"] = 1000 / (time.perf_counter() - start)
    out["task_by_ref_ms"] = 1000 * _median_seconds(lambda: ray.get(total.remote(ref)), 50)
    out["task_by_value_ms"] = 1000 * _median_seconds(lambda: ray.get(total.remote(matrix)), 50)
    out["rss_after_tasks_mib"], out["uss_after_tasks_mib"] = _memory_mib(os.getpid())

    start = time.perf_counter()
    ray.shutdown()
    out["shutdown_s"] = time.perf_counter() - start
    return out


LABELS = [
    ("import_s", "import ray", "s"),
    ("init_s", "ray.init (local instance, 2 CPUs)", "s"),
    ("first_tasks_s", "first two tasks (workers starting)", "s"),
    ("rss_after_init_mib", "memory after start-up, RSS summed (upper bound)", "MiB"),
    ("uss_after_init_mib", "memory after start-up, USS summed (lower bound)", "MiB"),
    ("rss_after_tasks_mib", "memory with 2 workers after the tasks, RSS summed", "MiB"),
    ("uss_after_tasks_mib", "memory with 2 workers after the tasks, USS summed", "MiB"),
    ("put_ms", "ray.put of the 2,000 × 384 float32 matrix", "ms"),
    ("get_ms", "ray.get of it (zero-copy)", "ms"),
    ("task_round_trip_ms", "one empty task, submit to result", "ms"),
    ("tasks_per_s", "1,000 empty tasks at once", "tasks/s"),
    ("task_by_ref_ms", "a task reading the matrix by reference", "ms"),
    ("task_by_value_ms", "a task given the matrix by value (copied per task)", "ms"),
    ("shutdown_s", "ray.shutdown", "s"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return

    import ray  # only for its version
    from bench_world import cpu_name

    from aube.enrich.embed import cpu_has_bf16

    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, bf16: {cpu_has_bf16()}; "
        f"Ray {ray.__version__}; {args.runs} runs, each a fresh process"
    )
    runs: list[dict[str, float]] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="ray-bench-") as temp:
            done = subprocess.run(
                [sys.executable, __file__, "--child", temp],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0:
                sys.exit(f"run {run + 1} failed:\n{done.stderr[-3000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  run {run + 1}: init {runs[-1]['init_s']:.2f} s")
    print("\nmedians (measured):")
    for key, label, unit in LABELS:
        values = [r[key] for r in runs]
        med = statistics.median(values)
        spread = f"{min(values):,.2f}–{max(values):,.2f}"
        print(f"  {label:<52} {med:>10,.2f} {unit:<8} (runs: {spread})")


if __name__ == "__main__":
    main()

"""Per-user stage throughput: editions per second for many simulated users over the day's stories.

Stories are real: the orx365 news (10,851 items) embedded with MiniLM and clustered into
stories; the newest N (default 2,000) are the candidates. Users are simulated: 3–10 interests
each, drawn around real story vectors (a topic is a neighbourhood of stories), one in ten
negative, weights 0.5–2.

Two figures:
- ranking only: the batched numpy stage (matrix products over users × stories, selection with
  diversity), chunks of 1,024 users, for 1,000 / 10,000 / 100,000 users;
- end to end: ``build_editions`` on a SQLite store (load interests and history, rank, write
  every card), for 1,000 and 10,000 users.

    .venv/bin/python bench/editions_throughput.py [--runs 3] [--stories 2000] [--full-users 1000,10000]

The figures also go to a result file (--out, default bench/results/editions_throughput.json)
that ``aube capacity --bench FILE`` reads: what was measured, when and on what machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def simulated_interests(rng: np.random.Generator, story_vectors: np.ndarray, n_users: int):
    counts = rng.integers(3, 11, size=n_users)
    owners = np.repeat(np.arange(n_users), counts)
    m = len(owners)
    anchors = story_vectors[rng.integers(0, len(story_vectors), size=m)]
    noise = rng.normal(0, 0.04, size=anchors.shape).astype(np.float32)
    vectors = anchors + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    signs = np.where(rng.random(m) < 0.1, -1, 1)
    weights = rng.uniform(0.5, 2.0, size=m).astype(np.float32)
    return owners, vectors.astype(np.float32), weights, signs


def rank_only(stories, story_vectors, n_users: int, rng: np.random.Generator) -> float:
    from aube.rank.scoring import RankParams, UserBatch, select, story_similarity

    owners, vectors, weights, signs = simulated_interests(rng, story_vectors, n_users)
    sim = story_similarity(stories)
    params = RankParams()
    n = len(story_vectors)
    start = time.perf_counter()
    chunk = 1024
    bounds = np.searchsorted(owners, np.arange(0, n_users + chunk, chunk))
    for c, u0 in enumerate(range(0, n_users, chunk)):
        u1 = min(u0 + chunk, n_users)
        lo, hi = bounds[c], bounds[c + 1]
        k = u1 - u0
        users = UserBatch(
            sizes=np.full(k, 8),
            allowed=np.ones((k, n), dtype=bool),
            shown_version=np.zeros((k, n), dtype=np.int64),
            suppressed=np.zeros((k, n), dtype=bool),
            interest_user=owners[lo:hi] - u0,
            interest_vectors=vectors[lo:hi],
            interest_weights=weights[lo:hi],
            interest_signs=signs[lo:hi],
            interest_hard=np.zeros(hi - lo, dtype=bool),
        )
        select(stories, users, params, sim)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--rank-users", default="1000,10000,100000")
    parser.add_argument("--full-users", default="1000,10000")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results" / "editions_throughput.json",
        help="where the result file goes ('-' for none)",
    )
    args = parser.parse_args()

    from bench_world import cpu_name, real_story_store

    from aube.clock import fixed_clock
    from aube.compose.edition import build_editions, cutoff_for, local_date
    from aube.enrich.embed import cpu_has_bf16
    from aube.rank.scoring import StoryBatch
    from aube.store import NewInterest

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, bf16: {cpu_has_bf16()}, "
        f"numpy {np.__version__}, Python {platform.python_version()}"
    )
    result: dict = {
        "benchmark": "editions_throughput",
        "format": 1,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/editions_throughput.py", *sys.argv[1:]]),
        "machine": {
            "cpu": cpu_name(),
            "cores": os.cpu_count(),
            "bf16": bool(cpu_has_bf16()),
            "arch": platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "store": "sqlite",
        "ranking_only": [],
        "end_to_end": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        store, settings, newest, model = real_story_store(Path(tmp), args.stories)
        since = newest - timedelta(days=3650)
        candidates = sorted(
            store.ranking_candidates(since=since, until=newest, model=model),
            key=lambda c: c.last_seen,
        )[-args.stories :]
        oldest_candidate = candidates[0].last_seen
        vectors = np.array([c.vector for c in candidates], dtype=np.float32)
        n = len(candidates)
        stories = StoryBatch(
            vectors,
            np.array([c.publishers for c in candidates], dtype=np.float32),
            np.zeros(n),
            np.array([c.version for c in candidates]),
        )
        print(f"{n} candidate stories (real, orx365), users with 3–10 interests")
        print("\nranking only (numpy stage, chunks of 1,024 users):")
        for n_users in [int(x) for x in args.rank_users.split(",")]:
            times = [
                rank_only(stories, vectors, n_users, np.random.default_rng(run))
                for run in range(args.runs)
            ]
            med = statistics.median(times)
            result["ranking_only"].append(
                {"users": n_users, "editions_per_s": n_users / med, "runs": len(times)}
            )
            print(
                f"  {n_users:>7} users: median {med:6.2f}s of {args.runs} → {n_users / med:8.0f} editions/s"
            )

        print("\nend to end (build_editions on SQLite: load, rank, write every card):")
        for n_users in [int(x) for x in args.full_users.split(",")]:
            rates = []
            for run in range(args.runs):
                with tempfile.TemporaryDirectory() as tmp2:
                    users_store = store  # same stories; users are added to it and removed after
                    rng = np.random.default_rng(100 + run)
                    owners, ivec, iw, isign = simulated_interests(rng, vectors, n_users)
                    now = newest + timedelta(hours=1)
                    ids = [users_store.add_user(f"u{run}-{i}", now=now).id for i in range(n_users)]
                    users_store.add_interests(
                        [
                            (
                                ids[o],
                                NewInterest(
                                    label=f"topic {j}",
                                    vector=v,
                                    model=model,
                                    origin="manual",
                                    sign=int(sg),
                                    weight=float(w),
                                ),
                            )
                            for j, (o, v, w, sg) in enumerate(
                                zip(owners, ivec, iw, isign, strict=True)
                            )
                        ],
                        now=now,
                    )
                    # The window that holds the newest --stories stories, so that end to end
                    # ranks over the same number of candidates as the ranking-only figure.
                    probe = users_store.get_user(ids[0])
                    cutoff = cutoff_for(probe, local_date(probe, now), now)
                    window = (cutoff - oldest_candidate).total_seconds() / 3600 + 1e-3
                    bench_settings = settings.model_copy(update={"edition_window_hours": window})
                    start = time.perf_counter()
                    report = build_editions(
                        users_store,
                        bench_settings,
                        clock=fixed_clock(now),
                        model=model,
                        user_ids=ids,
                    )
                    seconds = time.perf_counter() - start
                    rates.append(n_users / seconds)
                    print(
                        f"  run {run + 1}: {n_users} users, {report.candidates} candidate stories, "
                        f"{report.cards} cards in {seconds:.2f}s "
                        f"→ {n_users / seconds:.0f} editions/s"
                    )
                    for uid in ids:
                        users_store.delete_user(uid)
                    del tmp2
            print(f"  {n_users:>7} users: median {statistics.median(rates):.0f} editions/s")
            result["end_to_end"].append(
                {
                    "users": n_users,
                    "editions_per_s": statistics.median(rates),
                    "runs": [round(r, 1) for r in rates],
                }
            )
        result["stories"] = n
    if str(args.out) != "-":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nresult file: {args.out}")


if __name__ == "__main__":
    main()

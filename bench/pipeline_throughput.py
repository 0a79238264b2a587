"""Throughput of the whole shared pipeline on real news: parse → store → embed → cluster → summarize.

Reads ../shared/data/rss_archive_orx365/items.jsonl (10,851 real items from six feeds, ten
months), runs every stage into a fresh SQLite store, and prints items/s end to end, the share
of time per stage and the peak memory, for several runs (each in its own process, so model
loading and peak memory are counted honestly) and their median.

    .venv/bin/python bench/pipeline_throughput.py [--runs 3] [--limit N] [--embed minilm|hashing]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ITEMS = REPO.parent / "shared" / "data" / "rss_archive_orx365" / "items.jsonl"


def one_run(limit: int | None, embed: str) -> dict[str, float]:
    from aube.config import load_settings
    from aube.enrich.embed import get_embedder
    from aube.enrich.stage import StoriesReport, build_stories, embed_items
    from aube.ingest.feeds import FeedEntry
    from aube.ingest.normalize import normalize_entry
    from aube.progress import Silent
    from aube.store import Store
    from aube.summarize.base import get_summarizer
    from aube.summarize.stage import summarize_stories

    now = datetime(2026, 2, 22, tzinfo=UTC)
    clock = lambda: now
    times: dict[str, float] = defaultdict(float)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), embed_backend=embed)
        store = Store.open(settings)
        embedder = (
            get_embedder(embed) if embed != "minilm" else get_embedder(embed, precision="auto")
        )
        start = time.perf_counter()
        embedder.embed(["warm up"])  # model load, reported apart
        times["model_load"] = time.perf_counter() - start

        t0 = time.perf_counter()
        records = []
        with ITEMS.open(encoding="utf-8") as f:
            for n, line in enumerate(f):
                if limit is not None and n >= limit:
                    break
                records.append(json.loads(line))
        sources: dict[str, int] = {}
        for r in records:
            if r["feed_file"] not in sources:
                src, _ = store.add_source(
                    f"https://feeds.example/{r['feed_file']}",
                    now=now,
                    title=r["channel"],
                    full_text="never",
                )
                sources[r["feed_file"]] = src.id
        new_items = []
        for r in records:
            published = datetime.fromisoformat(r["pub_date"]) if r.get("pub_date") else None
            entry = FeedEntry(
                guid=r["guid"] or r["url"],
                url=r["url"],
                title=r["title"] or "",
                summary_html=r.get("summary") or "",
                content_html="",
                author=r.get("author"),
                published=published,
            )
            item = normalize_entry(
                entry,
                source_id=sources[r["feed_file"]],
                now=now,
                feed_url=f"https://feeds.example/{r['feed_file']}",
            )
            if item is not None:
                new_items.append(item)
        times["parse"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        inserted = store.insert_items(new_items)
        times["store"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        report = StoriesReport()
        items = store.get_items(inserted.inserted)
        embed_items(store, embedder, items, reporter=Silent(), report=report)
        times["embed"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        stories = build_stories(store, settings, embedder, clock=clock)  # vectors are cached now
        times["cluster"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        summarized = summarize_stories(
            store, get_summarizer("extractive", settings), stories.changed, clock=clock
        )
        times["summarize"] = time.perf_counter() - t0
        store.close()
    times["items"] = len(records)
    times["stored"] = len(inserted.inserted)
    times["stories"] = stories.new_stories
    times["summaries"] = summarized.summarized
    times["pipeline"] = sum(times[k] for k in ("parse", "store", "embed", "cluster", "summarize"))
    times["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="Only the first N items.")
    parser.add_argument("--embed", default="minilm")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.limit, args.embed)))
        return
    if not ITEMS.is_file():
        sys.exit(f"{ITEMS} is absent: this benchmark needs ../shared/data")
    from aube.enrich.embed import cpu_has_bf16

    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
        f"bf16: {cpu_has_bf16()}, Python {platform.python_version()}"
    )
    runs = []
    for n in range(args.runs):
        cmd = [sys.executable, __file__, "--child", "--embed", args.embed]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        runs.append(result)
        total = result["pipeline"]
        print(
            f"run {n + 1}: {result['items']:.0f} items → {result['stored']:.0f} stored, "
            f"{result['stories']:.0f} stories, {result['summaries']:.0f} summaries in {total:.1f}s "
            f"= {result['items'] / total:.0f} items/s (model load {result['model_load']:.1f}s apart); "
            f"peak RSS {result['peak_rss_mb']:.0f} MB"
        )
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(
        f"\nmedian of {len(runs)}: {med['items'] / med['pipeline']:.0f} items/s end to end "
        f"({med['pipeline']:.1f}s for {med['items']:.0f} items), peak RSS {med['peak_rss_mb']:.0f} MB"
    )
    for stage in ("parse", "store", "embed", "cluster", "summarize"):
        print(f"  {stage:<10} {med[stage]:6.2f}s  {100 * med[stage] / med['pipeline']:5.1f}%")


if __name__ == "__main__":
    main()

"""Shared by the benchmarks: the real orx365 news, loaded into a store, and the machine's name."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ITEMS = REPO.parent / "shared" / "data" / "rss_archive_orx365" / "items.jsonl"


def orx365_records() -> list[dict[str, Any]]:
    """Every dated record of the archive; a clear exit when ../shared/data is absent."""
    if not ITEMS.is_file():
        sys.exit(f"{ITEMS} is absent: this benchmark needs ../shared/data")
    records = [json.loads(line) for line in ITEMS.open(encoding="utf-8")]
    return [r for r in records if r.get("pub_date")]


def newest(records: list[dict[str, Any]]) -> datetime:
    return max(datetime.fromisoformat(r["pub_date"]) for r in records).astimezone(UTC)


def ingest_records(store, records: list[dict[str, Any]], *, now: datetime) -> list:  # type: ignore[no-untyped-def]
    """Store ``records`` as items of one source per feed file, as a fetch would have
    (normalized, deduplicated); returns the new items."""
    from aube.ingest.feeds import FeedEntry
    from aube.ingest.normalize import normalize_entry

    sources: dict[str, int] = {}
    new = []
    for r in records:
        url = f"https://feeds.example/{r['feed_file']}"
        if url not in sources:
            sources[url] = store.add_source(url, now=now, title=r["channel"], full_text="never")[
                0
            ].id
        entry = FeedEntry(
            guid=r["guid"] or r["url"],
            url=r["url"],
            title=r["title"] or "",
            summary_html=r.get("summary") or "",
            content_html="",
            author=None,
            published=datetime.fromisoformat(r["pub_date"]),
        )
        item = normalize_entry(entry, source_id=sources[url], now=now, feed_url=url)
        if item is not None:
            new.append(item)
    store.insert_items(new)
    return new


def real_story_store(folder: Path, min_stories: int = 0):  # type: ignore[no-untyped-def]
    """(store, settings, newest story time, embedder name): every orx365 item ingested,
    embedded with MiniLM and clustered into stories."""
    from aube.clock import fixed_clock
    from aube.config import load_settings
    from aube.enrich.factory import embedder_for
    from aube.pipeline.shared import process
    from aube.store import Store

    records = orx365_records()
    settings = load_settings(data_dir=folder, embed_backend="minilm")
    store = Store.open(settings)
    now = newest(records)
    ingest_records(store, records, now=now)
    process(store, settings, clock=fixed_clock(now))
    if store.count_stories() < min_stories:
        sys.exit(f"only {store.count_stories()} stories; asked for {min_stories}")
    return store, settings, now, embedder_for(settings).name


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or f"{os.cpu_count()}-CPU machine"

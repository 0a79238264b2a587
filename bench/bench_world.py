"""Shared by the benchmarks: a SQLite store holding the real orx365 news as stories."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ITEMS = REPO.parent / "shared" / "data" / "rss_archive_orx365" / "items.jsonl"


def real_story_store(folder: Path, min_stories: int = 0):  # type: ignore[no-untyped-def]
    """(store, settings, newest story time, embedder name): every orx365 item ingested,
    embedded with MiniLM and clustered into stories."""
    from aube.clock import fixed_clock
    from aube.config import load_settings
    from aube.enrich.factory import embedder_for
    from aube.ingest.feeds import FeedEntry
    from aube.ingest.normalize import normalize_entry
    from aube.pipeline.shared import process
    from aube.store import Store

    if not ITEMS.is_file():
        sys.exit(f"{ITEMS} is absent: this benchmark needs ../shared/data")
    settings = load_settings(data_dir=folder, embed_backend="minilm")
    store = Store.open(settings)
    records = [json.loads(line) for line in ITEMS.open(encoding="utf-8")]
    newest = max(datetime.fromisoformat(r["pub_date"]) for r in records if r.get("pub_date"))
    now = newest.astimezone(UTC)
    sources: dict[str, int] = {}
    new = []
    for r in records:
        if not r.get("pub_date"):
            continue
        url = f"https://feeds.example/{r['feed_file']}"
        if url not in sources:
            sources[url] = store.add_source(url, now=now, title=r["channel"], full_text="never")[0].id
        entry = FeedEntry(guid=r["guid"] or r["url"], url=r["url"], title=r["title"],
                          summary_html=r.get("summary") or "", content_html="", author=None,
                          published=datetime.fromisoformat(r["pub_date"]))
        item = normalize_entry(entry, source_id=sources[url], now=now, feed_url=url)
        if item is not None:
            new.append(item)
    store.insert_items(new)
    process(store, settings, clock=fixed_clock(now))
    if store.count_stories() < min_stories:
        sys.exit(f"only {store.count_stories()} stories; asked for {min_stories}")
    return store, settings, now, embedder_for(settings).name

"""A small world of real news for behaviour tests: the orx365 items of late January 2026,
ingested day by day through the real normalize → store → embed → cluster → summarize path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from support import SHARED_DATA

from aube.clock import fixed_clock
from aube.config import Settings
from aube.ingest.feeds import FeedEntry
from aube.ingest.normalize import normalize_entry
from aube.pipeline.shared import process
from aube.store import Store

ITEMS = SHARED_DATA / "rss_archive_orx365" / "items.jsonl"
FIRST = datetime(2026, 1, 20, tzinfo=UTC)


def load_records() -> list[dict]:
    with ITEMS.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return [
        r for r in records if r.get("pub_date") and datetime.fromisoformat(r["pub_date"]) >= FIRST
    ]


def ingest_until(store: Store, settings: Settings, records: list[dict], until: datetime) -> int:
    """Store every record published before ``until`` (not yet stored), then process as of then."""
    sources = {s.url: s.id for s in store.list_sources()}
    new = []
    for r in records:
        published = datetime.fromisoformat(r["pub_date"])
        if published >= until:
            continue
        url = f"https://feeds.example/{r['feed_file']}"
        if url not in sources:
            site = {
                "ft-home.xml": "https://www.ft.com",
                "wsj_world.xml": "https://www.wsj.com",
                "wsj_econ.xml": "https://www.wsj.com",
                "economist.xml": "https://www.economist.com",
                "nyt_econ.xml": "https://www.nytimes.com",
                "atlantic.xml": "https://www.theatlantic.com",
            }
            src, _ = store.add_source(url, now=FIRST, title=r["channel"], full_text="never")
            store.record_fetch(src.id, now=FIRST, site_url=site.get(r["feed_file"]))
            sources[url] = src.id
        entry = FeedEntry(
            guid=r["guid"] or r["url"],
            url=r["url"],
            title=r["title"],
            summary_html=r.get("summary") or "",
            content_html="",
            author=None,
            published=published,
        )
        item = normalize_entry(entry, source_id=sources[url], now=until, feed_url=url)
        if item is not None:
            new.append(item)
    inserted = store.insert_items(new)
    process(store, settings, clock=fixed_clock(until))
    return len(inserted.inserted)


def chat_export(topic_questions: dict[str, list[str]], when: datetime) -> bytes:
    """A ChatGPT export in the official schema: one conversation per (title, question)."""
    conversations = []
    n = 0
    for title, questions in topic_questions.items():
        for q in questions:
            n += 1
            ts = when.timestamp() - n * 3600
            mapping = {
                "root": {"id": "root", "message": None, "parent": None, "children": [f"u{n}"]},
                f"u{n}": {
                    "id": f"u{n}",
                    "parent": "root",
                    "children": [f"a{n}"],
                    "message": {
                        "author": {"role": "user"},
                        "create_time": ts,
                        "content": {"content_type": "text", "parts": [q]},
                    },
                },
                f"a{n}": {
                    "id": f"a{n}",
                    "parent": f"u{n}",
                    "children": [],
                    "message": {
                        "author": {"role": "assistant"},
                        "create_time": ts + 5,
                        "content": {"content_type": "text", "parts": ["Here is an explanation."]},
                    },
                },
            }
            conversations.append(
                {
                    "title": title,
                    "create_time": ts,
                    "update_time": ts,
                    "mapping": mapping,
                    "current_node": f"a{n}",
                }
            )
    return json.dumps(conversations).encode()


__all__ = ["ITEMS", "Path", "chat_export", "ingest_until", "load_records"]

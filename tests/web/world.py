"""A small, fixed world for the web tests: three publishers, six stories covered by each,
two readers with their own topics, editions built through the real pipeline (normalize →
store → embed → cluster → summarize → rank), with the fast hashing embedder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aube.clock import fixed_clock
from aube.config import Settings
from aube.enrich.factory import embedder_for
from aube.ingest.feeds import FeedEntry
from aube.ingest.normalize import normalize_entry
from aube.pipeline.editions import editions
from aube.pipeline.shared import process
from aube.signals import service
from aube.store import Store
from aube.types import User

NOW = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)  # a Tuesday morning
PUBLISHERS = {
    "https://north.example/feed.xml": "North Gazette",
    "https://south.example/rss": "South Courier",
    "https://east.example/atom": "East Herald",
}
# Three reports per story, one per publisher, worded differently but about the same event.
STORIES = {
    "rust": [
        "Rust compiler release 2.0 brings faster builds",
        "Rust compiler 2.0 release promises much faster builds",
        "Faster builds as the Rust compiler 2.0 release lands",
    ],
    "volcano": [
        "Volcano eruption in Iceland closes airports",
        "Iceland volcano eruption closes two airports",
        "Airports closed after Iceland volcano eruption",
    ],
    "bank": [
        "Central bank raises interest rates again",
        "Interest rates raised again by the central bank",
        "Central bank interest rates rise for a third time",
    ],
    "football": [
        "Football league final ends in penalties",
        "Penalties decide the football league final",
        "League final: football fans see penalties",
    ],
    "crypto": [
        "Bitcoin price falls as crypto markets slide",
        "Crypto markets slide, bitcoin price falls",
        "Bitcoin price slide drags crypto markets down",
    ],
    "climate": [
        "Climate summit agrees on methane cuts",
        "Methane cuts agreed at the climate summit",
        "Climate summit ends with a deal on methane cuts",
    ],
}
ANA_TOPICS = ["Rust compiler", "central bank interest rates", "bitcoin crypto markets"]
BOB_TOPICS = ["volcano eruption", "football league", "climate summit"]


@dataclass
class World:
    store: Store
    settings: Settings
    ana: User
    bob: User


def add_news(
    store: Store,
    settings: Settings,
    stories: dict[str, list[str]],
    *,
    at: datetime,
    hours_ago: float = 6,
) -> None:
    """Store each story's reports (one per publisher) and process them as of ``at``."""
    sources = {}
    for url, title in PUBLISHERS.items():
        source, _ = store.add_source(
            url, now=at - timedelta(days=1), title=title, full_text="never"
        )
        sources[url] = source.id
    new = []
    for key, titles in stories.items():
        for n, (url, title) in enumerate(zip(PUBLISHERS, titles, strict=True)):
            published = at - timedelta(hours=hours_ago - n * 0.5)
            entry = FeedEntry(
                guid=f"{key}-{n}-{at.date()}",
                url=f"{url.rsplit('/', 1)[0]}/{key}-{n}-{at.date()}",
                title=title,
                summary_html=f"<p>{title}. Reported by {PUBLISHERS[url]} this morning; "
                f"more details on {key} as they come.</p>",
                content_html="",
                author=None,
                published=published,
            )
            item = normalize_entry(entry, source_id=sources[url], now=at, feed_url=url)
            assert item is not None
            new.append(item)
    store.insert_items(new)
    process(store, settings, clock=fixed_clock(at))


def build_world(store: Store, settings: Settings) -> World:
    add_news(store, settings, STORIES, at=NOW)
    embedder = embedder_for(settings)
    ana = store.add_user(
        "ana", now=NOW, display_name="Ana", email="ana@example.org", timezone="Europe/Paris"
    )
    bob = store.add_user(
        "bob", now=NOW, display_name="Bob", email="bob@example.org", timezone="America/New_York"
    )
    service.add_topics(store, embedder, ana, ANA_TOPICS, now=NOW)
    service.add_topics(store, embedder, bob, BOB_TOPICS, now=NOW)
    editions(store, settings, clock=fixed_clock(NOW))
    return World(store=store, settings=settings, ana=ana, bob=bob)

"""``aube up``: Aube's main job on its embedded default, from nothing to a first edition.

Sources are the default OPML of public news feeds, or a folder of feed files served over a
local HTTP server (so the real fetch path runs, offline too). When no feed can be reached
and the project's real snapshots lie beside it, those are used instead, and it says so."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

from aube.clock import Clock, fixed_clock
from aube.config import Settings
from aube.errors import InvalidInput
from aube.ingest.opml import parse_opml
from aube.ingest.stage import IngestReport
from aube.ingest.urls import canonical_url
from aube.pipeline.shared import fetch, process
from aube.progress import Reporter
from aube.store import Store

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".json")
SNAPSHOTS = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "data"
    / "rss_archive_orx365"
    / "raw_snapshots"
)
DEMO_TOPICS = [
    "central banks and interest rates",
    "trade and tariffs",
    "artificial intelligence",
    "energy and climate",
    "China's economy",
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class UpReport:
    sources: int
    ingest: IngestReport | None
    used_snapshots: Path | None
    news_day: str
    clock: Clock


def default_opml() -> bytes:
    return files("aube.ingest").joinpath("default_feeds.opml").read_bytes()


def ingest_folder(
    store: Store,
    settings: Settings,
    folder: Path,
    *,
    clock: Clock,
    reporter: Reporter | None = None,
) -> IngestReport:
    """Fetch every feed file of ``folder`` through a local HTTP server, as the night would
    fetch real feeds. The sources are disabled afterwards: their server is gone."""
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in FEED_SUFFIXES)
    if not names:
        raise InvalidInput(f"{folder} holds no feed files ({', '.join(FEED_SUFFIXES)})")
    local = settings.model_copy(
        update={
            "fetch_allow_networks": [*settings.fetch_allow_networks, "127.0.0.1/32"],
            "ingest_max_age_days": 3650,  # archived snapshots are old news
        }
    )
    with serve_folder(folder) as base:
        added = []
        for name in names:
            source, _ = store.add_source(f"{base}/{name}", now=clock(), full_text="never")
            added.append(source)
        report = fetch(store, local, clock=clock, sources=added, reporter=reporter)
    for source in added:
        store.update_source(source.id, enabled=False)
    return report


def newest_news(store: Store) -> datetime | None:
    stories = store.list_stories(limit=1, with_items=False)
    if not stories:
        return None
    return max(s.last_seen for s in store.list_stories(limit=200, with_items=False))


def up(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    feeds: Path | None = None,
    reporter: Reporter | None = None,
) -> UpReport:
    """Sources → items → stories → summaries, with the fallbacks described above."""
    used: Path | None = None
    ingest: IngestReport | None
    if feeds is not None and feeds.is_dir():
        ingest = ingest_folder(store, settings, feeds, clock=clock, reporter=reporter)
        used = feeds
    else:
        if feeds is not None or not store.list_sources():
            data = feeds.read_bytes() if feeds is not None else default_opml()
            with store.write() as uow:  # the whole list, or none of it
                for feed in parse_opml(data):
                    uow.sources.add(canonical_url(feed.url), now=clock(), title=feed.title or "")
        ingest = fetch(store, settings, clock=clock, reporter=reporter)
        offline = ingest.sources > 0 and ingest.ok + ingest.not_modified == 0
        if offline and store.count_items() == 0 and SNAPSHOTS.is_dir():
            if reporter:
                reporter.note(
                    f"No feed could be reached (is this machine offline?). Using the real "
                    f"archived snapshots in {SNAPSHOTS} instead."
                )
            ingest = ingest_folder(store, settings, SNAPSHOTS, clock=clock, reporter=reporter)
            used = SNAPSHOTS
    process(store, settings, clock=clock, reporter=reporter)
    newest = newest_news(store)
    now = clock()
    news_clock = clock
    if newest is not None and now - newest > timedelta(days=2):
        # Archived news: brief as of the morning after the newest story, not as of today.
        news_clock = fixed_clock(newest + timedelta(hours=3))
    return UpReport(
        sources=len(store.list_sources()),
        ingest=ingest,
        used_snapshots=used,
        news_day=news_clock().date().isoformat(),
        clock=news_clock,
    )


def demo_user(store: Store, settings: Settings, *, clock: Clock, handle: str = "demo"):  # type: ignore[no-untyped-def]
    """The demo account with a few starting topics (created once)."""
    from aube.enrich.factory import embedder_for
    from aube.errors import NotFound
    from aube.signals.service import add_topics

    try:
        return store.get_user(handle), False
    except NotFound:
        pass
    user = store.add_user(handle, now=clock(), display_name="Demo reader", is_admin=False)
    add_topics(store, embedder_for(settings), user, DEMO_TOPICS, now=clock())
    return user, True


__all__ = ["UpReport", "demo_user", "ingest_folder", "serve_folder", "up"]

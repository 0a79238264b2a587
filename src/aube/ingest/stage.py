"""The ingest stage: every enabled source fetched, parsed, cleaned and stored.

A source that fails (network, HTTP status, not a feed, hostile response…) is marked with
a clear error, visible in ``aube sources list``; the other sources and all stored data are
untouched. Articles are fetched only for new entries whose feed text is a teaser."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from aube.clock import Clock
from aube.config import Settings
from aube.errors import (
    AubeError,
    BlockedAddress,
    ConnectionFailed,
    FeedError,
    FetchError,
    FetchTimeout,
)
from aube.ingest.articles import extract_article
from aube.ingest.feeds import parse_feed
from aube.ingest.http import Fetcher
from aube.ingest.normalize import normalize_entry, with_article
from aube.progress import Reporter, Silent
from aube.store import Store
from aube.types import NewItem, Source

log = logging.getLogger(__name__)
_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass
class IngestReport:
    sources: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    entries: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    too_old: int = 0
    articles: int = 0
    article_errors: int = 0
    new_item_ids: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # source URL → error
    # Hosts whose article pages could not be reached this run: not tried again until the next.
    dead_hosts: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int | float]:
        return {
            k: v for k, v in vars(self).items() if isinstance(v, int) and not isinstance(v, bool)
        } | {"errors": self.failed}


async def ingest_sources(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    sources: list[Source] | None = None,
    fetcher: Fetcher | None = None,
    reporter: Reporter | None = None,
) -> IngestReport:
    """Fetch and store the given sources (default: every enabled one), concurrently."""
    reporter = reporter or Silent()
    todo = sources if sources is not None else store.list_sources(enabled_only=True)
    report = IngestReport(sources=len(todo))
    advance = reporter.task("fetching feeds", len(todo))
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    try:

        async def one(source: Source) -> None:
            try:
                await _ingest_one(store, settings, fetcher, source, clock, report)
            except (FetchError, FeedError) as exc:
                _fail(store, source, str(exc), clock, report)
            except AubeError as exc:
                _fail(store, source, str(exc), clock, report)
            except Exception as exc:  # a bug or a library surprise: keep the night going
                log.exception("unexpected error ingesting %s", source.url)
                _fail(store, source, f"unexpected error: {exc!r}", clock, report)
            finally:
                advance(1)

        await asyncio.gather(*(one(s) for s in todo))
    finally:
        if own:
            await fetcher.aclose()
    return report


def _fail(store: Store, source: Source, error: str, clock: Clock, report: IngestReport) -> None:
    report.failed += 1
    report.errors[source.url] = error
    store.record_fetch(source.id, now=clock(), error=error)


async def _ingest_one(
    store: Store,
    settings: Settings,
    fetcher: Fetcher,
    source: Source,
    clock: Clock,
    report: IngestReport,
) -> None:
    result = await fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    now = clock()
    if result.not_modified:
        report.not_modified += 1
        store.record_fetch(source.id, now=now, etag=source.etag, last_modified=source.last_modified)
        return
    feed = parse_feed(
        result.content,
        url=result.url,
        content_type=result.content_type,
        max_entries=settings.ingest_max_entries,
    )
    report.entries += len(feed.entries)
    oldest = now - timedelta(days=settings.ingest_max_age_days)
    new_items: list[NewItem] = []
    readable = 0
    for entry in feed.entries:
        item = normalize_entry(entry, source_id=source.id, now=now, feed_url=result.url)
        if item is None:
            continue
        readable += 1
        if item.published_at < oldest:
            report.too_old += 1
            continue
        new_items.append(item)
    if feed.warnings and feed.entries and not readable:
        # Recovered entries with nothing in them: the feed is broken, say so.
        raise FeedError(f"{result.url}: nothing usable could be read: {feed.warnings[0]}")
    new_items = await _full_texts(store, settings, fetcher, source, new_items, report)
    # The entries and the fetch that brought them, in one transaction: the feed's validators
    # (ETag, Last-Modified) are never stored without the entries they stand for.
    with store.write() as uow:
        inserted = uow.items.insert(new_items)
        uow.sources.record_fetch(
            source.id,
            now=clock(),
            etag=result.etag,
            last_modified=result.last_modified,
            title=feed.title,
            site_url=feed.site_url,
        )
    report.new += len(inserted.inserted)
    report.updated += len(inserted.updated)
    report.duplicates += inserted.duplicates
    report.new_item_ids.extend(inserted.inserted)
    report.ok += 1


async def _full_texts(
    store: Store,
    settings: Settings,
    fetcher: Fetcher,
    source: Source,
    new: list[NewItem],
    report: IngestReport,
) -> list[NewItem]:
    """Replace teasers by the article's main text, for entries not stored yet."""
    mode = source.full_text
    if mode == "never" or not new:
        return new
    known = store.known_guids(source.id, [i.guid for i in new])

    def wanted(item: NewItem) -> bool:
        if item.guid in known or not item.url:
            return False
        return mode == "always" or len(item.text) < settings.ingest_teaser_chars

    async def one(item: NewItem) -> NewItem:
        host = urlsplit(item.url).hostname or ""
        if not wanted(item) or host in report.dead_hosts:
            return item
        try:
            page = await fetcher.fetch(item.url, accept=_HTML)
        except FetchError as exc:
            report.article_errors += 1
            if isinstance(exc, (ConnectionFailed, FetchTimeout, BlockedAddress)):
                report.dead_hosts.add(host)
            log.info("article %s: %s", item.url, exc)
            return item
        extracted = await asyncio.to_thread(extract_article, page.content, page.url)
        if extracted is None:
            report.article_errors += 1
            return item
        text, html = extracted
        if len(text) <= len(item.text):
            return item
        report.articles += 1
        return with_article(item, text, html)

    return list(await asyncio.gather(*(one(i) for i in new)))


def is_stale(source: Source, now: datetime, every: timedelta) -> bool:
    """Whether a source is due for a fetch (pure: used by the scheduler)."""
    return source.last_fetched_at is None or now - source.last_fetched_at >= every

"""The shared half of the night: sources → items → stories → summaries, done once for everyone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from aube.clock import Clock
from aube.config import Settings
from aube.enrich.factory import embedder_for
from aube.enrich.stage import StoriesReport, build_stories
from aube.ingest.stage import IngestReport, ingest_sources
from aube.pipeline.runs import recorded
from aube.progress import Reporter, Silent
from aube.store import Store
from aube.summarize.base import get_summarizer
from aube.summarize.stage import SummaryReport, summarize_stories
from aube.types import Source

SUMMARY_HORIZON_DAYS = 7


@dataclass
class SharedReport:
    ingest: IngestReport | None = None
    stories: StoriesReport = field(default_factory=StoriesReport)
    summaries: SummaryReport = field(default_factory=SummaryReport)


def fetch(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    sources: list[Source] | None = None,
    reporter: Reporter | None = None,
) -> IngestReport:
    """Fetch and store the sources' new entries (recorded as an ``ingest`` run)."""
    with recorded(store, "ingest", clock=clock) as counts:
        report = asyncio.run(
            ingest_sources(store, settings, clock=clock, sources=sources, reporter=reporter)
        )
        counts.update(report.counts())
    return report


def process(
    store: Store, settings: Settings, *, clock: Clock, reporter: Reporter | None = None
) -> SharedReport:
    """Embed, cluster and summarize whatever is not done yet (recorded as a ``stories`` run).
    Idempotent: a second call right after the first finds nothing to do."""
    reporter = reporter or Silent()
    result = SharedReport()
    with recorded(store, "stories", clock=clock) as counts:
        embedder = embedder_for(settings)
        result.stories = build_stories(store, settings, embedder, clock=clock, reporter=reporter)
        counts.update(result.stories.counts())
        summarizer = get_summarizer(settings.summary_backend, settings)
        # Changed stories, and every recent one: a new backend or prompt re-summarizes those
        # an edition could still show, not the whole archive.
        recent = store.recent_story_ids(clock() - timedelta(days=SUMMARY_HORIZON_DAYS))
        todo = sorted(set(result.stories.changed) | set(recent))
        advance = reporter.task("summarizing stories", len(todo))
        result.summaries = summarize_stories(store, summarizer, todo, clock=clock, progress=advance)
        counts.update(
            summarized=result.summaries.summarized, summaries_reused=result.summaries.cached
        )
        if result.summaries.notes:
            counts["llm_replica_events"] = len(result.summaries.notes)
            counts.notes.extend(result.summaries.notes)
    return result


def run_shared(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    fetch_sources: bool = True,
    reporter: Reporter | None = None,
) -> SharedReport:
    """The whole shared half: fetch (unless told not to), then process."""
    ingest = fetch(store, settings, clock=clock, reporter=reporter) if fetch_sources else None
    result = process(store, settings, clock=clock, reporter=reporter)
    result.ingest = ingest
    return result

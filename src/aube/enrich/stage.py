"""The story stage: embed new items (once per content hash), then cluster them into stories.

Items are taken in chronological batches of a day, as a nightly run would see them, so a
backfill of months behaves like the nights it replays; each batch is one transaction, so a
crash loses at most the batch in flight and a rerun resumes where it stopped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from aube.clock import Clock
from aube.config import Settings
from aube.enrich.cluster import ClusterItem, ClusterParams, OpenStory, assign
from aube.enrich.embed import Embedder, item_text
from aube.enrich.entities import extract_entities, extract_numbers, ordinary_words
from aube.progress import Reporter, Silent
from aube.store import Store, StoryState
from aube.types import Item

EMBED_CHUNK = 512


@dataclass
class StoriesReport:
    embedded: int = 0
    embeddings_reused: int = 0
    clustered: int = 0
    new_stories: int = 0
    grown_stories: int = 0
    changed: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int | float]:
        return {
            "embedded": self.embedded,
            "embeddings_reused": self.embeddings_reused,
            "clustered": self.clustered,
            "new_stories": self.new_stories,
            "grown_stories": self.grown_stories,
        }


def cluster_params(settings: Settings) -> ClusterParams:
    params = ClusterParams()
    overrides = {}
    if settings.cluster_window_hours is not None:
        overrides["window_hours"] = settings.cluster_window_hours
    if settings.cluster_threshold is not None:
        overrides["threshold"] = settings.cluster_threshold
    return ClusterParams(**{**params.__dict__, **overrides}) if overrides else params


def embed_items(
    store: Store,
    embedder: Embedder,
    items: list[Item],
    *,
    reporter: Reporter,
    report: StoriesReport,
) -> dict[str, np.ndarray]:
    """Vectors of these items' contents, computing only those never computed with this model."""
    texts = {i.content_hash: item_text(i.title, i.text or i.summary) for i in items}
    vectors = store.get_embeddings(list(texts), embedder.name)
    missing = [h for h in texts if h not in vectors]
    report.embeddings_reused += len(texts) - len(missing)
    advance = reporter.task("embedding items", len(missing))
    for start in range(0, len(missing), EMBED_CHUNK):
        part = missing[start : start + EMBED_CHUNK]
        computed = embedder.embed([texts[h] for h in part])
        fresh = dict(zip(part, computed, strict=True))
        store.put_embeddings(embedder.name, fresh)
        vectors.update(fresh)
        report.embedded += len(part)
        advance(len(part))
    return vectors


def _open_story(state: StoryState) -> OpenStory:
    ev = state.evidence
    return OpenStory(
        story_id=state.story_id,
        first_seen=state.first_seen,
        last_seen=state.last_seen,
        centroid=np.asarray(state.centroid, dtype=np.float32),
        size=state.size,
        cohesion=float(ev.get("cohesion", 1.0)),
        entity_counts=dict(ev.get("entities", {})),
        number_counts=dict(ev.get("numbers", {})),
        publisher_counts=dict(ev.get("publishers", {})),
    )


def _state(story: OpenStory) -> StoryState:
    return StoryState(
        story_id=story.story_id,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        centroid=np.asarray(story.centroid, dtype=np.float32),
        size=story.size,
        evidence={
            "cohesion": float(story.cohesion),
            "entities": story.entity_counts,
            "numbers": story.number_counts,
            "publishers": story.publisher_counts,
        },
    )


def build_stories(
    store: Store,
    settings: Settings,
    embedder: Embedder,
    *,
    clock: Clock,
    reporter: Reporter | None = None,
) -> StoriesReport:
    """Embed and cluster every item not yet in a story."""
    reporter = reporter or Silent()
    report = StoriesReport()
    params = cluster_params(settings)
    ids = store.unclustered_item_ids()
    if not ids:
        return report
    by_day: dict[str, list[Item]] = defaultdict(list)
    advance = reporter.task("clustering stories", len(ids))
    created: set[int] = set()
    developed: set[int] = set()  # stories from earlier runs that gained items
    for start in range(0, len(ids), 4096):
        items = store.get_items(ids[start : start + 4096])
        vectors = embed_items(store, embedder, items, reporter=reporter, report=report)
        by_day.clear()
        for item in items:
            by_day[item.published_at.date().isoformat()].append(item)
        for day in sorted(by_day):
            batch = by_day[day]
            new, grown = _cluster_batch(store, embedder.name, batch, vectors, params, clock)
            created.update(new)
            developed.update(grown)
            report.clustered += len(batch)
            advance(len(batch))
    developed -= created
    report.new_stories, report.grown_stories = len(created), len(developed)
    report.changed = sorted(created | developed)
    return report


def _cluster_batch(
    store: Store,
    model: str,
    batch: list[Item],
    vectors: dict[str, np.ndarray],
    params: ClusterParams,
    clock: Clock,
) -> tuple[list[int], list[int]]:
    """Cluster one day's items; returns (ids of stories created, ids of open stories grown)."""
    texts = [item_text(i.title, i.text or i.summary) for i in batch]
    ordinary = ordinary_words(texts)
    cluster_items = [
        ClusterItem(
            key=i.id,
            time=i.published_at,
            vector=vectors[i.content_hash],
            entities=extract_entities(t, ordinary=ordinary),
            numbers=extract_numbers(t),
            publisher=i.publisher,
        )
        for i, t in zip(batch, texts, strict=True)
    ]
    earliest = min(i.published_at for i in batch)
    open_states = store.open_story_states(
        since=earliest - timedelta(hours=params.window_hours), model=model
    )
    result = assign(cluster_items, [_open_story(s) for s in open_states], params)
    states = [_state(s) for s in result.stories]
    memberships = sorted(result.story_of.items())
    changed = store.apply_clustering(states, memberships, model=model, now=clock())
    grown = sorted({s for s in result.story_of.values() if s > 0})
    return sorted(set(changed) - set(grown)), grown

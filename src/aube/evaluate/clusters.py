"""How well items are clustered into stories: B-cubed scores and a replay of the nightly job.

B-cubed (Bagga & Baldwin, 1998) scores every item, then averages: an item's precision is the
share of its predicted cluster that belongs to its gold cluster, its recall the share of its
gold cluster found in its predicted cluster. Unlike pair counting, a big cluster does not
outweigh many small ones, and unlike purity, it punishes both splitting and lumping.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from aube.enrich.cluster import Assignment, ClusterItem, ClusterParams, OpenStory, assign
from aube.enrich.embed import get_embedder, item_text
from aube.enrich.entities import extract_entities, extract_numbers, ordinary_words

__all__ = [
    "BCubed",
    "average_link_baseline",
    "bcubed",
    "evaluate_basil",
    "load_basil",
    "replay",
]


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float


def bcubed(predicted: Mapping[K, Hashable], gold: Mapping[K, Hashable]) -> BCubed:
    """B-cubed precision, recall and F1 of ``predicted`` against ``gold`` (item -> label).

    Both must label the same items. Labels are only compared for equality within one mapping,
    so predicted and gold labels need not share a vocabulary. Empty input scores 1.0."""
    if set(predicted) != set(gold):
        raise ValueError("predicted and gold must label the same items")
    if not gold:
        return BCubed(1.0, 1.0, 1.0)
    both = Counter((predicted[k], gold[k]) for k in gold)
    pred_size = Counter(predicted.values())
    gold_size = Counter(gold.values())
    # Every item of a (predicted, gold) cell has the same per-item scores: sum over cells.
    precision = sum(n * n / pred_size[p] for (p, _), n in both.items()) / len(gold)
    recall = sum(n * n / gold_size[g] for (_, g), n in both.items()) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1)


def replay(
    batches: Iterable[Sequence[ClusterItem]],
    params: ClusterParams | None = None,
) -> dict[int, int]:
    """Run ``assign`` over batches in time order as the nightly job would, keeping stories open
    while they are within the window; returns item key -> story id (1, 2, ...)."""
    stories: dict[int, OpenStory] = {}
    story_of: dict[int, int] = {}
    next_id = 1
    params = params or ClusterParams()
    window = timedelta(hours=params.window_hours)
    for batch in batches:
        if not batch:
            continue
        start = min(it.time for it in batch)
        # Batches come in time order, so a story closed now stays closed: forget it.
        stories = {sid: s for sid, s in stories.items() if s.last_seen >= start - window}
        open_now = list(stories.values())
        result: Assignment = assign(batch, open_now, params)
        real: dict[int, int] = {}
        for state in result.stories:
            if state.story_id < 0:
                real[state.story_id] = next_id
                next_id += 1
            sid = real.get(state.story_id, state.story_id)
            stories[sid] = replace(state, story_id=sid)
        for key, sid in result.story_of.items():
            story_of[key] = real.get(sid, sid)
    return story_of


def average_link_baseline(vectors: np.ndarray, distance: float = 0.4) -> np.ndarray:
    """Plain average-link clustering on cosine distance, no time, no evidence: the reference
    the data's README quotes (F1 0.952 at distance 0.4, picked with the labels)."""
    from sklearn.cluster import AgglomerativeClustering

    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    dist = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0).astype(np.float64)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=distance
    )
    return model.fit(dist).labels_


def load_basil(path: Path) -> list[dict[str, Any]]:
    """The BASIL triplets, one dict per article, in file order."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate_basil(
    path: Path,
    embedder_name: str = "minilm",
    params: ClusterParams | None = None,
    *,
    embedder_options: Mapping[str, Any] | None = None,
    vectors: np.ndarray | None = None,
) -> dict[str, Any]:
    """Cluster the BASIL articles as the nightly job would and score them against the events.

    Articles arrive one day per batch, in date order (dates only: midnight UTC). Each article
    is embedded and mined for names and figures from ``item_text(title, body)``. Reported:
    B-cubed P/R/F1 and cluster counts for Aube's clustering with ``params`` and for the plain
    average-link baseline, plus seconds. ``vectors`` (in file order) skips the embedding, for
    sweeps that reuse one embedding."""
    rows = load_basil(path)
    texts = [item_text(r.get("title") or "", r.get("body") or "") for r in rows]
    embedder = get_embedder(embedder_name, **(embedder_options or {}))
    load_seconds = embed_seconds = 0.0
    if vectors is None:
        started = time.perf_counter()
        embedder.embed(["warm-up"])  # loads the model, timed apart from the embedding
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        embed_seconds = time.perf_counter() - started

    started = time.perf_counter()
    by_day: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_day[r["date"]].append(i)
    batches = []
    for day in sorted(by_day):
        idx = by_day[day]
        # What a night's batch teaches about ordinary words, as the nightly job does.
        ordinary = ordinary_words([texts[i] for i in idx])
        when = datetime.fromisoformat(day).replace(tzinfo=UTC)
        batches.append(
            [
                ClusterItem(
                    key=i,
                    time=when,
                    vector=vectors[i],
                    entities=extract_entities(texts[i], ordinary=ordinary),
                    numbers=extract_numbers(texts[i]),
                    publisher=str(rows[i]["source"]).lower(),
                )
                for i in idx
            ]
        )
    params = params or ClusterParams()
    predicted = replay(batches, params)
    cluster_seconds = time.perf_counter() - started

    gold = {i: r["event_id"] for i, r in enumerate(rows)}
    ours = bcubed(predicted, gold)
    started = time.perf_counter()
    labels = average_link_baseline(vectors)
    base_seconds = time.perf_counter() - started
    base = bcubed({i: int(label) for i, label in enumerate(labels)}, gold)
    return {
        "articles": len(rows),
        "events": len(set(gold.values())),
        "embedder": embedder.name,
        "cpu_count": os.cpu_count(),
        "params": asdict(params),
        "load_seconds": load_seconds,
        "embed_seconds": embed_seconds,
        "evidence_and_cluster_seconds": cluster_seconds,
        "aube": {**asdict(ours), "clusters": len(set(predicted.values()))},
        "baseline": {
            **asdict(base),
            "clusters": len(set(labels.tolist())),
            "cluster_seconds": base_seconds,
            "distance": 0.4,
        },
    }

"""Documents (chats, notes) → a few weighted, explainable interests.

Not one averaged vector: the documents are grouped into topics (average-link clustering of
their embeddings), and each topic becomes an interest whose label is its most central title,
whose weight grows with how many documents speak of it and how recently, and whose
evidence lists those documents."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from aube.enrich.embed import Embedder, item_text
from aube.signals.documents import Document
from aube.store import NewEvidence, NewInterest

# Two questions on one topic have MiniLM cosine ≳ 0.45; unrelated ones ≲ 0.25.
TOPIC_DISTANCE = 0.6
MAX_TOPICS = 15
HALF_LIFE_DAYS = 120.0  # how fast an old conversation stops counting at import time


def unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def group(vectors: np.ndarray, distance: float = TOPIC_DISTANCE) -> np.ndarray:
    """Cluster labels of unit row vectors (average link, cosine distance)."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return model.fit_predict(vectors)


def interests_from_documents(
    documents: Sequence[Document],
    embedder: Embedder,
    *,
    origin: str,
    kind: str,
    now: datetime,
) -> list[NewInterest]:
    """At most MAX_TOPICS interests, strongest first."""
    if not documents:
        return []
    vectors = embedder.embed([item_text(d.title, d.text) for d in documents])
    labels = group(vectors)
    interests: list[NewInterest] = []
    for label in np.unique(labels):
        members = [i for i in np.flatnonzero(labels == label)]
        centroid = unit(vectors[members].mean(axis=0))
        central = max(members, key=lambda i: float(vectors[i] @ centroid))
        freshness = [
            0.5 ** (max((now - documents[i].at).days, 0) / HALF_LIFE_DAYS) for i in members
        ]
        # Many documents count, with diminishing returns; recent ones count more.
        weight = min(3.0, 0.6 + 0.4 * math.log2(1 + sum(freshness)))
        evidence = [
            NewEvidence(
                kind=kind,
                ref=documents[i].ref,
                text=documents[i].text[:300],
                at=documents[i].at,
                weight=1.0,
            )
            for i in sorted(members, key=lambda i: documents[i].at, reverse=True)
        ]
        interests.append(
            NewInterest(
                label=_label(documents[central].title),
                vector=centroid,
                model=embedder.name,
                origin=origin,
                weight=round(weight, 3),
                evidence=evidence,
            )
        )
    interests.sort(key=lambda i: (-i.weight, i.label))
    return interests[:MAX_TOPICS]


def _label(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= 80 else title[:80].rsplit(" ", 1)[0] + "…"

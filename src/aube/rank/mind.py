"""``aube eval mind DIR``: Aube's ranker on MIND's official files, in its standard protocol.

MIND ships ``news.tsv`` (id, category, subcategory, title, abstract, url, entities…) and
``behaviors.tsv`` (impression id, user, time, click history, candidates "N123-1 N456-0").
For each impression, the user's profile is built the way Aube builds one from any reading
history — the clicked articles grouped into a few weighted interests — and the candidates
are scored by their best interest match (no training on MIND). AUC, MRR, nDCG@5 and nDCG@10
are computed per impression and averaged, as the MIND paper does. Impressions whose history
or candidates lack text in news.tsv are counted and skipped, not guessed."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aube.enrich.embed import Embedder, item_text
from aube.errors import InvalidInput
from aube.rank.metrics import auc, mrr, ndcg
from aube.signals.topics import group, unit

csv.field_size_limit(10_000_000)


@dataclass(frozen=True)
class Impression:
    id: str
    user: str
    history: tuple[str, ...]
    candidates: tuple[str, ...]
    labels: tuple[int, ...]


def read_news(path: Path) -> dict[str, str]:
    """news id → the text embedded (title and abstract)."""
    news: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or not row[0].strip():
                continue
            if len(row) < 4:
                raise InvalidInput(
                    f"{path}:{n}: expected at least 4 tab-separated columns "
                    f"(id, category, subcategory, title), got {len(row)}"
                )
            title = row[3]
            abstract = row[4] if len(row) > 4 else ""
            news[row[0]] = item_text(title, abstract)
    return news


def read_behaviors(path: Path) -> list[Impression]:
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row:
                continue
            if len(row) != 5:
                raise InvalidInput(f"{path}:{n}: expected 5 tab-separated columns, got {len(row)}")
            cands, labels = [], []
            for token in row[4].split():
                news_id, _, label = token.rpartition("-")
                if not news_id or label not in ("0", "1"):
                    raise InvalidInput(
                        f"{path}:{n}: bad impression {token!r} (want N123-0 or N123-1)"
                    )
                cands.append(news_id)
                labels.append(int(label))
            out.append(
                Impression(row[0], row[1], tuple(row[3].split()), tuple(cands), tuple(labels))
            )
    return out


def profile_scores(history: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Score candidates for a reading history the way editions do: group the history into
    interests (weight ∝ size), take each candidate's best weighted interest match."""
    labels = group(history)
    interests, weights = [], []
    for label in np.unique(labels):
        members = history[labels == label]
        interests.append(unit(members.mean(axis=0)))
        weights.append(1.0 + np.log(len(members)))
    sims = np.stack(interests) @ candidates.T  # (K, C)
    return (sims * np.array(weights)[:, None]).max(axis=0) + 0.1 * sims.mean(axis=0)


def evaluate_mind(
    directory: Path,
    embedder: Embedder,
    *,
    min_history: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, float | int]:
    news_path, behaviors_path = directory / "news.tsv", directory / "behaviors.tsv"
    for p in (news_path, behaviors_path):
        if not p.is_file():
            raise InvalidInput(f"{p} is missing: a MIND folder holds news.tsv and behaviors.tsv")
    started = time.perf_counter()
    news = read_news(news_path)
    impressions = read_behaviors(behaviors_path)
    ids = sorted(news)
    index = {nid: i for i, nid in enumerate(ids)}
    vectors = embedder.embed([news[i] for i in ids]) if ids else np.zeros((0, embedder.dim))
    totals = {"auc": 0.0, "mrr": 0.0, "ndcg5": 0.0, "ndcg10": 0.0}
    used = skipped_history = skipped_candidates = 0
    for imp in impressions:
        hist = [index[h] for h in imp.history if h in index]
        known = [
            (index[c], y) for c, y in zip(imp.candidates, imp.labels, strict=True) if c in index
        ]
        if progress:
            progress(1)
        if len(hist) < min_history:
            skipped_history += 1
            continue
        ys = np.array([y for _, y in known])
        if len(known) < 2 or ys.min() == ys.max():
            skipped_candidates += 1  # AUC needs a clicked and an unclicked candidate with text
            continue
        scores = profile_scores(vectors[hist], vectors[[c for c, _ in known]])
        totals["auc"] += auc(ys, scores)
        totals["mrr"] += mrr(ys, scores)
        totals["ndcg5"] += ndcg(ys, scores, 5)
        totals["ndcg10"] += ndcg(ys, scores, 10)
        used += 1
    result: dict[str, float | int] = {
        k: (v / used if used else float("nan")) for k, v in totals.items()
    }
    result.update(
        impressions=len(impressions),
        evaluated=used,
        skipped_no_history=skipped_history,
        skipped_no_candidates=skipped_candidates,
        news=len(news),
        seconds=round(time.perf_counter() - started, 2),
    )
    return result

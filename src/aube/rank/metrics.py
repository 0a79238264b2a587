"""Offline ranking metrics, as the MIND protocol defines them (Wu et al., ACL 2020).

Each takes one impression: ``labels`` (1 clicked, 0 not) and ``scores`` (higher is shown
first), and returns a float; the protocol averages them over impressions. Ties in scores are
broken by the order given, as a stable sort would."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def _order(scores: np.ndarray) -> np.ndarray:
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a clicked item outranks an unclicked one
    (ties count half). Undefined (nan) when the impression has only one class."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    # Rank-sum (Mann–Whitney U) with average ranks for ties.
    ranks = rankdata(np.concatenate([pos, neg]))
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def mrr(labels: np.ndarray, scores: np.ndarray) -> float:
    """Mean reciprocal rank of the clicked items (MIND's definition: the mean over clicked
    items of 1 / their rank)."""
    y = np.asarray(labels, dtype=float)[_order(scores)]
    if y.sum() == 0:
        return float("nan")
    return float((y / np.arange(1, len(y) + 1)).sum() / y.sum())


def dcg(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Discounted cumulative gain at k, gain 2^label − 1, discount log2(rank + 1)."""
    y = np.asarray(labels, dtype=float)[_order(scores)][:k]
    return float(((2**y - 1) / np.log2(np.arange(2, len(y) + 2))).sum())


def ndcg(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    """DCG at k over the best possible DCG at k."""
    best = dcg(labels, np.asarray(labels, dtype=float), k)
    return float("nan") if best == 0 else dcg(labels, scores, k) / best


def diversity(vectors: np.ndarray) -> float:
    """Intra-list diversity: mean pairwise cosine distance of a list's unit vectors."""
    n = len(vectors)
    if n < 2:
        return 0.0
    sims = vectors @ vectors.T
    return float(1 - (sims.sum() - np.trace(sims)) / (n * (n - 1)))

"""Ranking metrics on impressions small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aube.rank.metrics import auc, dcg, diversity, mrr, ndcg


def test_auc() -> None:
    assert auc([1, 0, 0], [0.9, 0.5, 0.1]) == 1.0
    assert auc([1, 0, 0], [0.1, 0.5, 0.9]) == 0.0
    assert auc([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2]) == 0.75  # 3 of 4 pairs in order
    assert auc([1, 0], [0.5, 0.5]) == 0.5  # a tie counts half
    assert math.isnan(auc([1, 1], [0.2, 0.3]))


def test_mrr() -> None:
    # Clicked items at ranks 2 and 3: (1/2 + 1/3) / 2.
    assert mrr([0, 1, 1], [0.9, 0.5, 0.1]) == pytest.approx((1 / 2 + 1 / 3) / 2)


def test_ndcg() -> None:
    labels, scores = [0, 1, 0, 1], [0.9, 0.8, 0.7, 0.1]
    actual = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert dcg(labels, scores, 10) == pytest.approx(actual)
    assert ndcg(labels, scores, 10) == pytest.approx(actual / ideal)
    assert ndcg(labels, scores, 1) == 0.0
    assert ndcg([1, 0], [0.9, 0.1], 5) == 1.0


def test_diversity() -> None:
    same = np.array([[1.0, 0.0], [1.0, 0.0]])
    apart = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert diversity(same) == pytest.approx(0.0)
    assert diversity(apart) == pytest.approx(1.0)

"""MIND files: parsing and the protocol's metrics on the real subset."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import SHARED_DATA, needs_shared_data

from aube.enrich.embed import get_embedder
from aube.errors import InvalidInput
from aube.rank.mind import evaluate_mind, read_behaviors, read_news

MIND = SHARED_DATA / "mind_small_subset_farabi"


@needs_shared_data
def test_real_subset_parses() -> None:
    news = read_news(MIND / "news.tsv")
    impressions = read_behaviors(MIND / "behaviors.tsv")
    assert len(news) == 2000 and len(impressions) == 5000
    assert sum(len(i.candidates) for i in impressions) == 189_359
    assert sum(sum(i.labels) for i in impressions) == 7_542


@needs_shared_data
def test_real_subset_metrics_are_in_range() -> None:
    result = evaluate_mind(MIND, get_embedder("hashing"))
    assert result["evaluated"] > 0
    for key in ("auc", "mrr", "ndcg5", "ndcg10"):
        assert 0.0 <= result[key] <= 1.0


def test_malformed_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "news.tsv").write_text("N1\tnews\n")
    (tmp_path / "behaviors.tsv").write_text("1\tU1\t11/11/2019 9:00:00 AM\tN1\tN1-0 N2-1\n")
    with pytest.raises(InvalidInput, match="news.tsv:1"):
        evaluate_mind(tmp_path, get_embedder("hashing"))
    (tmp_path / "news.tsv").write_text("N1\tnews\tsub\tA title\tabstract\n")
    (tmp_path / "behaviors.tsv").write_text("1\tU1\t11/11/2019\tN1\tN1-x\n")
    with pytest.raises(InvalidInput, match="behaviors.tsv:1"):
        evaluate_mind(tmp_path, get_embedder("hashing"))
    with pytest.raises(InvalidInput, match="missing"):
        evaluate_mind(tmp_path / "nope", get_embedder("hashing"))

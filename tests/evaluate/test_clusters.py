from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from aube.enrich.cluster import ClusterItem
from aube.evaluate.clusters import BCubed, average_link_baseline, bcubed, evaluate_basil, replay

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
BASIL = SHARED_DATA / "basil_event_triplets" / "articles_flat.jsonl"
needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent")


def test_bcubed_on_a_hand_computed_example():
    gold = {"a": 1, "b": 1, "c": 2}
    predicted = {"a": "x", "b": "y", "c": "y"}
    # precision: a 1/1, b 1/2 (b's cluster {b, c} holds one of its event), c 1/2 -> 2/3
    # recall:    a 1/2 (event {a, b}, found {a}), b 1/2, c 1/1 -> 2/3
    score = bcubed(predicted, gold)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_bcubed_extremes():
    gold = {1: "e1", 2: "e1", 3: "e2", 4: "e2"}
    assert bcubed({1: 9, 2: 9, 3: 8, 4: 8}, gold) == BCubed(1.0, 1.0, 1.0)
    lumped = bcubed({k: 0 for k in gold}, gold)
    assert (lumped.precision, lumped.recall) == (0.5, 1.0)
    split = bcubed({k: k for k in gold}, gold)
    assert (split.precision, split.recall) == (1.0, 0.5)
    assert bcubed({}, {}).f1 == 1.0
    with pytest.raises(ValueError):
        bcubed({1: 0}, {2: 0})


def test_baseline_is_plain_average_link():
    v = np.array([[1, 0], [0.96, 0.28], [0, 1]], dtype=np.float32)
    labels = average_link_baseline(v, distance=0.4)
    assert labels[0] == labels[1] != labels[2]


def test_replay_keeps_story_ids_across_nights():
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    up = np.array([1.0, 0.0], dtype=np.float32)
    side = np.array([0.0, 1.0], dtype=np.float32)
    nights = [
        [ClusterItem(1, t0, up, publisher="a"), ClusterItem(2, t0, side, publisher="a")],
        [ClusterItem(3, t0 + timedelta(days=1), up, publisher="b")],
        [ClusterItem(4, t0 + timedelta(days=30), up, publisher="b")],
    ]
    story_of = replay(nights)
    assert story_of[1] == story_of[3] != story_of[2]
    assert story_of[4] not in (story_of[1], story_of[2])
    assert sorted(set(story_of.values())) == [1, 2, 3]


@pytest.mark.slow
@pytest.mark.shared_data
@needs_data
def test_basil_events_are_recovered_with_default_settings():
    report = evaluate_basil(BASIL)
    assert report["articles"] == 300 and report["events"] == 100
    assert report["aube"]["f1"] > 0.95
    assert report["aube"]["f1"] > report["baseline"]["f1"]


@needs_data
@pytest.mark.shared_data
def test_basil_runs_without_a_model():
    # The hashing embedder knows words, not meaning; this only checks the plumbing.
    report = evaluate_basil(BASIL, embedder_name="hashing")
    assert report["embedder"].startswith("hashing")
    assert 0.0 < report["aube"]["f1"] <= 1.0
    assert report["aube"]["clusters"] >= 1

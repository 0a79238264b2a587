"""Clustering behaviour on synthetic vectors whose cosines are known."""

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from aube.enrich.cluster import (
    Assignment,
    ClusterItem,
    ClusterParams,
    DocFreq,
    OpenStory,
    assign,
)

DIM = 64
T0 = datetime(2025, 9, 17, 8, tzinfo=UTC)
_rng = np.random.default_rng(7)
# Random directions in 64 dimensions are nearly orthogonal (|cos| ~ 0.1): distinct events.
EVENTS = [v / np.linalg.norm(v) for v in _rng.standard_normal((8, DIM))]


def near(event: int, cos: float, seed: int) -> np.ndarray:
    """A unit vector at cosine ``cos`` from event ``event``'s direction (about ``cos**2`` from
    another vector made the same way)."""
    base = EVENTS[event]
    noise = np.random.default_rng(seed).standard_normal(DIM)
    noise -= (noise @ base) * base
    noise /= np.linalg.norm(noise)
    return (cos * base + np.sqrt(1 - cos**2) * noise).astype(np.float32)


def pair(cos: float) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors at exactly cosine ``cos``."""
    other = EVENTS[1] - (EVENTS[1] @ EVENTS[0]) * EVENTS[0]
    other /= np.linalg.norm(other)
    b = cos * EVENTS[0] + np.sqrt(1 - cos**2) * other
    return EVENTS[0].astype(np.float32), b.astype(np.float32)


def item(
    key: int,
    vector: np.ndarray,
    hours: float = 0.0,
    publisher: str = "p",
    entities: frozenset[str] = frozenset(),
    numbers: frozenset[str] = frozenset(),
) -> ClusterItem:
    return ClusterItem(key, T0 + timedelta(hours=hours), vector, entities, numbers, publisher)


def groups(result: Assignment) -> set[frozenset[int]]:
    by_story: dict[int, set[int]] = {}
    for key, sid in result.story_of.items():
        by_story.setdefault(sid, set()).add(key)
    return {frozenset(keys) for keys in by_story.values()}


def persist(result: Assignment, first_id: int) -> dict[int, OpenStory]:
    """What the store does: give new stories real ids, keep every state."""
    out = {}
    for n, state in enumerate(result.stories):
        sid = state.story_id if state.story_id > 0 else first_id + n
        out[sid] = replace(state, story_id=sid)
    return out


def test_the_same_event_across_publishers_becomes_one_story():
    batch = [
        item(1, near(0, 0.9, 1), 0, "nyt"),
        item(2, near(0, 0.9, 2), 2, "wsj"),
        item(3, near(0, 0.9, 3), 5, "ft"),
    ]
    result = assign(batch, [])
    assert result.story_of == {1: -1, 2: -1, 3: -1}
    (state,) = result.stories
    assert state.size == 3 and state.publishers == {"nyt", "wsj", "ft"}
    assert state.first_seen == T0 and state.last_seen == T0 + timedelta(hours=5)


def test_two_events_on_the_same_day_stay_apart():
    batch = [
        item(1, near(0, 0.9, 1)),
        item(2, near(1, 0.9, 2)),
        item(3, near(0, 0.9, 3)),
        item(4, near(1, 0.9, 4)),
    ]
    result = assign(batch, [])
    assert groups(result) == {frozenset({1, 3}), frozenset({2, 4})}
    # Placeholders follow the earliest item (then the key), whatever the input order.
    assert result.story_of[1] == -1 and result.story_of[2] == -2


def test_an_item_ten_days_later_starts_a_new_story():
    first = assign([item(1, near(0, 0.95, 1)), item(2, near(0, 0.95, 2), 3)], [])
    stories = persist(first, 100)
    later = assign([item(3, near(0, 0.95, 3), 24 * 10)], list(stories.values()))
    assert later.story_of == {3: -1}


def test_an_item_before_a_story_began_does_not_join_it():
    stories = persist(assign([item(1, near(0, 0.95, 1), 24 * 10)], []), 5)
    early = assign([item(2, near(0, 0.95, 2), 0)], list(stories.values()))
    assert early.story_of == {2: -1}


def test_a_story_that_develops_over_days_keeps_its_id():
    stories = persist(assign([item(1, near(0, 0.85, 1), 0, "nyt")], []), 42)
    for day, key in ((1, 2), (2, 3), (3, 4)):
        result = assign(
            [
                item(key, near(0, 0.85, key), 24 * day, "wsj"),
                item(100 + key, near(day + 1, 0.85, key), 24 * day),
            ],
            [s for s in stories.values()],
        )
        assert result.story_of[key] == 42
        assert result.story_of[100 + key] < 0  # the unrelated item of the day stays out
        stories[42] = next(s for s in result.stories if s.story_id == 42)
    story = stories[42]
    assert story.size == 4 and story.first_seen == T0
    assert story.last_seen == T0 + timedelta(days=3)
    assert story.publisher_counts == {"nyt": 1, "wsj": 3}


def test_batch_order_does_not_matter():
    batch = [item(k, near(k % 3, 0.8, k), hours=k % 5, publisher=f"p{k % 4}") for k in range(30)]
    expected = assign(batch, [])
    for seed in range(5):
        shuffled = batch[:]
        random.Random(seed).shuffle(shuffled)
        got = assign(shuffled, [])
        assert got.story_of == expected.story_of
        assert [s.size for s in got.stories] == [s.size for s in expected.stories]


def test_items_in_a_batch_cluster_together_before_meeting_open_stories():
    # An open story at cos ~0.55 from each new item would win a one-by-one greedy pass for
    # the first item; average link first joins the three new items, which are far closer.
    story = OpenStory(7, T0 - timedelta(hours=12), T0 - timedelta(hours=12), EVENTS[1].copy(), 1)
    mixed = EVENTS[0] * 0.8 + EVENTS[1] * 0.6
    mixed /= np.linalg.norm(mixed)
    batch = [item(k, (0.97 * mixed + 0.25 * near(0, 0.0, k)).astype(np.float32)) for k in (1, 2, 3)]
    batch = [replace(it, vector=it.vector / np.linalg.norm(it.vector)) for it in batch]
    result = assign(batch, [story])
    assert len(set(result.story_of.values())) == 1


def test_empty_inputs():
    assert assign([], []) == Assignment({}, [])
    story = OpenStory(1, T0, T0, EVENTS[0].copy(), 1)
    assert assign([], [story]) == Assignment({}, [])
    result = assign([item(1, near(0, 1.0, 1))], [])
    assert result.story_of == {1: -1} and result.stories[0].size == 1


def test_shared_rare_names_and_figures_lift_a_borderline_pair():
    a, b = pair(0.5)  # below the threshold on its own
    plain = assign([item(1, a, 0, "ft"), item(2, b, 3, "wsj")], [])
    assert len(groups(plain)) == 2
    names, figures = frozenset({"gunvor", "lukoil"}), frozenset({"$22b"})
    rare = DocFreq(1000, {"gunvor": 2, "lukoil": 3, "$22b": 2, "trump": 400})
    evidence = [item(1, a, 0, "ft", names, figures), item(2, b, 3, "wsj", names, figures)]
    assert len(groups(assign(evidence, [], doc_freq=rare))) == 1
    # A common name is no evidence.
    common = [item(1, a, 0, "ft", frozenset({"trump"})), item(2, b, 3, "wsj", frozenset({"trump"}))]
    assert len(groups(assign(common, [], doc_freq=rare))) == 2


def test_no_chaining_along_a_drifting_sequence():
    # Each item is at cos 0.88 from the previous one, but the sequence turns away: single
    # link at 0.6 would make one story of all ten; average link keeps each story coherent.
    e1, e2 = EVENTS[0], EVENTS[1] - (EVENTS[1] @ EVENTS[0]) * EVENTS[0]
    e2 = e2 / np.linalg.norm(e2)
    vectors = [(np.cos(0.5 * k) * e1 + np.sin(0.5 * k) * e2).astype(np.float32) for k in range(10)]
    found = groups(assign([item(k, v, k) for k, v in enumerate(vectors)], []))
    assert len(found) >= 3
    for keys in found:
        members = np.stack([vectors[k] for k in keys])
        assert (members @ members.T).min() > 0.0, sorted(keys)


def test_a_story_never_spans_more_than_max_span():
    params = ClusterParams()
    stories: dict[int, OpenStory] = {}
    placed = {}
    for day in range(12):
        result = assign([item(day, near(0, 0.95, day), 24 * day)], list(stories.values()), params)
        stories.update(persist(result, 1000 + day))
        placed[day] = result.story_of[day] if result.story_of[day] > 0 else 1000 + day
    for state in stories.values():
        assert state.last_seen - state.first_seen <= timedelta(hours=params.max_span_hours)
    assert len(set(placed.values())) >= 2


def test_an_item_joins_at_most_one_open_story():
    twins = [OpenStory(sid, T0, T0, EVENTS[0].copy(), 2, 0.9) for sid in (1, 2)]
    result = assign([item(9, near(0, 0.95, 9), 1), item(10, near(0, 0.95, 10), 2)], twins)
    assert set(result.story_of.values()) in ({1}, {2})
    assert [s.story_id for s in result.stories] == [result.story_of[9]]


def test_states_carry_what_the_next_call_needs():
    vectors = [near(0, 0.9, k) for k in range(4)]
    batch = [
        item(k, v, k, f"p{k % 2}", frozenset({"powell", f"x{k}"}), frozenset({"25%"}))
        for k, v in enumerate(vectors)
    ]
    (state,) = assign(batch, []).stories
    total = np.sum(vectors, axis=0)
    assert np.allclose(state.centroid * state.cohesion * state.size, total, atol=1e-5)
    assert np.isclose(np.linalg.norm(state.centroid), 1.0, atol=1e-6)
    assert state.entity_counts["powell"] == 4 and state.entity_counts["x1"] == 1
    assert state.number_counts == {"25%": 4}
    assert state.publisher_counts == {"p0": 2, "p1": 2}
    # The store keeps centroid and size in columns, the rest as JSON: nothing is lost.
    stored = json.loads(json.dumps(state.evidence()))
    back = OpenStory.from_evidence(
        state.story_id, state.first_seen, state.last_seen, state.centroid, state.size, stored
    )
    assert back.evidence() == state.evidence()
    assert np.array_equal(back.centroid, state.centroid)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unique"):
        assign([item(1, near(0, 1, 1)), item(1, near(0, 1, 2))], [])
    naive = ClusterItem(1, datetime(2025, 1, 1), near(0, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        assign([naive], [])


def test_rarity_is_scaled_inverse_document_frequency():
    df = DocFreq.from_sets([{"trump", "gunvor"}, {"trump"}, {"trump", "fed"}, {"fed"}])
    assert df.docs == 4 and df.counts["trump"] == 3
    assert df.specificity("gunvor") == 1.0 == df.specificity("never-seen")
    assert 0.0 < df.specificity("trump") < df.specificity("fed") < 1.0
    assert DocFreq(0, {}).specificity("x") == 1.0

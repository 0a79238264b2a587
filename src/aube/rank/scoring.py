"""Scoring the day's stories for many users at once: matrix products, not loops.

For a chunk of users, ``I @ S.T`` gives every interest × story cosine; per user, the best
positive interest gives relevance and the worst negative one a penalty (``reduceat`` over
interest rows grouped by user). Importance (publishers), freshness and novelty (what the
user has already seen) complete the score. Pure: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class RankParams:
    """Cosines are MiniLM's: on a day of real news, a typed topic sits at ≥ 0.35 from the
    stories about it and ≤ 0.28 from the rest (see docs/design.md for the measurement)."""

    relevance_floor: float = 0.20  # cosine below which a story says nothing about an interest
    match_threshold: float = 0.33  # a card needs an interest at least this close…
    min_weight: float = 0.15  # …that has not faded below this weight
    lexical_cos: float = 0.50  # all of a typed topic's words in a story count as this cosine
    negative_floor: float = 0.25
    negative_weight: float = 1.0
    block_threshold: float = 0.27  # "nothing about X" hides stories this close to X (or naming X)
    importance_weight: float = 0.10
    freshness_weight: float = 0.05
    freshness_hours: float = 24.0
    update_penalty: float = 0.05  # an update is worth a little less than a fresh story
    top_min_publishers: int = 3  # "top story" needs this many publishers
    top_slots: int = 1  # top stories offered to a user with interests
    cold_top_slots: int = 4  # … and to a user without any yet
    per_interest_cap: int = 3  # diversity: at most this many cards from one interest
    redundancy: float = 0.70  # two stories this similar are one too many in an edition
    mmr_lambda: float = 0.3
    candidates: int = 40  # per user, the best this many go to the diversity step


@dataclass(frozen=True)
class StoryBatch:
    """The day's candidate stories."""

    vectors: np.ndarray  # (N, d) unit rows
    publishers: np.ndarray  # (N,) publisher count
    age_hours: np.ndarray  # (N,) hours since last seen, at the edition's cutoff
    versions: np.ndarray  # (N,)


@dataclass(frozen=True)
class UserBatch:
    """A chunk of users, their interests (rows sorted by user) and what they have seen."""

    sizes: np.ndarray  # (U,) edition size wanted
    allowed: np.ndarray  # (U, N) bool: from a followed source
    shown_version: np.ndarray  # (U, N) int: highest version shown, 0 when never shown
    suppressed: np.ndarray  # (U, N) bool: dismissed or voted down
    interest_user: np.ndarray  # (M,) index into the chunk's users
    interest_vectors: np.ndarray  # (M, d)
    interest_weights: np.ndarray  # (M,) weight × decay, ≥ 0
    interest_signs: np.ndarray  # (M,) ±1
    interest_hard: np.ndarray  # (M,) bool
    interest_lexical: sparse.spmatrix | None = None  # (M, N) bool: a typed topic's words all found


@dataclass(frozen=True)
class Selection:
    """Per user, the chosen stories in edition order."""

    story: list[np.ndarray]  # story indices
    score: list[np.ndarray]
    interest: list[np.ndarray]  # interest row (into the chunk's interests), -1 for a top story
    update: list[np.ndarray]  # bool: the user saw an earlier version
    top: list[np.ndarray]  # bool: chosen as a top story, not for an interest


def _graded(sims: np.ndarray, weights: np.ndarray, floor: float) -> np.ndarray:
    """weight × clip((cos − floor) / (1 − floor), 0, 1), in place on ``sims`` (a copy)."""
    sims -= floor
    sims *= (weights / (1 - floor))[:, None]
    np.maximum(sims, 0, out=sims)
    np.minimum(sims, weights[:, None], out=sims)
    return sims


def _per_user_max(values: np.ndarray, users: np.ndarray, n_users: int) -> np.ndarray:
    """(n_users, N): for each user the max over their rows of ``values`` (0 without rows)."""
    out = np.zeros((n_users, values.shape[1]), dtype=np.float32)
    if len(users):
        present, starts = np.unique(users, return_index=True)
        out[present] = np.maximum.reduceat(values, starts, axis=0)
    return out


def _per_user_any(mask: np.ndarray, users: np.ndarray, n_users: int) -> np.ndarray:
    """(n_users, N): whether any of each user's rows of ``mask`` is true. Through the true
    cells only: cheaper than a max over every row when few cells are true."""
    out = np.zeros((n_users, mask.shape[1]), dtype=bool)
    rows, cols = np.nonzero(mask)
    out[users[rows], cols] = True
    return out


def similarities(stories: StoryBatch, users: UserBatch, p: RankParams) -> np.ndarray:
    """(M, N) interest × story similarity: the cosine, raised to ``lexical_cos`` where a typed
    topic's words are all in the story."""
    sims = users.interest_vectors @ stories.vectors.T
    if users.interest_lexical is not None and users.interest_lexical.nnz:
        rows, cols = users.interest_lexical.nonzero()
        sims[rows, cols] = np.maximum(sims[rows, cols], p.lexical_cos)
    return sims


def score(
    stories: StoryBatch, users: UserBatch, p: RankParams, sims: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """(relevance, score, eligible, update, top_ok), each (U, N). ``sims`` is the (M, N)
    interest × story similarity when the caller has it already."""
    n_users = len(users.sizes)
    if sims is None:
        sims = similarities(stories, users, p)
    pos = users.interest_signs > 0
    relevance = _per_user_max(
        _graded(sims[pos], users.interest_weights[pos], p.relevance_floor),
        users.interest_user[pos],
        n_users,
    )
    strong = pos & (users.interest_weights >= p.min_weight)
    matched = _per_user_any(sims[strong] >= p.match_threshold, users.interest_user[strong], n_users)
    neg = ~pos
    penalty = _per_user_max(
        _graded(sims[neg], users.interest_weights[neg], p.negative_floor),
        users.interest_user[neg],
        n_users,
    )
    hard = users.interest_hard & neg
    blocked = _per_user_any(sims[hard] >= p.block_threshold, users.interest_user[hard], n_users)

    top_pubs = max(float(stories.publishers.max(initial=1)), 2.0)
    importance = np.log1p(stories.publishers - 1) / np.log1p(top_pubs - 1)
    freshness = np.exp(-stories.age_hours / p.freshness_hours)
    update = (users.shown_version > 0) & (users.shown_version < stories.versions[None, :])
    fresh = users.shown_version == 0
    total = (
        relevance
        + p.importance_weight * importance
        + p.freshness_weight * freshness
        - p.negative_weight * penalty
        - p.update_penalty * update
    )
    available = users.allowed & (fresh | update) & ~users.suppressed & ~blocked
    eligible = available & matched & (relevance > penalty)
    top_ok = available & (stories.publishers[None, :] >= p.top_min_publishers) & (penalty <= 0)
    return relevance, total.astype(np.float32), eligible, update, top_ok


TOP_POOL = 24  # top stories are looked for among the day's most covered few


def story_similarity(stories: StoryBatch) -> np.ndarray:
    """(N, N) cosine between the day's stories: computed once, shared by every user chunk."""
    return (stories.vectors @ stories.vectors.T).astype(np.float32)


def select(
    stories: StoryBatch, users: UserBatch, p: RankParams, story_sim: np.ndarray | None = None
) -> Selection:
    """Choose each user's cards: relevant stories first (diversified), then top stories, never
    padding: a user with little that is relevant gets a short edition."""
    n_users, n = len(users.sizes), len(stories.publishers)
    sel = Selection([], [], [], [], [])
    if n == 0:
        for _ in range(n_users):
            for part in (sel.story, sel.score, sel.interest):
                part.append(np.zeros(0, dtype=np.int64))
            sel.update.append(np.zeros(0, dtype=bool))
            sel.top.append(np.zeros(0, dtype=bool))
        return sel
    if story_sim is None:
        story_sim = story_similarity(stories)
    sims = similarities(stories, users, p)  # (M, N)
    _relevance, total, eligible, update, top_ok = score(stories, users, p, sims)
    c = min(p.candidates, n)
    masked = np.where(eligible, total, -np.inf)
    cand = np.argpartition(-masked, c - 1, axis=1)[:, :c]  # (U, C) best candidates
    cand_score = np.take_along_axis(masked, cand, axis=1)
    best_interest = _best_interest(sims, users, p, cand)  # (U, C)
    picked = _diversify(story_sim, cand, cand_score, best_interest, users.sizes, p)
    has_interest = np.zeros(n_users, dtype=bool)
    has_interest[np.unique(users.interest_user[users.interest_signs > 0])] = True
    pool = np.argsort(-(stories.publishers + 0.01 * np.exp(-stories.age_hours / 24)))[:TOP_POOL]
    for u in range(n_users):
        chosen = [int(cand[u, j]) for j in picked[u]]
        scores = [float(cand_score[u, j]) for j in picked[u]]
        interests = [int(best_interest[u, j]) for j in picked[u]]
        tops = [False] * len(chosen)
        slots = min(
            p.top_slots if has_interest[u] else p.cold_top_slots, int(users.sizes[u]) - len(chosen)
        )
        if slots > 0:
            for s in pool[top_ok[u, pool]]:
                if slots <= 0:
                    break
                if s in chosen or (chosen and float(story_sim[s, chosen].max()) > p.redundancy):
                    continue
                chosen.append(int(s))
                scores.append(float(total[u, s]))
                interests.append(-1)
                tops.append(True)
                slots -= 1
        sel.story.append(np.array(chosen, dtype=np.int64))
        sel.score.append(np.array(scores, dtype=np.float32))
        sel.interest.append(np.array(interests, dtype=np.int64))
        sel.update.append(update[u, chosen] if chosen else np.zeros(0, dtype=bool))
        sel.top.append(np.array(tops, dtype=bool))
    return sel


def _best_interest(
    sims: np.ndarray, users: UserBatch, p: RankParams, cand: np.ndarray
) -> np.ndarray:
    """For each user's candidates, the row of the positive interest that explains it best."""
    n_users, c = cand.shape
    out = np.full((n_users, c), -1, dtype=np.int64)
    pos_rows = np.flatnonzero(users.interest_signs > 0)
    if not len(pos_rows):
        return out
    owners = users.interest_user[pos_rows]
    value = np.take_along_axis(sims[pos_rows], cand[owners], axis=1)  # (R, C)
    value = np.clip((value - p.relevance_floor) / (1 - p.relevance_floor), 0, 1)
    value *= users.interest_weights[pos_rows, None]
    present, starts = np.unique(owners, return_index=True)
    best = np.maximum.reduceat(value, starts, axis=0)  # (present users, C)
    position = np.searchsorted(present, owners)
    is_best = value >= best[position]
    r, col = np.nonzero(is_best)
    out[owners[r], col] = pos_rows[r]  # ties: any of the best will do
    return out


def _diversify(
    story_sim: np.ndarray,
    cand: np.ndarray,
    cand_score: np.ndarray,
    interest: np.ndarray,
    sizes: np.ndarray,
    p: RankParams,
) -> list[list[int]]:
    """Greedy maximal marginal relevance for all users at once, with a cap per interest."""
    n_users, c = cand.shape
    sim = story_sim[cand[:, :, None], cand[:, None, :]]  # (U, C, C)
    max_sim = np.zeros((n_users, c), dtype=np.float32)
    taken = ~np.isfinite(cand_score)
    same_count = np.zeros((n_users, c), dtype=np.int32)  # picked cards sharing c's interest
    count = np.zeros(n_users, dtype=np.int64)
    picked: list[list[int]] = [[] for _ in range(n_users)]
    rows = np.arange(n_users)
    capped = interest >= 0  # top stories (-1) are not an interest
    for _step in range(int(sizes.max(initial=0))):
        mmr = cand_score - p.mmr_lambda * max_sim
        blocked = taken | (max_sim > p.redundancy) | (capped & (same_count >= p.per_interest_cap))
        mmr[blocked] = -np.inf
        j = np.argmax(mmr, axis=1)
        ok = np.isfinite(mmr[rows, j]) & (count < sizes)
        if not ok.any():
            break
        users_ok, j_ok = rows[ok], j[ok]
        taken[users_ok, j_ok] = True
        count[users_ok] += 1
        for u, jj in zip(users_ok.tolist(), j_ok.tolist(), strict=True):
            picked[u].append(jj)
        max_sim[users_ok] = np.maximum(max_sim[users_ok], sim[users_ok, j_ok])
        same_count[users_ok] += interest[users_ok] == interest[users_ok, j_ok][:, None]
    return picked

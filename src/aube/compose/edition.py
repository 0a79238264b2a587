"""Editions for many users in one batch: load the day's stories once, rank users in chunks
with matrix products, write each chunk's editions in one transaction.

One edition per user per day: a user who has one already is skipped (so a rerun after a
crash finishes the others and never makes two), unless ``replace`` (regenerate)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy import sparse

from aube.clock import Clock
from aube.compose.reasons import reason_for
from aube.config import Settings
from aube.errors import InvalidInput
from aube.progress import Reporter, Silent
from aube.rank.lexical import LexicalIndex
from aube.rank.scoring import RankParams, StoryBatch, UserBatch, select, story_similarity
from aube.store import NewCard, NewEdition, Store
from aube.store.stories import Candidate
from aube.types import Story, User

CHUNK = 1024
HISTORY_DAYS = 30  # a story shown within this many days is not news any more
MAX_SOURCES = 8
END_MARKER = "That's all for today."
TYPED_ORIGINS = frozenset({"onboarding", "curate", "manual"})


@dataclass
class EditionsReport:
    users: int = 0
    built: int = 0
    skipped_existing: int = 0
    cards: int = 0
    quiet: int = 0
    candidates: int = 0
    edition_ids: dict[int, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int | float]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}


def local_date(user: User, now: datetime) -> str:
    return now.astimezone(ZoneInfo(user.timezone)).date().isoformat()


def cutoff_for(user: User, day: str, now: datetime) -> datetime:
    """The moment an edition for ``day`` looks at: its morning, or now if that is earlier."""
    try:
        d = Date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"{day!r} is not a date (YYYY-MM-DD)") from None
    hour, minute = (int(x) for x in user.morning_time.split(":"))
    morning = datetime.combine(d, time(hour, minute), ZoneInfo(user.timezone))
    if morning - now > timedelta(days=2):
        raise InvalidInput(f"{day} is in the future: an edition is built on its morning")
    return min(now, morning)


def _decayed(
    weights: np.ndarray,
    origins: list[str],
    last: list[datetime],
    now: datetime,
    half_life_days: float,
) -> np.ndarray:
    """Interests learned from chats, notes and feedback fade unless renewed; what the person
    typed (onboarding, requests, edits) does not."""
    out = weights.astype(np.float32).copy()
    for i, (origin, at) in enumerate(zip(origins, last, strict=True)):
        if origin in ("chat", "note", "feedback"):
            age_days = max((now - at).total_seconds() / 86400, 0.0)
            out[i] *= 0.5 ** (age_days / half_life_days)
    return out


def build_editions(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    model: str,
    day: str | None = None,
    user_ids: Sequence[int] | None = None,
    replace: bool = False,
    params: RankParams | None = None,
    reporter: Reporter | None = None,
) -> EditionsReport:
    """Build the editions of ``day`` (default: each user's local today) for the given users
    (default: all). ``model`` is the embedder whose vectors stories and interests carry."""
    params = params or RankParams()
    reporter = reporter or Silent()
    now = clock()
    all_users = store.list_users()
    users = [u for u in all_users if user_ids is None or u.id in set(user_ids)]
    if user_ids is not None and len(users) != len(set(user_ids)):
        missing = sorted(set(user_ids) - {u.id for u in users})
        raise InvalidInput(f"no user with id {', '.join(map(str, missing))}")
    report = EditionsReport(users=len(users))
    by_day: dict[str, list[User]] = {}
    for u in users:
        by_day.setdefault(day or local_date(u, now), []).append(u)
    advance = reporter.task("building editions", len(users))
    for the_day, day_users in sorted(by_day.items()):
        done = set() if replace else store.editions_exist([u.id for u in day_users], the_day)
        report.skipped_existing += len(done)
        advance(len(done))
        todo = [u for u in day_users if u.id not in done]
        if not todo:
            continue
        cutoffs = {u.id: cutoff_for(u, the_day, now) for u in todo}
        until = max(cutoffs.values())
        since = min(cutoffs.values()) - timedelta(hours=settings.edition_window_hours)
        candidates = store.ranking_candidates(since=since, until=until, model=model)
        report.candidates = max(report.candidates, len(candidates))
        ids = np.array([c.id for c in candidates], dtype=np.int64)
        dim = len(candidates[0].vector) if candidates else 1
        vectors = np.array([c.vector for c in candidates], dtype=np.float32).reshape(-1, dim)
        sim = story_similarity(StoryBatch(vectors, np.zeros(0), np.zeros(0), np.zeros(0)))
        lexicon = LexicalIndex([c.text for c in candidates])
        # Each chunk's editions are written (one transaction) while the next chunk is
        # ranked: the database and numpy both work outside the GIL, and a chunk's readers
        # are never in another chunk, so nothing the next ranking reads is being written.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="aube-editions-writer") as writer:
            pending: tuple[Future[dict[int, int]], list[NewEdition]] | None = None
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start : start + CHUNK]
                editions = _rank_chunk(
                    store,
                    settings,
                    chunk,
                    the_day,
                    cutoffs,
                    candidates,
                    ids,
                    vectors,
                    sim,
                    lexicon,
                    params,
                    model,
                    now,
                )
                if pending is not None:
                    _saved(report, *pending, advance)
                if _separate_connections(store):
                    future = writer.submit(store.save_editions, editions, now=now, replace=replace)
                else:  # an in-memory SQLite database is one connection's: write here
                    future = Future()
                    future.set_result(store.save_editions(editions, now=now, replace=replace))
                pending = (future, editions)
            if pending is not None:
                _saved(report, *pending, advance)
    return report


def _separate_connections(store: Store) -> bool:
    url = store.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _saved(
    report: EditionsReport, future: Future[dict[int, int]], editions: list[NewEdition], advance
) -> None:  # type: ignore[no-untyped-def]
    report.edition_ids.update(future.result())  # a failed write raises here, as before
    report.built += len(editions)
    report.cards += sum(len(e.cards) for e in editions)
    report.quiet += sum(e.quiet for e in editions)
    advance(len(editions))


def _rank_chunk(
    store: Store,
    settings: Settings,
    chunk: list[User],
    day: str,
    cutoffs: dict[int, datetime],
    candidates: list[Candidate],
    ids: np.ndarray,
    vectors: np.ndarray,
    story_sim: np.ndarray,
    lexicon: LexicalIndex,
    params: RankParams,
    model: str,
    now: datetime,
) -> list[NewEdition]:
    n_users, n = len(chunk), len(ids)
    index = {u.id: i for i, u in enumerate(chunk)}
    iv = store.interest_vectors([u.id for u in chunk], now=now, model=model)
    subs = store.subscription_map([u.id for u in chunk])
    # The edition being rebuilt is not history: a regenerated edition may keep its stories.
    shown = store.shown(
        [u.id for u in chunk], since=now - timedelta(days=HISTORY_DAYS), excluding_date=day
    )
    position = {int(s): j for j, s in enumerate(ids)}
    cutoff = np.array([cutoffs[u.id].timestamp() for u in chunk])
    last_seen = np.array([c.last_seen.timestamp() for c in candidates]) if n else np.zeros(0)
    versions = np.array([c.version for c in candidates], dtype=np.int64)
    age_hours = np.clip((cutoff.max() - last_seen) / 3600, 0, None) if n else np.zeros(0)
    # Stories from the user's own sources only; users share a few source sets, so each set's
    # mask is computed once.
    masks: dict[frozenset[int], np.ndarray] = {}
    allowed = np.zeros((n_users, n), dtype=bool)
    for u in chunk:
        key = subs.get(u.id, frozenset())
        if key not in masks:
            masks[key] = np.array([bool(c.sources & key) for c in candidates], dtype=bool)
        allowed[index[u.id]] = masks[key]
    shown_version = np.zeros((n_users, n), dtype=np.int64)
    suppressed = np.zeros((n_users, n), dtype=bool)
    for uid, stories_seen in shown.items():
        row = index[uid]
        for sid, (version, _at, down) in stories_seen.items():
            j = position.get(sid)
            if j is not None:
                shown_version[row, j] = version
                suppressed[row, j] = down
    weights = _decayed(
        iv.weights, iv.origins, iv.last_evidence_at, now, settings.interest_half_life_days
    )
    # Word matching only for topics a person typed; a chat's title or a card's headline is
    # not a list of words that must all appear.
    typed = np.array([o in TYPED_ORIGINS for o in iv.origins], dtype=np.float32)
    lexical = sparse.diags(typed) @ lexicon.full_matches(iv.labels) if len(iv.ids) else None
    batch = UserBatch(
        sizes=np.array([u.edition_size for u in chunk], dtype=np.int64),
        allowed=allowed,
        shown_version=shown_version,
        suppressed=suppressed,
        interest_user=np.array([index[int(u)] for u in iv.user_ids], dtype=np.int64),
        interest_vectors=iv.vectors.reshape(len(iv.ids), -1)
        if len(iv.ids)
        else np.zeros((0, vectors.shape[1]), dtype=np.float32),
        interest_weights=weights,
        interest_signs=iv.signs.astype(np.int64),
        interest_hard=iv.hard,
        interest_lexical=sparse.csr_matrix(lexical) if lexical is not None else None,
    )
    stories_batch = StoryBatch(
        vectors=vectors,
        publishers=np.array([c.publishers for c in candidates], dtype=np.float32),
        age_hours=age_hours,
        versions=versions,
    )
    selection = select(stories_batch, batch, params, story_sim)
    chosen_story_ids = sorted({int(ids[j]) for picks in selection.story for j in picks})
    stories = {s.id: s for s in store.get_stories(chosen_story_ids)}
    interest_ids = [int(iv.ids[r]) for rows in selection.interest for r in rows if r >= 0]
    details = store.interest_details(interest_ids)
    editions = []
    for u in chunk:
        row = index[u.id]
        cards = []
        for j, score_value, irow, is_update, is_top in zip(
            selection.story[row],
            selection.score[row],
            selection.interest[row],
            selection.update[row],
            selection.top[row],
            strict=True,
        ):
            story = stories.get(int(ids[j]))
            if story is None:
                continue
            interest_id = int(iv.ids[irow]) if irow >= 0 else None
            seen = shown.get(u.id, {}).get(story.id)
            cards.append(
                _card(
                    story,
                    vectors[j],
                    float(score_value),
                    interest_id,
                    details.get(interest_id) if interest_id else None,
                    bool(is_update),
                    bool(is_top),
                    seen,
                    u,
                    now,
                )
            )
        editions.append(
            NewEdition(
                user_id=u.id,
                date=day,
                cards=cards,
                quiet=len(cards) < u.edition_size,
                meta={"cutoff": cutoffs[u.id].isoformat(), "candidates": n, "end": END_MARKER},
            )
        )
    return editions


def _card(
    story: Story,
    vector: np.ndarray,
    score_value: float,
    interest_id: int | None,
    detail: dict | None,
    is_update: bool,
    is_top: bool,
    seen: tuple[int, datetime, bool] | None,
    user: User,
    now: datetime,
) -> NewCard:
    changes: list[str] = []
    if is_update and seen is not None:
        changes = [f"{i.publisher}: {i.title}" for i in story.items if i.added_at > seen[1]]
        if not changes:
            changes = [
                f"{story.item_count} report(s) now, from {story.publisher_count} publisher(s)"
            ]
    items = sorted(story.items, key=lambda i: i.published_at, reverse=True)[:MAX_SOURCES]
    return NewCard(
        kind="update" if is_update else ("top" if is_top else "story"),
        story_id=story.id,
        story_version=story.version,
        headline=story.headline or (story.items[0].title if story.items else ""),
        summary=story.summary,
        reason=reason_for(
            detail, story, is_top=is_top, is_update=is_update, seen=seen, timezone=user.timezone
        ),
        interest_id=interest_id,
        interest_label=(detail or {}).get("label", ""),
        sources=[
            {
                "publisher": i.publisher,
                "title": i.title,
                "url": i.url,
                "published_at": i.published_at.isoformat(),
            }
            for i in items
        ],
        changes=changes,
        score=score_value,
        vector=vector,
    )

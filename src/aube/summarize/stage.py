"""The summary stage: every story version without a current summary gets one, once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aube.clock import Clock
from aube.store import Store
from aube.summarize.base import StoryInput, Summarizer, cache_key

BATCH = 256


@dataclass
class SummaryReport:
    summarized: int = 0
    cached: int = 0
    notes: list[str] = field(default_factory=list)  # the backend's events (a replica out)


def summarize_stories(
    store: Store,
    summarizer: Summarizer,
    story_ids: Sequence[int] | None = None,
    *,
    clock: Clock,
    progress: Callable[[int], None] | None = None,
) -> SummaryReport:
    """Summarize the given stories (every story when None) whose current summary is not the
    one for their present members, backend, model and prompt version. A rerun, or a story
    that did not change, costs nothing; a summary already made is reused, not remade."""
    report = SummaryReport()
    state = store.story_hashes(story_ids)
    keys = {sid: cache_key(h, summarizer) for sid, (h, _v, _k) in state.items()}
    todo = sorted(sid for sid, (_h, _v, current) in state.items() if current != keys[sid])
    if progress and story_ids is not None:
        progress(len(story_ids) - len(todo))  # already current: done
    prepare = getattr(summarizer, "prepare", None)
    if prepare is not None:  # a model backend: its cost ledger and tonight's budget
        prepare(store, todo, clock=clock)
    meta_for = getattr(summarizer, "meta_for", None)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        fresh: list[int] = []
        with store.write() as uow:  # the batch's summaries made before: reused, in one go
            for sid in batch:
                cached = uow.summaries.get(keys[sid])
                if cached is None:
                    fresh.append(sid)
                else:
                    uow.summaries.put(keys[sid], sid, state[sid][1], cached, now=clock())
                    report.cached += 1
        with store.read() as uow:
            members = uow.stories.member_map(fresh)
            wanted = [i for sid in fresh for i in members.get(sid, [])]
            by_id = {i.id: i for i in uow.items.get_many(wanted)}
        inputs = []
        for sid in fresh:
            items = sorted(
                (by_id[i] for i in members.get(sid, []) if i in by_id),
                key=lambda i: (i.published_at, i.id),
            )
            inputs.append(StoryInput(sid, state[sid][1], state[sid][0], tuple(items)))
        made = summarizer.summarize(inputs)  # slow (a model): before the write lock
        with store.write() as uow:
            for story, summary in zip(inputs, made, strict=True):
                meta = meta_for(story.story_id) if meta_for is not None else None
                key = keys[story.story_id]
                if meta and meta.get("provisional"):
                    # Made extractive by the budget guard: not the answer for this key, so a
                    # night with budget left writes the real one.
                    key = cache_key(story.content_hash, summarizer, "provisional")
                uow.summaries.put(
                    key, story.story_id, story.version, summary, now=clock(), meta=meta
                )
        report.summarized += len(inputs)
        if progress:
            progress(len(batch))
    notices = getattr(summarizer, "notices", None)
    if notices is not None:
        report.notes = list(notices())
    return report

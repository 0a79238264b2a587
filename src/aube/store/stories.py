"""Stories: clusters of items across publishers, persisted across days, and what ranking reads
of them (their summaries are ``aube.store.summaries``)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select, update

from aube.errors import NotFound
from aube.store.base import Repo, chunks, row_dict
from aube.store.embeddings import from_blob, to_blob
from aube.store.items import publisher_key, publisher_name
from aube.store.schema import items, sources, stories, story_items, summaries
from aube.types import Story, StoryItem


@dataclass
class StoryState:
    """What clustering needs to know about a story to let new items join it."""

    story_id: int  # negative: a story that does not exist yet
    first_seen: datetime
    last_seen: datetime
    centroid: np.ndarray
    size: int
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A story as the ranking sees it."""

    id: int
    vector: np.ndarray
    publishers: int
    last_seen: datetime
    version: int
    sources: frozenset[int]
    text: str  # headline, summary and every item's title: what typed topics are matched against


def members_hash(content_hashes: Sequence[str]) -> str:
    """The key of one version of a story: its members' contents, whatever their order."""
    return hashlib.sha256("\n".join(sorted(content_hashes)).encode()).hexdigest()


class StoriesRepo(Repo):
    def open_states(self, *, since: datetime, model: str) -> list[StoryState]:
        """Stories seen since ``since`` and clustered with ``model``: those new items may join."""
        query = select(stories).where(stories.c.last_seen >= since, stories.c.model == model)
        conn = self.conn
        return [
            StoryState(
                story_id=r.id,
                first_seen=r.first_seen,
                last_seen=r.last_seen,
                centroid=from_blob(r.centroid),
                size=r.item_count,
                evidence=dict(r.evidence),
            )
            for r in conn.execute(query)
        ]

    def apply_clustering(
        self,
        states: Sequence[StoryState],
        memberships: Sequence[tuple[int, int]],
        *,
        model: str,
        now: datetime,
    ) -> list[int]:
        """Persist one clustering pass.

        ``states`` are the new or changed stories (negative ids create stories), ``memberships``
        pairs (item_id, story_id) for items placed in this pass. Each story that gained items
        gets one new version. Returns the ids of stories created or changed."""
        tx = self.conn
        ids: dict[int, int] = {}
        for state in states:
            values = {
                "first_seen": state.first_seen,
                "last_seen": state.last_seen,
                "updated_at": now,
                "model": model,
                "centroid": to_blob(state.centroid),
                "evidence": state.evidence,
            }
            if state.story_id < 0:
                ids[state.story_id] = int(
                    tx.execute(
                        insert(stories).values(
                            version=0,
                            item_count=0,
                            publisher_count=0,
                            content_hash="",
                            **values,
                        )
                    ).inserted_primary_key[0]
                )
            else:
                ids[state.story_id] = state.story_id
                tx.execute(update(stories).where(stories.c.id == state.story_id).values(**values))
        grown: set[int] = set()
        rows = []
        for item_id, ref in memberships:
            story_id = ids.get(ref, ref)
            grown.add(story_id)
            rows.append({"item_id": item_id, "story_id": story_id, "added_at": now, "version": 0})
        versions = (
            dict(
                tx.execute(
                    select(stories.c.id, stories.c.version).where(stories.c.id.in_(sorted(grown)))
                ).all()
            )
            if grown
            else {}
        )
        for row in rows:
            row["version"] = versions[row["story_id"]] + 1
        for part in chunks(rows, 500):
            tx.execute(insert(story_items), list(part))
        if grown:
            tx.execute(
                update(stories)
                .where(stories.c.id.in_(sorted(grown)))
                .values(version=stories.c.version + 1)
            )
        self.recount(sorted(grown), now=now)
        return sorted(set(ids.values()) | grown)

    def recount(self, story_ids: Sequence[int], *, now: datetime) -> None:
        """Recompute the counts, members hash and time span of these stories after their
        members changed; a story left without members is deleted."""
        if not story_ids:
            return
        conn = self.conn
        members: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
        for part in chunks(list(story_ids)):
            query = (
                select(
                    story_items.c.story_id,
                    items.c.content_hash,
                    sources.c.site_url,
                    sources.c.url,
                    items.c.published_at,
                )
                .join(items, items.c.id == story_items.c.item_id)
                .join(sources, sources.c.id == items.c.source_id)
                .where(story_items.c.story_id.in_(part))
            )
            for sid, h, site, feed, published in conn.execute(query):
                members[sid].append((h, publisher_key(site, feed), published))
        empty = [sid for sid in story_ids if not members.get(sid)]
        if empty:
            conn.execute(delete(stories).where(stories.c.id.in_(empty)))
        for sid, rows in members.items():
            times = [r[2] for r in rows]
            conn.execute(
                update(stories)
                .where(stories.c.id == sid)
                .values(
                    item_count=len(rows),
                    publisher_count=len({r[1] for r in rows}),
                    content_hash=members_hash([r[0] for r in rows]),
                    first_seen=min(times),
                    last_seen=max(times),
                    updated_at=now,
                )
            )

    # -- reading

    def top(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        min_publishers: int = 1,
        limit: int = 50,
        with_items: bool = True,
    ) -> list[Story]:
        """Stories seen in [since, until], most widely covered first, then most recent."""
        query = select(stories.c.id).where(stories.c.publisher_count >= min_publishers)
        if since is not None:
            query = query.where(stories.c.last_seen >= since)
        if until is not None:
            query = query.where(stories.c.first_seen <= until)
        query = query.order_by(
            stories.c.publisher_count.desc(),
            stories.c.item_count.desc(),
            stories.c.last_seen.desc(),
        ).limit(limit)
        conn = self.conn
        ids = list(conn.execute(query).scalars())
        return self.get_many(ids, with_items=with_items)

    def get(self, story_id: int) -> Story:
        found = self.get_many([story_id])
        if not found:
            raise NotFound(f"no story {story_id}")
        return found[0]

    def get_many(self, ids: Sequence[int], *, with_items: bool = True) -> list[Story]:
        """Stories by id in the order asked, each with its current summary and its items."""
        by_id: dict[int, dict[str, Any]] = {}
        members: dict[int, list[StoryItem]] = defaultdict(list)
        conn = self.conn
        for part in chunks(list(ids)):
            query = (
                select(
                    stories,
                    summaries.c.headline,
                    summaries.c.sentences,
                    summaries.c.backend.label("summary_backend"),
                )
                .outerjoin(summaries, summaries.c.key == stories.c.summary_key)
                .where(stories.c.id.in_(part))
            )
            for row in conn.execute(query):
                by_id[row.id] = row_dict(row)
            if not with_items:
                continue
            query = (
                select(
                    story_items.c.story_id,
                    story_items.c.added_at,
                    items.c.id,
                    items.c.title,
                    items.c.url,
                    items.c.published_at,
                    sources.c.title.label("publisher"),
                    sources.c.url.label("feed"),
                )
                .join(items, items.c.id == story_items.c.item_id)
                .join(sources, sources.c.id == items.c.source_id)
                .where(story_items.c.story_id.in_(part))
                .order_by(items.c.published_at, items.c.id)
            )
            for r in conn.execute(query):
                members[r.story_id].append(
                    StoryItem(
                        item_id=r.id,
                        title=r.title,
                        url=r.url or "",
                        publisher=publisher_name(r.publisher, r.feed),
                        published_at=r.published_at,
                        added_at=r.added_at,
                    )
                )
        result = []
        for sid in ids:
            data = by_id.get(sid)
            if data is None:
                continue
            result.append(
                Story(
                    id=sid,
                    first_seen=data["first_seen"],
                    last_seen=data["last_seen"],
                    updated_at=data["updated_at"],
                    version=data["version"],
                    item_count=data["item_count"],
                    publisher_count=data["publisher_count"],
                    headline=data["headline"] or "",
                    summary=" ".join(data["sentences"] or []),
                    summary_backend=data["summary_backend"] or "",
                    items=tuple(members.get(sid, ())),
                )
            )
        return result

    def members(self, story_id: int) -> list[int]:
        conn = self.conn
        return list(
            conn.execute(
                select(story_items.c.item_id).where(story_items.c.story_id == story_id)
            ).scalars()
        )

    def new_since(self, story_id: int, since: datetime) -> list[StoryItem]:
        """What joined the story after ``since``: the "what is new" view."""
        return [i for i in self.get(story_id).items if i.added_at > since]

    def count(self) -> int:
        conn = self.conn
        return int(conn.execute(select(func.count()).select_from(stories)).scalar_one())

    def hashes(self, ids: Sequence[int] | None = None) -> dict[int, tuple[str, int, str | None]]:
        """(members hash, version, current summary key) of each story (all when ``ids`` is None)."""
        cols = (stories.c.id, stories.c.content_hash, stories.c.version, stories.c.summary_key)
        found: dict[int, tuple[str, int, str | None]] = {}
        conn = self.conn
        if ids is None:
            return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(select(*cols))}
        for part in chunks(list(ids)):
            for r in conn.execute(select(*cols).where(stories.c.id.in_(part))):
                found[r[0]] = (r[1], r[2], r[3])
        return found

    def candidates(self, *, since: datetime, until: datetime, model: str) -> list[Candidate]:
        """Stories seen in [since, until] embedded with ``model``, as ranking needs them."""
        query = (
            select(
                stories.c.id,
                stories.c.centroid,
                stories.c.publisher_count,
                stories.c.last_seen,
                stories.c.version,
                summaries.c.headline,
                summaries.c.sentences,
            )
            .outerjoin(summaries, summaries.c.key == stories.c.summary_key)
            .where(
                stories.c.last_seen >= since,
                stories.c.first_seen <= until,
                stories.c.model == model,
            )
            .order_by(stories.c.id)
        )
        conn = self.conn
        rows = conn.execute(query).all()
        source_sets: dict[int, set[int]] = defaultdict(set)
        titles: dict[int, list[str]] = defaultdict(list)
        for part in chunks([r.id for r in rows]):
            for sid, src, title in conn.execute(
                select(story_items.c.story_id, items.c.source_id, items.c.title)
                .join(items, items.c.id == story_items.c.item_id)
                .where(story_items.c.story_id.in_(part))
            ):
                source_sets[sid].add(src)
                titles[sid].append(title)
        return [
            Candidate(
                id=r.id,
                vector=from_blob(r.centroid),
                publishers=r.publisher_count,
                last_seen=r.last_seen,
                version=r.version,
                sources=frozenset(source_sets[r.id]),
                text=" ".join([r.headline or "", *(r.sentences or []), *titles[r.id]]),
            )
            for r in rows
        ]

    def model_of(self, story_id: int) -> str | None:
        conn = self.conn
        return conn.execute(select(stories.c.model).where(stories.c.id == story_id)).scalar()

    def recent_ids(self, since: datetime) -> list[int]:
        conn = self.conn
        return list(
            conn.execute(select(stories.c.id).where(stories.c.last_seen >= since)).scalars()
        )

    def member_map(self, ids: Sequence[int]) -> dict[int, list[int]]:
        """Item ids of each story."""
        found: dict[int, list[int]] = defaultdict(list)
        conn = self.conn
        for part in chunks(list(ids)):
            query = select(story_items.c.story_id, story_items.c.item_id).where(
                story_items.c.story_id.in_(part)
            )
            for sid, iid in conn.execute(query):
                found[sid].append(iid)
        return dict(found)

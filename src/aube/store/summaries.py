"""Summaries, keyed by their cache key (story contents, backend, model, prompt version): a
summary is made once and reused by every story version that asks for the same key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from aube.store.base import Repo
from aube.store.schema import stories, summaries
from aube.types import Summary


class SummariesRepo(Repo):
    def get(self, key: str) -> Summary | None:
        row = self.conn.execute(select(summaries).where(summaries.c.key == key)).first()
        if row is None:
            return None
        return Summary(
            headline=row.headline,
            sentences=tuple(row.sentences),
            key_points=tuple(row.key_points),
            backend=row.backend,
            model=row.model,
            prompt_version=row.prompt_version,
        )

    def put(
        self,
        key: str,
        story_id: int,
        story_version: int,
        summary: Summary,
        *,
        now: datetime,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Store a summary under its cache key (once) and make it the story's current one."""
        conn = self.conn
        exists = conn.execute(select(summaries.c.key).where(summaries.c.key == key)).first()
        if exists is None:
            conn.execute(
                insert(summaries).values(
                    key=key,
                    story_id=story_id,
                    story_version=story_version,
                    backend=summary.backend,
                    model=summary.model,
                    prompt_version=summary.prompt_version,
                    headline=summary.headline,
                    sentences=list(summary.sentences),
                    key_points=list(summary.key_points),
                    meta=meta or {},
                    created_at=now,
                )
            )
        conn.execute(update(stories).where(stories.c.id == story_id).values(summary_key=key))

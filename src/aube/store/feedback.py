"""Feedback: every thumbs, dismissal, save and open a reader gave, as a log they can export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from aube.store.base import Repo, row_dict
from aube.store.schema import feedback_events


class FeedbackRepo(Repo):
    def record(
        self, user_id: int, card_id: int | None, story_id: int | None, action: str, *, now: datetime
    ) -> None:
        conn = self.conn
        conn.execute(
            insert(feedback_events).values(
                user_id=user_id, card_id=card_id, story_id=story_id, action=action, at=now
            )
        )

    def log(self, user_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
        conn = self.conn
        return [
            row_dict(r)
            for r in conn.execute(
                select(feedback_events)
                .where(feedback_events.c.user_id == user_id)
                .order_by(feedback_events.c.id.desc())
                .limit(limit)
            )
        ]

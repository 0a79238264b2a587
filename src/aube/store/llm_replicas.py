"""The cost ledger seen by model replica: which server answered how much of a day, and the
events of the day (a replica taken out, or back), with their words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from aube.store.base import Repo
from aube.store.schema import llm_calls


class LlmReplicaRepo(Repo):
    def usage(self, day: str) -> list[dict[str, Any]]:
        """Per replica on ``day``: calls answered and failed, tokens and model seconds."""
        c = llm_calls.c
        answered = (c.prompt_tokens + c.completion_tokens) > 0
        query = (
            select(
                c.replica,
                func.sum(case((c.ok.is_(True) & answered, 1), else_=0)).label("answered"),
                func.sum(case((c.ok.is_(False) & c.note.is_(None), 1), else_=0)).label("failed"),
                func.coalesce(func.sum(c.prompt_tokens), 0).label("prompt_tokens"),
                func.coalesce(func.sum(c.completion_tokens), 0).label("completion_tokens"),
                func.coalesce(func.sum(c.seconds), 0.0).label("seconds"),
            )
            .where(c.day == day, c.replica.is_not(None), c.note.is_(None))
            .group_by(c.replica)
            .order_by(c.replica)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def events(self, day: str) -> list[tuple[datetime, str, str]]:
        """(when, replica, what happened) for ``day``'s event rows, oldest first."""
        c = llm_calls.c
        query = (
            select(c.at, c.replica, c.note)
            .where(c.day == day, c.note.is_not(None))
            .order_by(c.at, c.id)
        )
        return [(r.at, r.replica or "", r.note) for r in self.conn.execute(query)]

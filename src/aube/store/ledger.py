"""The LLM cost ledger: one row per model call, with what it cost and what it was for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select

from aube.store.base import Repo, chunks
from aube.store.schema import llm_calls


@dataclass(frozen=True)
class LlmCall:
    at: datetime
    stage: str  # shared, per-user
    purpose: str
    backend: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    ok: bool = True
    cached_tokens: int = 0
    story_id: int | None = None
    user_id: int | None = None
    edition_id: int | None = None
    replica: str | None = None  # the server that answered, of several
    note: str | None = None  # an event row's words (a replica taken out or back)


@dataclass(frozen=True)
class Spent:
    tokens: int = 0
    seconds: float = 0.0
    calls: int = 0


class LedgerRepo(Repo):
    def record(self, calls: Sequence[LlmCall]) -> None:
        rows = [asdict(c) | {"day": c.at.date().isoformat()} for c in calls]
        conn = self.conn
        for part in chunks(rows, 500):
            conn.execute(insert(llm_calls), list(part))

    def spent(self, *, since: datetime, stage: str | None = None) -> Spent:
        """Tokens (prompt + completion), seconds and calls recorded since ``since``."""
        query = select(
            func.coalesce(func.sum(llm_calls.c.prompt_tokens + llm_calls.c.completion_tokens), 0),
            func.coalesce(func.sum(llm_calls.c.seconds), 0.0),
            func.count(),
        ).where(llm_calls.c.at >= since)
        if stage is not None:
            query = query.where(llm_calls.c.stage == stage)
        conn = self.conn
        tokens, seconds, count = conn.execute(query).one()
        return Spent(int(tokens), float(seconds), int(count))

    def spent_by_user(self, user_ids: Sequence[int], *, since: datetime) -> dict[int, int]:
        """Tokens of each user's per-user calls since ``since``."""
        found: dict[int, int] = {}
        query = (
            select(
                llm_calls.c.user_id,
                func.sum(llm_calls.c.prompt_tokens + llm_calls.c.completion_tokens),
            )
            .where(llm_calls.c.at >= since)
            .group_by(llm_calls.c.user_id)
        )
        conn = self.conn
        for part in chunks(list(user_ids)):
            for uid, tokens in conn.execute(query.where(llm_calls.c.user_id.in_(part))):
                found[int(uid)] = int(tokens or 0)
        return found

    def days(self, *, limit: int = 30) -> list[str]:
        """Days with model calls, newest first."""
        conn = self.conn
        return list(
            conn.execute(
                select(llm_calls.c.day)
                .group_by(llm_calls.c.day)
                .order_by(llm_calls.c.day.desc())
                .limit(limit)
            ).scalars()
        )

    def usage(self, day: str) -> list[dict[str, Any]]:
        """The day's calls summed by stage, purpose, story, user, edition, backend and model."""
        keys = (
            llm_calls.c.stage,
            llm_calls.c.purpose,
            llm_calls.c.story_id,
            llm_calls.c.user_id,
            llm_calls.c.edition_id,
            llm_calls.c.backend,
            llm_calls.c.model,
        )
        query = (
            select(
                *keys,
                func.count().label("calls"),
                func.sum(llm_calls.c.prompt_tokens).label("prompt_tokens"),
                func.sum(llm_calls.c.completion_tokens).label("completion_tokens"),
                func.sum(llm_calls.c.cached_tokens).label("cached_tokens"),
                func.sum(llm_calls.c.seconds).label("seconds"),
                func.sum(case((llm_calls.c.ok.is_(False), 1), else_=0)).label("failed"),
            )
            .where(llm_calls.c.day == day)
            .group_by(*keys)
        )
        conn = self.conn
        return [dict(r._mapping) for r in conn.execute(query)]

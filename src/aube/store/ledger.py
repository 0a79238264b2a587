"""The LLM cost ledger (one row per model call) and the per-user lines written on cards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update

from aube.store.base import StoreBase, chunks
from aube.store.editions import _card
from aube.store.schema import cards, editions, llm_calls
from aube.types import Card


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


class LedgerMixin(StoreBase):
    def record_llm_calls(self, calls: Sequence[LlmCall]) -> None:
        rows = [asdict(c) | {"day": c.at.date().isoformat()} for c in calls]
        with self.transaction() as conn:
            for part in chunks(rows, 500):
                conn.execute(insert(llm_calls), list(part))

    def llm_spent(self, *, since: datetime, stage: str | None = None) -> Spent:
        """Tokens (prompt + completion), seconds and calls recorded since ``since``."""
        query = select(
            func.coalesce(func.sum(llm_calls.c.prompt_tokens + llm_calls.c.completion_tokens), 0),
            func.coalesce(func.sum(llm_calls.c.seconds), 0.0),
            func.count(),
        ).where(llm_calls.c.at >= since)
        if stage is not None:
            query = query.where(llm_calls.c.stage == stage)
        with self.engine.connect() as conn:
            tokens, seconds, count = conn.execute(query).one()
        return Spent(int(tokens), float(seconds), int(count))

    def llm_spent_by_user(self, user_ids: Sequence[int], *, since: datetime) -> dict[int, int]:
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
        with self.engine.connect() as conn:
            for part in chunks(list(user_ids)):
                for uid, tokens in conn.execute(query.where(llm_calls.c.user_id.in_(part))):
                    found[int(uid)] = int(tokens or 0)
        return found

    def llm_days(self, *, limit: int = 30) -> list[str]:
        """Days with model calls, newest first."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(llm_calls.c.day)
                    .group_by(llm_calls.c.day)
                    .order_by(llm_calls.c.day.desc())
                    .limit(limit)
                ).scalars()
            )

    def llm_usage(self, day: str) -> list[dict[str, Any]]:
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
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # -- per-user lines (cards.personal_line)

    def edition_cards(self, edition_ids: Sequence[int]) -> dict[int, list[Card]]:
        """The cards shown in each edition, in order."""
        found: dict[int, list[Card]] = defaultdict(list)
        with self.engine.connect() as conn:
            for part in chunks(list(edition_ids)):
                rows = conn.execute(
                    select(cards, editions.c.date)
                    .join(editions, editions.c.id == cards.c.edition_id)
                    .where(cards.c.edition_id.in_(part), cards.c.position >= 0)
                    .order_by(cards.c.edition_id, cards.c.position)
                )
                for row in rows:
                    found[row.edition_id].append(_card(row, row.date))
        return dict(found)

    def written_lines(self, story_ids: Sequence[int]) -> dict[tuple[int, int, str], str]:
        """Lines already written for these stories, by (story id, story version, interest
        label in lower case): the same prompt for another reader gets the same answer."""
        found: dict[tuple[int, int, str], str] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(story_ids))):
                query = select(
                    cards.c.story_id,
                    cards.c.story_version,
                    cards.c.interest_label,
                    cards.c.personal_line,
                ).where(cards.c.story_id.in_(part), cards.c.personal_line != "")
                for sid, version, label, line in conn.execute(query):
                    found.setdefault((sid, version, label.strip().lower()), line)
        return found

    def set_personal_lines(self, lines: dict[int, str]) -> None:
        """Write the per-user line of each card id."""
        with self.transaction() as conn:
            for card_id, line in lines.items():
                conn.execute(update(cards).where(cards.c.id == card_id).values(personal_line=line))

"""Editions: one per reader per day, made of cards (``aube.store.cards``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, desc, insert, select, update

from aube.store.base import Repo, chunks
from aube.store.cards import card_from_row
from aube.store.embeddings import to_blob
from aube.store.schema import cards, editions
from aube.types import Edition


@dataclass
class NewCard:
    kind: str
    story_id: int | None
    story_version: int
    headline: str
    summary: str
    reason: str
    interest_id: int | None
    interest_label: str
    sources: list[dict[str, str]]
    changes: list[str]
    score: float
    vector: np.ndarray | None = None


@dataclass
class NewEdition:
    user_id: int
    date: str
    cards: list[NewCard]
    quiet: bool
    meta: dict[str, Any] = field(default_factory=dict)


class EditionsRepo(Repo):
    def save(
        self,
        new: Sequence[NewEdition],
        *,
        now: datetime,
        replace: bool = False,
    ) -> dict[int, int]:
        """Store editions; returns {user_id: edition_id}. One edition per user per day: an
        existing one is kept as it is (a rerun or a second process never makes two), unless
        ``replace`` (the user asked to regenerate), which swaps its cards but keeps saved ones."""
        result: dict[int, int] = {}
        dates = sorted({e.date for e in new})
        tx = self.conn

        def edition_ids() -> dict[tuple[int, str], int]:
            found: dict[tuple[int, str], int] = {}
            for part in chunks([e.user_id for e in new]):
                for uid, date, eid in tx.execute(
                    select(editions.c.user_id, editions.c.date, editions.c.id).where(
                        editions.c.user_id.in_(part), editions.c.date.in_(dates)
                    )
                ):
                    found[(uid, date)] = eid
            return found

        existing = edition_ids()
        # New editions in one statement per chunk (one INSERT per edition was a third of
        # the time of a night's batch), then their ids read back by (user, day).
        fresh = [e for e in new if (e.user_id, e.date) not in existing]
        for part in chunks(
            [
                {
                    "user_id": e.user_id,
                    "date": e.date,
                    "created_at": now,
                    "card_count": len(e.cards),
                    "quiet": e.quiet,
                    "meta": e.meta,
                }
                for e in fresh
            ],
            500,
        ):
            tx.execute(insert(editions), list(part))
        created = edition_ids() if fresh else existing
        card_rows: list[dict[str, Any]] = []
        for ed in new:
            key = (ed.user_id, ed.date)
            eid = existing.get(key)
            if eid is not None and not replace:
                result[ed.user_id] = eid
                continue
            if eid is None:
                eid = created[key]
            else:
                # Regenerate: saved cards stay reachable (in Saved), out of today's list.
                tx.execute(delete(cards).where(cards.c.edition_id == eid, cards.c.saved.is_(False)))
                tx.execute(update(cards).where(cards.c.edition_id == eid).values(position=-1))
                tx.execute(
                    update(editions)
                    .where(editions.c.id == eid)
                    .values(created_at=now, card_count=len(ed.cards), quiet=ed.quiet, meta=ed.meta)
                )
            result[ed.user_id] = eid
            for position, c in enumerate(ed.cards):
                card_rows.append(
                    {
                        "edition_id": eid,
                        "user_id": ed.user_id,
                        "position": position,
                        "kind": c.kind,
                        "story_id": c.story_id,
                        "story_version": c.story_version,
                        "headline": c.headline,
                        "summary": c.summary,
                        "reason": c.reason,
                        "interest_id": c.interest_id,
                        "interest_label": c.interest_label,
                        "sources": c.sources,
                        "changes": c.changes,
                        "score": float(c.score),
                        "vector": to_blob(c.vector) if c.vector is not None else None,
                        "saved": False,
                        "dismissed": False,
                        "feedback": None,
                        "created_at": now,
                    }
                )
        for part in chunks(card_rows, 500):
            tx.execute(insert(cards), list(part))
        return result

    def get(self, user_id: int, date: str) -> Edition | None:
        conn = self.conn
        row = conn.execute(
            select(editions).where(editions.c.user_id == user_id, editions.c.date == date)
        ).first()
        if row is None:
            return None
        rows = conn.execute(
            select(cards)
            .where(cards.c.edition_id == row.id, cards.c.position >= 0)
            .order_by(cards.c.position)
        ).all()
        return Edition(
            id=row.id,
            user_id=user_id,
            date=row.date,
            created_at=row.created_at,
            quiet=row.quiet,
            cards=tuple(card_from_row(r, row.date) for r in rows),
            meta=dict(row.meta),
        )

    def dates(self, user_id: int, *, limit: int = 30) -> list[str]:
        conn = self.conn
        return list(
            conn.execute(
                select(editions.c.date)
                .where(editions.c.user_id == user_id)
                .order_by(desc(editions.c.date))
                .limit(limit)
            ).scalars()
        )

    def existing(self, user_ids: Sequence[int], date: str) -> set[int]:
        found: set[int] = set()
        conn = self.conn
        for part in chunks(list(user_ids)):
            found.update(
                conn.execute(
                    select(editions.c.user_id).where(
                        editions.c.user_id.in_(part), editions.c.date == date
                    )
                ).scalars()
            )
        return found

    def keys(self, dates: Sequence[str]) -> dict[tuple[int, str], tuple[int, int]]:
        """(user_id, date) → (edition id, card count) for the editions of these days."""
        found: dict[tuple[int, str], tuple[int, int]] = {}
        for uid, date, eid, count in self.conn.execute(
            select(editions.c.user_id, editions.c.date, editions.c.id, editions.c.card_count).where(
                editions.c.date.in_(list(dates))
            )
        ):
            found[(uid, date)] = (eid, count)
        return found
